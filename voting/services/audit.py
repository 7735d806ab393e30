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


_APPEND_SQL = """INSERT INTO voting_auditentry (assembly_id, seq, at, actor_id, action, data, prev_hash, hash)
   SELECT %s, x.seq, %s, %s, x.action, x.data::jsonb, x.prev_hash, x.hash
     FROM unnest(%s::int[], %s::text[], %s::text[], %s::text[], %s::text[])
          AS x(seq, action, data, prev_hash, hash)
    ORDER BY x.seq
   RETURNING id"""


def audit_append_many(
    *, assembly_id: int, actor_id: int | None, entries: list[tuple[str, dict[str, Any]]]
) -> list[int]:
    """Append entries `(action, data)` to the chain in order (inside the caller's transaction; serialised per
    assembly by an advisory lock held to commit). Three statements whatever the number of entries: lock,
    read the head, insert. Returns the new entries' ids."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, assembly_id])
        # A statement of its own, after the lock: it sees the head committed by whoever held the lock before.
        cur.execute(
            "SELECT seq, hash FROM voting_auditentry WHERE assembly_id = %s ORDER BY seq DESC LIMIT 1",
            [assembly_id],
        )
        last = cur.fetchone()
        seq, prev = last if last else (0, GENESIS)
        at = timezone.now()
        rows = []
        for action, data in entries:
            seq += 1
            digest = _digest(
                prev_hash=prev, seq=seq, at=at.isoformat(), actor_id=actor_id, action=action, data=data
            )
            rows.append((seq, action, json.dumps(data, ensure_ascii=False), prev, digest))
            prev = digest
        cur.execute(_APPEND_SQL, [assembly_id, at, actor_id, *(list(col) for col in zip(*rows, strict=True))])
        return [row[0] for row in cur.fetchall()]


def audit_append(
    *, assembly: Assembly, actor: User | None, action: str, data: dict[str, Any] | None = None
) -> int:
    """Append one entry to the chain (inside the caller's transaction; serialised per assembly); its id."""
    actor_id = actor.pk if actor is not None and actor.pk else None
    (entry_id,) = audit_append_many(
        assembly_id=assembly.pk, actor_id=actor_id, entries=[(action, data or {})]
    )
    return entry_id


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
