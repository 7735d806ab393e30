"""Permission-scoped reads of the registry. Missing and not visible are the same `Http404`."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Sum, Value, When, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from registry.calendar import WorkingCalendar
from registry.models import (
    CommitteeMember,
    Compound,
    Equipment,
    Message,
    Owner,
    OwnersCommittee,
    Ownership,
    QuarantinedRecord,
    Region,
    SyncRun,
    Unit,
    User,
    WorkingDayOverride,
)
from registry.permissions import (
    compound_seen_in_full,
    compound_visible,
    jurisdiction,
    may_read_region_figures,
    region_figures_q,
    sees_former_owners,
    visible_q,
)


def figures_region_get(*, user: User, code: str = "", refused: str = "") -> Region:
    """The region whose figures `user` asked for on an officials' page (complaints, disclosure and party
    figures, the overview): their own region when `code` is empty (the city for superusers). 403 with
    `refused` for anyone but officials, 404 for a region outside their jurisdiction (or none at all)."""
    from config.errors import Forbidden

    if not may_read_region_figures(user):
        raise Forbidden(refused or gettext("统计仅向政府工作人员开放。"), code="forbidden")
    regions = Region.objects.filter(region_figures_q(user=user))
    if code:
        region = regions.filter(code=code).first()
    else:
        official = getattr(user, "official", None)
        region = official.region if official is not None else regions.filter(level=Region.Level.CITY).first()
    if region is None:
        raise Http404
    return region


def figures_parent(*, user: User, region: Region) -> Region | None:
    """The region one level up when `user` reads its figures too (the "back up" link), else None."""
    if not region.parent_id:
        return None
    return (
        region.parent
        if Region.objects.filter(region_figures_q(user=user), pk=region.parent_id).exists()
        else None
    )


def compound_list_visible_to(*, user: User) -> QuerySet[Compound]:
    """Compounds `user` may see, with community, firm and developer joined."""
    return (
        Compound.objects.filter(visible_q(Compound, user))
        .select_related("community__parent__parent", "property_firm", "developer")
        .order_by("code")
    )


def compound_get_visible(*, user: User, code: str) -> Compound:
    """One visible compound by code, or Http404 (one indexed look-up, then the user's jurisdiction)."""
    try:
        compound = Compound.objects.select_related(
            "community__parent__parent", "property_firm", "developer"
        ).get(code=code)
    except Compound.DoesNotExist:
        raise Http404(code) from None
    if not compound_visible(user=user, compound=compound):
        raise Http404(code)
    return compound


@dataclass(frozen=True)
class CompoundStats:
    buildings: int
    units: int
    area_total: Decimal
    owners: int
    owners_registered: int


def compound_stats(*, compound: Compound) -> CompoundStats:
    """Counts of a compound: buildings, units, summed voting area (SPC art. 8), owners and owners with an account."""
    area = Coalesce("registered_area", "surveyed_area", "contract_area")
    units = Unit.objects.filter(compound=compound).aggregate(n=Count("pk"), area=Sum(area))
    current = Ownership.objects.filter(unit__compound=compound, valid_to__isnull=True)
    owners = Owner.objects.filter(pk__in=current.values("owner_id")).aggregate(
        n=Count("pk"), registered=Count("pk", filter=Q(user__isnull=False))
    )
    return CompoundStats(
        buildings=compound.buildings.count(),
        units=units["n"],
        area_total=(units["area"] or Decimal("0")).quantize(Decimal("0.01")),
        owners=owners["n"],
        owners_registered=owners["registered"],
    )


def _current_ownerships() -> Prefetch:
    return Prefetch(
        "ownerships",
        queryset=Ownership.objects.filter(valid_to__isnull=True)
        .select_related("owner")
        .order_by("-certificate_holder", "pk"),
        to_attr="current_ownerships",
    )


def _with_places_and_holders(units: QuerySet[Unit]) -> QuerySet[Unit]:
    return units.select_related("compound", "building", "entrance", "designated_voter").prefetch_related(
        _current_ownerships()
    )


def unit_list_visible_to(*, user: User, compound: Compound | None = None) -> QuerySet[Unit]:
    """Units `user` may see (optionally of one compound), with building, entrance and current holders.
    Within a compound seen in full: every unit, by the compound index; otherwise only the user's own."""
    if compound is None:
        units = Unit.objects.filter(visible_q(Unit, user))
    elif compound_seen_in_full(user=user, compound=compound):
        units = Unit.objects.filter(compound=compound)
    else:
        units = Unit.objects.filter(compound=compound, pk__any=sorted(jurisdiction(user).owned_units))
    return _with_places_and_holders(units).order_by("unit_number")


def unit_get_visible(*, user: User, unit_number: str) -> Unit:
    """One visible unit by its current number, or Http404 (one indexed look-up, then the jurisdiction)."""
    unit = _with_places_and_holders(Unit.objects.filter(unit_number=unit_number)).first()
    if unit is None or not (
        (unit.compound is not None and compound_seen_in_full(user=user, compound=unit.compound))
        or unit.pk in jurisdiction(user).owned_units
        or jurisdiction(user).everything
    ):
        raise Http404(unit_number)
    return unit


def owner_home(*, user: User) -> list[Unit]:
    """The owner's current units with compound, firm and current committee (the "my home" page)."""
    owner = getattr(user, "owner", None)
    if owner is None:
        return []
    committees = Prefetch(
        "compound__committees",
        queryset=OwnersCommittee.objects.exclude(filing_status=OwnersCommittee.Filing.DISSOLVED)
        .prefetch_related("members__owner")
        .order_by("-term_starts_on"),
        to_attr="live_committees",
    )
    return list(
        Unit.objects.filter(ownerships__owner=owner, ownerships__valid_to__isnull=True)
        .select_related("compound__community__parent", "compound__property_firm", "building", "entrance")
        .prefetch_related(committees, _current_ownerships())
        .order_by("unit_number")
        .distinct()
    )


def owner_current_unit_numbers(*, owner: Owner) -> list[str]:
    """Unit numbers the owner currently holds."""
    return list(
        Unit.objects.filter(ownerships__owner=owner, ownerships__valid_to__isnull=True)
        .order_by("unit_number")
        .values_list("unit_number", flat=True)
        .distinct()
    )


def equipment_overdue(*, today: dt.date | None = None) -> QuerySet[Equipment]:
    """In-service equipment whose next maintenance date has passed."""
    today = today or timezone.localdate()
    return Equipment.objects.filter(status=Equipment.Status.IN_SERVICE, next_due_on__lt=today)


def unit_with_ownership_history(*, user: User, unit: Unit) -> Unit:
    """Attach the unit's ownership history as `ownership_history`, newest first: current and ended records
    for officials over the compound, current records (and the user's own) for everyone else — former
    owners' names and masked IDs are for officials only."""
    history = Ownership.objects.select_related("owner").order_by("-valid_from", "-pk")
    if not sees_former_owners(user=user, compound=unit.compound):
        owner_id = jurisdiction(user).owner_id
        history = history.filter(Q(valid_to__isnull=True) | Q(owner_id=owner_id))
    prefetch_related_objects([unit], Prefetch("ownerships", queryset=history, to_attr="ownership_history"))
    return unit


def committee_current(*, compound: Compound) -> OwnersCommittee | None:
    """The committee whose term covers today, else the latest one that is not dissolved; members by rank."""
    rank = Case(
        When(role=CommitteeMember.Role.DIRECTOR, then=Value(0)),
        When(role=CommitteeMember.Role.DEPUTY, then=Value(1)),
        default=Value(2),
    )
    members = CommitteeMember.objects.select_related("owner").order_by(rank, "pk")
    live = list(
        OwnersCommittee.objects.filter(compound=compound)
        .exclude(filing_status=OwnersCommittee.Filing.DISSOLVED)
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("-term_starts_on")
    )
    today = timezone.localdate()
    return next((c for c in live if c.term_starts_on <= today < c.term_ends_on), live[0] if live else None)


def quarantined_record_list_visible_to(*, user: User) -> QuerySet[QuarantinedRecord]:
    """Quarantined feed lines `user` may see (officials: lines naming a parcel in their scope), newest first."""
    return QuarantinedRecord.objects.filter(visible_q(QuarantinedRecord, user)).order_by("-created_at", "-pk")


def sync_run_list_visible_to(*, user: User) -> QuerySet[SyncRun]:
    """Feed runs `user` may watch (officials: runs of the real feed sources), newest first."""
    return SyncRun.objects.filter(visible_q(SyncRun, user)).order_by("-started_at", "-pk")


def calendar_years_missing(*, today: dt.date) -> list[int]:
    """This year and next, where neither the holiday library nor any staff override knows the public holidays:
    their clocks would count every Monday to Friday as a working day (registry.calendar). One query."""
    from registry.calendar import LIBRARY_YEARS
    from registry.models import WorkingDayOverride

    years = [y for y in (today.year, today.year + 1) if y not in LIBRARY_YEARS]
    if not years:
        return []
    entered = set(
        WorkingDayOverride.objects.filter(date__year__in=years)
        .values_list("date__year", flat=True)
        .distinct()
    )
    return [y for y in years if y not in entered]


def working_calendar_load(*, first: dt.date, last: dt.date) -> WorkingCalendar:
    """The working-day calendar of `[first, last]` (Beijing days): the staff overrides of the range in one
    query, the library and Mon–Fri for the other days; it answers for no day outside the range. Read-only.

    Load from the earliest clock start to the latest instant asked about, plus enough for a working-day
    clock's due time beyond it (`registry.calendar.CALENDAR_LOOKAHEAD`)."""
    if last < first:
        raise ValueError("last must not be before first")
    rows = WorkingDayOverride.objects.filter(date__range=(first, last)).values_list("date", "is_working_day")
    return WorkingCalendar(overrides=dict(rows), first=first, last=last)


def message_list_for(*, user: User, limit: int = 100) -> list[Message]:
    """The user's own in-app messages, newest first (a read; no side effects)."""
    return list(Message.objects.filter(user=user).order_by("-created_at", "-id")[:limit])


def message_unread_count(*, user: User) -> int:
    """How many of the user's messages are unread (a read; no side effects)."""
    return Message.objects.filter(user=user, read_at__isnull=True).count()
