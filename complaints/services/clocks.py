"""The 2341 clocks of a case, computed from its timeline (complaints.md "Clocks").

Every clock starts at submission (a late sign-off gains nothing) and stops at its event:
  respond        the first public entry by a handler, reviewer or the street office (a visible reply);
  plan           the first `dispatched` (a plan and a handler assigned);
  written_reply  (major cases) the first public entry with text by a handler or the street office;
  resolve        the first `resolved`; paused while the case waits for the complainant;
  verify         the first `verified`;
  return_visit   the first return visit logged by the street office.
A case that ends otherwise (rejected, merged, cancelled) stops its running clocks there. Lengths come from
the policy rows in force at submission; extensions add time; working-day clocks use the staff-edited
calendar (registry.calendar). `met`/`level` are frozen once a clock stops, and reports read the frozen values.
At 100 % a clock is breached and the case goes up one tier per further period (督办), logged in the timeline.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.labels import ClockKind, ClockLevel, EventKind, Role, Severity, Status, Tier
from complaints.models import Clock, ClockExtension, ClockPolicy, Complaint, ComplaintEvent
from complaints.rules import tier_above
from complaints.services.notifications import complaint_notify_later
from registry.calendar import CALENDAR_LOOKAHEAD, ClockSpec, clock_state
from registry.selectors import working_calendar_load

STAFF_ROLES = {Role.FIRM, Role.COMMITTEE, Role.OFFICIAL}
ENDS = {Status.REJECTED, Status.MERGED, Status.CANCELLED}
MAJOR_ONLY = {ClockKind.WRITTEN_REPLY}
PAUSED_BY_WAITING = {ClockKind.RESOLVE}
CHECK_HORIZON = dt.timedelta(hours=1)  # at most this long between checks of a clock whose thresholds move


def policy_for(*, case: Complaint, kind: str) -> ClockPolicy | None:
    """The most specific policy row in force at the case's submission (category, severity, tier; an empty
    field matches anything), the latest `valid_from` among equals."""
    rows = ClockPolicy.objects.filter(kind=kind, valid_from__lte=case.submitted_at).filter(
        Q(category__isnull=True) | Q(category_id=case.category_id),
        Q(severity="") | Q(severity=case.severity),
        Q(tier="") | Q(tier=case.first_tier),
    )

    def specificity(p: ClockPolicy) -> tuple[int, dt.datetime]:
        return ((p.category_id is not None) + bool(p.severity) + bool(p.tier), p.valid_from)

    return max(rows, key=specificity, default=None)


def clocks_start(*, case: Complaint) -> list[Clock]:
    """Create the case's clocks at filing (caller's transaction), each with its policy row."""
    clocks = []
    for kind in ClockKind.values:
        if kind in MAJOR_ONLY and case.severity != Severity.MAJOR:
            continue
        policy = policy_for(case=case, kind=kind)
        if policy is None:
            continue
        clocks.append(
            Clock(
                complaint=case,
                kind=kind,
                policy=policy,
                started_at=case.submitted_at,
                due_at=case.submitted_at,
            )
        )
    Clock.objects.bulk_create(clocks)
    clocks_refresh(case=case, now=timezone.now())
    return clocks


def _stops(events: list[ComplaintEvent]) -> dict[str, dt.datetime]:
    """Where each clock stops, read off the timeline."""
    stops: dict[str, dt.datetime] = {}

    def first(kind: str, at: dt.datetime) -> None:
        stops.setdefault(kind, at)

    for e in events:
        staff = e.role in STAFF_ROLES
        if staff and e.public and e.kind != EventKind.FILED:
            first(ClockKind.RESPOND, e.at)
            if e.text:
                first(ClockKind.WRITTEN_REPLY, e.at)
        if e.to_status == Status.DISPATCHED:
            first(ClockKind.PLAN, e.at)
        if e.to_status == Status.RESOLVED:
            first(ClockKind.RESOLVE, e.at)
        if e.to_status == Status.VERIFIED:
            first(ClockKind.VERIFY, e.at)
        if e.kind == EventKind.RETURN_VISIT:
            first(ClockKind.RETURN_VISIT, e.at)
        if e.to_status in ENDS:
            for kind in ClockKind.values:
                first(kind, e.at)
    return stops


def _waiting(events: list[ComplaintEvent]) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """The spans the case spent waiting for the complainant."""
    spans: list[tuple[dt.datetime, dt.datetime | None]] = []
    for e in events:
        if e.to_status == Status.WAITING:
            spans.append((e.at, None))
        elif e.from_status == Status.WAITING and spans and spans[-1][1] is None:
            spans[-1] = (spans[-1][0], e.at)
    return spans


def _extensions(rows: Iterable[ClockExtension]) -> list[dt.timedelta | int]:
    out: list[dt.timedelta | int] = []
    for x in rows:
        if x.minutes:
            out.append(dt.timedelta(minutes=x.minutes))
        if x.working_days:
            out.append(int(x.working_days))
    return out


def _check_at(clock: Clock, state, now: dt.datetime) -> dt.datetime | None:  # noqa: ANN001 - ClockState
    """When the clock's level may change next: its next threshold for an unpaused wall clock, else within
    the hour (working-day clocks and pauses move thresholds off the wall-clock line)."""
    if state.frozen:
        return None
    budget = clock.due_at - clock.started_at
    marks = {
        ClockLevel.OK: clock.started_at + budget * 0.5,
        ClockLevel.WARN50: clock.started_at + budget * 0.8,
        ClockLevel.WARN80: clock.due_at,
        ClockLevel.BREACHED: clock.due_at + budget * (state.overdue_periods + 1),
    }
    nxt = max(marks[ClockLevel(state.level)], now)
    if clock.policy.unit != "wall" or clock.kind in PAUSED_BY_WAITING:
        nxt = min(nxt, now + CHECK_HORIZON)
    return nxt


def clocks_refresh(*, case: Complaint, now: dt.datetime) -> list[Clock]:
    """Recompute the case's clocks from its timeline (caller's transaction); escalate one tier per further
    breached period of the resolve clock (督办), logged. Returns the clocks."""
    clocks = list(Clock.objects.filter(complaint=case).select_related("policy").order_by("pk"))
    if not clocks:
        return clocks
    events = list(ComplaintEvent.objects.filter(complaint=case).order_by("at", "pk"))
    extensions: dict[int, list[ClockExtension]] = {}
    for x in ClockExtension.objects.filter(clock__complaint=case):
        extensions.setdefault(x.clock_id, []).append(x)
    stops, waiting = _stops(events), _waiting(events)
    start = timezone.localtime(case.submitted_at).date()
    calendar = working_calendar_load(first=start, last=(timezone.localtime(now) + CALENDAR_LOOKAHEAD).date())
    escalate_to = 0
    levels_before = {c.pk: c.level for c in clocks}
    for clock in clocks:
        state = clock_state(
            started_at=clock.started_at,
            spec=ClockSpec(kind=clock.policy.unit, amount=clock.policy.amount),
            pauses=waiting if clock.kind in PAUSED_BY_WAITING else (),
            extensions=_extensions(extensions.get(clock.pk, [])),
            stopped_at=stops.get(clock.kind),
            now=now,
            calendar=calendar,
        )
        clock.due_at, clock.stopped_at, clock.met = state.due_at, stops.get(clock.kind), state.met
        clock.level, clock.overdue_periods = state.level, state.overdue_periods
        clock.check_at = _check_at(clock, state, now)
        if clock.kind == ClockKind.RESOLVE and state.level == ClockLevel.BREACHED:
            escalate_to = state.overdue_periods + 1
    Clock.objects.bulk_update(clocks, ["due_at", "stopped_at", "met", "level", "overdue_periods", "check_at"])
    by_kind = {c.kind: c for c in clocks}
    Complaint.objects.filter(pk=case.pk).update(
        respond_met=by_kind[ClockKind.RESPOND].met if ClockKind.RESPOND in by_kind else None,
        resolve_met=by_kind[ClockKind.RESOLVE].met if ClockKind.RESOLVE in by_kind else None,
        clocks_breached=sum(c.level == ClockLevel.BREACHED for c in clocks),
        clocks_total=len(clocks),
        next_due=min((c.due_at for c in clocks if c.stopped_at is None), default=None),
    )
    raised = _supervise(case, levels=escalate_to)
    alarmed = any(
        c.level != levels_before[c.pk] and c.level in (ClockLevel.WARN80, ClockLevel.BREACHED) for c in clocks
    )
    if raised or alarmed:  # only then has anyone something new to hear (the delivery keys skip repeats)
        complaint_notify_later(complaint_id=case.pk)
    return clocks


def _supervise(case: Complaint, *, levels: int) -> bool:
    """督办: the case stands `levels` tiers above its first tier once its resolve clock is breached (one at
    the breach, one more per further period), never lowered; each raise is a timeline entry. Whether it rose."""
    if levels <= 0 or case.status not in (
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.WAITING,
        Status.RETURNED,
    ):
        return False
    order = [Tier.BUTLER, Tier.COMMITTEE, Tier.STREET]
    target = order[min(order.index(Tier(case.first_tier)) + levels, len(order) - 1)]
    raised, raised_by = False, 0
    while order.index(Tier(case.tier)) < order.index(target):
        case.tier = tier_above(case.tier)
        ComplaintEvent.objects.create(
            complaint=case,
            at=timezone.now(),
            actor=None,
            role=Role.SYSTEM,
            kind=EventKind.ESCALATION,
            tier=case.tier,
            public=True,
            text=_("解决时限已超，升级督办"),
        )
        raised, raised_by = True, raised_by + 1
    if raised:
        Complaint.objects.filter(pk=case.pk).update(
            tier=case.tier, escalations=F("escalations") + raised_by, updated_at=timezone.now()
        )
    return raised


def clock_extend(*, actor, clock: Clock, reason: str, minutes: int = 0, working_days: int = 0) -> Clock:  # noqa: ANN001
    """More time on a running clock, by the street office over the compound with a reason; logged."""
    from complaints.permissions import roles_in
    from config.errors import ApplicationError, Forbidden, WrongState

    with transaction.atomic():
        case = Complaint.objects.select_for_update().get(pk=clock.complaint_id)
        if "supervisor" not in roles_in(user=actor, complaint=case):
            raise Forbidden(_("延期须由街道工作人员批准。"), code="forbidden")
        clock = Clock.objects.select_related("policy").get(pk=clock.pk)
        if clock.stopped_at is not None:
            raise WrongState(_("该时限已停止，不能延期。"), code="clock_stopped")
        reason = (reason or "").strip()
        if not reason:
            raise ApplicationError(_("请填写延期理由。"), code="reason_required", extra={"field": "reason"})
        if minutes <= 0 and working_days <= 0:
            raise ApplicationError(_("请填写延长的时间。"), code="invalid", extra={"field": "minutes"})
        # a clock is extended in its own unit: minutes of wall time, or whole working days
        wrong = "working_days" if clock.policy.unit == "wall" and working_days else None
        wrong = wrong or ("minutes" if clock.policy.unit != "wall" and minutes else None)
        if wrong:
            raise ApplicationError(
                _("该时限按%(unit)s计，请按同样的单位延长。") % {"unit": clock.policy.get_unit_display()},
                code="invalid_extension",
                extra={"field": wrong, "unit": clock.policy.unit},
            )
        now = timezone.now()
        ClockExtension.objects.create(
            clock=clock,
            minutes=minutes,
            working_days=working_days,
            reason=reason,
            granted_by=actor,
            granted_at=now,
        )
        ComplaintEvent.objects.create(
            complaint=case,
            at=now,
            actor=actor,
            role=Role.OFFICIAL,
            kind=EventKind.EXTENSION,
            tier=case.tier,
            public=True,
            text=f"{clock.get_kind_display()}：{reason}",
            data={"clock": clock.kind, "minutes": minutes, "working_days": working_days},
        )
        clocks_refresh(case=case, now=now)
    return Clock.objects.get(pk=clock.pk)


def clocks_check_due(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """The beat's pass: recompute the running clocks whose level may have changed (`check_at` passed), one
    case at a time, each in its own transaction. Returns how many cases were refreshed."""
    now = now or timezone.now()
    case_ids = list(
        Clock.objects.filter(stopped_at__isnull=True, check_at__lte=now)
        .order_by("check_at")
        .values_list("complaint_id", flat=True)
        .distinct()[:limit]
    )
    for case_id in dict.fromkeys(case_ids):
        with transaction.atomic():
            case = Complaint.objects.select_for_update().get(pk=case_id)
            clocks_refresh(case=case, now=now)
    return len(set(case_ids))
