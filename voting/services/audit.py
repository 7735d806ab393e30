"""The assembly's hash-chained log: each entry's hash covers the previous hash and its own content."""

import hashlib
import json
from typing import Any

from django.db import connection
from django.utils import timezone

from registry.models import User
from voting.models import Assembly, AuditEntry

GENESIS = "0" * 64
_LOCK_NAMESPACE = 0x766F7465  # "vote": pg_advisory_xact_lock(namespace, assembly id)


def _digest(
    *, prev_hash: str, seq: int, at: str, actor_id: int | None, action: str, data: dict[str, Any]
) -> str:
    body = json.dumps(
        {"prev": prev_hash, "seq": seq, "at": at, "actor": actor_id, "action": action, "data": data},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def audit_append(
    *, assembly: Assembly, actor: User | None, action: str, data: dict[str, Any] | None = None
) -> AuditEntry:
    """Append one entry to the chain (inside the caller's transaction; serialised per assembly)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, assembly.pk])
    last = AuditEntry.objects.filter(assembly=assembly).order_by("-seq").values("seq", "hash").first()
    seq = (last["seq"] + 1) if last else 1
    prev = last["hash"] if last else GENESIS
    at = timezone.now()
    data = data or {}
    actor_id = actor.pk if actor is not None and actor.pk else None
    return AuditEntry.objects.create(
        assembly=assembly,
        seq=seq,
        at=at,
        actor_id=actor_id,
        action=action,
        data=data,
        prev_hash=prev,
        hash=_digest(prev_hash=prev, seq=seq, at=at.isoformat(), actor_id=actor_id, action=action, data=data),
    )


def audit_verify(*, assembly: Assembly) -> list[str]:
    """Recompute the chain; returns the problems found (empty when intact)."""
    problems, prev = [], GENESIS
    for i, e in enumerate(AuditEntry.objects.filter(assembly=assembly).order_by("seq"), start=1):
        if e.seq != i:
            problems.append(f"entry {e.seq}: expected seq {i}")
        if e.prev_hash != prev:
            problems.append(f"entry {e.seq}: previous hash does not match")
        expected = _digest(
            prev_hash=e.prev_hash,
            seq=e.seq,
            at=e.at.isoformat(),
            actor_id=e.actor_id,
            action=e.action,
            data=e.data,
        )
        if expected != e.hash:
            problems.append(f"entry {e.seq}: hash does not match its content")
        prev = e.hash
    return problems
