"""The officials' party-building pages: coverage (/party/coverage/?region=<code>) — the region and its next
level down from partybuilding.coverage.region_coverage (numerators and denominators summed, rates rounded down
to two places, never averaged), what falls short with a link to each compound, drill-down by region, a bar
chart with its table and an XLSX export — and task figures per member and organisation (/party/figures/).

The chart is drawn by static/js/party_coverage.js (ECharts, served locally) from a json_script data block: no
inline script. Permission: partybuilding.permissions through coverage_region_get (403 for anyone but officials,
404 outside one's jurisdiction) and task_figures (what the API shows)."""

import io
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.styles import Font

from complaints.figures import rate_text
from config.errors import Forbidden
from config.routers import dashboard_reads
from config.spreadsheets import xlsx_put
from partybuilding.coverage import coverage_region_get, region_coverage
from partybuilding.labels import Shortfall
from partybuilding.selectors import task_figures
from registry.models import Region
from registry.selectors import figures_parent

FIGURES = (
    ("firms_with_organisation", gettext_lazy("物业企业建立党组织")),
    ("projects_with_organisation", gettext_lazy("物业项目建立党支部")),
    ("compounds_with_branch", gettext_lazy("小区建立党支部")),
    ("committees_above_half", gettext_lazy("业委会党员过半")),
)
SHORT_LABELS = {
    "firms_with_organisation": Shortfall.FIRM_WITHOUT_ORGANISATION.label,
    "projects_with_organisation": Shortfall.PROJECT_WITHOUT_BRANCH.label,
    "compounds_with_branch": Shortfall.COMPOUND_WITHOUT_BRANCH.label,
    "committees_above_half": Shortfall.COMMITTEE_NOT_MAJORITY.label,
}


@dataclass
class Tables:
    """The page's tables, shared by the page and the XLSX: a header row and rows of cells."""

    title: str
    region: list[list[Any]]
    children: list[list[Any]]
    short: list[list[Any]]


def _rate(figure: dict[str, Any]) -> str:
    return rate_text(figure["numerator"], figure["denominator"]) or "—"


def _chart_value(figure: dict[str, Any]) -> float | None:
    text = rate_text(figure["numerator"], figure["denominator"])
    return float(text.rstrip("%")) if text else None


def _short_rows(body: dict[str, Any]) -> list[tuple[list[Any], str]]:
    """What falls short: ([figure, what, code, note], the compound's code to link to or "" for a firm)."""
    rows: list[tuple[list[Any], str]] = []
    for key, label in FIGURES:
        for item in body[key]["short"]:
            if key == "firms_with_organisation":
                rows.append(([str(label), item["name"], item["uscc"], str(SHORT_LABELS[key])], ""))
            elif key == "committees_above_half":
                note = _("业委会 %(seats)s 人，党员 %(party)s 人") % {
                    "seats": item["seats"],
                    "party": item["party_seats"],
                }
                rows.append(([str(label), item["name"], item["compound"], note], item["compound"]))
            else:
                rows.append(
                    ([str(label), item["name"], item["compound"], str(SHORT_LABELS[key])], item["compound"])
                )
    return rows


def _build(request: HttpRequest) -> tuple[Region, Tables, dict[str, Any]]:
    try:
        region = coverage_region_get(user=request.user, code=request.GET.get("region", ""))
    except Forbidden as e:
        raise PermissionDenied(e.message) from e
    body = region_coverage(region=region)
    own, children = body["region"], body["children"]
    region_rows = [[_("指标"), _("分子"), _("分母"), _("比率")]]
    region_rows += [
        [str(label), own[key]["numerator"], own[key]["denominator"], _rate(own[key])]
        for key, label in FIGURES
    ]
    child_rows = [[_("名称"), _("代码"), *[str(label) for _key, label in FIGURES]]]
    child_rows += [
        [c["name"], c["code"]]
        + [f"{_rate(c[key])}（{c[key]['numerator']}/{c[key]['denominator']}）" for key, _label in FIGURES]
        for c in children
    ]
    short_rows = _short_rows(own)
    short = [[_("指标"), _("名称"), _("代码"), _("说明")], *[row for row, _link in short_rows]]
    title = _("%(region)s 党建覆盖情况") % {"region": region.name}
    chart = {
        "names": [c["name"] for c in children],
        "series": [
            {"name": str(label), "data": [_chart_value(c[key]) for c in children]} for key, label in FIGURES
        ],
    }
    parent = figures_parent(user=request.user, region=region)
    context = {
        "region": region,
        "level_label": Region.Level(region.level).label,
        "parent": parent,
        "child_rows": list(zip(child_rows[1:], [c["code"] for c in children], strict=True)),
        "short_rows": short_rows,
        "chart": chart,
    }
    return region, Tables(title, region_rows, child_rows, short), context


@require_GET
@login_required
@never_cache
@dashboard_reads
def coverage_page(request: HttpRequest) -> HttpResponse:
    """The region's coverage (default: the official's own region) and its next level down."""
    _region, tables, context = _build(request)
    return render(request, "partybuilding/coverage.html", {**context, "tables": tables})


@require_GET
@login_required
@never_cache
@dashboard_reads
def coverage_xlsx(request: HttpRequest) -> HttpResponse:
    """The page's tables as an XLSX workbook (text cells are text, never formulas)."""
    region, tables, _context = _build(request)
    wb = Workbook()
    sheets = [(_("本级"), tables.region), (_("下级"), tables.children), (_("未达标"), tables.short)]
    for i, (name, rows) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        xlsx_put(ws, row=1, column=1, value=tables.title).font = Font(bold=True)
        for r, row in enumerate(rows, start=3):
            for col, value in enumerate(row, start=1):
                cell = xlsx_put(ws, row=r, column=col, value=value if isinstance(value, int) else str(value))
                if r == 3:
                    cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 22
        ws.column_dimensions["B"].width = 22
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="party-coverage-{region.code}.xlsx"'
    return response


# ------------------------------------------------------------------------------------- task figures


def mean_rating(rating_sum: int, confirmed: int) -> str:
    """The mean rating over the confirmed tasks, rounded down to two places ("4.66"); "—" without any."""
    if confirmed <= 0:
        return "—"
    return str((Decimal(rating_sum) / Decimal(confirmed)).quantize(Decimal("0.01"), rounding=ROUND_DOWN))


@require_GET
@login_required
@never_cache
@dashboard_reads
def task_figures_page(request: HttpRequest) -> HttpResponse:
    """Tasks claimed, completed and confirmed and the mean rating per member and per organisation — those the
    user sees (officials: their region's; a secretary: their organisation's; a member: their own), exactly what
    GET /api/v1/stats/party-tasks/ shows."""
    figures = task_figures(user=request.user)
    context = {
        "members": [m | {"mean": mean_rating(m["rating_sum"], m["confirmed"])} for m in figures["members"]],
        "organisations": [
            o | {"mean": mean_rating(o["rating_sum"], o["confirmed"])} for o in figures["organisations"]
        ],
        "tab": "figures",
    }
    return render(request, "partybuilding/figures.html", context)
