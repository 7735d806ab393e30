"""On-time disclosure figures: for a month, every compound with a serving firm owes an operating statement by
DISCLOSURE_DUE_DAY of the next month (Beijing time). A compound's statement is on time when its first version
was published before the end of that day, late when after, missing when none is published and the day has
passed, pending when none is published and the day has not passed yet. A region's figures are the sums over
its compounds; the on-time rate is on time / due, as numerator and denominator (never averaged percentages)."""

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.figures import (
    by_region,
    figures_region_get,
    month_parse,
    next_month,
    previous_month,
    rate_text,
)
from config.errors import ApplicationError
from disclosure.labels import Kind, Status
from disclosure.models import Disclosure
from registry.models import Compound, Region, User

STATES = ("on_time", "late", "missing", "pending")


def period_of(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def due_on(period: str) -> dt.date:
    """The last day to publish a month's statement: DISCLOSURE_DUE_DAY of the next month (or its last day)."""
    month = month_parse(period)
    if month is None:
        raise ValueError(period)
    following = next_month(month)
    last = calendar.monthrange(following.year, following.month)[1]
    return following.replace(day=min(settings.DISCLOSURE_DUE_DAY, last))


def deadline(period: str) -> dt.datetime:
    """The first instant after the due day (Beijing time): a publication before it is on time."""
    day = due_on(period) + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=timezone.get_default_timezone())


def statement_states(
    *, compound_ids: list[int], period: str, now: dt.datetime | None = None
) -> dict[int, str]:
    """Each compound's state for the month's operating statement as of `now` (one query): on_time, late,
    missing, pending."""
    now = now or timezone.now()
    first = dict(
        Disclosure.objects.filter(
            compound_id__in=compound_ids,
            kind=Kind.OPERATING_STATEMENT,
            period=period,
            status__in=[Status.PUBLISHED, Status.SUPERSEDED],
            published_at__lte=now,
        )
        .values("compound_id")
        .annotate(first=Min("published_at"))
        .values_list("compound_id", "first")
    )
    limit = deadline(period)
    passed = now >= limit
    states = {}
    for cid in compound_ids:
        at = first.get(cid)
        if at is not None:
            states[cid] = "on_time" if at < limit else "late"
        else:
            states[cid] = "missing" if passed else "pending"
    return states


@dataclass
class Row:
    code: str
    name: str
    level: str
    counts: Counter
    state: str | None = None  # a compound's own state


@dataclass
class DisclosureMonth:
    region: Region
    period: str
    due_on: dt.date
    own: Row
    children: list[Row]


def _count(state: str) -> Counter:
    return Counter({"due": 1, state: 1})


def disclosure_month(
    *, user: User, region_code: str = "", month_text: str = "", now: dt.datetime | None = None
) -> DisclosureMonth:
    """A region's month (default: the official's own region, last month): its figures and its next level
    down. 403 for anyone but officials, 404 for a region outside their jurisdiction."""
    region = figures_region_get(user=user, code=region_code)
    this_month = timezone.localtime(now or timezone.now()).date().replace(day=1)
    month = month_parse(month_text) if month_text else previous_month(this_month)
    if month is None or month > this_month:
        raise ApplicationError(
            _("月份格式为 YYYY-MM，且不能晚于本月。"), code="invalid", extra={"field": "month"}
        )
    period = period_of(month)
    compounds = list(
        Compound.objects.filter(community__path__startswith=region.path, property_firm__isnull=False)
        .values_list("pk", "code", "name", "community__path", "community_id")
        .order_by("code")
    )
    states = statement_states(compound_ids=[c[0] for c in compounds], period=period, now=now)
    per_compound = {c[0]: _count(states[c[0]]) for c in compounds}
    totals = by_region(per_compound, {c[0]: c[3] for c in compounds})
    if region.level == Region.Level.COMMUNITY:
        children = [
            Row(code=c[1], name=c[2], level="compound", counts=per_compound[c[0]], state=states[c[0]])
            for c in compounds
            if c[4] == region.pk
        ]
    else:
        children = [
            Row(code=r.code, name=r.name, level=r.level, counts=totals.get(r.path, Counter()))
            for r in Region.objects.filter(parent=region).order_by("code")
        ]
    own = Row(
        code=region.code, name=region.name, level=region.level, counts=totals.get(region.path, Counter())
    )
    return DisclosureMonth(region=region, period=period, due_on=due_on(period), own=own, children=children)


def row_body(row: Row) -> dict[str, Any]:
    due = row.counts.get("due", 0)
    body: dict[str, Any] = {
        "code": row.code,
        "name": row.name,
        "level": row.level,
        "due": due,
        **{s: row.counts.get(s, 0) for s in STATES},
        "on_time_rate": {
            "numerator": row.counts.get("on_time", 0),
            "denominator": due,
            "rate": rate_text(row.counts.get("on_time", 0), due),
        },
    }
    if row.state is not None:
        body["state"] = row.state
    return body


def figures_body(m: DisclosureMonth) -> dict[str, Any]:
    """A region's month as the API shows it."""
    return {
        "month": m.period,
        "due_on": m.due_on.isoformat(),
        "region": row_body(m.own),
        "children": [row_body(c) for c in m.children],
    }
