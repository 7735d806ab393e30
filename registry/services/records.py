"""Staff edits of plain master-data records (compounds, parcels, contracts, buildings, firms, committees…):
saved with an audit row naming the staff member, in one transaction."""

from django.db import models, transaction

from registry.models import User
from registry.services.audit import audit_record


def record_save(*, actor: User, instance: models.Model, changed_fields: list[str]) -> models.Model:
    """Save a record a staff member created or edited; writes the record and one audit row."""
    with transaction.atomic():
        created = instance.pk is None
        instance.save()
        audit_record(
            actor=actor,
            verb=f"{instance._meta.model_name}.{'create' if created else 'change'}",
            target=instance,
            data={"fields": sorted(changed_fields)},
        )
    return instance


def record_delete(*, actor: User, instance: models.Model) -> None:
    """Delete a record a staff member removed (the database refuses it where history depends on it); audited."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            verb=f"{instance._meta.model_name}.delete",
            target=instance,
            data={"str": str(instance)},
        )
        instance.delete()
