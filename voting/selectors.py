"""Permission-scoped reads of voting/. Nobody sees partial results while voting is open; individual choices
only reach the voter (and, access-logged, the street office: `ballot_choices_for_official`).

Also where a voter stands (`voter_standing`): the subjects an account casts for and, when it may not cast,
the one refusal that the ballot service raises and the owner's ballot page shows."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden, WrongState
from registry.addresses import address_q, floor_label, parse_address
from registry.models import Ownership, Unit, User
from voting.models import (
    Assembly,
    AuditEntry,
    BallotSubmission,
    ChoiceAccess,
    CountedBallot,
    Motion,
    MotionResult,
    RollPart,
    VotingSubject,
)
from voting.permissions import assembly_visible, assembly_visible_q, can_run_assembly, can_view_choices
from voting.rules import Count as RuleCount
from voting.rules import inequalities, percent_down

RESULT_STATES = (Assembly.Status.TALLIED, Assembly.Status.PUBLISHED)


def assembly_list_visible_to(*, user: User) -> QuerySet[Assembly]:
    """Assemblies of compounds the user may see; owners do not see drafts."""
    return (
        Assembly.objects.filter(assembly_visible_q(user=user))
        .select_related("compound__community")
        .order_by("-opens_at", "-pk")
    )


def assembly_get_visible(*, user: User, assembly_id: int) -> Assembly:
    """One visible assembly, or Http404 (one indexed look-up, then the user's jurisdiction)."""
    try:  # get(), not first(): no ORDER BY to compile or sort for a primary-key look-up
        assembly = Assembly.objects.select_related("compound__community").get(pk=assembly_id)
    except Assembly.DoesNotExist:
        raise Http404(str(assembly_id)) from None
    if not assembly_visible(user=user, assembly=assembly):
        raise Http404(str(assembly_id))
    return assembly


def assembly_motions(*, assembly: Assembly) -> list[Motion]:
    """Motions in order, with candidates."""
    return list(assembly.motions.prefetch_related("candidates").order_by("position"))


PLACE_FIELDS = ("building", "entrance", "floor", "room", "label")


def participation(*, assembly: Assembly) -> list[dict[str, Any]]:
    """Per unit on the roll, in address order: building, entrance, floor, room, label, area, voted yes/no —
    never names, never choices."""
    voted = CountedBallot.objects.filter(assembly=assembly, subject=OuterRef("subject_id"))
    rows = (
        RollPart.objects.filter(assembly=assembly)
        .annotate(voted=Exists(voted))
        .order_by("sort_key")
        .values(*PLACE_FIELDS, "area", "voted", "planned_use")
    )
    return [row | {"floor_label": floor_label(row["floor"])} for row in rows]


def participation_summary(*, assembly: Assembly) -> dict[str, Any]:
    """How many subjects and how much area have voted (safe to show while open: no choices)."""
    voted = VotingSubject.objects.filter(
        assembly=assembly, pk__in=CountedBallot.objects.filter(assembly=assembly).values("subject_id")
    )
    agg = voted.aggregate(n=Count("pk"), area=Sum("area"))
    area = agg["area"] or Decimal("0.00")
    return {
        "heads_voted": agg["n"],
        "heads_total": assembly.heads_total or 0,
        "area_voted": area,
        "area_total": assembly.area_total or Decimal("0.00"),
        "heads_percent": percent_down(agg["n"], assembly.heads_total or 0),
        "area_percent": percent_down(area, assembly.area_total or 0),
    }


def assemblies_with_turnout(*, queryset: QuerySet[Assembly]) -> QuerySet[Assembly]:
    """The assemblies annotated with `turnout_heads` and `turnout_area`: the subjects with a counted ballot
    and their area, as `participation_summary` counts them — two correlated subqueries in the list's one
    statement, whatever the number of rows (no choices read; safe while voting is open)."""
    counted = CountedBallot.objects.filter(assembly=OuterRef("pk")).order_by().values("assembly")
    return queryset.annotate(
        turnout_heads=Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")), 0),
        turnout_area=Coalesce(
            Subquery(counted.annotate(area=Sum("subject__area")).values("area")),
            Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
    )


def results_visible_to(*, user: User, assembly: Assembly) -> bool:
    """Officials running it see results once tallied; everyone who can see the assembly once published."""
    if assembly.status == Assembly.Status.PUBLISHED:
        return True
    return assembly.status == Assembly.Status.TALLIED and can_run_assembly(
        user=user, compound=assembly.compound
    )


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def assembly_results(*, assembly: Assembly) -> dict[str, Any]:
    """The stored tally in the api.md shape, plus the policy and the inequalities (the certificate's content).
    Raises WrongState (409) until the assembly is tallied."""
    if assembly.status not in RESULT_STATES:
        raise WrongState("计票完成前不公布任何结果。", code="not_tallied")
    motions = []
    results = {r.motion_id: r for r in MotionResult.objects.filter(motion__assembly=assembly)}
    for m in assembly_motions(assembly=assembly):
        r = results.get(m.pk)
        if r is None:
            continue
        count = RuleCount(
            area_total=assembly.area_total or Decimal(0),
            heads_total=assembly.heads_total or 0,
            area_for=r.area_for,
            area_against=r.area_against,
            area_abstain=r.area_abstain,
            heads_for=r.heads_for,
            heads_against=r.heads_against,
            heads_abstain=r.heads_abstain,
        )
        motions.append(
            {
                "id": m.pk,
                "title": m.title,
                "category": m.category,
                "threshold": m.threshold,
                "outcome": r.outcome,
                "area": {
                    "participating": _money(r.area_participating),
                    "for": _money(r.area_for),
                    "against": _money(r.area_against),
                    "abstain": _money(r.area_abstain),
                },
                "heads": {
                    "participating": r.heads_participating,
                    "for": r.heads_for,
                    "against": r.heads_against,
                    "abstain": r.heads_abstain,
                },
                "deemed_consent": r.deemed_consent,
                "candidates": r.candidates,
                "seats": m.seats,
                "inequalities": inequalities(count, major=m.is_major) if m.kind == Motion.Kind.MATTER else [],
            }
        )
    return {
        "assembly": assembly.pk,
        "status": assembly.status,
        "roll": {
            "fingerprint": assembly.roll_fingerprint,
            "area_total": _money(assembly.area_total or Decimal(0)),
            "heads_total": assembly.heads_total,
            "parts": assembly.parts_total,
        },
        "policy": {
            "revote": assembly.revote,
            "deemed_consent": assembly.deemed_consent,
            "parking_in_area": assembly.parking_in_area,
            "proxy_cap": assembly.proxy_cap,
            "firm_staff_may_proxy": assembly.firm_staff_may_proxy,
        },
        "motions": motions,
    }


def my_ballot(*, user: User, assembly: Assembly) -> list[dict[str, Any]]:
    """The voter's own counted ballots (choices and receipt), one per subject they cast for."""
    owner = getattr(user, "owner", None)
    if owner is None:
        return []
    rows = (
        CountedBallot.objects.filter(assembly=assembly)
        .filter(Q(subject__voter=owner) | Q(submission__submitted_by=user))
        .select_related("submission", "subject")
        .order_by("subject__key")
    )
    out = []
    for cb in rows:
        units = list(
            RollPart.objects.filter(subject=cb.subject)
            .order_by("unit_number")
            .values_list("unit_number", flat=True)
        )
        out.append(
            {
                "receipt": cb.submission.receipt,
                "cast_at": cb.submission.cast_at,
                "choices": cb.submission.choices,
                "channel": cb.submission.channel,
                "units": units,
            }
        )
    return out


def ballot_choices_for_official(
    *, user: User, assembly: Assembly, unit_number: str, reason: str
) -> dict[str, Any]:
    """A unit's counted choices for the street office, after the close; every look is logged (ChoiceAccess)."""
    if not can_view_choices(user=user, compound=assembly.compound):
        raise Http404(unit_number)
    if assembly.status in (Assembly.Status.DRAFT, Assembly.Status.ANNOUNCED, Assembly.Status.OPEN):
        raise WrongState("投票截止前不得查看个人表决内容。", code="still_open")
    part = (
        RollPart.objects.filter(assembly=assembly, unit_number=unit_number).select_related("subject").first()
    )
    if part is None:
        raise Http404(unit_number)
    ChoiceAccess.objects.create(assembly=assembly, user=user, subject=part.subject, reason=reason[:200])
    cb = (
        CountedBallot.objects.filter(assembly=assembly, subject=part.subject)
        .select_related("submission")
        .first()
    )
    history = BallotSubmission.objects.filter(assembly=assembly, subject=part.subject).order_by("cast_at")
    return {
        "unit_number": unit_number,
        "counted": cb.submission.choices if cb else None,
        "submissions": [{"cast_at": s.cast_at, "channel": s.channel, "receipt": s.receipt} for s in history],
    }


def audit_log(*, assembly: Assembly) -> QuerySet[AuditEntry]:
    """The assembly's hash-chained log, in order."""
    return AuditEntry.objects.filter(assembly=assembly).select_related("actor").order_by("seq")


# ------------------------------------------------------------------------------------ the voter's standing

# One round trip (this is the hot path of an assembly): the subjects whose frozen voter is the owner, those
# whose written mandate names this account as proxy, and subjects whose parts were all transferred to the owner
# after the roll froze and that have no counted ballot yet (voting.md, "The roll": the buyer of one part of a
# larger subject — one flat out of the developer's bucket, or out of a buyer's several flats — casts nothing).
_SUBJECTS_SQL = """
SELECT s.* FROM voting_votingsubject s
 WHERE s.assembly_id = %(assembly)s AND s.voter_id = %(owner)s
UNION
SELECT s.* FROM voting_proxymandate p JOIN voting_votingsubject s ON s.id = p.subject_id
 WHERE p.assembly_id = %(assembly)s AND p.proxy_id = %(user)s
UNION
SELECT s.* FROM registry_ownership o
  JOIN voting_rollpart rp ON rp.unit_id = o.unit_id AND rp.assembly_id = %(assembly)s
  JOIN voting_votingsubject s ON s.id = rp.subject_id
 WHERE o.owner_id = %(owner)s AND o.valid_to IS NULL AND o.valid_from > %(announced)s
   AND s.voter_id IS DISTINCT FROM %(owner)s
   AND NOT EXISTS (SELECT 1 FROM voting_countedballot cb WHERE cb.assembly_id = %(assembly)s AND cb.subject_id = s.id)
   AND NOT EXISTS (
       SELECT 1 FROM voting_rollpart other
        WHERE other.subject_id = s.id
          AND NOT EXISTS (SELECT 1 FROM registry_ownership o2
                           WHERE o2.unit_id = other.unit_id AND o2.owner_id = %(owner)s AND o2.valid_to IS NULL))
 ORDER BY id
"""


def subjects_for_voter(*, assembly: Assembly, user: User) -> list[VotingSubject]:
    """The roll subjects this account casts for: as the frozen voter; as the new holder of a whole subject
    transferred after the roll froze, while it has no counted ballot (voting.md, "The roll"); and as proxy
    under a recorded mandate."""
    owner = getattr(user, "owner", None)
    params = {
        "assembly": assembly.pk,
        "owner": owner.pk if owner is not None else None,
        "user": user.pk,
        "announced": assembly.announced_at,
    }
    return list(VotingSubject.objects.raw(_SUBJECTS_SQL, params))


def _why_not_on_roll(*, assembly: Assembly, user: User) -> ApplicationError:
    """The refusal for an account with no subject to cast for, saying why."""
    owner = getattr(user, "owner", None)
    held = (
        Ownership.objects.filter(owner=owner, valid_to__isnull=True)
        if owner is not None
        else Ownership.objects.none()
    )
    parts = RollPart.objects.filter(assembly=assembly, unit_id__in=held.values("unit_id"))
    if parts.filter(subject__kind=VotingSubject.Kind.CO_OWNED).exists():
        return Forbidden(
            _("共有房屋由指定的共有人表决，您不是该房屋的表决代表。"), code="not_designated_voter"
        )
    bought = parts.filter(
        unit_id__in=held.filter(valid_from__gt=assembly.announced_at).values("unit_id")
    ).select_related("subject")
    for part in bought:
        if (
            RollPart.objects.filter(subject_id=part.subject_id)
            .exclude(unit_id__in=held.values("unit_id"))
            .exists()
        ):
            # One part of a larger subject (the developer's bucket, or one of another owner's several
            # flats): the subject stays with its holder (voting.md, "The roll").
            return Forbidden(
                _(
                    "您的房屋是在表决名册冻结后购得的，属于一个更大的投票主体（如建设单位持有的房屋，或原业主名下的多套房屋）"
                    "的一部分；该投票主体仍由原权利人表决，您本次不能投票。"
                ),
                code="part_of_larger_subject",
            )
        if CountedBallot.objects.filter(assembly=assembly, subject_id=part.subject_id).exists():
            return WrongState(_("该房屋的原权利人已经投票，其选票有效。"), code="already_voted")
    return Forbidden(_("您不在本次会议的表决名册上。"), code="not_on_roll")


@dataclass
class VoterStanding:
    """Where an account stands on an assembly's ballot: the subjects it casts for and, when it may not cast
    now, the refusal (`not_open`, `not_designated_voter`, `part_of_larger_subject`, `not_on_roll`, and — when
    asked — `already_voted`)."""

    subjects: list[VotingSubject] = field(default_factory=list)
    refusal: ApplicationError | None = None
    voted: bool = False


def voter_standing(
    *, assembly: Assembly, user: User, check_voted: bool = False, now: dt.datetime | None = None
) -> VoterStanding:
    """The one rule of who may cast now, used by the ballot service (before its locked write, which decides
    `already_voted` by the one-counted-ballot constraint) and by the owner's ballot page (`check_voted`)."""
    now = now or timezone.now()
    # Before announcement there is no roll (and no record date to compare transfers against).
    subjects = subjects_for_voter(assembly=assembly, user=user) if assembly.announced_at else []
    voted = bool(
        check_voted
        and subjects
        and CountedBallot.objects.filter(assembly=assembly, subject__in=subjects).exists()
    )
    refusal: ApplicationError | None = None
    if assembly.status != Assembly.Status.OPEN or not (assembly.opens_at <= now < assembly.closes_at):
        refusal = WrongState(_("当前不在投票期内。"), code="not_open")
    elif not subjects:
        refusal = _why_not_on_roll(assembly=assembly, user=user)
    elif voted and not assembly.revote:
        refusal = WrongState(_("您已投票，本次会议不允许改票。"), code="already_voted")
    return VoterStanding(subjects=subjects, refusal=refusal, voted=voted)


# ------------------------------------------------------------------------------------------ the roll


def roll_preview(*, assembly: Assembly) -> dict[str, Any]:
    """What the roll will be, counted from the registry (read-only): parts by use, developer-held parts and
    the area by SPC art. 8. The roll itself, with its subjects and fingerprint, is frozen by the service."""
    units = Unit.objects.filter(compound=assembly.compound)
    by_use = dict(units.values_list("planned_use").annotate(n=Count("pk")).order_by())
    counted = units if assembly.parking_in_area else units.exclude(planned_use=Unit.Use.PARKING)
    no_area = Q(registered_area__isnull=True, surveyed_area__isnull=True, contract_area__isnull=True)
    agg = counted.aggregate(
        parts=Count("pk"),
        developer=Count("pk", filter=Q(developer_held=True) | Q(delivered=False)),
        area=Sum(Coalesce("registered_area", "surveyed_area", "contract_area")),
        no_area=Count("pk", filter=no_area),
    )
    return {
        "by_use": [(label, by_use.get(value, 0)) for value, label in Unit.Use.choices if by_use.get(value)],
        "parts": agg["parts"],
        "developer": agg["developer"],
        "area": agg["area"] or Decimal("0.00"),
        "no_area": agg["no_area"],
        "parking_excluded": 0 if assembly.parking_in_area else by_use.get(Unit.Use.PARKING, 0),
    }


ROLL_SEARCH_LIMIT = 50


ROLL_ADDRESS_FIELDS = {
    "unit_number": "unit_number",
    "building_no": "building_no",
    "building_name": "building",
    "entrance_no": "entrance_no",
    "floor": "floor",
    "room": "room",
}


def roll_search(*, assembly: Assembly, q: str) -> list[dict[str, Any]]:
    """Parts on the frozen roll at an address as people write it ("1号楼1单元1201", "1-1-1201", "1#1201",
    a room, the unit number or its last digits; registry.addresses), in address order, with their full
    address and whether their subject voted. More than one match: the caller lists them to choose from."""
    voted = CountedBallot.objects.filter(assembly=assembly, subject=OuterRef("subject_id"))
    return list(
        RollPart.objects.filter(assembly=assembly)
        .filter(address_q(parse_address(q), fields=ROLL_ADDRESS_FIELDS))
        .annotate(voted=Exists(voted))
        .order_by("sort_key")
        .values("unit_number", *PLACE_FIELDS, "area", "planned_use", "voted")[:ROLL_SEARCH_LIMIT]
    )
