"""Ballots: owners vote online, officials enter paper ballots against the same roll.

Every submission is kept (append-only); the counted ballot per subject follows the revote policy and a
unique constraint guarantees one per (assembly, subject). The server stamps `cast_at`. Every refusal is
recorded with its code (api.md): `not_open` (409), `not_on_roll` (403), `not_designated_voter` (403),
`already_voted` (409), `incomplete_ballot` (400), `invalid_choice` (400).
"""

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden, WrongState
from registry.models import User
from voting.models import (
    Assembly,
    BallotSubmission,
    CountedBallot,
    Motion,
    RollPart,
    VoteRefusal,
    VotingSubject,
)
from voting.permissions import can_run_assembly
from voting.selectors import voter_standing
from voting.services.audit import audit_append_many
from voting.services.scans import scan_check

CHOICES = ("for", "against", "abstain")
SHORT_RECEIPT_LENGTH = 8  # the 短码 shown under a receipt: its first 8 hex characters (32 bits)
ONE_COUNTED_BALLOT = "one_counted_ballot_per_subject"  # voting.models.CountedBallot


@dataclass(frozen=True)
class CastResult:
    receipt: str
    cast_at: dt.datetime
    unit_numbers: list[str]
    receipts: dict[str, str]  # subject key → receipt (an owner may cast for several subjects)


def _refuse(assembly: Assembly, user: User | None, error: ApplicationError) -> None:
    VoteRefusal.objects.create(assembly=assembly, user=user if user and user.pk else None, code=error.code)
    raise error


@dataclass(frozen=True)
class _Agenda:
    """The motions of an assembly as a ballot needs them (immutable once announced)."""

    motions: tuple[Motion, ...]


@lru_cache(maxsize=256)
def _announced_agenda(assembly_id: int) -> _Agenda:
    return _Agenda(
        motions=tuple(
            Motion.objects.filter(assembly_id=assembly_id).prefetch_related("candidates").order_by("position")
        )
    )


def normalise_choices(*, assembly: Assembly, choices: Any) -> dict[str, Any]:
    """Every motion answered with for/against/abstain (elections: per candidate); returns canonical choices."""
    if not isinstance(choices, dict):
        raise ApplicationError(_("表决内容格式不正确。"), code="invalid_choice")
    if assembly.status in (Assembly.Status.DRAFT, Assembly.Status.CANCELLED):
        motions = list(assembly.motions.prefetch_related("candidates").order_by("position"))
    else:  # motions cannot change after announcement: read them once per process
        motions = list(_announced_agenda(assembly.pk).motions)
    expected = {str(m.pk) for m in motions}
    given = {str(k) for k in choices}
    if given - expected:
        raise ApplicationError(_("表决内容含有不属于本次会议的事项。"), code="invalid_choice")
    if given != expected:
        raise ApplicationError(
            _("请对全部 %(n)s 项表决事项作出选择。") % {"n": len(expected)},
            code="incomplete_ballot",
            extra={"missing": sorted(expected - given, key=int)},
        )
    canonical: dict[str, Any] = {}
    for m in motions:
        value = choices.get(str(m.pk), choices.get(m.pk))
        if m.kind == Motion.Kind.ELECTION:
            names = {str(c.pk) for c in m.candidates.all()}
            if not isinstance(value, dict) or {str(k) for k in value} != names:
                raise ApplicationError(_("请对每位候选人作出选择。"), code="incomplete_ballot")
            if any(v not in CHOICES for v in value.values()):
                raise ApplicationError(_("选项只能是同意、反对或弃权。"), code="invalid_choice")
            canonical[str(m.pk)] = {str(k): value[k] for k in sorted(value, key=lambda k: int(k))}
        else:
            if value not in CHOICES:
                raise ApplicationError(_("选项只能是同意、反对或弃权。"), code="invalid_choice")
            canonical[str(m.pk)] = value
    return canonical


def receipt_for(
    *, assembly_id: int, secret: str, subject_key: str, choices: dict[str, Any], cast_at: dt.datetime
) -> str:
    """HMAC over assembly, subject, choices and time with the assembly's server secret."""
    body = json.dumps(
        [assembly_id, subject_key, choices, cast_at.isoformat()], sort_keys=True, separators=(",", ":")
    )
    return hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


_LOCK_SUBJECTS_SQL = """
SELECT s.id, s.key,
       (SELECT array_agg(rp.unit_number ORDER BY rp.unit_number) FROM voting_rollpart rp WHERE rp.subject_id = s.id)
  FROM voting_votingsubject s WHERE s.id = ANY(%s) ORDER BY s.id FOR UPDATE OF s
"""

# Append the submissions and point each subject's counted ballot at its new one. With revote on, an earlier
# counted ballot is replaced; with revote off a second one is a unique violation (`already_voted`), so the
# (assembly, subject) constraint — not only the subject lock taken before — guarantees one counted ballot.
_APPEND_SQL = """
WITH sub AS (
  INSERT INTO voting_ballotsubmission
         (assembly_id, subject_id, channel, submitted_by_id, choices, cast_at, receipt, note, scan)
  SELECT %(assembly)s, x.subject_id, %(channel)s, %(actor)s, %(choices)s::jsonb, %(now)s, x.receipt, %(note)s, %(scan)s
    FROM unnest(%(subjects)s::bigint[], %(receipts)s::text[]) AS x(subject_id, receipt)
  RETURNING id, subject_id
)
INSERT INTO voting_countedballot (assembly_id, subject_id, submission_id)
SELECT %(assembly)s, subject_id, id FROM sub
"""
_REPLACE_COUNTED = (
    "ON CONFLICT (assembly_id, subject_id) DO UPDATE SET submission_id = EXCLUDED.submission_id"
)


def _stored_scan(scan: Any) -> str:
    """Save an uploaded scan where the model's field would, and return its name."""
    if not scan:
        return ""
    field = BallotSubmission._meta.get_field("scan")
    name = field.generate_filename(None, scan.name)
    return field.storage.save(name, scan, max_length=field.max_length)


def _record(
    *,
    assembly: Assembly,
    actor: User,
    subjects: list[VotingSubject],
    choices: dict[str, Any],
    channel: str,
    note: str = "",
    scan: Any = None,
) -> CastResult:
    """In one transaction: share-lock the assembly (close waits for us), lock the subjects, append the
    submissions, derive the counted ballots, log. Raises `already_voted` when revote is off.

    Written as a handful of SQL statements rather than ORM calls: this is the request every owner makes in
    the same few days, and its cost is what the voting benchmark measures."""
    with transaction.atomic(), connection.cursor() as cur:
        # FOR SHARE: ballots run side by side; closing (FOR UPDATE) waits for the ones in flight.
        cur.execute(
            "SELECT status, opens_at, closes_at, revote, receipt_secret FROM voting_assembly WHERE id = %s FOR SHARE",
            [assembly.pk],
        )
        status, opens_at, closes_at, revote, secret = cur.fetchone()
        now = timezone.now()
        if status != Assembly.Status.OPEN or not (opens_at <= now < closes_at):
            raise WrongState(_("当前不在投票期内。"), code="not_open")
        cur.execute(_LOCK_SUBJECTS_SQL, [[s.pk for s in subjects]])
        locked = cur.fetchall()  # (id, key, unit numbers), in id order
        ids = [row[0] for row in locked]
        # After the lock, in a statement of its own: it sees every ballot committed before we got the lock.
        cur.execute(
            "SELECT subject_id FROM voting_countedballot WHERE assembly_id = %s AND subject_id = ANY(%s)",
            [assembly.pk, ids],
        )
        replaced = {row[0] for row in cur.fetchall()}
        if replaced and not revote:
            raise WrongState(_("您已投票，本次会议不允许改票。"), code="already_voted")
        receipts = {
            key: receipt_for(
                assembly_id=assembly.pk, secret=secret, subject_key=key, choices=choices, cast_at=now
            )
            for _id, key, _units in locked
        }
        cur.execute(
            _APPEND_SQL + (_REPLACE_COUNTED if revote else ""),
            {
                "assembly": assembly.pk,
                "channel": channel,
                "actor": actor.pk,
                "choices": json.dumps(choices),
                "now": now,
                "note": note,
                "scan": _stored_scan(scan),
                "subjects": ids,
                "receipts": [receipts[key] for _id, key, _units in locked],
            },
        )
        audit_append_many(
            assembly_id=assembly.pk,
            actor_id=actor.pk,
            entries=[
                (f"ballot.{channel}", {"subject": key, "receipt": receipts[key], "replaces": sid in replaced})
                for sid, key, _units in locked
            ],
        )
    units = sorted(u for _id, _key, parts in locked for u in parts or [])
    first = next(iter(receipts.values()))
    return CastResult(receipt=first, cast_at=now, unit_numbers=units, receipts=receipts)


def _is_one_counted_ballot_violation(error: IntegrityError) -> bool:
    """Only the one-counted-ballot constraint means "already voted"; any other integrity error is a fault."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == ONE_COUNTED_BALLOT


def _online_standing(*, actor: User, assembly: Assembly, check_voted: bool) -> list[VotingSubject]:
    """The subjects an owner casts for online now, or the refusal recorded and raised."""
    if assembly.status != Assembly.Status.OPEN:
        _refuse(assembly, actor, WrongState(_("当前不在投票期内。"), code="not_open"))
    standing = voter_standing(assembly=assembly, user=actor, check_voted=check_voted)
    if standing.refusal is not None:
        _refuse(assembly, actor, standing.refusal)
    return standing.subjects


def ballot_review(*, actor: User, assembly: Assembly, choices: Any) -> dict[str, Any]:
    """The owner's choices checked as `ballot_cast` would check them, before the owner confirms them on the
    confirmation page; returns them canonical. Writes no ballot; a refusal is recorded and raised as a cast's
    would be (including `already_voted`, read without the lock: the cast decides it for good)."""
    _online_standing(actor=actor, assembly=assembly, check_voted=True)
    try:
        return normalise_choices(assembly=assembly, choices=choices)
    except ApplicationError as error:
        _refuse(assembly, actor, error)
    raise AssertionError("unreachable")


def ballot_cast(*, actor: User, assembly: Assembly, choices: Any) -> CastResult:
    """An owner's online ballot for every subject they cast for; refusals are recorded and raised."""
    subjects = _online_standing(actor=actor, assembly=assembly, check_voted=False)
    try:
        canonical = normalise_choices(assembly=assembly, choices=choices)
        return _record(assembly=assembly, actor=actor, subjects=subjects, choices=canonical, channel="online")
    except ApplicationError as error:
        _refuse(assembly, actor, error)
    except IntegrityError as error:  # a concurrent first ballot for the same subject won the constraint
        if not _is_one_counted_ballot_violation(error):
            raise
        _refuse(assembly, actor, WrongState(_("您已投票，本次会议不允许改票。"), code="already_voted"))
    raise AssertionError("unreachable")


def paper_ballot_enter(
    *, actor: User, assembly: Assembly, unit_number: str, choices: Any, note: str = "", scan: Any = None
) -> CastResult:
    """An official enters a paper ballot for the subject of a unit on the roll, with a note and a scan."""
    if not can_run_assembly(user=actor, compound=assembly.compound):
        raise Forbidden(_("只有组织会议的街道办事处工作人员可以录入纸质票。"), code="forbidden")
    if assembly.status != Assembly.Status.OPEN:
        _refuse(assembly, actor, WrongState(_("当前不在投票期内。"), code="not_open"))
    part = (
        RollPart.objects.filter(assembly=assembly, unit_number=unit_number).select_related("subject").first()
    )
    if part is None:
        _refuse(assembly, actor, Forbidden(_("该房屋不在本次会议的表决名册上。"), code="not_on_roll"))
    assert part is not None
    try:
        scan_check(scan=scan)
        canonical = normalise_choices(assembly=assembly, choices=choices)
        return _record(
            assembly=assembly,
            actor=actor,
            subjects=[part.subject],
            choices=canonical,
            channel="paper",
            note=note,
            scan=scan,
        )
    except ApplicationError as error:
        _refuse(assembly, actor, error)
    except IntegrityError as error:
        if not _is_one_counted_ballot_violation(error):
            raise
        _refuse(
            assembly, actor, WrongState(_("该投票主体已投票，本次会议不允许改票。"), code="already_voted")
        )
    raise AssertionError("unreachable")


def _receipt_outcome(receipt: str, submission: BallotSubmission | None) -> dict[str, Any]:
    if submission is None:
        return {"receipt": receipt, "found": False, "counted": False}
    counted = CountedBallot.objects.filter(submission=submission).exists()
    return {"receipt": receipt, "found": True, "counted": counted, "cast_at": submission.cast_at}


def receipt_check(*, assembly: Assembly, receipt: str) -> dict[str, Any]:
    """Whether a receipt is counted (no choices, no names)."""
    submission = (
        BallotSubmission.objects.filter(assembly=assembly, receipt=receipt).only("pk", "cast_at").first()
    )
    return _receipt_outcome(receipt, submission)


def receipt_check_short(*, assembly: Assembly, short: str) -> dict[str, Any]:
    """Whether the receipt with this short code (its first SHORT_RECEIPT_LENGTH characters) is counted, when
    exactly one submission of the assembly has it; when several have it, `ambiguous` and nothing else (the
    voter is asked for the full receipt). Answers with the short code only, never the full receipt."""
    rows = list(
        BallotSubmission.objects.filter(assembly=assembly, receipt__startswith=short).only("pk", "cast_at")[
            :2
        ]
    )
    if len(rows) > 1:
        return {"receipt": short, "found": False, "counted": False, "ambiguous": True}
    return {**_receipt_outcome(short, rows[0] if rows else None), "ambiguous": False}
