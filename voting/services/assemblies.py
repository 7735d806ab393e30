"""The lifecycle of an assembly: draft → announced → open → closed → tallied → published (or cancelled)."""

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden, WrongState
from registry.models import Compound, User
from voting.models import Assembly, Candidate, Motion
from voting.permissions import can_run_assembly
from voting.schedule import iso, schedule_check
from voting.services.audit import audit_append
from voting.services.roll import roll_freeze

S = Assembly.Status


@dataclass(frozen=True)
class MotionSpec:
    title: str
    category: int
    seats: int | None = None
    candidates: tuple[str, ...] = ()


def _check_runner(actor: User, compound: Compound) -> None:
    if not can_run_assembly(user=actor, compound=compound):
        raise Forbidden(_("只有小区所在辖区的街道办事处工作人员可以组织业主大会。"), code="forbidden")


def _locked(assembly: Assembly) -> Assembly:
    return Assembly.objects.select_for_update().select_related("compound__community").get(pk=assembly.pk)


POLICY_FIELDS = ("revote", "deemed_consent", "parking_in_area", "proxy_cap", "firm_staff_may_proxy")


def _policy(assembly: Assembly) -> dict[str, Any]:
    return {name: getattr(assembly, name) for name in POLICY_FIELDS}


def _check_particulars(
    *, motions: list[MotionSpec], opens_at: dt.datetime, closes_at: dt.datetime, policy: dict[str, Any]
) -> None:
    """The checks a draft's particulars pass, on creation and on every edit."""
    if not motions:
        raise ApplicationError(_("至少需要一项表决事项。"), code="no_motions")
    for m in motions:
        if not 1 <= m.category <= 9:
            raise ApplicationError(_("事项类别须为民法典第二百七十八条第一至九项。"), code="invalid_category")
        if m.seats is not None and (m.seats < 1 or len(m.candidates) < m.seats):
            raise ApplicationError(_("候选人数不得少于应选人数。"), code="too_few_candidates")
    if closes_at <= opens_at:
        raise ApplicationError(_("投票截止时间须晚于开始时间。"), code="invalid_window")
    unknown = set(policy) - set(POLICY_FIELDS)
    if unknown:
        raise ApplicationError(
            _("未知的表决规则：%(keys)s") % {"keys": ", ".join(sorted(unknown))}, code="invalid_policy"
        )


def _write_motions(assembly: Assembly, motions: list[MotionSpec]) -> None:
    for position, m in enumerate(motions, start=1):
        motion = Motion.objects.create(
            assembly=assembly,
            position=position,
            title=m.title,
            category=m.category,
            kind=Motion.Kind.ELECTION if m.seats else Motion.Kind.MATTER,
            seats=m.seats,
        )
        Candidate.objects.bulk_create(
            Candidate(motion=motion, position=i, name=name) for i, name in enumerate(m.candidates, start=1)
        )


def assembly_create(
    *,
    actor: User,
    compound: Compound,
    title: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    motions: list[MotionSpec],
    kind: str = Assembly.Kind.REGULAR,
    policy: dict[str, Any] | None = None,
) -> Assembly:
    """Create a draft with its motions (in the order given); writes the assembly, motions and a log entry."""
    _check_runner(actor, compound)
    policy = policy or {}
    _check_particulars(motions=motions, opens_at=opens_at, closes_at=closes_at, policy=policy)
    with transaction.atomic():
        assembly = Assembly.objects.create(
            compound=compound,
            title=title,
            kind=kind,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=actor,
            receipt_secret=secrets.token_hex(32),
            **policy,
        )
        _write_motions(assembly, motions)
        audit_append(
            assembly=assembly,
            actor=actor,
            action="assembly.create",
            data={"title": title, "motions": len(motions), "policy": _policy(assembly)},
        )
    return assembly


def assembly_draft_update(
    *,
    actor: User,
    assembly: Assembly,
    title: str,
    kind: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    motions: list[MotionSpec],
    policy: dict[str, Any] | None = None,
) -> Assembly:
    """Rewrite a draft's particulars, policy and motions (in the order given; no ballot can reference them
    yet); writes the assembly, its motions and candidates, and a log entry. 409 `wrong_state` once announced."""
    _check_runner(actor, assembly.compound)
    policy = policy or {}
    _check_particulars(motions=motions, opens_at=opens_at, closes_at=closes_at, policy=policy)
    with transaction.atomic():
        a = _locked(assembly)
        if a.status != S.DRAFT:
            raise WrongState(_("会议公告后不能再修改。"), code="wrong_state")
        a.title, a.kind, a.opens_at, a.closes_at = title, kind, opens_at, closes_at
        for name, value in policy.items():
            setattr(a, name, value)
        a.save(update_fields=["title", "kind", "opens_at", "closes_at", *policy])
        Motion.objects.filter(assembly=a).delete()
        _write_motions(a, motions)
        audit_append(
            assembly=a,
            actor=actor,
            action="assembly.update",
            data={"title": title, "motions": len(motions), "policy": _policy(a)},
        )
    return a


def assembly_announce(*, actor: User, assembly: Assembly, now: dt.datetime | None = None) -> Assembly:
    """Publish the notice: check the city's notice and window limits, freeze the roll, log and notify."""
    _check_runner(actor, assembly.compound)
    now = now or timezone.now()
    with transaction.atomic():
        a = _locked(assembly)
        if a.status != S.DRAFT:
            raise WrongState(_("只有草稿状态的会议可以公告。"), code="wrong_state")
        schedule_check(opens_at=a.opens_at, closes_at=a.closes_at, now=now)
        roll = roll_freeze(assembly=a)
        a.status, a.announced_at = S.ANNOUNCED, now
        a.roll_fingerprint, a.area_total, a.heads_total, a.parts_total = (
            roll.fingerprint,
            roll.area_total,
            roll.heads_total,
            roll.parts,
        )
        a.save(
            update_fields=[
                "status",
                "announced_at",
                "roll_fingerprint",
                "area_total",
                "heads_total",
                "parts_total",
            ]
        )
        audit_append(
            assembly=a,
            actor=actor,
            action="roll.freeze",
            data={
                "fingerprint": roll.fingerprint,
                "area_total": str(roll.area_total),
                "heads_total": roll.heads_total,
                "parts": roll.parts,
            },
        )
        audit_append(assembly=a, actor=actor, action="assembly.announce", data={"policy": _policy(a)})
        _notify_on_commit(a, "announced")
    return a


def assembly_reschedule(
    *,
    actor: User,
    assembly: Assembly,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    reason: str,
    now: dt.datetime | None = None,
) -> Assembly:
    """Move the voting window of an announced assembly that has not opened: the new dates are a fresh notice,
    so they meet the city's notice period counted from now and its window limits (400 with the announcement's
    codes). The agenda, policy and frozen roll stay as announced. Writes the dates and a log entry with the old
    and new dates and the reason; owners are told after commit. 409 `wrong_state` unless announced and before
    the opening; 400 `reason_required`, `invalid_window`, `unchanged`."""
    _check_runner(actor, assembly.compound)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请填写改期原因。"), code="reason_required")
    if closes_at <= opens_at:
        raise ApplicationError(_("投票截止时间须晚于开始时间。"), code="invalid_window")
    now = now or timezone.now()
    with transaction.atomic():
        a = _locked(assembly)
        if a.status != S.ANNOUNCED or now >= a.opens_at:
            raise WrongState(_("只有已公告、尚未开始投票的会议可以改期。"), code="wrong_state")
        if (opens_at, closes_at) == (a.opens_at, a.closes_at):
            raise ApplicationError(_("新的投票时间与原定时间相同。"), code="unchanged")
        schedule_check(opens_at=opens_at, closes_at=closes_at, now=now)
        old = {"opens_at": iso(a.opens_at), "closes_at": iso(a.closes_at)}
        a.opens_at, a.closes_at = opens_at, closes_at
        # Only the dates move: the roll frozen at the announcement (and its published fingerprint) stands.
        a.save(update_fields=["opens_at", "closes_at"])
        entry_id = audit_append(
            assembly=a,
            actor=actor,
            action="assembly.reschedule",
            data={
                "old": old,
                "new": {"opens_at": iso(opens_at), "closes_at": iso(closes_at)},
                "notice_at": iso(now),
                "reason": reason[:500],
            },
        )
        _notify_on_commit(a, "rescheduled", audit_entry_id=entry_id)
    # The beat task (voting.advance_assemblies) opens and closes by the stored dates: nothing to re-schedule.
    return a


def assembly_open(*, actor: User | None, assembly: Assembly, now: dt.datetime | None = None) -> Assembly:
    """Open voting once `opens_at` has come (idempotent; 409 before its time or in another state)."""
    if actor is not None:
        _check_runner(actor, assembly.compound)
    now = now or timezone.now()
    with transaction.atomic():
        a = _locked(assembly)
        if a.status == S.OPEN:
            return a
        if a.status != S.ANNOUNCED:
            raise WrongState(_("会议当前状态不能开始投票。"), code="wrong_state")
        if now < a.opens_at:
            raise WrongState(_("尚未到投票开始时间。"), code="too_early")
        a.status, a.opened_at = S.OPEN, now
        a.save(update_fields=["status", "opened_at"])
        audit_append(assembly=a, actor=actor, action="assembly.open")
        _notify_on_commit(a, "opened")
    return a


def assembly_close(*, actor: User | None, assembly: Assembly, now: dt.datetime | None = None) -> Assembly:
    """Close voting once `closes_at` has come (idempotent) and queue the tally after commit."""
    if actor is not None:
        _check_runner(actor, assembly.compound)
    now = now or timezone.now()
    with transaction.atomic():
        a = _locked(assembly)  # waits for ballots in flight (they hold a share lock on the row)
        if a.status in (S.CLOSED, S.TALLIED, S.PUBLISHED):
            return a
        if a.status != S.OPEN:
            raise WrongState(_("会议当前状态不能截止投票。"), code="wrong_state")
        if now < a.closes_at:
            raise WrongState(_("尚未到投票截止时间。"), code="too_early")
        a.status, a.closed_at = S.CLOSED, now
        a.save(update_fields=["status", "closed_at"])
        audit_append(assembly=a, actor=actor, action="assembly.close")
        from voting.tasks import tally_assembly

        transaction.on_commit(lambda: tally_assembly.delay(assembly_id=a.pk))
    return a


def assembly_cancel(*, actor: User, assembly: Assembly, reason: str) -> Assembly:
    """Cancel before voting opens; writes the state and a log entry."""
    _check_runner(actor, assembly.compound)
    with transaction.atomic():
        a = _locked(assembly)
        if a.status not in (S.DRAFT, S.ANNOUNCED):
            raise WrongState(_("投票开始后不能取消会议。"), code="wrong_state")
        a.status, a.cancelled_at = S.CANCELLED, timezone.now()
        a.save(update_fields=["status", "cancelled_at"])
        audit_append(assembly=a, actor=actor, action="assembly.cancel", data={"reason": reason[:500]})
    return a


def assembly_publish(*, actor: User, assembly: Assembly) -> Assembly:
    """Publish the tallied result; the certificate becomes public to the compound's owners."""
    _check_runner(actor, assembly.compound)
    with transaction.atomic():
        a = _locked(assembly)
        if a.status == S.PUBLISHED:
            return a
        if a.status != S.TALLIED:
            raise WrongState(_("计票完成后才能公布结果。"), code="wrong_state")
        a.status, a.published_at = S.PUBLISHED, timezone.now()
        a.save(update_fields=["status", "published_at"])
        audit_append(assembly=a, actor=actor, action="assembly.publish")
        _notify_on_commit(a, "published")
    return a


def _notify_on_commit(assembly: Assembly, kind: str, *, audit_entry_id: int | None = None) -> None:
    from voting.tasks import notify_owners

    extra = {"audit_entry_id": audit_entry_id} if audit_entry_id is not None else {}
    transaction.on_commit(lambda: notify_owners.delay(assembly_id=assembly.pk, kind=kind, **extra))
