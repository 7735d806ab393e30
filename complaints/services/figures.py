"""Month close of the complaints figures (complaints.md "Figures"): one immutable snapshot row per compound
and per region for a month that has ended (complaints.figures explains what they hold)."""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.figures import (
    by_region,
    last_closed_before,
    month_start,
    next_month,
    rollup,
    subtract,
)
from complaints.models import ComplaintMonthFigure
from config.errors import ApplicationError, WrongState
from registry.models import Compound, Region

# pg_advisory_xact_lock key: one close at a time (a second run waits, then finds the month written).
CLOSE_LOCK = 0x636F6D706C61696E  # "complain"


def complaint_month_close(*, month: dt.date, now: dt.datetime | None = None) -> int:
    """Write the month's snapshot rows (every compound and region) unless already written; returns how many
    rows were written (0 on a second run). Refuses a month not yet ended or one older than a closed month."""
    now = now or timezone.now()
    month = month.replace(day=1)
    end = month_start(next_month(month))
    if end > now:
        raise ApplicationError(
            _("%(m)s 尚未结束，不能结算。") % {"m": f"{month:%Y-%m}"}, code="month_not_ended"
        )
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [CLOSE_LOCK])
        if ComplaintMonthFigure.objects.filter(month=month).exists():
            return 0
        if ComplaintMonthFigure.objects.filter(month__gt=month).exists():
            # adjustments are measured from the latest close: closing an older month now would count twice
            raise WrongState(
                _("已结算更晚的月份，不能再结算 %(m)s。") % {"m": f"{month:%Y-%m}"}, code="month_out_of_order"
            )
        paths = dict(Compound.objects.values_list("pk", "community__path"))
        figures = rollup(start=month_start(month), end=end).per_compound()
        cumulative = rollup(end=end).per_compound()
        adjustments: dict[int, dict[str, int]] = {}
        previous = last_closed_before(month)
        if previous is not None:
            live = rollup(end=month_start(next_month(previous))).per_compound()
            base = dict(
                ComplaintMonthFigure.objects.filter(month=previous, compound__isnull=False).values_list(
                    "compound_id", "cumulative"
                )
            )
            adjustments = {c: subtract(live.get(c, {}), base.get(c, {})) for c in paths}
        rows = [
            ComplaintMonthFigure(
                month=month,
                compound_id=c,
                figures=figures.get(c, {}),
                adjustments=adjustments.get(c, {}),
                cumulative=cumulative.get(c, {}),
                computed_at=now,
            )
            for c in paths
        ]
        regional = [by_region(d, paths) for d in (figures, adjustments, cumulative)]
        rows += [
            ComplaintMonthFigure(
                month=month,
                region_id=region_id,
                figures=regional[0].get(path, {}),
                adjustments=regional[1].get(path, {}),
                cumulative=regional[2].get(path, {}),
                computed_at=now,
            )
            for region_id, path in Region.objects.values_list("pk", "path")
        ]
        ComplaintMonthFigure.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def figure_cells_rebuild() -> int:
    """Recompute every figure cell from the cases (the database function the migration defined; the trigger
    keeps them from then on) and return how many cells there are: for a bulk load with the trigger disabled,
    or to check the running counters."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT complaints_figure_cells_rebuild()")
        return int(cur.fetchone()[0])
