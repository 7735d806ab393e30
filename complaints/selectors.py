"""Reads of cases, scoped by complaints.permissions: one case, the complainant's own, a handler's queue, the
timeline (internal entries only for staff), the categories."""

from typing import Any

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from complaints.labels import ClockKind, ClockLevel
from complaints.models import QUEUE_STATES, Category, Clock, Complaint, ComplaintEvent
from complaints.permissions import complaint_queue_q, complaint_visible_q, roles_in, sees_internal
from registry.models import User


def category_list() -> QuerySet[Category]:
    """Active categories in their display order."""
    return Category.objects.filter(active=True).order_by("position", "code")


def complaint_get_visible(*, user: User, complaint_id: int) -> Complaint:
    """The case, or 404 when it does not exist or `user` may not see it (the same answer)."""
    case = (
        Complaint.objects.filter(complaint_visible_q(user=user), pk=complaint_id)
        .select_related("compound", "category", "unit__building", "unit__entrance", "building")
        .first()
    )
    if case is None:
        raise Http404
    return case


def complaint_list_mine(*, user: User) -> QuerySet[Complaint]:
    """The complainant's own cases, newest first."""
    return (
        Complaint.objects.filter(complainant_id=user.pk)
        .select_related("compound", "category", "unit__building", "unit__entrance", "building")
        .order_by("-submitted_at", "-pk")
    )


def complaint_queue(
    *, user: User, compound: str = "", tier: str = "", status: str = ""
) -> QuerySet[Complaint]:
    """Open cases waiting on `user` as a handler, the soonest running clock first (`next_due`)."""
    cases = Complaint.objects.filter(complaint_queue_q(user=user), status__in=QUEUE_STATES)
    if compound:
        cases = cases.filter(compound__code=compound)
    if tier:
        cases = cases.filter(tier=tier)
    if status:
        cases = cases.filter(status=status)
    # The soonest running clock, one probe of the index `clock_running_due` per case — not a join of every
    # clock grouped over the wide row (bench/complaints.py: 10× slower at a million cases).
    next_due = (
        Clock.objects.filter(complaint=OuterRef("pk"), stopped_at__isnull=True)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return (
        cases.select_related("compound", "category", "unit__building", "unit__entrance", "building")
        .prefetch_related(Prefetch("clocks", queryset=Clock.objects.order_by("due_at", "pk")))
        .annotate(next_due=Subquery(next_due))
        .order_by(F("next_due").asc(nulls_last=True), "submitted_at", "pk")
    )


def complaint_clocks(*, complaint: Complaint) -> list[dict[str, Any]]:
    """The case's clocks for display: kind, label, due time, stop, met, level (frozen once stopped). Reads
    the clocks prefetched in due order when the case comes with them (the queue: one query for the page)."""
    prefetched = getattr(complaint, "_prefetched_objects_cache", {}).get("clocks")
    clocks = (
        prefetched
        if prefetched is not None
        else Clock.objects.filter(complaint=complaint).order_by("due_at", "pk")
    )
    return [
        {
            "kind": c.kind,
            "label": str(ClockKind(c.kind).label),
            "due_at": c.due_at,
            "stopped_at": c.stopped_at,
            "met": c.met,
            "level": c.level,
            "level_label": str(ClockLevel(c.level).label),
        }
        for c in clocks
    ]


def complaint_timeline(*, user: User, complaint: Complaint) -> list[ComplaintEvent]:
    """The case's events in order; internal ones only for those who handle, review or supervise it."""
    events = ComplaintEvent.objects.filter(complaint=complaint).order_by("at", "pk")
    if not sees_internal(user=user, complaint=complaint):
        events = events.filter(public=True)
    return list(events)


def complaint_place(*, user: User, complaint: Complaint) -> dict[str, Any]:
    """Where the case is: the building and common area for everyone who sees it; the flat itself only for the
    complainant, the street office, and handlers when the owner allowed a home visit."""
    roles = roles_in(user=user, complaint=complaint)
    show_unit = complaint.unit is not None and (
        bool(roles & {"complainant", "supervisor"}) or complaint.allow_home_visit
    )
    return {
        "unit": complaint.unit.label if show_unit else None,
        "building": complaint.building.name if complaint.building else None,
        "area": complaint.area or None,
    }
