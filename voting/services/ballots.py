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

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden, WrongState
from registry.models import Ownership, User
from voting.models import (
    Assembly,
    BallotSubmission,
    CountedBallot,
    Motion,
    ProxyMandate,
    RollPart,
    VoteRefusal,
    VotingSubject,
)
from voting.permissions import can_run_assembly
from voting.services.audit import audit_append

CHOICES = ("for", "against", "abstain")


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
    *, assembly: Assembly, subject_key: str, choices: dict[str, Any], cast_at: dt.datetime
) -> str:
    """HMAC over assembly, subject, choices and time with the assembly's server secret."""
    body = json.dumps(
        [assembly.pk, subject_key, choices, cast_at.isoformat()], sort_keys=True, separators=(",", ":")
    )
    return hmac.new(assembly.receipt_secret.encode(), body.encode(), hashlib.sha256).hexdigest()


def subjects_for_voter(*, assembly: Assembly, user: User) -> list[VotingSubject]:
    """The roll subjects this account casts for: as the frozen voter, or as the new holder of a part
    transferred after the roll froze when its subject has no counted ballot (voting.md, "The roll"), and as
    proxy under a recorded mandate."""
    # Subjects whose written mandate names this account as proxy.
    proxied = list(
        VotingSubject.objects.filter(
            assembly=assembly,
            pk__in=ProxyMandate.objects.filter(assembly=assembly, proxy=user).values("subject_id"),
        )
    )
    owner = getattr(user, "owner", None)
    if owner is None:
        return proxied
    subjects = [*VotingSubject.objects.filter(assembly=assembly, voter=owner), *proxied]
    newly = list(
        Ownership.objects.filter(
            owner=owner, valid_to__isnull=True, valid_from__gt=assembly.announced_at
        ).values_list("unit_id", flat=True)
    )
    if not newly:  # the common case: no title acquired since the roll froze
        return subjects
    counted = CountedBallot.objects.filter(assembly=assembly, subject=OuterRef("pk"))
    successors = (
        VotingSubject.objects.filter(assembly=assembly, parts__unit_id__in=newly)
        .exclude(voter=owner)
        .exclude(Exists(counted))
        .distinct()
    )
    return subjects + list(successors)


def _is_co_owner_on_roll(*, assembly: Assembly, user: User) -> bool:
    owner = getattr(user, "owner", None)
    if owner is None:
        return False
    units = Ownership.objects.filter(owner=owner, valid_to__isnull=True).values("unit_id")
    return RollPart.objects.filter(
        assembly=assembly, unit_id__in=units, subject__kind=VotingSubject.Kind.CO_OWNED
    ).exists()


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
    submissions, derive the counted ballots, log. Raises `already_voted` when revote is off."""
    with transaction.atomic():
        # FOR SHARE: ballots run side by side; closing (FOR UPDATE) waits for the ones in flight.
        a = Assembly.objects.raw(
            "SELECT id, status, opens_at, closes_at, revote, receipt_secret FROM voting_assembly WHERE id = %s FOR SHARE",
            [assembly.pk],
        )[0]
        now = timezone.now()
        if a.status != Assembly.Status.OPEN or not (a.opens_at <= now < a.closes_at):
            raise WrongState(_("当前不在投票期内。"), code="not_open")
        locked = list(
            VotingSubject.objects.select_for_update().filter(pk__in=[s.pk for s in subjects]).order_by("pk")
        )
        counted = dict(
            CountedBallot.objects.filter(assembly=a, subject__in=locked).values_list("subject_id", "pk")
        )
        if counted and not a.revote:
            raise WrongState(_("您已投票，本次会议不允许改票。"), code="already_voted")
        receipts: dict[str, str] = {}
        for subject in locked:
            receipt = receipt_for(assembly=a, subject_key=subject.key, choices=choices, cast_at=now)
            submission = BallotSubmission.objects.create(
                assembly=a,
                subject=subject,
                channel=channel,
                submitted_by=actor,
                choices=choices,
                cast_at=now,
                receipt=receipt,
                note=note,
                scan=scan or "",
            )
            if subject.pk in counted:
                CountedBallot.objects.filter(pk=counted[subject.pk]).update(submission=submission)
            else:
                CountedBallot.objects.create(assembly=a, subject=subject, submission=submission)
            receipts[subject.key] = receipt
            audit_append(
                assembly=a,
                actor=actor,
                action=f"ballot.{channel}",
                data={"subject": subject.key, "receipt": receipt, "replaces": subject.pk in counted},
            )
        units = list(
            RollPart.objects.filter(subject__in=locked)
            .order_by("unit_number")
            .values_list("unit_number", flat=True)
        )
    first = next(iter(receipts.values()))
    return CastResult(receipt=first, cast_at=now, unit_numbers=units, receipts=receipts)


def ballot_cast(*, actor: User, assembly: Assembly, choices: Any) -> CastResult:
    """An owner's online ballot for every subject they cast for; refusals are recorded and raised."""
    if assembly.status != Assembly.Status.OPEN:
        _refuse(assembly, actor, WrongState(_("当前不在投票期内。"), code="not_open"))
    subjects = subjects_for_voter(assembly=assembly, user=actor)
    if not subjects:
        if _is_co_owner_on_roll(assembly=assembly, user=actor):
            _refuse(
                assembly,
                actor,
                Forbidden(
                    _("共有房屋由指定的共有人表决，您不是该房屋的表决代表。"), code="not_designated_voter"
                ),
            )
        _refuse(assembly, actor, Forbidden(_("您不在本次会议的表决名册上。"), code="not_on_roll"))
    try:
        canonical = normalise_choices(assembly=assembly, choices=choices)
        return _record(assembly=assembly, actor=actor, subjects=subjects, choices=canonical, channel="online")
    except ApplicationError as error:
        _refuse(assembly, actor, error)
    except IntegrityError:  # a concurrent first ballot for the same subject won the unique constraint
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
    except IntegrityError:
        _refuse(
            assembly, actor, WrongState(_("该投票主体已投票，本次会议不允许改票。"), code="already_voted")
        )
    raise AssertionError("unreachable")


def receipt_check(*, assembly: Assembly, receipt: str) -> dict[str, Any]:
    """Whether a receipt is counted (no choices, no names)."""
    submission = (
        BallotSubmission.objects.filter(assembly=assembly, receipt=receipt)
        .select_related("counted_as")
        .first()
    )
    if submission is None:
        return {"receipt": receipt, "found": False, "counted": False}
    counted = CountedBallot.objects.filter(submission=submission).exists()
    return {"receipt": receipt, "found": True, "counted": counted, "cast_at": submission.cast_at}
