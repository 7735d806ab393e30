"""Monthly figures of complaints (complaints.md "Figures"): reads only.

A month is a Beijing-time calendar month; its cases are those submitted in it. One set-based SQL roll-up
(`rollup`) gives, per compound (and per month when asked), flat counters:

    cases; kind.<k>, category.<code>, tier.<first tier>, severity.<s>; rejected, merged, cancelled,
    reopened (round > 1), escalations (escalation events); rated.<satisfaction>;
    <pair>.num / <pair>.den for each rate of PAIRS; satisfaction_by_category.<code>.num / .den

Rates are numerator/denominator pairs, read off the frozen clock values and the current rating:
response (respond met / respond stopped), on-time resolution (resolve met / resolve stopped), solved (solved /
rated), satisfaction ((satisfied [+ basically satisfied, per COMPLAINTS_BASICALLY_COUNTS_AS_SATISFIED]) /
rated), return visit (closed cases visited / closed cases), breaches (breached clocks / clocks). Regions add up
their compounds' counters — numerators and denominators are summed, a percentage is never averaged.

Month close (complaints.services.figures) writes a snapshot per compound and region; a closed month is read
from its snapshot, every other month live. Changes after a close to cases of closed months ("late events")
appear as `adjustments` (signed deltas) in the next month: the state now of every case submitted up to the
end of the last closed month, minus that month's `cumulative` snapshot (the same cases as they stood then).
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.labels import (
    ClockKind,
    ClockLevel,
    EventKind,
    FigureRate,
    Kind,
    Satisfaction,
    Severity,
    Status,
    Tier,
)
from complaints.models import Category, Complaint, ComplaintMonthFigure, FigureCell
from config.routers import dashboard_connection
from registry.models import Compound, Region, User
from registry.selectors import figures_region_get as region_figures_get

Counter = dict[str, int]

PAIRS = tuple(FigureRate.values)  # the rates, labelled in complaints.labels
STATUS_COUNTS = ("rejected", "merged", "cancelled")
CLOSED_STATES = [Status.CLOSED.value, Status.CLOSED_UNRATED.value]
MIN_RATINGS_SHOWN = 5  # complaints.md: rating breakdowns only for cells with at least 5 ratings
DIMENSIONS = ("kind", "category", "tier", "severity")


# ------------------------------------------------------------------------------------------- months


def month_start(month: dt.date) -> dt.datetime:
    """Midnight Beijing time on the first of `month`."""
    tz = timezone.get_default_timezone()
    return dt.datetime(month.year, month.month, 1, tzinfo=tz)


def next_month(month: dt.date) -> dt.date:
    """The first of the following month."""
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: dt.date) -> dt.date:
    """The first of the month before."""
    return dt.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def current_month(now: dt.datetime | None = None) -> dt.date:
    """The first of this Beijing-time month."""
    return timezone.localtime(now or timezone.now()).date().replace(day=1)


def month_parse(text: str) -> dt.date | None:
    """`YYYY-MM` → the first of that month; None when malformed."""
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            return None
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------- roll-up


def satisfied_values() -> list[str]:
    """The ratings that count as satisfied (the setting decides for "basically satisfied")."""
    values = [Satisfaction.SATISFIED.value]
    if settings.COMPLAINTS_BASICALLY_COUNTS_AS_SATISFIED:
        values.append(Satisfaction.BASICALLY.value)
    return values


METRICS = (
    "cases",
    "rejected",
    "merged",
    "cancelled",
    "reopened",
    "escalations",
    "response.num",
    "response.den",
    "on_time_resolution.num",
    "on_time_resolution.den",
    "solved.num",
    "solved.den",
    "satisfaction.num",
    "satisfaction.den",
    "rated.satisfied",
    "rated.basically_satisfied",
    "rated.unsatisfied",
    "return_visit.num",
    "return_visit.den",
    "breaches.num",
    "breaches.den",
)


@cache
def _rollup_sql(by_month: bool, since: bool) -> str:
    q = connection.ops.quote_name
    case, category = q(Complaint._meta.db_table), q(Category._meta.db_table)
    compound, region = q(Compound._meta.db_table), q(Region._meta.db_table)
    month = "date_trunc('month', k.submitted_at AT TIME ZONE %(tz)s)::date" if by_month else "NULL::date"
    lower = "AND k.submitted_at >= %(start)s" if since else ""
    keys = "c.month, c.compound_id, c.path"
    # Table names come from the models, never from input; every value is a bound parameter.
    return f"""
WITH c AS (
  SELECT k.id, k.compound_id, r.path, {month} AS month, k.kind, cat.code AS category,
         k.first_tier AS tier, k.severity, k.status, k.round, k.satisfaction, k.solved,
         k.respond_met, k.resolve_met, k.clocks_breached, k.clocks_total, k.escalations, k.visited
    FROM {case} k
    JOIN {category} cat ON cat.id = k.category_id
    JOIN {compound} p ON p.id = k.compound_id
    JOIN {region} r ON r.id = p.community_id
   WHERE k.submitted_at < %(end)s {lower} AND r.path LIKE %(path)s
)
SELECT {keys}, c.kind, c.category, c.tier, c.severity,
       GROUPING(c.kind), GROUPING(c.category), GROUPING(c.tier), GROUPING(c.severity),
       count(*),
       count(*) FILTER (WHERE c.status = %(rejected)s),
       count(*) FILTER (WHERE c.status = %(merged)s),
       count(*) FILTER (WHERE c.status = %(cancelled)s),
       count(*) FILTER (WHERE c.round > 1),
       coalesce(sum(c.escalations), 0),
       count(*) FILTER (WHERE c.respond_met), count(c.respond_met),
       count(*) FILTER (WHERE c.resolve_met), count(c.resolve_met),
       count(*) FILTER (WHERE c.satisfaction <> '' AND c.solved),
       count(*) FILTER (WHERE c.satisfaction <> ''),
       count(*) FILTER (WHERE c.satisfaction = ANY(%(satisfied)s)),
       count(*) FILTER (WHERE c.satisfaction <> ''),
       count(*) FILTER (WHERE c.satisfaction = %(s_satisfied)s),
       count(*) FILTER (WHERE c.satisfaction = %(s_basically)s),
       count(*) FILTER (WHERE c.satisfaction = %(s_unsatisfied)s),
       count(*) FILTER (WHERE c.status = ANY(%(closed)s) AND c.visited),
       count(*) FILTER (WHERE c.status = ANY(%(closed)s)),
       coalesce(sum(c.clocks_breached), 0), coalesce(sum(c.clocks_total), 0)
  FROM c
 GROUP BY GROUPING SETS (({keys}), ({keys}, c.kind), ({keys}, c.category), ({keys}, c.tier),
                         ({keys}, c.severity))
"""  # noqa: S608


@dataclass
class Rollup:
    """Counters per (month or None, compound id), and each compound's community path."""

    counters: dict[tuple[dt.date | None, int], Counter] = field(default_factory=dict)
    paths: dict[int, str] = field(default_factory=dict)

    def per_compound(self) -> dict[int, Counter]:
        """Summed over months."""
        out: dict[int, Counter] = {}
        for (_month, compound_id), counter in self.counters.items():
            out[compound_id] = add(out.get(compound_id, {}), counter)
        return out


def rollup(
    *,
    end: dt.datetime,
    start: dt.datetime | None = None,
    path: str = "",
    by_month: bool = False,
    totals_only: bool = False,
) -> Rollup:
    """The figures of the cases submitted in [start, end) in compounds under the region `path` (all when
    empty), per compound (and per Beijing month with `by_month`) — one query. Whole months (the only bounds
    the pages, the API and the month close ask for) are read from the figure cells the database keeps per
    compound and month (complaints.models.FigureCell); other bounds from the cases (`rollup_live`).
    `totals_only`: without the breakdowns by kind, category, tier and severity (one cell per compound and
    month: the overview's pages)."""
    first = _month_of(end)
    since = _month_of(start) if start is not None else None
    if first is None or (start is not None and since is None):
        return rollup_live(end=end, start=start, path=path, by_month=by_month)
    params: dict[str, Any] = {"end": first, "start": since, "path": f"{path}%"}
    satisfied_basically = settings.COMPLAINTS_BASICALLY_COUNTS_AS_SATISFIED
    out = Rollup()
    with dashboard_connection().cursor() as cur:  # the replica inside dashboard_reads()
        cur.execute(_cells_sql(by_month, start is not None, totals_only), params)
        rows = cur.fetchall()
    for month, compound_id, path_, dim, value, *numbers in rows:
        c = dict(zip(CELL_COUNTERS, (int(n) for n in numbers), strict=True))
        out.paths[compound_id] = path_
        counter = out.counters.setdefault((month, compound_id), {})
        satisfied = c["rated_satisfied"] + (c["rated_basically"] if satisfied_basically else 0)
        if dim:
            counter[f"{dim}.{value}"] = c["cases"]
            if dim == "category" and c["rated"]:
                counter[f"satisfaction_by_category.{value}.num"] = satisfied
                counter[f"satisfaction_by_category.{value}.den"] = c["rated"]
            continue
        counter.update(_totals(c, satisfied))
    for key in [k for k, counter in out.counters.items() if not counter.get("cases")]:
        del out.counters[key]  # cells whose cases all moved away
    return out


def month_totals(*, path: str, first: dt.date, last: dt.date) -> dict[dt.date, Counter]:
    """The region's totals (no breakdowns) per month from `first` to `last` (firsts of months), from the
    totals cells — one query whose size is the number of months, whatever the number of compounds."""
    q = connection.ops.quote_name
    cell, compound, region = (q(m._meta.db_table) for m in (FigureCell, Compound, Region))
    sums = ", ".join(f"sum(f.{c})" for c in CELL_COUNTERS)
    sql = f"""
SELECT f.month, {sums}
  FROM {cell} f
  JOIN {compound} p ON p.id = f.compound_id
  JOIN {region} r ON r.id = p.community_id
 WHERE f.dim = '' AND f.month >= %(first)s AND f.month <= %(last)s AND r.path LIKE %(path)s
 GROUP BY f.month
"""  # noqa: S608 - table names from the models, values bound
    satisfied_basically = settings.COMPLAINTS_BASICALLY_COUNTS_AS_SATISFIED
    out: dict[dt.date, Counter] = {}
    with dashboard_connection().cursor() as cur:  # the replica inside dashboard_reads()
        cur.execute(sql, {"first": first, "last": last, "path": f"{path}%"})
        for month, *numbers in cur.fetchall():
            c = dict(zip(CELL_COUNTERS, (int(n) for n in numbers), strict=True))
            satisfied = c["rated_satisfied"] + (c["rated_basically"] if satisfied_basically else 0)
            if c["cases"]:
                out[month] = _totals(c, satisfied)
    return out


def month_children(*, path: str, month: dt.date, depth: int | None) -> dict[str | None, Counter]:
    """One month's totals under the region `path`, per child — the region path `depth` levels deep, or per
    compound (its id as text) when `depth` is None — and for the whole region (key None): one query over the
    month's totals cells, summed in SQL."""
    q = connection.ops.quote_name
    cell, compound, region = (q(m._meta.db_table) for m in (FigureCell, Compound, Region))
    key = (
        "p.id::text"
        if depth is None
        else f"array_to_string((string_to_array(r.path, '/'))[1:{int(depth)}], '/') || '/'"
    )
    sums = ", ".join(f"sum(f.{c})" for c in CELL_COUNTERS)
    sql = f"""
SELECT {key}, {sums}
  FROM {cell} f
  JOIN {compound} p ON p.id = f.compound_id
  JOIN {region} r ON r.id = p.community_id
 WHERE f.dim = '' AND f.month = %(month)s AND r.path LIKE %(path)s
 GROUP BY ROLLUP (1)
"""  # noqa: S608 - table names from the models, the key from an int, values bound
    satisfied_basically = settings.COMPLAINTS_BASICALLY_COUNTS_AS_SATISFIED
    out: dict[str | None, Counter] = {}
    with dashboard_connection().cursor() as cur:  # the replica inside dashboard_reads()
        cur.execute(sql, {"month": month, "path": f"{path}%"})
        for k, *numbers in cur.fetchall():
            c = dict(zip(CELL_COUNTERS, (int(n) for n in numbers), strict=True))
            satisfied = c["rated_satisfied"] + (c["rated_basically"] if satisfied_basically else 0)
            out[k] = _totals(c, satisfied)
    return out


def _totals(c: Mapping[str, int], satisfied: int) -> Counter:
    """A total cell's counters as the roll-up's keys (zeros dropped)."""
    values = {
        "cases": c["cases"],
        "rejected": c["rejected"],
        "merged": c["merged"],
        "cancelled": c["cancelled"],
        "reopened": c["reopened"],
        "escalations": c["escalations"],
        "response.num": c["respond_met"],
        "response.den": c["respond_stopped"],
        "on_time_resolution.num": c["resolve_met"],
        "on_time_resolution.den": c["resolve_stopped"],
        "solved.num": c["solved"],
        "solved.den": c["rated"],
        "satisfaction.num": satisfied,
        "satisfaction.den": c["rated"],
        "rated.satisfied": c["rated_satisfied"],
        "rated.basically_satisfied": c["rated_basically"],
        "rated.unsatisfied": c["rated_unsatisfied"],
        "return_visit.num": c["closed_visited"],
        "return_visit.den": c["closed"],
        "breaches.num": c["clocks_breached"],
        "breaches.den": c["clocks_total"],
    }
    return {k: v for k, v in values.items() if v}


CELL_COUNTERS = (
    "cases",
    "rejected",
    "merged",
    "cancelled",
    "reopened",
    "escalations",
    "respond_met",
    "respond_stopped",
    "resolve_met",
    "resolve_stopped",
    "solved",
    "rated",
    "rated_satisfied",
    "rated_basically",
    "rated_unsatisfied",
    "closed_visited",
    "closed",
    "clocks_breached",
    "clocks_total",
)


def _month_of(moment: dt.datetime) -> dt.date | None:
    """The month `moment` starts (midnight Beijing time on a first), or None when it is inside a month."""
    local = timezone.localtime(moment)
    if (local.day, local.hour, local.minute, local.second, local.microsecond) != (1, 0, 0, 0, 0):
        return None
    return local.date()


@cache
def _cells_sql(by_month: bool, since: bool, totals_only: bool = False) -> str:
    q = connection.ops.quote_name
    cell, category = q(FigureCell._meta.db_table), q(Category._meta.db_table)
    compound, region = q(Compound._meta.db_table), q(Region._meta.db_table)
    month = "f.month" if by_month else "NULL::date"
    lower = "AND f.month >= %(start)s" if since else ""
    lower += " AND f.dim = ''" if totals_only else ""
    sums = ", ".join(f"sum(f.{c})" for c in CELL_COUNTERS)
    # Table names come from the models, never from input; every value is a bound parameter.
    return f"""
SELECT {month}, f.compound_id, r.path, f.dim, CASE WHEN f.dim = 'category' THEN cat.code ELSE f.value END,
       {sums}
  FROM {cell} f
  JOIN {compound} p ON p.id = f.compound_id
  JOIN {region} r ON r.id = p.community_id
  LEFT JOIN {category} cat ON f.dim = 'category' AND cat.id::text = f.value
 WHERE f.month < %(end)s {lower} AND r.path LIKE %(path)s
 GROUP BY 1, 2, 3, 4, 5
HAVING sum(f.cases) <> 0
"""  # noqa: S608


def rollup_live(
    *, end: dt.datetime, start: dt.datetime | None = None, path: str = "", by_month: bool = False
) -> Rollup:
    """`rollup` computed from the cases themselves (any bounds, not only whole months): the reference the
    figure cells are checked against, and the path for bounds inside a month."""
    params: dict[str, Any] = {
        "end": end,
        "start": start,
        "path": f"{path}%",
        "tz": settings.TIME_ZONE,
        "respond": ClockKind.RESPOND.value,
        "resolve": ClockKind.RESOLVE.value,
        "breached": ClockLevel.BREACHED.value,
        "escalation": EventKind.ESCALATION.value,
        "return_visit": EventKind.RETURN_VISIT.value,
        "rejected": Status.REJECTED.value,
        "merged": Status.MERGED.value,
        "cancelled": Status.CANCELLED.value,
        "satisfied": satisfied_values(),
        "s_satisfied": Satisfaction.SATISFIED.value,
        "s_basically": Satisfaction.BASICALLY.value,
        "s_unsatisfied": Satisfaction.UNSATISFIED.value,
        "closed": CLOSED_STATES,
    }
    out = Rollup()
    with dashboard_connection().cursor() as cur:  # the replica inside dashboard_reads()
        cur.execute(_rollup_sql(by_month, start is not None), params)
        rows = cur.fetchall()
    for row in rows:
        month, compound_id, path_, *dims = row[:7]
        grouped = row[7:11]
        values = dict(zip(METRICS, row[11:], strict=True))
        out.paths[compound_id] = path_
        counter = out.counters.setdefault((month, compound_id), {})
        if all(grouped):  # the compound's total
            counter.update({k: int(v) for k, v in values.items() if v})
            continue
        for dim, value, g in zip(DIMENSIONS, dims, grouped, strict=True):
            if not g:
                counter[f"{dim}.{value}"] = int(values["cases"])
                if dim == "category" and values["satisfaction.den"]:
                    counter[f"satisfaction_by_category.{value}.num"] = int(values["satisfaction.num"])
                    counter[f"satisfaction_by_category.{value}.den"] = int(values["satisfaction.den"])
    return out


# ------------------------------------------------------------------------------------------- sums


def add(a: Mapping[str, int], b: Mapping[str, int]) -> Counter:
    """Counter sum (keys of either; zeros dropped)."""
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return {k: v for k, v in out.items() if v}


def subtract(a: Mapping[str, int], b: Mapping[str, int]) -> Counter:
    """Counter difference (signed: adjustments may be negative)."""
    return add(a, {k: -v for k, v in b.items()})


def child_path(community_path: str, *, depth: int) -> str:
    """The ancestor of a community path `depth` levels down from the top ("a/b/c/d/", 2 → "a/b/")."""
    return "/".join(community_path.split("/")[:depth]) + "/"


def depth_of(path: str) -> int:
    """Levels in a region path ("370200/370212/" → 2)."""
    return path.count("/")


def by_region(per_compound: Mapping[int, Counter], paths: Mapping[int, str]) -> dict[str, Counter]:
    """Every region's counter (keyed by its path) as the sum of its compounds' counters."""
    out: dict[str, Counter] = {}
    for compound_id, counter in per_compound.items():
        path = paths[compound_id]
        for depth in range(1, depth_of(path) + 1):
            key = child_path(path, depth=depth)
            out[key] = add(out.get(key, {}), counter)
    return out


# ------------------------------------------------------------------------------------------- presenting


def rate_text(numerator: int, denominator: int) -> str | None:
    """The rate as text ("87.50%"), rounded down to two places; None when there is nothing to divide by."""
    if denominator <= 0:
        return None
    hundredths = numerator * 10000 // denominator
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def pair(counter: Mapping[str, int], name: str, *, with_rate: bool = True) -> dict[str, Any]:
    """One rate as {"numerator", "denominator", "rate"} (no rate for deltas)."""
    num, den = counter.get(f"{name}.num", 0), counter.get(f"{name}.den", 0)
    body: dict[str, Any] = {"numerator": num, "denominator": den}
    if with_rate:
        body["rate"] = rate_text(num, den)
    return body


def present(
    counter: Mapping[str, int], *, categories: Mapping[str, str], deltas: bool = False
) -> dict[str, Any]:
    """A counter in the API's shape: counts (every kind, tier and severity; the categories with cases),
    rates as numerator/denominator/rate, satisfaction per category (suppressed under 5 ratings). `deltas`
    (adjustments): signed numbers, no rate and no breakdown."""
    cats = sorted(
        {k.split(".", 1)[1] for k in counter if k.startswith("category.")},
        key=lambda c: (list(categories).index(c) if c in categories else len(categories), c),
    )
    counts: dict[str, Any] = {
        "cases": counter.get("cases", 0),
        "by_kind": {k: counter.get(f"kind.{k}", 0) for k in Kind.values},
        "by_category": {c: counter.get(f"category.{c}", 0) for c in cats},
        "by_tier": {t: counter.get(f"tier.{t}", 0) for t in Tier.values},
        "by_severity": {s: counter.get(f"severity.{s}", 0) for s in Severity.values},
        **{k: counter.get(k, 0) for k in (*STATUS_COUNTS, "reopened", "escalations")},
        "ratings": {s: counter.get(f"rated.{s}", 0) for s in Satisfaction.values},
    }
    body: dict[str, Any] = {
        "counts": counts,
        "rates": {name: pair(counter, name, with_rate=not deltas) for name in PAIRS},
    }
    if deltas:
        return body
    cells = []
    for code in categories:
        den = counter.get(f"satisfaction_by_category.{code}.den", 0)
        if not den:
            continue
        cell: dict[str, Any] = {"category": code, "name": categories[code]}
        if den < MIN_RATINGS_SHOWN:
            cell |= {"numerator": None, "denominator": None, "rate": None, "suppressed": True}
        else:
            cell |= pair(counter, f"satisfaction_by_category.{code}") | {"suppressed": False}
        cells.append(cell)
    body["satisfaction_by_category"] = cells
    return body


def category_names() -> dict[str, str]:
    """Category code → name, in display order (one query)."""
    return dict(Category.objects.order_by("position", "code").values_list("code", "name"))


# ------------------------------------------------------------------------------------------- reads


def figures_region_get(*, user: User, code: str = "") -> Region:
    """The region whose monthly figures `user` asked for (registry.selectors.figures_region_get)."""
    return region_figures_get(user=user, code=code, refused=_("月度统计仅向政府工作人员开放。"))


@dataclass
class FigureRow:
    """One row of a region's month: the region itself or one child (region or compound)."""

    code: str
    name: str
    level: str  # city, district, street, community or compound
    figures: Counter
    adjustments: Counter | None


@dataclass
class RegionMonth:
    region: Region
    month: dt.date
    closed: bool
    computed_at: dt.datetime | None
    own: FigureRow
    children: list[FigureRow]


def month_is_closed(month: dt.date) -> bool:
    """Whether the month-close has written the month's snapshot."""
    return ComplaintMonthFigure.objects.filter(month=month).exists()


def last_closed_before(month: dt.date) -> dt.date | None:
    """The latest closed month before `month` (the base of its adjustments), if any."""
    return ComplaintMonthFigure.objects.filter(month__lt=month).aggregate(m=Max("month"))["m"]


def _children(region: Region) -> list[tuple[str, str, str, str | int]]:
    """(code, name, level, key) of the next level down: regions keyed by path, compounds by id."""
    if region.level == Region.Level.COMMUNITY:
        return [
            (c.code, c.name, "compound", c.pk)
            for c in Compound.objects.filter(community=region).order_by("code")
        ]
    return [(r.code, r.name, r.level, r.path) for r in Region.objects.filter(parent=region).order_by("code")]


def _live(
    region: Region, *, end: dt.datetime, start: dt.datetime | None = None
) -> tuple[dict[Any, Counter], Counter]:
    """Live counters keyed like `_children` (path or compound id), and the region's own."""
    r = rollup(start=start, end=end, path=region.path)
    per_compound = r.per_compound()
    keyed: dict[Any, Counter] = dict(per_compound)
    keyed.update(by_region(per_compound, r.paths))
    return keyed, keyed.get(region.path, {})


def region_month(*, region: Region, month: dt.date) -> RegionMonth:
    """The region's figures for `month` with its children's: from the snapshot once the month is closed,
    live otherwise (adjustments: changes since the last close to cases of closed months). A constant number
    of queries, whatever the number of cases."""
    children = _children(region)
    if month_is_closed(month):
        rows = list(
            ComplaintMonthFigure.objects.filter(month=month).filter(
                Q(region=region) | Q(region__parent=region) | Q(compound__community=region)
            )
        )
        by_key: dict[Any, ComplaintMonthFigure] = {}
        paths = dict(Region.objects.filter(Q(pk=region.pk) | Q(parent=region)).values_list("pk", "path"))
        for row in rows:
            by_key[paths[row.region_id] if row.region_id else row.compound_id] = row
        own = by_key.get(region.path)

        def unit(code: str, name: str, level: str, key: Any) -> FigureRow:
            row = by_key.get(key)
            return FigureRow(code, name, level, row.figures if row else {}, row.adjustments if row else {})

        return RegionMonth(
            region=region,
            month=month,
            closed=True,
            computed_at=own.computed_at if own else None,
            own=unit(region.code, region.name, region.level, region.path),
            children=[unit(*c) for c in children],
        )
    keyed, own = _live(region, start=month_start(month), end=month_start(next_month(month)))
    adjusted: dict[Any, Counter] | None = None
    closed = last_closed_before(month)
    if closed is not None:
        now_, _own = _live(region, end=month_start(next_month(closed)))
        base: dict[Any, Counter] = {}
        paths = dict(Region.objects.filter(Q(pk=region.pk) | Q(parent=region)).values_list("pk", "path"))
        for row in ComplaintMonthFigure.objects.filter(month=closed).filter(
            Q(region=region) | Q(region__parent=region) | Q(compound__community=region)
        ):
            base[paths[row.region_id] if row.region_id else row.compound_id] = row.cumulative
        adjusted = {k: subtract(now_.get(k, {}), base.get(k, {})) for k in set(now_) | set(base)}
    return RegionMonth(
        region=region,
        month=month,
        closed=False,
        computed_at=None,
        own=FigureRow(
            region.code,
            region.name,
            region.level,
            own,
            adjusted.get(region.path, {}) if adjusted is not None else None,
        ),
        children=[
            FigureRow(
                code, name, level, keyed.get(key, {}), adjusted.get(key, {}) if adjusted is not None else None
            )
            for code, name, level, key in children
        ],
    )


def region_trend(*, region: Region, last: dt.date, months: int = 12) -> list[tuple[dt.date, Counter]]:
    """The region's own totals for the `months` months ending with `last`: closed ones from their snapshots,
    the others live from the totals cells — two or three queries, whatever the size of the region."""
    span = [last]
    for _i in range(months - 1):
        span.insert(0, previous_month(span[0]))
    closed = dict(
        ComplaintMonthFigure.objects.filter(month__in=span, region=region).values_list("month", "figures")
    )
    closed_months = set(
        ComplaintMonthFigure.objects.filter(month__in=span)
        .order_by("month")
        .values_list("month", flat=True)
        .distinct()
    )
    live = [m for m in span if m not in closed_months]
    # the months not closed yet: their totals straight from the totals cells (no breakdowns: a trend has none)
    live_counters = month_totals(path=region.path, first=live[0], last=live[-1]) if live else {}
    return [(m, closed.get(m, {}) if m in closed_months else live_counters.get(m, {})) for m in span]
