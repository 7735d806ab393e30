"""The audit row that every registry write adds in its own transaction."""

from typing import Any

from django.db import models

from registry.models import AuditEvent, User
from registry.permissions import COMPOUND_PATH, compound_of


def _compound_of(target: models.Model) -> int | None:
    return compound_of(target) if type(target) in COMPOUND_PATH else None


def audit_record(
    *,
    actor: User | None,
    verb: str,
    target: models.Model,
    data: dict[str, Any] | None = None,
    compound_id: int | None = None,
) -> AuditEvent:
    """Insert one AuditEvent naming the actor, the verb, the target and the compound it belongs to (found from
    the target, or given for targets that belong to none by themselves, such as an owner signing up); no
    plain identifiers in `data`."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        compound_id=compound_id if compound_id is not None else _compound_of(target),
        data=data or {},
    )
