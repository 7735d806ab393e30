"""Disclosure pages, mounted at /disclosure/ (app_name "disclosure"), phone first: a compound's records by kind
and month with a chart of income and expense by month and category, one record with its history of
corrections, an objection button (owners) and a co-sign button (committee members), a printable A4 notice and an XLSX export; each owner's share of the
maintenance fund. Thin: records resolved through disclosure.selectors (missing and not visible: the same 404),
one service call per form."""

import io
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook
from openpyxl.styles import Font

from config.errors import ApplicationError, Forbidden
from config.spreadsheets import xlsx_put
from disclosure.figures import disclosure_month, figures_body
from disclosure.labels import Kind, LineCategory, Status
from disclosure.permissions import may_cosign, may_edit, may_object, may_read_figures
from disclosure.presenting import present
from disclosure.selectors import (
    disclosure_get_visible,
    disclosure_list_for_compound,
    disclosure_versions,
    fund_latest,
    fund_shares_of,
    operating_by_month,
)
from disclosure.services.records import disclosure_cosign, disclosure_object
from registry.selectors import compound_get_visible, compound_list_visible_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("异议内容"),
        max_length=1500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("将作为对物业企业的投诉提交，由业委会或街道处理，不经物业企业。"),
    )


@login_required
@require_GET
def compounds(request: HttpRequest) -> HttpResponse:
    """The compounds whose disclosures one reads; straight to the compound when there is only one."""
    found = list(compound_list_visible_to(user=request.user).order_by("code")[:200])
    if len(found) == 1 and not may_read_figures(request.user):
        return redirect("disclosure:compound", code=found[0].code)
    return render(
        request, "disclosure/compounds.html", {"compounds": found, "figures": may_read_figures(request.user)}
    )


def _chart(compound: Any) -> dict[str, Any]:
    """Income and expense by month and category for the chart (series stacked by direction)."""
    figures = operating_by_month(compound=compound)
    names = dict(LineCategory.choices)
    series = []
    for direction, label in (("income", _("收入")), ("expense", _("支出"))):
        for category, values in figures[direction].items():
            series.append(
                {
                    "name": f"{label}·{names.get(category, category)}",
                    "stack": direction,
                    "data": [float(v) for v in values],
                }
            )
    return {"months": figures["months"], "series": series}


@login_required
@require_GET
def compound_page(request: HttpRequest, code: str) -> HttpResponse:
    """A compound's records of one kind (default: the monthly operating statements), newest month first."""
    compound = compound_get_visible(user=request.user, code=code)
    kind = request.GET.get("kind") or Kind.OPERATING_STATEMENT
    if kind not in Kind.values:
        kind = Kind.OPERATING_STATEMENT
    records = list(disclosure_list_for_compound(user=request.user, compound=compound, kind=kind)[:240])
    context: dict[str, Any] = {
        "compound": compound,
        "kind": kind,
        "kind_label": Kind(kind).label,
        "kinds": Kind.choices,
        "records": records,
    }
    if kind == Kind.OPERATING_STATEMENT:
        chart = _chart(compound)
        context["chart"] = chart if chart["months"] else None
    if kind == Kind.MAINTENANCE_FUND:
        fund = fund_latest(compound=compound)
        context["fund"] = fund
        context["shares"] = fund_shares_of(user=request.user, compound=compound, fund=fund)
    return render(request, "disclosure/compound.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def record_page(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    """One record, its content, its versions (what it corrects, what corrected it) and the objection form."""
    d = disclosure_get_visible(user=request.user, disclosure_id=disclosure_id)
    if request.method == "POST" and request.POST.get("action") == "cosign":
        try:
            disclosure_cosign(actor=request.user, disclosure=d)
        except Forbidden as e:
            raise PermissionDenied(e.message) from e
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("已会签。"))
        return redirect("disclosure:record", disclosure_id=d.pk)
    form = ObjectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = disclosure_object(actor=request.user, disclosure=d, text=form.cleaned_data["text"])
            except Forbidden as e:
                raise PermissionDenied(e.message) from e
            except ApplicationError as e:
                form.add_error(None, e.message)
                status = e.status
            else:
                messages.success(request, _("异议已提交，处理进展见“我的投诉”。"))
                return redirect("complaints:case", complaint_id=case.pk)
        else:
            status = 400
    context = {
        "d": d,
        "shown": present(d),
        "versions": disclosure_versions(user=request.user, disclosure=d),
        "form": form,
        "may_object": may_object(user=request.user, disclosure=d),
        "may_cosign": may_cosign(user=request.user, disclosure=d)
        and not any(c.user_id == request.user.pk for c in d.cosigns.all()),
        "may_edit": may_edit(user=request.user, disclosure=d) and d.status == Status.DRAFT,
    }
    return render(request, "disclosure/record.html", context, status=status)


@login_required
@require_GET
def record_print(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    """The record as a printable A4 notice-board page (Chinese)."""
    d = disclosure_get_visible(user=request.user, disclosure_id=disclosure_id)
    return render(request, "disclosure/print.html", {"d": d, "shown": present(d)})


@login_required
@require_GET
def record_xlsx(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    """The record as an XLSX workbook: its headline figures, then its tables (text cells stay text)."""
    d = disclosure_get_visible(user=request.user, disclosure_id=disclosure_id)
    shown = present(d)
    wb = Workbook()
    ws = wb.active
    ws.title = str(Kind(d.kind).label)[:31]
    xlsx_put(ws, row=1, column=1, value=shown.title).font = Font(bold=True)
    xlsx_put(ws, row=2, column=1, value=f"{_('状态')}: {Status(d.status).label}")
    if d.published_at:
        xlsx_put(ws, row=3, column=1, value=f"{_('公布时间')}: {d.published_at:%Y-%m-%d %H:%M}")
        xlsx_put(ws, row=4, column=1, value=d.content_hash)
    r = 6
    for label, value in shown.figures:
        xlsx_put(ws, row=r, column=1, value=label)
        xlsx_put(ws, row=r, column=2, value=Decimal(value))
        ws.cell(row=r, column=2).number_format = "0.00"
        r += 1
    for table in shown.tables:
        r += 1
        xlsx_put(ws, row=r, column=1, value=table.title).font = Font(bold=True)
        r += 1
        for col, heading in enumerate(table.columns, start=1):
            xlsx_put(ws, row=r, column=col, value=heading).font = Font(bold=True)
        for row in table.rows:
            r += 1
            for col, value in enumerate(row, start=1):
                xlsx_put(ws, row=r, column=col, value=str(value))
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["D"].width = 30
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    filename = f"disclosure-{d.compound.code}-{d.kind}-{d.period or d.pk}-{d.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def figures_page(request: HttpRequest) -> HttpResponse:
    """Officials: a region's on-time disclosure of monthly statements (the region and its next level down,
    each drilling down), the same figures as GET /api/v1/stats/disclosure/."""
    try:
        month = disclosure_month(
            user=request.user,
            region_code=request.GET.get("region", ""),
            month_text=request.GET.get("month", ""),
        )
    except Forbidden as e:
        raise PermissionDenied(e.message) from e
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("disclosure:figures")
    body = figures_body(month)
    return render(request, "disclosure/figures.html", {"body": body, "region": month.region})
