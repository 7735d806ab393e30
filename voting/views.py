"""Owners' voting pages, phone first: the notice, the ballot, the confirmation with its receipt, "check my
ballot", the public receipt check and participation list, the results, and the printable certificate (HTML and
XLSX). Thin: resolve the assembly once (not visible = 404), call a selector or one service, render.

Results follow `results_visible_to`: officials running the assembly once tallied, everyone who can see it once
published; before that a "not yet" page with HTTP 409 — never a partial count.
"""

import datetime as dt
from http import HTTPStatus
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import ApplicationError
from voting.ballot_forms import BallotForm, ReceiptCheckForm
from voting.certificate import (
    XLSX_CONTENT_TYPE,
    certificate_context,
    certificate_xlsx,
    motion_agenda,
    policy_rows,
)
from voting.models import Assembly
from voting.owner_selectors import ballot_standing, my_ballot_display, owner_assembly_list, roll_places
from voting.permissions import may_see_who_voted
from voting.selectors import (
    assembly_get_visible,
    assembly_motions,
    participation,
    participation_summary,
    results_visible_to,
)
from voting.services.ballots import ballot_cast, receipt_check

S = Assembly.Status
PARTICIPATION_PAGE = 200
ROLL_STATES = (S.ANNOUNCED, S.OPEN, S.CLOSED, S.TALLIED, S.PUBLISHED)


def _session_key(assembly: Assembly) -> str:
    return f"voting.cast.{assembly.pk}"


def _visible(request: HttpRequest, assembly_id: int) -> Assembly:
    return assembly_get_visible(user=request.user, assembly_id=assembly_id)


def _refusal_hint(code: str, assembly: Assembly) -> str:
    """What the owner can do about a refusal, in plain words (the service's message says what happened)."""
    if code == "not_open":
        return _("投票期为公告所列时间，截止后的投票不予计入。")
    if code == "not_on_roll":
        return _("表决名册在会议公告时冻结。如您认为名册有误，请联系业主委员会或街道办事处核实。")
    if code == "not_designated_voter":
        return _("共有房屋由共有人推选的一名代表投票；如需变更表决代表，请联系街道办事处。")
    if code == "part_of_larger_subject":
        return _("表决名册在会议公告时冻结；下次会议公告时，您购得的房屋将作为您的投票主体列入名册。")
    if code == "already_voted":
        return _("您的选票已经计入，可以在“我的投票”中查看。")
    if code == "incomplete_ballot":
        return _("标红的事项尚未选择；您已经选择的内容都已保留，补全后再提交即可。")
    return ""


@require_GET
@login_required
def assembly_list(request: HttpRequest) -> HttpResponse:
    """The assemblies of the compounds the user holds units in (no drafts)."""
    return render(request, "voting/list.html", {"assemblies": list(owner_assembly_list(user=request.user))})


@require_GET
@login_required
def notice(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """The notice: agenda with categories and thresholds, window, policy, roll and participation counts."""
    a = _visible(request, assembly_id)
    context: dict[str, Any] = {
        "assembly": a,
        "agenda": motion_agenda(motions=assembly_motions(assembly=a)),
        "policy": policy_rows(assembly=a),
        "roll_frozen": bool(a.roll_fingerprint),
        "summary": participation_summary(assembly=a) if a.status in ROLL_STATES else None,
        "standing": ballot_standing(user=request.user, assembly=a) if a.status == S.OPEN else None,
        "results_visible": results_visible_to(user=request.user, assembly=a),
        "tab": "notice",
    }
    return render(request, "voting/notice.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def ballot(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """The ballot form, cast through `ballot_cast`; a refusal is shown on the page with every tick kept."""
    a = _visible(request, assembly_id)
    motions = assembly_motions(assembly=a)
    status, refusal = HTTPStatus.OK, None
    if request.method == "POST":
        form = BallotForm(request.POST, motions=motions)
        if form.is_valid():
            try:
                result = ballot_cast(actor=request.user, assembly=a, choices=form.choices())
            except ApplicationError as e:
                status = HTTPStatus(e.status)
                refusal = {"code": e.code, "message": e.message, "hint": _refusal_hint(e.code, a)}
                if e.code == "incomplete_ballot":
                    form.mark_unanswered()
            else:
                request.session[_session_key(a)] = {
                    "receipt": result.receipt,
                    "receipts": sorted(result.receipts.values()),
                    "cast_at": result.cast_at.isoformat(),
                    "units": result.unit_numbers,
                }
                return redirect("voting:receipt", assembly_id=a.pk)
        else:
            status = HTTPStatus.BAD_REQUEST
    else:
        form = BallotForm(motions=motions)
    standing = ballot_standing(user=request.user, assembly=a)
    context = {
        "assembly": a,
        "form": form,
        "refusal": refusal,
        "standing": standing,
        "standing_hint": _refusal_hint(standing.code, a) if standing.code else "",
        # After a refused POST the form stays, ticks and all; on a fresh visit it shows only when voting can work.
        "show_form": request.method == "POST" or standing.code is None,
        "tab": "ballot",
    }
    return render(request, "voting/ballot.html", context, status=status)


@require_GET
@login_required
def receipt(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """The confirmation after casting: receipt, server time and the units voted for."""
    a = _visible(request, assembly_id)
    cast = request.session.get(_session_key(a))
    if not cast:
        return redirect("voting:my_ballot", assembly_id=a.pk)
    context = {
        "assembly": a,
        "receipts": cast["receipts"],
        "cast_at": dt.datetime.fromisoformat(cast["cast_at"]),
        "places": roll_places(assembly=a, unit_numbers=cast["units"]),
        "tab": "ballot",
    }
    return render(request, "voting/receipt.html", context)


@require_GET
@login_required
def my_ballot(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """The owner's own counted ballot(s): choices, receipt, time and units — nobody else's."""
    a = _visible(request, assembly_id)
    ballots = my_ballot_display(user=request.user, assembly=a, motions=assembly_motions(assembly=a))
    return render(request, "voting/my_ballot.html", {"assembly": a, "ballots": ballots, "tab": "mine"})


@require_GET
@login_required
def check(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """Whether a receipt is counted (no names, no choices)."""
    a = _visible(request, assembly_id)
    form = ReceiptCheckForm(request.GET or None)
    outcome = receipt_check(assembly=a, receipt=form.cleaned_data["receipt"]) if form.is_valid() else None
    status = HTTPStatus.BAD_REQUEST if form.is_bound and not form.is_valid() else HTTPStatus.OK
    return render(
        request,
        "voting/check.html",
        {"assembly": a, "form": form, "outcome": outcome, "tab": "check"},
        status=status,
    )


@require_GET
@login_required
def participation_list(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """Per unit on the roll: its address, area, voted yes/no — no names, no choices (firms: counts only while
    the vote runs, voting.permissions.may_see_who_voted)."""
    a = _visible(request, assembly_id)
    counts_only = not may_see_who_voted(user=request.user, assembly=a)
    rows = [] if counts_only else participation(assembly=a)
    page = Paginator(rows, PARTICIPATION_PAGE).get_page(request.GET.get("page"))
    context = {
        "assembly": a,
        "page": page,
        "counts_only": counts_only,
        "summary": participation_summary(assembly=a) if a.status in ROLL_STATES else None,
        "tab": "participation",
    }
    return render(request, "voting/participation.html", context)


def _not_yet(request: HttpRequest, a: Assembly) -> HttpResponse:
    return render(
        request, "voting/not_yet.html", {"assembly": a, "tab": "results"}, status=HTTPStatus.CONFLICT
    )


@require_GET
@login_required
def results(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """The result on the phone (the certificate's content), once visible to this user; else "not yet" (409)."""
    a = _visible(request, assembly_id)
    if not results_visible_to(user=request.user, assembly=a):
        return _not_yet(request, a)
    return render(request, "voting/results.html", {**certificate_context(assembly=a), "tab": "results"})


@require_GET
@login_required
def certificate(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """The printable A4 certificate (结果公告), same visibility as the results."""
    a = _visible(request, assembly_id)
    if not results_visible_to(user=request.user, assembly=a):
        return _not_yet(request, a)
    return render(request, "voting/certificate.html", certificate_context(assembly=a))


@require_GET
@login_required
def certificate_download(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """The certificate as an XLSX sheet, same visibility as the results."""
    a = _visible(request, assembly_id)
    if not results_visible_to(user=request.user, assembly=a):
        return _not_yet(request, a)
    response = HttpResponse(certificate_xlsx(assembly=a), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="assembly-{a.pk}-certificate.xlsx"'
    return response
