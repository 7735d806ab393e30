"""Cross-appointment and coverage (交叉任职, 应建尽建), computed in SQL over sets of compounds — never a loop of
queries per compound:

- a compound's current owners' committee (the term covering today, else the latest not dissolved — the rule
  of registry.selectors.committee_current) is above half when its party members are MORE than half its seats:
  exactly half falls short;
- a compound has a branch when a compound branch covers it; its project (the serving firm's work there) has
  one when a project branch covers the compound; a firm is organised when a firm organisation covers it;
- per region: firms serving its compounds, projects (compounds with a serving firm), compounds, and compounds
  with a committee, each as numerator and denominator with the list of what falls short."""

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext as _

from partybuilding.labels import OrganisationKind, PostBody, Shortfall
from partybuilding.models import Organisation, Post
from registry.models import CommitteeMember, Compound, OwnersCommittee, Region, User
from registry.selectors import figures_region_get


def _count(qs: QuerySet) -> Subquery:
    return Subquery(
        qs.order_by().values("committee_id").annotate(n=Count("pk")).values("n"), output_field=IntegerField()
    )


def compounds_with_party_status(compounds: QuerySet[Compound] | None = None) -> QuerySet[Compound]:
    """Compounds annotated, in one query, with their current committee (`committee_id`), its `seats` and
    `party_seats`, `above_half` (party seats × 2 > seats), and whether a compound branch, a project branch and
    the serving firm's organisation exist (`has_branch`, `project_branch`, `firm_organised`)."""
    today = timezone.localdate()
    current = (
        OwnersCommittee.objects.filter(compound=OuterRef("pk"))
        .exclude(filing_status=OwnersCommittee.Filing.DISSOLVED)
        .annotate(
            covers_today=ExpressionWrapper(
                Q(term_starts_on__lte=today, term_ends_on__gt=today), output_field=BooleanField()
            )
        )
        .order_by("-covers_today", "-term_starts_on")
        .values("pk")[:1]
    )
    seats = CommitteeMember.objects.filter(committee_id=OuterRef("committee_id"))
    organised = Organisation.objects.filter
    return (
        (compounds if compounds is not None else Compound.objects.all())
        .annotate(committee_id=Subquery(current))
        .annotate(
            seats=Coalesce(_count(seats), 0),
            party_seats=Coalesce(_count(seats.filter(owner__user__party_member__isnull=False)), 0),
            has_branch=Exists(organised(compound=OuterRef("pk"), kind=OrganisationKind.COMPOUND_BRANCH)),
            project_branch=Exists(organised(compound=OuterRef("pk"), kind=OrganisationKind.PROJECT_BRANCH)),
            firm_organised=Exists(
                organised(firm=OuterRef("property_firm_id"), kind=OrganisationKind.FIRM_ORGANISATION)
            ),
        )
        .annotate(
            above_half=Case(
                When(GreaterThan(F("party_seats") * 2, F("seats")), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )


# ----------------------------------------------------------------------------------- one compound


def compound_party_status(*, compound: Compound) -> dict[str, Any]:
    """One compound's cross-appointment picture: its committee's seats and party seats, whether it is above
    half, the branches, the posts party members hold in its committee, its firm and its community, and what
    falls short."""
    row = compounds_with_party_status(Compound.objects.filter(pk=compound.pk)).get()
    where = Q(body=PostBody.COMMITTEE, compound_id=compound.pk) | Q(
        body=PostBody.COMMUNITY, community_id=compound.community_id
    )
    if compound.property_firm_id is not None:
        where |= Q(body=PostBody.FIRM, firm_id=compound.property_firm_id)
    posts = Post.objects.filter(where).select_related("member__organisation").order_by("body", "pk")
    return {
        "compound": compound.code,
        "committee": None
        if row.committee_id is None
        else {"seats": row.seats, "party_seats": row.party_seats, "above_half": row.above_half},
        "has_branch": row.has_branch,
        "project_branch": None if compound.property_firm_id is None else row.project_branch,
        "firm_organised": None if compound.property_firm_id is None else row.firm_organised,
        "posts": [
            {"body": p.body, "title": p.title, "organisation": p.member.organisation.code} for p in posts
        ],
        "short": _shortfalls(row),
    }


def _shortfalls(row: Any) -> list[str]:
    short = []
    if not row.has_branch:
        short.append(Shortfall.COMPOUND_WITHOUT_BRANCH.value)
    if row.property_firm_id is not None and not row.project_branch:
        short.append(Shortfall.PROJECT_WITHOUT_BRANCH.value)
    if row.property_firm_id is not None and not row.firm_organised:
        short.append(Shortfall.FIRM_WITHOUT_ORGANISATION.value)
    if row.committee_id is not None and not row.above_half:
        short.append(Shortfall.COMMITTEE_NOT_MAJORITY.value)
    return short


# ------------------------------------------------------------------------------------ per region


def coverage_region_get(*, user: User, code: str = "") -> Region:
    """The region whose coverage `user` asked for (registry.selectors.figures_region_get)."""
    return figures_region_get(user=user, code=code, refused=_("党建覆盖统计仅向政府工作人员开放。"))


AGGREGATES = {
    "firms": Count("property_firm", distinct=True),
    "firms_organised": Count("property_firm", distinct=True, filter=Q(firm_organised=True)),
    "projects": Count("pk", filter=Q(property_firm__isnull=False)),
    "projects_organised": Count("pk", filter=Q(property_firm__isnull=False, project_branch=True)),
    "compounds": Count("pk"),
    "compounds_with_branch": Count("pk", filter=Q(has_branch=True)),
    "committees": Count("pk", filter=Q(committee_id__isnull=False)),
    "committees_above_half": Count("pk", filter=Q(committee_id__isnull=False, above_half=True)),
}


@dataclass
class CoverageRow:
    code: str
    name: str
    level: str
    path: str
    counts: dict[str, int]


def region_coverage(*, region: Region) -> dict[str, Any]:
    """The region's coverage and its next level down (children regions), each with numerators, denominators
    and what falls short. Three queries, whatever the number of compounds: the region's totals, the children's
    totals grouped by their path prefix, and the rows that fall short of anything."""
    inside = compounds_with_party_status(Compound.objects.filter(community__path__startswith=region.path))
    totals = inside.aggregate(**AGGREGATES)
    rows = [CoverageRow(region.code, region.name, region.level, region.path, totals)]
    children = list(Region.objects.filter(parent=region).order_by("code"))
    if children:
        length = len(children[0].path)
        grouped = {
            g.pop("prefix"): g
            for g in inside.annotate(prefix=Substr("community__path", 1, length))
            .order_by()
            .values("prefix")
            .annotate(**AGGREGATES)
        }
        empty = dict.fromkeys(AGGREGATES, 0)
        rows += [CoverageRow(c.code, c.name, c.level, c.path, grouped.get(c.path, empty)) for c in children]
    short = list(
        inside.filter(
            Q(has_branch=False)
            | Q(property_firm__isnull=False, project_branch=False)
            | Q(property_firm__isnull=False, firm_organised=False)
            | Q(committee_id__isnull=False, above_half=False)
        )
        .select_related("property_firm", "community")
        .order_by("code")
    )
    body = [_present(row, [c for c in short if c.community.path.startswith(row.path)]) for row in rows]
    return {"region": body[0], "children": body[1:]}


def _figure(numerator: int, denominator: int, short: list[dict[str, Any]]) -> dict[str, Any]:
    return {"numerator": numerator, "denominator": denominator, "short": short}


def _present(row: CoverageRow, short: list[Any]) -> dict[str, Any]:
    n = row.counts
    firms: dict[str, dict[str, str]] = {}
    for c in short:
        if c.property_firm_id is not None and not c.firm_organised:
            firms.setdefault(
                c.property_firm.uscc, {"uscc": c.property_firm.uscc, "name": c.property_firm.name}
            )
    return {
        "code": row.code,
        "name": row.name,
        "level": row.level,
        "firms_with_organisation": _figure(
            n["firms_organised"], n["firms"], sorted(firms.values(), key=lambda f: f["uscc"])
        ),
        "projects_with_organisation": _figure(
            n["projects_organised"],
            n["projects"],
            [
                {"compound": c.code, "name": c.name, "firm": c.property_firm.uscc}
                for c in short
                if c.property_firm_id is not None and not c.project_branch
            ],
        ),
        "compounds_with_branch": _figure(
            n["compounds_with_branch"],
            n["compounds"],
            [{"compound": c.code, "name": c.name} for c in short if not c.has_branch],
        ),
        "committees_above_half": _figure(
            n["committees_above_half"],
            n["committees"],
            [
                {"compound": c.code, "name": c.name, "seats": c.seats, "party_seats": c.party_seats}
                for c in short
                if c.committee_id is not None and not c.above_half
            ],
        ),
    }
