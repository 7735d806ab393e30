"""The officials' overview pages, mounted at /overview/ (app_name "overview"): a region's figures with its
children's and the lists behind them, the compound search and card, the map, and the tables as XLSX. Charts and
the map are drawn by static/js/overview.js (ECharts, served locally; boundaries from static/geo/) from
json_script data blocks: no inline script, no outside server."""

import datetime as dt
import io
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from openpyxl import Workbook
from openpyxl.styles import Font

from complaints.figures import current_month, month_parse, rate_text
from config.routers import dashboard_reads
from config.spreadsheets import xlsx_put
from overview.figures import (
    MAP_FIGURES,
    RegionOverview,
    Row,
    area_text,
    compound_card,
    compound_search,
    firm_ranking,
    map_points,
    region_for,
    region_overview,
    share,
    street_hulls,
)
from registry.models import Region
from registry.permissions import may_read_region_figures
from registry.selectors import figures_parent

LEVEL_LABELS = {**dict(Region.Level.choices), "compound": gettext_lazy("小区")}
MAP_LABELS = {
    "units_registered": gettext_lazy("已注册业主的房屋占比（%）"),
    "equipment_overdue": gettext_lazy("维保逾期设备（台）"),
    "complaints_open": gettext_lazy("未办结投诉（件）"),
    "committee": gettext_lazy("业委会在任（1 是 / 0 否）"),
}
CITY_GEO = "geo/370200-districts.json"


def officials_only(view):  # noqa: ANN001, ANN201 - a view
    """Signed in (else the sign-in page), and an official or superuser (else the site's 403 page); the page's
    reads go to the dashboards' replica when one is configured (config/routers.py)."""
    marked = dashboard_reads(view)

    @login_required
    @never_cache
    @wraps(marked)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_read_region_figures(request.user):
            raise PermissionDenied
        return marked(request, *args, **kwargs)

    return wrapped


def _month(request: HttpRequest) -> dt.date:
    text = request.GET.get("month", "")
    month = month_parse(text) if text else None
    return month if month is not None and month <= current_month() else current_month()


def _lists(row: Row, *, own_code: str) -> dict[str, str]:
    """The list behind each figure of a row: admin lists filtered to the row's region or compound."""
    if row.level == "compound":
        place = {"compound": row.figures.get("_key", "")}
    else:
        place = {"region": row.code} if row.code != own_code or row.level != "city" else {}

    def admin(path: str, **extra: str) -> str:
        query = urlencode({**place, **extra})
        return f"/admin/{path}/" + (f"?{query}" if query else "")

    region = row.code if row.level != "compound" else ""
    return {
        "compounds": admin("registry/compound"),
        "units": admin("registry/unit"),
        "units_registered": admin("registry/owner", account="yes"),
        "committees": admin("registry/ownerscommittee"),
        "assemblies": admin("voting/assembly", status="published"),
        "equipment_overdue": admin("registry/equipment", overdue="yes"),
        "complaints": f"/complaints/figures/?region={region}" if region else "",
        "disclosure": f"/disclosure/figures/?region={region}" if region else "",
        "party": f"/api/v1/stats/party-coverage/?region={region}" if region else "",
    }


def _cells(row: Row) -> list[Any]:
    """A row's table cells (the page and the XLSX)."""
    f = row.figures
    units, registered = int(f.get("units") or 0), int(f.get("units_registered") or 0)
    compounds = int(f.get("compounds") or 0)
    return [
        compounds,
        units,
        area_text(f.get("area")),
        f"{registered}（{share(registered, units)}）",
        f"{int(f.get('committees') or 0)}/{compounds}（{share(int(f.get('committees') or 0), compounds)}）",
        int(f.get("assemblies_held") or 0),
        share(*row.pair("heads_participating", "heads_total")),
        "{}/{}".format(*row.pair("motions_adopted", "motions_decided")),
        int(f.get("m.cases") or 0),
        rate_text(*row.pair("m.response.num", "m.response.den")) or "—",
        rate_text(*row.pair("m.on_time_resolution.num", "m.on_time_resolution.den")) or "—",
        rate_text(*row.pair("m.satisfaction.num", "m.satisfaction.den")) or "—",
        int(f.get("complaints_open") or 0),
        f"{int(f.get('equipment_overdue') or 0)}/{int(f.get('equipment') or 0)}",
        "{}/{}（{}）".format(
            *row.pair("disclosure_on_time", "disclosure_due"),
            share(*row.pair("disclosure_on_time", "disclosure_due")),
        )
        + (_("，逾期 %(n)s") % {"n": int(f.get("disclosure_late") or 0)} if f.get("disclosure_late") else ""),
        f"{int(f.get('party_branches') or 0)}/{compounds}",
        "{}/{}".format(*row.pair("committees_above_half", "committees_seated")),
    ]


def _header() -> list[str]:
    return [
        _("名称"),
        _("小区"),
        _("房屋"),
        _("面积（㎡）"),
        _("已注册业主的房屋"),
        _("业委会在任"),
        _("业主大会（已公布）"),
        _("大会参与率（人数）"),
        _("事项通过/表决"),
        _("本月投诉"),
        _("响应及时率"),
        _("按时办结率"),
        _("满意率"),
        _("未办结投诉"),
        _("维保逾期/设备"),
        _("上月经营收支按时公开"),
        _("小区党支部"),
        _("业委会党员过半"),
    ]


def _trend_rows(ov: RegionOverview) -> list[list[Any]]:
    rows: list[list[Any]] = [[_("月份"), _("案件"), _("响应及时率"), _("按时办结率"), _("满意率")]]
    for m, c in ov.trend:
        rows.append([
            f"{m:%Y-%m}", c.get("cases", 0),
            *[
                f"{rate_text(c.get(f'{k}.num', 0), c.get(f'{k}.den', 0)) or '—'}（{c.get(f'{k}.num', 0)}/{c.get(f'{k}.den', 0)}）"
                for k in ("response", "on_time_resolution", "satisfaction")
            ],
        ])  # fmt: skip
    return rows


def _firm_rows(firms: list) -> list[list[Any]]:
    """The firms' table (the page and the XLSX)."""
    basically = settings.COMPLAINTS_BASICALLY_COUNTS_AS_SATISFIED
    rows: list[list[Any]] = [
        [
            _("名次"),
            _("物业服务企业"),
            _("服务小区"),
            _("房屋"),
            _("本月投诉"),
            _("每百户投诉"),
            _("响应及时率"),
            _("按时办结率"),
            _("满意率"),
            _("未办结投诉"),
            _("上月经营收支按时公开"),
        ]
    ]
    for i, firm in enumerate(firms, start=1):
        f = firm.figures
        rows.append([
            i, firm.name, f["compounds"], f["units"], f["cases"], firm.per_hundred_units,
            rate_text(f["response.num"], f["response.den"]) or "—",
            rate_text(f["on_time_resolution.num"], f["on_time_resolution.den"]) or "—",
            rate_text(*firm.satisfaction(basically_counts=basically)) or "—",
            f["complaints_open"],
            f"{f['disclosure_on_time']}/{f['disclosure_due']}（{share(f['disclosure_on_time'], f['disclosure_due'])}）",
        ])  # fmt: skip
    return rows


def _chart_rate(num: int, den: int) -> float | None:
    text = rate_text(num, den)
    return float(text.rstrip("%")) if text else None


def _context(request: HttpRequest) -> tuple[RegionOverview, dict[str, Any]]:
    region = region_for(user=request.user, code=request.GET.get("region", ""))
    ov = region_overview(region=region, month=_month(request))
    parent = figures_parent(user=request.user, region=region)
    rows = [
        {"row": row, "cells": _cells(row), "links": _lists(row, own_code=region.code)}
        for row in [ov.own, *ov.children]
    ]
    ranked = sorted(ov.children, key=lambda r: (-int(r.figures.get("m.cases") or 0), r.code))
    firms = firm_ranking(region=region, month=ov.month)
    chart = {
        "trend": {
            "months": [f"{m:%Y-%m}" for m, _c in ov.trend],
            "cases": [c.get("cases", 0) for _m, c in ov.trend],
            "series": [
                {"name": str(label), "data": [_chart_rate(c.get(f"{k}.num", 0), c.get(f"{k}.den", 0)) for _m, c in ov.trend]}
                for k, label in (
                    ("response", _("响应及时率")),
                    ("on_time_resolution", _("按时办结率")),
                    ("satisfaction", _("满意率")),
                )
            ],
        },
        "firms": {
            "names": [f.name for f in firms],
            "per_hundred": [float(f.per_hundred_units) if f.figures["units"] else None for f in firms],
        },
        "ranking": {
            "names": [r.name for r in ranked],
            "cases": [int(r.figures.get("m.cases") or 0) for r in ranked],
            "registered": [
                _chart_rate(int(r.figures.get("units_registered") or 0), int(r.figures.get("units") or 0))
                for r in ranked
            ],
        },
    }  # fmt: skip
    context = {
        "ov": ov,
        "region": region,
        "parent": parent,
        "level_label": LEVEL_LABELS.get(region.level, region.level),
        "month_value": f"{ov.month:%Y-%m}",
        "header": _header(),
        "own": rows[0],
        "rows": rows[1:],
        "trend_rows": _trend_rows(ov),
        "firm_rows": _firm_rows(firms),
        "chart": chart,
        "title": _("%(region)s 一图总览") % {"region": region.name},
    }
    return ov, context


@officials_only
def region_page(request: HttpRequest) -> HttpResponse:
    """A region's overview (default: the official's own region), this month or ?month=YYYY-MM."""
    _ov, context = _context(request)
    return render(request, "overview/region.html", context)


@officials_only
def region_xlsx(request: HttpRequest) -> HttpResponse:
    """The region page's tables as XLSX (text cells are text, never formulas)."""
    ov, context = _context(request)
    wb = Workbook()
    sheets = [
        (_("下级单位"), [context["header"]] + [[r["row"].name, *r["cells"]] for r in [context["own"], *context["rows"]]]),
        (_("月度趋势"), context["trend_rows"]),
        (_("物业服务企业"), context["firm_rows"]),
    ]  # fmt: skip
    for i, (name, rows) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        xlsx_put(ws, row=1, column=1, value=context["title"]).font = Font(bold=True)
        for r, row in enumerate(rows, start=3):
            for col, value in enumerate(row, start=1):
                cell = xlsx_put(ws, row=r, column=col, value=value if isinstance(value, int) else str(value))
                if r == 3:
                    cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 22
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="overview-{ov.region.code}-{ov.month:%Y-%m}.xlsx"'
    )
    return response


@officials_only
def search_page(request: HttpRequest) -> HttpResponse:
    """Compounds by name, address or code among those the official oversees."""
    q = request.GET.get("q", "")[:64]
    found = compound_search(user=request.user, q=q)
    return render(request, "overview/search.html", {"q": q, "found": found})


@officials_only
def compound_page(request: HttpRequest, code: str) -> HttpResponse:
    """One compound in one screen (firm, contract, committee, owners, equipment, complaints, last assembly)."""
    card = compound_card(user=request.user, code=code)
    figure = card.figure
    registered = share(figure.units_registered, figure.units) if figure else "—"
    return render(
        request, "overview/compound.html", {"card": card, "c": card.compound, "registered": registered}
    )


@officials_only
def map_page(request: HttpRequest) -> HttpResponse:
    """The region's compounds as points coloured by a chosen figure, over the city's district boundaries and
    the approximate street areas (hulls of their compounds)."""
    region = region_for(user=request.user, code=request.GET.get("region", ""))
    figure = request.GET.get("figure", "units_registered")
    figure = figure if figure in MAP_FIGURES else "units_registered"
    points = map_points(region=region, figure=figure)
    district = region.path.split("/")[1] if region.level != Region.Level.CITY else ""
    data = {
        "label": str(MAP_LABELS[figure]),
        "points": [[p["lng"], p["lat"], p["value"], p["name"], p["code"]] for p in points],
        "hulls": street_hulls(points) if region.level != Region.Level.CITY else [],
        "district": district,
        "approximate": _("街道范围为其小区的外包多边形（近似）"),
    }
    choices = [(k, MAP_LABELS[k]) for k in MAP_FIGURES]
    return render(
        request,
        "overview/map.html",
        {
            "region": region,
            "figure": figure,
            "choices": choices,
            "data": data,
            "geo": CITY_GEO,
            "count": len(points),
        },
    )
