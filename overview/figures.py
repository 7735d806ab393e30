"""Reads of the overview (一图总览): a region's figures with its children's, the compound card, the compound
search and the map's points. Every figure is a count or a numerator/denominator pair summed from the
per-compound rows (overview.models.CompoundFigure) and complaints' figure cells, in a constant number of
queries whatever the size of the region. Officials see their own region and below (registry.permissions)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.figures import Counter, current_month, month_children, rate_text, region_trend
from complaints.labels import OPEN_STATES, Status
from complaints.models import Complaint
from config.errors import Forbidden
from config.routers import dashboard_connection
from overview.models import CompoundFigure
from registry.models import Compound, Equipment, Region, ServiceContract, User
from registry.permissions import may_read_region_figures, visible
from registry.selectors import committee_current, figures_region_get
from voting.models import Assembly

# The per-compound counters a region sums, in the order of REGION_SQL's columns.
FIGURES = (
    "compounds",
    "units",
    "area",
    "units_registered",
    "committees",
    "assemblies_held",
    "heads_participating",
    "heads_total",
    "motions_adopted",
    "motions_decided",
    "equipment",
    "equipment_overdue",
    "complaints_open",
    "disclosure_due",
    "disclosure_on_time",
    "disclosure_late",
    "party_branches",
    "committees_seated",
    "committees_above_half",
)

REGION_SQL = """
SELECT {key} AS key, count(*), sum(f.units), sum(f.area), sum(f.units_registered),
       count(f.committee_until), sum(f.assemblies_held), sum(f.heads_participating), sum(f.heads_total),
       sum(f.motions_adopted), sum(f.motions_decided), sum(f.equipment), sum(f.equipment_overdue),
       sum(f.complaints_open), sum(f.disclosure_due), sum(f.disclosure_on_time), sum(f.disclosure_late),
       count(*) FILTER (WHERE f.party_branch), count(*) FILTER (WHERE f.committee_seats > 0),
       count(*) FILTER (WHERE f.committee_seats > 0 AND f.committee_party_seats * 2 > f.committee_seats),
       min(f.refreshed_at)
  FROM overview_compoundfigure f
  JOIN registry_compound c ON c.id = f.compound_id
  JOIN registry_region r ON r.id = c.community_id
 WHERE r.path LIKE %(path)s
 GROUP BY ROLLUP (1)
"""

TREND_MONTHS = 12


@dataclass
class Row:
    """One line of a region page: the region itself or one child (region or compound)."""

    code: str
    name: str
    level: str  # city, district, street, community or compound
    figures: dict[str, Any] = field(default_factory=dict)  # FIGURES, and the month's complaints counters

    def pair(self, num: str, den: str) -> tuple[int, int]:
        return int(self.figures.get(num, 0) or 0), int(self.figures.get(den, 0) or 0)


@dataclass
class RegionOverview:
    region: Region
    parent: Region | None
    month: dt.date
    own: Row
    children: list[Row]
    trend: list[tuple[dt.date, Counter]]
    refreshed_at: dt.datetime | None


def region_for(*, user: User, code: str = "") -> Region:
    """The region `user` asked for (registry.selectors.figures_region_get)."""
    return figures_region_get(user=user, code=code, refused=_("总览仅向政府工作人员开放。"))


def _depth(path: str) -> int:
    return path.count("/")


def region_overview(*, region: Region, month: dt.date | None = None) -> RegionOverview:
    """The region's figures and its children's (regions one level down, or a community's compounds), the
    month's complaints and a 12-month trend — seven queries."""
    month = month or current_month()
    community = region.level == Region.Level.COMMUNITY
    if community:
        key = "c.id::text"
        children = [
            Row(code=c.code, name=c.name, level="compound", figures={"_key": str(c.pk)})
            for c in Compound.objects.filter(community=region).order_by("code")
        ]
    else:
        depth = _depth(region.path) + 1
        key = f"array_to_string((string_to_array(r.path, '/'))[1:{depth:d}], '/') || '/'"
        children = [
            Row(code=r.code, name=r.name, level=r.level, figures={"_key": r.path})
            for r in Region.objects.filter(parent=region).order_by("code")
        ]
    own = Row(code=region.code, name=region.name, level=region.level)
    by_key = {row.figures["_key"]: row for row in children}
    refreshed_at = None
    with dashboard_connection().cursor() as cur:  # the replica inside dashboard_reads()
        cur.execute(REGION_SQL.format(key=key), {"path": f"{region.path}%"})  # key: built above, no input
        for k, *values in cur.fetchall():
            *numbers, refreshed = values
            figures = dict(zip(FIGURES, numbers, strict=True))
            target = own if k is None else by_key.get(k)
            if target is None:
                continue
            target.figures.update(figures)
            if k is None:
                refreshed_at = refreshed
    # the month's complaints per child and for the region, summed in SQL from complaints' totals cells
    children_depth = None if community else _depth(region.path) + 1
    month_figures = month_children(path=region.path, month=month, depth=children_depth)
    own.figures.update({f"m.{k}": v for k, v in month_figures.get(None, {}).items()})
    for row in children:
        row.figures.update({f"m.{k}": v for k, v in month_figures.get(row.figures["_key"], {}).items()})
    # the 12-month trend: closed months from the month-close snapshots, the others from the totals cells
    trend = region_trend(region=region, last=month, months=TREND_MONTHS)
    return RegionOverview(
        region=region,
        parent=region.parent if region.parent_id else None,
        month=month,
        own=own,
        children=children,
        trend=trend,
        refreshed_at=refreshed_at,
    )


# ------------------------------------------------------------------------------------------- firms

FIRMS_SQL = """
SELECT fm.uscc, fm.name, count(*), sum(f.units), sum(f.complaints_open), sum(f.disclosure_on_time),
       sum(f.disclosure_due), coalesce(sum(t.cases), 0), coalesce(sum(t.respond_met), 0),
       coalesce(sum(t.respond_stopped), 0), coalesce(sum(t.resolve_met), 0), coalesce(sum(t.resolve_stopped), 0),
       coalesce(sum(t.rated_satisfied), 0), coalesce(sum(t.rated_basically), 0), coalesce(sum(t.rated), 0)
  FROM overview_compoundfigure f
  JOIN registry_compound c ON c.id = f.compound_id
  JOIN registry_region r ON r.id = c.community_id
  JOIN registry_firm fm ON fm.id = c.property_firm_id
  LEFT JOIN complaints_figurecell t ON t.compound_id = c.id AND t.month = %(month)s AND t.dim = ''
 WHERE r.path LIKE %(path)s
 GROUP BY fm.id, fm.uscc, fm.name
"""

FIRM_FIGURES = (
    "compounds",
    "units",
    "complaints_open",
    "disclosure_on_time",
    "disclosure_due",
    "cases",
    "response.num",
    "response.den",
    "on_time_resolution.num",
    "on_time_resolution.den",
    "rated_satisfied",
    "rated_basically",
    "rated",
)


@dataclass
class FirmRow:
    uscc: str
    name: str
    figures: dict[str, int]

    @property
    def per_hundred_units(self) -> str:
        """The month's cases per 100 units served, to two places rounded down ("—" without units)."""
        units = self.figures["units"]
        if not units:
            return "—"
        hundredths = self.figures["cases"] * 10000 // units
        return f"{hundredths // 100}.{hundredths % 100:02d}"

    def satisfaction(self, *, basically_counts: bool) -> tuple[int, int]:
        f = self.figures
        return f["rated_satisfied"] + (f["rated_basically"] if basically_counts else 0), f["rated"]


def firm_ranking(*, region: Region, month: dt.date) -> list[FirmRow]:
    """The property firms serving compounds in the region, with what they serve there and the month's
    complaints (cases per 100 units ascending, then on-time resolution) — one query."""
    with dashboard_connection().cursor() as cur:  # the replica inside dashboard_reads()
        cur.execute(FIRMS_SQL, {"month": month, "path": f"{region.path}%"})
        rows = [
            FirmRow(
                uscc=uscc, name=name, figures=dict(zip(FIRM_FIGURES, (int(n) for n in numbers), strict=True))
            )
            for uscc, name, *numbers in cur.fetchall()
        ]

    def key(row: FirmRow) -> tuple:
        f = row.figures
        per = f["cases"] / f["units"] if f["units"] else float("inf")
        on_time = (
            f["on_time_resolution.num"] / f["on_time_resolution.den"] if f["on_time_resolution.den"] else 0
        )
        return (per, -on_time, row.name)

    return sorted(rows, key=key)


# ------------------------------------------------------------------------------------------- compounds


def compound_search(*, user: User, q: str, limit: int = 20) -> list[Compound]:
    """Compounds `user` oversees whose name, address or code contains `q` (exact code first)."""
    if not may_read_region_figures(user):
        raise Forbidden(_("总览仅向政府工作人员开放。"), code="forbidden")
    q = q.strip()
    if not q:
        return []
    found = (
        visible(Compound, user)
        .filter(Q(name__icontains=q) | Q(address__icontains=q) | Q(code__icontains=q))
        .select_related("community__parent", "property_firm")
        .order_by("code")
    )
    exact = [c for c in found.filter(code__iexact=q)]
    rest = [c for c in found[:limit] if c not in exact]
    return (exact + rest)[:limit]


@dataclass
class CompoundCard:
    compound: Compound
    figure: CompoundFigure | None
    contract: ServiceContract | None
    committee: Any
    last_assembly: Assembly | None
    overdue: list[Equipment]
    open_by_status: list[tuple[str, int]]


def compound_card(*, user: User, code: str) -> CompoundCard:
    """Jinan's question for one compound in one screen: its firm and contract, committee, owners registered,
    equipment and its maintenance state, open complaints, last assembly."""
    if not may_read_region_figures(user):
        raise Forbidden(_("总览仅向政府工作人员开放。"), code="forbidden")
    compound = (
        visible(Compound, user)
        .select_related("community__parent__parent", "property_firm", "developer")
        .filter(code=code)
        .first()
    )
    if compound is None:
        raise Http404
    today = timezone.localdate()
    contract = (
        ServiceContract.objects.filter(compound=compound)
        .select_related("firm")
        .order_by("-starts_on", "-pk")
        .first()
    )
    open_rows = (
        Complaint.objects.filter(compound=compound, status__in=OPEN_STATES)
        .values_list("status")
        .order_by("status")
    )
    counts: dict[str, int] = {}
    for (status,) in open_rows:
        counts[status] = counts.get(status, 0) + 1
    return CompoundCard(
        compound=compound,
        figure=CompoundFigure.objects.filter(compound=compound).first(),
        contract=contract,
        committee=committee_current(compound=compound),
        last_assembly=Assembly.objects.filter(compound=compound)
        .exclude(status__in=[Assembly.Status.DRAFT, Assembly.Status.CANCELLED])
        .order_by("-opens_at", "-pk")
        .first(),
        overdue=list(
            Equipment.objects.filter(
                compound=compound, status=Equipment.Status.IN_SERVICE, next_due_on__lt=today
            ).order_by("next_due_on", "code")[:20]
        ),
        open_by_status=[(str(Status(k).label), n) for k, n in sorted(counts.items())],
    )


# ------------------------------------------------------------------------------------------- map

MAP_FIGURES = ("units_registered", "equipment_overdue", "complaints_open", "committee")


def map_points(*, region: Region, figure: str) -> list[dict[str, Any]]:
    """The region's compounds with coordinates, each with the chosen figure's value (share of units with a
    registered owner in %, overdue equipment, open complaints, or 1/0 for a committee in office) — one query."""
    rows = (
        CompoundFigure.objects.filter(
            compound__community__path__startswith=region.path,
            compound__lat__isnull=False,
            compound__lng__isnull=False,
        )
        .order_by("compound__code")
        .values_list(
            "compound__code",
            "compound__name",
            "compound__lng",
            "compound__lat",
            "compound__community__parent__code",
            "compound__community__parent__name",
            "units",
            "units_registered",
            "committee_until",
            "equipment_overdue",
            "complaints_open",
        )
    )
    out = []
    for code, name, lng, lat, street, street_name, units, registered, until, overdue, open_ in rows:
        if figure == "units_registered":
            value: float | int = round(100 * registered / units, 1) if units else 0
        elif figure == "committee":
            value = int(until is not None)
        else:
            value = overdue if figure == "equipment_overdue" else open_
        out.append({
            "code": code, "name": name, "lng": float(lng), "lat": float(lat), "value": value,
            "street": street or "", "street_name": street_name or "",
        })  # fmt: skip
    return out


def hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The convex hull of points (Andrew's monotone chain), counter-clockwise, closed; empty under 3 points."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return []

    def cross(o, a, b) -> float:  # noqa: ANN001
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    ring = lower[:-1] + upper[:-1]
    return [*ring, ring[0]] if len(ring) >= 3 else []


def street_hulls(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Approximate street areas: the hull of each street's compounds, as GeoJSON features marked approximate
    (no open street boundary exists to ship)."""
    by_street: dict[str, list[dict[str, Any]]] = {}
    for p in points:
        if p["street"]:
            by_street.setdefault(p["street"], []).append(p)
    features = []
    for code, members in sorted(by_street.items()):
        ring = hull([(p["lng"], p["lat"]) for p in members])
        if ring:
            features.append({
                "type": "Feature",
                "properties": {"code": code, "name": members[0]["street_name"], "approximate": True},
                "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
            })  # fmt: skip
    return features


def share(num: int, den: int) -> str:
    """A rate as complaints.figures.rate_text writes it (rounded down to two places), "—" without a base."""
    return rate_text(num, den) or "—"


def area_text(area: Decimal | int | None) -> str:
    return f"{Decimal(area or 0):,.2f}"
