"""The officials' figures page (/complaints/figures/): a region's month with its rates, a 12-month trend and a
ranking of the next level down, each chart with its table beneath, and the tables as XLSX. Charts are drawn
by static/js/complaint_figures.js (ECharts, served locally) from a json_script data block: no inline script."""

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from openpyxl import Workbook
from openpyxl.styles import Font

from complaints.figures import (
    Counter,
    category_names,
    current_month,
    figures_region_get,
    month_parse,
    present,
    rate_text,
    region_month,
    region_trend,
)
from complaints.labels import FIGURE_RATE_BASIS, FigureRate, Kind, Severity, Status, Tier
from complaints.permissions import may_read_figures
from config.routers import dashboard_reads
from config.spreadsheets import xlsx_put
from registry.models import Region
from registry.selectors import figures_parent

LEVEL_LABELS = {**dict(Region.Level.choices), "compound": gettext_lazy("小区")}
TREND_MONTHS = 12


@dataclass
class Tables:
    """The page's tables, shared by the page and the XLSX: header row + rows of cells."""

    title: str
    rates: list[list[Any]]
    counts: list[list[Any]]
    trend: list[list[Any]]
    ranking: list[list[Any]]


def _chart_value(counter: Counter, name: str) -> float | None:
    """A rate for the chart: percent rounded down to two places (as the tables), None without a base."""
    text = rate_text(counter.get(f"{name}.num", 0), counter.get(f"{name}.den", 0))
    return float(text.rstrip("%")) if text else None


def _pair_cells(counter: Counter, name: str) -> list[Any]:
    num, den = counter.get(f"{name}.num", 0), counter.get(f"{name}.den", 0)
    return [num, den, rate_text(num, den) or "—"]


def _request_month(request: HttpRequest) -> dt.date:
    text = request.GET.get("month", "")
    month = month_parse(text) if text else None
    return month if month is not None and month <= current_month() else current_month()


def _build(request: HttpRequest) -> tuple[Any, Tables, dict[str, Any], str]:
    if not may_read_figures(request.user):
        raise PermissionDenied
    region = figures_region_get(user=request.user, code=request.GET.get("region", ""))
    month = _request_month(request)
    rank = request.GET.get("rank", FigureRate.SATISFACTION)
    rank = rank if rank in FigureRate.values else FigureRate.SATISFACTION
    rm = region_month(region=region, month=month)
    trend = region_trend(region=region, last=month, months=TREND_MONTHS)
    names = category_names()
    own = rm.own.figures
    body = present(own, categories=names)
    c = body["counts"]

    rates = [[_("指标"), _("分子"), _("分母"), _("比率"), _("口径")]]
    rates += [[r.label, *_pair_cells(own, r.value), FIGURE_RATE_BASIS[r]] for r in FigureRate]
    counts = [[_("分类"), _("项目"), _("件数")], [_("合计"), _("案件"), c["cases"]]]
    counts += [[_("类型"), Kind(k).label, n] for k, n in c["by_kind"].items()]
    counts += [[_("类别"), names.get(k, k), n] for k, n in c["by_category"].items()]
    counts += [[_("首办层级"), Tier(k).label, n] for k, n in c["by_tier"].items()]
    counts += [[_("严重程度"), Severity(k).label, n] for k, n in c["by_severity"].items()]
    counts += [
        [_("办理结果"), Status.REJECTED.label, c["rejected"]],
        [_("办理结果"), Status.MERGED.label, c["merged"]],
        [_("办理结果"), Status.CANCELLED.label, c["cancelled"]],
        [_("办理结果"), _("重新办理"), c["reopened"]],
        [_("办理结果"), _("升级督办"), c["escalations"]],
    ]
    for cell in body["satisfaction_by_category"]:
        shown = _("不足5条评价，不予显示") if cell["suppressed"] else cell["rate"]
        counts.append([_("分类满意率"), cell["name"], shown])

    trend_rows = [[_("月份"), _("案件"), *[r.label for r in FigureRate]]]
    trend_rows += [
        [f"{m:%Y-%m}", counter.get("cases", 0)]
        + [
            f"{rate_text(*nd) or '—'}（{nd[0]}/{nd[1]}）"
            for nd in ((counter.get(f"{r}.num", 0), counter.get(f"{r}.den", 0)) for r in FigureRate.values)
        ]
        for m, counter in trend
    ]
    children = sorted(
        rm.children,
        key=lambda ch: (-(_chart_value(ch.figures, rank) or -1), ch.code),
    )
    ranking = [[_("名次"), _("名称"), _("代码"), _("案件"), _("分子"), _("分母"), FigureRate(rank).label]]
    ranking += [
        [i, ch.name, ch.code, ch.figures.get("cases", 0), *_pair_cells(ch.figures, rank)]
        for i, ch in enumerate(children, start=1)
    ]
    title = _("%(region)s %(month)s 投诉与报事统计") % {"region": region.name, "month": f"{month:%Y-%m}"}
    chart = {
        "trend": {
            "months": [f"{m:%Y-%m}" for m, _c in trend],
            "series": [
                {"name": str(r.label), "data": [_chart_value(counter, r.value) for _m, counter in trend]}
                for r in (FigureRate.RESPONSE, FigureRate.ON_TIME_RESOLUTION, FigureRate.SATISFACTION)
            ],
        },
        "ranking": {
            "label": str(FigureRate(rank).label),
            "names": [ch.name for ch in children],
            "values": [_chart_value(ch.figures, rank) for ch in children],
        },
    }
    context = {
        "rm": rm,
        "region": region,
        "month_value": f"{month:%Y-%m}",
        "level_label": LEVEL_LABELS.get(region.level, region.level),
        "children": rm.children,
        # ranking rows with the region to open from each (compounds have no level below)
        "ranking_rows": [
            (row, ch.code if ch.level != "compound" else "")
            for row, ch in zip(ranking[1:], children, strict=True)
        ],
        "parent": figures_parent(user=request.user, region=region),
        "rank": rank,
        "rank_choices": FigureRate.choices,
        "chart": chart,
    }
    return rm, Tables(title, rates, counts, trend_rows, ranking), context, rank


@login_required
@never_cache
@dashboard_reads
def figures_page(request: HttpRequest) -> HttpResponse:
    """The region's month (default: the official's own region, this month)."""
    _rm, tables, context, _rank = _build(request)
    return render(request, "complaints/figures/page.html", {**context, "tables": tables})


@login_required
@never_cache
@dashboard_reads
def figures_xlsx(request: HttpRequest) -> HttpResponse:
    """The page's tables as an XLSX workbook (text cells are text, never formulas)."""
    rm, tables, _context, _rank = _build(request)
    wb = Workbook()
    sheets = [
        (_("本月指标"), tables.rates),
        (_("案件分类"), tables.counts),
        (_("月度趋势"), tables.trend),
        (_("下级排名"), tables.ranking),
    ]
    for i, (name, rows) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        xlsx_put(ws, row=1, column=1, value=tables.title).font = Font(bold=True)
        for r, row in enumerate(rows, start=3):
            for col, value in enumerate(row, start=1):
                cell = xlsx_put(ws, row=r, column=col, value=value if isinstance(value, int) else str(value))
                if r == 3:
                    cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 16
        ws.column_dimensions["B"].width = 22
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"complaint-figures-{rm.region.code}-{rm.month:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
