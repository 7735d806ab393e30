"""Reads of cases, scoped by complaints.permissions: one case, the complainant's own, a handler's queue, the
timeline (internal entries only for staff), the moves a user may make, the categories, where an owner may
file, and the public reads behind Open311 (published snap-reports, the handling organisation's name, the API
keys)."""

import datetime as dt
import functools
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints.labels import OPEN_STATES, ClockKind, ClockLevel, EventKind, Kind, Role, Status, Tier
from complaints.models import (
    QUEUE_STATES,
    Category,
    Clock,
    Complaint,
    ComplaintEvent,
    ComplaintPhoto,
    Open311Key,
)
from complaints.permissions import (
    complaint_public_q,
    complaint_queue_q,
    complaint_visible_q,
    roles_in,
    sees_internal,
)
from complaints.rules import move_for, roles_allowed
from registry.models import Building, Compound, Equipment, Photo, Unit, User
from registry.permissions import jurisdiction

# What a case shows in a list (its clocks and photos), fetched once per page rather than once per case.
CASE_PREFETCH = (
    Prefetch(
        "clocks",
        queryset=Clock.objects.only("complaint", "kind", "due_at", "stopped_at", "met", "level").order_by(
            "due_at", "pk"
        ),
    ),
    Prefetch("photos", queryset=ComplaintPhoto.objects.select_related("photo").order_by("position")),
)


def category_list() -> QuerySet[Category]:
    """Active categories in their display order."""
    return Category.objects.filter(active=True).order_by("position", "code")


def complaint_get_visible(*, user: User, complaint_id: int) -> Complaint:
    """The case, or 404 when it does not exist or `user` may not see it (the same answer)."""
    case = (
        Complaint.objects.filter(complaint_visible_q(user=user), pk=complaint_id)
        .select_related("compound", "category", "unit__building", "unit__entrance", "building", "equipment")
        .first()
    )
    if case is None:
        raise Http404
    return case


def complaint_list_mine(*, user: User) -> QuerySet[Complaint]:
    """The complainant's own cases, newest first."""
    return (
        Complaint.objects.filter(complainant_id=user.pk)
        .prefetch_related(*CASE_PREFETCH)
        .select_related("compound", "category", "unit__building", "unit__entrance", "building", "equipment")
        .order_by("-submitted_at", "-pk")
    )


def complaint_list_mine_brief(*, user: User, limit: int) -> list[Complaint]:
    """The complainant's latest cases for the home page: number, category, status and date only (one small
    query: no clocks, photos or places)."""
    return list(
        Complaint.objects.filter(complainant_id=user.pk)
        .select_related("category")
        .only("pk", "status", "submitted_at", "category__name")
        .order_by("-submitted_at", "-pk")[:limit]
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
    return (
        cases.select_related(
            "compound", "category", "unit__building", "unit__entrance", "building", "equipment"
        )
        .prefetch_related(*CASE_PREFETCH)
        .order_by(F("next_due").asc(nulls_last=True), "submitted_at", "pk")
    )


@functools.lru_cache(maxsize=8)
def _clock_labels(language: str) -> tuple[dict[str, str], dict[str, str]]:
    """The clock kinds' and levels' labels in one language (a list of 50 cases asks for hundreds)."""
    return {k: str(v) for k, v in ClockKind.choices}, {k: str(v) for k, v in ClockLevel.choices}


def complaint_clocks(*, complaint: Complaint) -> list[dict[str, Any]]:
    """The case's clocks for display: kind, label, due time, stop, met, level (frozen once stopped)."""
    kinds, levels = _clock_labels(get_language() or "")
    return [
        {
            "kind": c.kind,
            "label": kinds[c.kind],
            "due_at": c.due_at,
            "stopped_at": c.stopped_at,
            "met": c.met,
            "level": c.level,
            "level_label": levels[c.level],
        }
        for c in sorted(complaint.clocks.all(), key=lambda c: (c.due_at, c.pk))  # prefetched by the lists
    ]


def complaint_queue_compounds(*, user: User) -> list[tuple[str, str]]:
    """(code, name) of the compounds with open cases waiting on `user` (the queue page's compound filter)."""
    return list(
        Complaint.objects.filter(complaint_queue_q(user=user), status__in=QUEUE_STATES)
        .values_list("compound__code", "compound__name")
        .distinct()
        .order_by("compound__code")
    )


def complaint_timeline(
    *, user: User, complaint: Complaint, public_only: bool = False
) -> list[ComplaintEvent]:
    """The case's events in order; internal ones only for those who handle, review or supervise it (and not
    when `public_only`: the complainant's view of the case)."""
    events = ComplaintEvent.objects.filter(complaint=complaint).order_by("at", "pk")
    if public_only or not sees_internal(user=user, complaint=complaint):
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
        "equipment": (
            {"code": complaint.equipment.code, "name": complaint.equipment.name}
            if complaint.equipment
            else None
        ),
    }


def complaint_photos(*, complaint: Complaint) -> list[Photo]:
    """The case's photos in the order they were filed."""
    return [
        cp.photo for cp in sorted(complaint.photos.all(), key=lambda cp: cp.position)
    ]  # prefetched by lists


def complaint_photo_get(*, user: User, complaint_id: int, sha256: str) -> Photo:
    """One photo of a case `user` may see (404 otherwise, the same answer for a missing case or photo)."""
    case = complaint_get_visible(user=user, complaint_id=complaint_id)
    link = ComplaintPhoto.objects.filter(complaint=case, photo__sha256=sha256).select_related("photo").first()
    if link is None:
        raise Http404
    return link.photo


def complaint_clock_get(*, complaint: Complaint, kind: str) -> Clock:
    """One clock of a case by kind (404 when the case has no such clock)."""
    clock = Clock.objects.filter(complaint=complaint, kind=kind).first()
    if clock is None:
        raise Http404
    return clock


def complaint_moves_for(*, user: User, complaint: Complaint) -> list[str]:
    """The states `user` may move the case to now, in workflow order: the workflow's step from the current
    state (complaints.rules) that a role `user` holds in the case (complaints.permissions) may make. The one
    answer the pages offer forms from; complaint_transition checks the same rules when a move is made."""
    roles = roles_in(user=user, complaint=complaint)
    if not roles:
        return []
    source = complaint.status
    targets = []
    for target in Status.values:
        move = move_for(source=source, target=target)
        if move is not None and roles_allowed(move=move, source=source, roles=roles):
            targets.append(target)
    return targets


def complaint_may_rate(*, user: User, complaint: Complaint) -> bool:
    """Whether `user` may rate the case now: its complainant, once the result is verified (complaint_rate)."""
    return complaint.complainant_id == user.pk and complaint.status == Status.VERIFIED


@dataclass(frozen=True)
class FilingPlaces:
    """Where an owner may file: a compound, their own flats in it and its buildings."""

    compound: Compound
    units: list[Unit]
    buildings: list[Building]
    equipment: list[Equipment]


def complaint_filing_places(*, user: User) -> list[FilingPlaces]:
    """The compounds where `user` may file (they hold a unit there now: permissions.may_file_in), each with
    the user's own current flats (labelled by Unit.label), the compound's buildings and its equipment; four
    queries."""
    j = jurisdiction(user)
    if not j.owned_compounds:
        return []
    compounds = Compound.objects.filter(pk__in=sorted(j.owned_compounds)).order_by("code")
    units = (
        Unit.objects.filter(pk__in=sorted(j.owned_units))
        .select_related("building", "entrance")
        .order_by("unit_number")
    )
    buildings = Building.objects.filter(compound_id__in=sorted(j.owned_compounds)).order_by("number")
    by_compound: dict[int, FilingPlaces] = {
        c.pk: FilingPlaces(compound=c, units=[], buildings=[], equipment=[]) for c in compounds
    }
    for e in Equipment.objects.filter(compound_id__in=sorted(j.owned_compounds)).order_by("code"):
        by_compound[e.compound_id].equipment.append(e)
    for u in units:
        if u.compound_id in by_compound:
            by_compound[u.compound_id].units.append(u)
    for b in buildings:
        by_compound[b.compound_id].buildings.append(b)
    return list(by_compound.values())


# ------------------------------------------------------------------------------------ public (Open311)

# A public reply: a handler's or the system's public entry with text — never the complainant's own words,
# which may name them, and not the moderation entries.
PUBLIC_REPLY = Q(public=True, kind__in=[EventKind.TRANSITION, EventKind.ESCALATION]) & ~Q(
    role=Role.COMPLAINANT
)


def service_list() -> QuerySet[Category]:
    """The categories offered as Open311 services: active ones that take snap-reports (随手拍)."""
    return category_list().filter(kinds__contains=[Kind.SNAP])


def service_get(*, code: str) -> Category | None:
    """One Open311 service by its `service_code`, or None."""
    return service_list().filter(code=code).first()


def open311_key_user(*, key: str) -> User | None:
    """The active account an Open311 `api_key` files as, or None for a missing, unknown or disabled key."""
    if not key:
        return None
    row = (
        Open311Key.objects.filter(key_hash=Open311Key.digest(key), active=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    return row.user if row else None


def complaint_public_list(
    *,
    ids: Collection[int] | None = None,
    codes: Collection[str] = (),
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    statuses: Collection[str] = (),
    updated_after: dt.datetime | None = None,
    updated_before: dt.datetime | None = None,
    with_notes: bool = False,
) -> QuerySet[Complaint]:
    """Published snap-reports about public areas, newest submission first, each annotated with its latest
    public reply (`status_notes`); `ids` overrides every other filter (GeoReport v2). `statuses`: open and/or
    closed (open = complaints.labels.OPEN_STATES)."""
    cases = Complaint.objects.filter(complaint_public_q())
    if ids is not None:
        cases = cases.filter(pk__in=list(ids))
    else:
        if codes:
            cases = cases.filter(category__code__in=list(codes))
        if start is not None:
            cases = cases.filter(submitted_at__gte=start)
        if end is not None:
            cases = cases.filter(submitted_at__lte=end)
        if set(statuses) == {"open"}:
            cases = cases.filter(status__in=OPEN_STATES)
        elif set(statuses) == {"closed"}:
            cases = cases.exclude(status__in=OPEN_STATES)
        if updated_after is not None:
            cases = cases.filter(updated_at__gt=updated_after)
        if updated_before is not None:
            cases = cases.filter(updated_at__lt=updated_before)
    latest_reply = ComplaintEvent.objects.filter(PUBLIC_REPLY, complaint=OuterRef("pk")).exclude(text="")
    cases = cases.annotate(
        status_notes=Subquery(latest_reply.order_by("-at", "-pk").values("text")[:1])
    ).select_related("compound__property_firm", "compound__community__parent", "category", "building")
    if with_notes:
        cases = cases.prefetch_related(
            Prefetch(
                "events",
                queryset=ComplaintEvent.objects.filter(public=True).order_by("at", "pk"),
                to_attr="public_events",
            )
        )
    return cases.order_by("-submitted_at", "-pk")


def complaint_public_get(*, complaint_id: int, with_notes: bool = False) -> Complaint:
    """One published snap-report, or 404 when it does not exist or is not public (the same answer)."""
    case = complaint_public_list(ids=[complaint_id], with_notes=with_notes).first()
    if case is None:
        raise Http404
    return case


def complaint_public_notes(*, complaint: Complaint) -> list[dict[str, Any]]:
    """The public timeline as the public sees it (from `complaint_public_list(with_notes=True)`): when, what,
    the new state; the text only of replies (never the complainant's own words, never who)."""
    notes = []
    for event in getattr(complaint, "public_events", []):
        reply = event.kind in (EventKind.TRANSITION, EventKind.ESCALATION) and event.role != Role.COMPLAINANT
        notes.append(
            {
                "datetime": event.at,
                "type": event.kind,
                "status": event.to_status or None,
                "description": (event.text or None) if reply else None,
            }
        )
    return notes


def complaint_agency_name(*, complaint: Complaint) -> str | None:
    """The organisation handling the case now, by name, never a person: the firm (管家), the compound's owners'
    committee, or the street office (select_related compound__property_firm, compound__community__parent)."""
    compound = complaint.compound
    if complaint.tier == Tier.BUTLER:
        return compound.property_firm.name if compound.property_firm else None
    if complaint.tier == Tier.COMMITTEE:
        return _("%(compound)s业主委员会") % {"compound": compound.name}
    street = compound.community.parent
    return street.name if street else None


def complaint_expected_at(*, complaint: Complaint) -> dt.datetime | None:
    """When the case should be resolved (Open311 `expected_datetime`): the resolution clock, once clocks exist."""
    return None


def complaint_media_url(*, complaint: Complaint) -> str | None:
    """The public address of the case's first photo (Open311 `media_url`), once photos exist."""
    return None


def complaint_may_visit(*, user: User, complaint: Complaint) -> bool:
    """Whether `user` may log a return visit now: the street office over the compound, once the case is closed
    (the rule complaints.services.cases.complaint_return_visit enforces)."""
    return complaint.status in (Status.CLOSED, Status.CLOSED_UNRATED) and "supervisor" in roles_in(
        user=user, complaint=complaint
    )


def street_officials_over(*, compound: Compound) -> list[User]:
    """Active street (or community) officials whose region contains the compound — one query on the
    compound's ancestor paths."""
    from registry.models import Official

    parts = compound.community.path.split("/")[:-1]
    ancestors = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return [
        o.user
        for o in Official.objects.filter(
            user__is_active=True, region__level__in=("street", "community"), region__path__in=ancestors
        )
        .select_related("user")
        .order_by("user_id")
    ]


def complaint_handler_users(*, complaint: Complaint) -> list[User]:
    """The accounts that handle the case at its current tier: the firm's staff serving the compound (never for
    a case about the firm), the current committee's members (never for a case about it), or the street."""
    from complaints.labels import About
    from registry.models import FirmStaff
    from registry.selectors import committee_current

    compound = complaint.compound
    if complaint.tier == Tier.BUTLER and complaint.about != About.FIRM:
        staff = FirmStaff.objects.filter(
            active=True, compounds=compound, user__is_active=True
        ).select_related("user")
        return sorted({s.user for s in staff}, key=lambda u: u.pk)
    if complaint.tier == Tier.COMMITTEE and complaint.about != About.COMMITTEE:
        committee = committee_current(compound=compound)
        today = timezone.localdate()
        if committee is None or not (committee.term_starts_on <= today <= committee.term_ends_on):
            return []
        users = [m.owner.user for m in committee.members.all() if m.owner.user_id and m.owner.user.is_active]
        return sorted(set(users), key=lambda u: u.pk)
    if complaint.tier == Tier.STREET:
        return street_officials_over(compound=compound)
    return []
