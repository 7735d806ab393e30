"""Staff edits of plain master-data records (compounds, parcels, contracts, buildings, firms, committees…):
checked against the change rule (`registry.permissions.may_change`: the row as stored and as it is about to be
saved), saved with an audit row naming the staff member, in one transaction."""

from django.db import models, transaction
from django.utils.translation import gettext as _

from config.errors import Forbidden
from registry.models import Compound, User
from registry.permissions import jurisdiction_changed, may_change
from registry.services.audit import audit_record


def _refuse_outside_jurisdiction(actor: User, instance: models.Model) -> None:
    if not may_change(user=actor, obj=instance):
        raise Forbidden(
            _("您无权修改该记录：它（或修改后的内容）不在您的管辖范围内。"),
            code="forbidden",
            extra={"model": instance._meta.label_lower},
        )


def record_save(*, actor: User, instance: models.Model, changed_fields: list[str]) -> models.Model:
    """Save a record a staff member created or edited; writes the record and one audit row.
    Refusal: 403 `forbidden` when the record, as stored or as edited, is outside the actor's change scope."""
    _refuse_outside_jurisdiction(actor, instance)
    with transaction.atomic():
        created = instance.pk is None
        instance.save()
        if isinstance(instance, Compound):
            jurisdiction_changed(actor)  # its parcels and buildings, saved next, belong to it
        audit_record(
            actor=actor,
            verb=f"{instance._meta.model_name}.{'create' if created else 'change'}",
            target=instance,
            data={"fields": sorted(changed_fields)},
        )
    return instance


def record_delete(*, actor: User, instance: models.Model) -> None:
    """Delete a record a staff member removed (the database refuses it where history depends on it); audited.
    Refusal: 403 `forbidden` outside the actor's change scope."""
    _refuse_outside_jurisdiction(actor, instance)
    with transaction.atomic():
        audit_record(
            actor=actor,
            verb=f"{instance._meta.model_name}.delete",
            target=instance,
            data={"str": str(instance)},
        )
        instance.delete()
