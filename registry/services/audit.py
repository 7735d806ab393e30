"""The audit row that every registry write adds in its own transaction."""

from typing import Any

from django.db import models

from registry.models import AuditEvent, User


def audit_record(
    *, actor: User | None, verb: str, target: models.Model, data: dict[str, Any] | None = None
) -> AuditEvent:
    """Insert one AuditEvent naming the actor, the verb and the target (no plain identifiers in `data`)."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
    )
