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
from django.views.decorators.cache import never_cache
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
from voting.models import Assembly, Motion
from voting.owner_selectors import (
    ballot_lines,
    ballot_standing,
    my_ballot_display,
    my_latest_choices,
    owner_assembly_list,
    roll_places,
)
from voting.permissions import may_see_who_voted
from voting.selectors import (
    assembly_get_visible,
    assembly_motions,
    participation,
    participation_summary,
    results_visible_to,
)
from voting.services.ballots import ballot_cast, ballot_review, receipt_check, receipt_check_short

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


# The ballot page's steps, named by the button that posts them: the radios post "review" (the confirmation page,
# nothing cast), the confirmation posts "confirm" (cast) or "edit" (back to the radios, ticks kept).
STEP_REVIEW, STEP_CONFIRM, STEP_EDIT = "review", "confirm", "edit"
# Refusals the owner can fix on the form itself; after any other refusal the form is not shown again.
FIXABLE_ON_FORM = ("incomplete_ballot", "invalid_choice")


def _refusal(error: ApplicationError, a: Assembly) -> dict[str, str]:
    return {"code": error.code, "message": error.message, "hint": _refusal_hint(error.code, a)}


def _firm_staff_words(a: Assembly) -> dict[str, str]:
    """What the ballot tab says to the firm's staff, who are not voters (instead of the owners' wording)."""
    hint = _(
        "业主大会由业主表决。您可以查看会议公告和参与情况；业主询问如何投票时，请引导其用本人账号登录投票，"
        "或联系街道办事处领取纸质表决票。"
    )
    if a.firm_staff_may_proxy:
        hint += _(
            "本次会议允许物业服务企业人员担任业主的代理人，须由街道办事处登记业主的书面委托后方可代为投票。"
        )
    return {"message": _("您是物业服务企业的工作人员，不是本次会议的投票人。"), "hint": hint}


@require_http_methods(["GET", "POST"])
@login_required
@never_cache  # the confirmation (and a revote form) carries the owner's choices: no copy in any cache
def ballot(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """The ballot in two steps, with no script needed: the radios post to a confirmation page listing every
    choice and the units it covers (checked by `ballot_review`, nothing cast); only its "确认提交" casts, through
    `ballot_cast`, from hidden fields parsed and checked again. A refusal the owner can fix keeps the form with
    every tick; any other (already voted, not open, …) shows where the owner stands and no form."""
    a = _visible(request, assembly_id)
    motions = assembly_motions(assembly=a)
    if request.method == "GET":
        return _ballot_page(request, a, motions=motions, form=_fresh_form(request, a, motions=motions))
    form = BallotForm(request.POST, motions=motions)
    step = request.POST.get("step", STEP_REVIEW)
    if step == STEP_EDIT:  # back from the confirmation: the form again, ticked as posted
        return _ballot_page(request, a, motions=motions, form=form)
    if not form.is_valid():  # a value no radio offers
        return _ballot_page(request, a, motions=motions, form=form, status=HTTPStatus.BAD_REQUEST)
    try:
        if step != STEP_CONFIRM:
            reviewed = ballot_review(actor=request.user, assembly=a, choices=form.choices())
            return _confirmation(request, a, motions=motions, form=form, choices=reviewed)
        result = ballot_cast(actor=request.user, assembly=a, choices=form.choices())
    except ApplicationError as e:
        if e.code == "incomplete_ballot":
            form.mark_unanswered()
        return _ballot_page(request, a, motions=motions, form=form, status=HTTPStatus(e.status), error=e)
    request.session[_session_key(a)] = {
        "receipt": result.receipt,
        "receipts": sorted(result.receipts.values()),
        "cast_at": result.cast_at.isoformat(),
        "units": result.unit_numbers,
    }
    return redirect("voting:receipt", assembly_id=a.pk)


def _fresh_form(request: HttpRequest, a: Assembly, *, motions: list[Motion]) -> BallotForm:
    """The form on a visit: blank, or — when the assembly allows revote — ticked with the owner's own counted
    choices (read for this owner only; nobody else's choices reach a page)."""
    if not a.revote or a.status != S.OPEN:
        return BallotForm(motions=motions)
    choices = my_latest_choices(user=request.user, assembly=a)
    return BallotForm(motions=motions, initial=BallotForm.initial_from(motions=motions, choices=choices))


def _ballot_page(
    request: HttpRequest,
    a: Assembly,
    *,
    motions: list[Motion],
    form: BallotForm,
    status: HTTPStatus = HTTPStatus.OK,
    error: ApplicationError | None = None,
) -> HttpResponse:
    """The ballot page: the form when the owner can vote now (or can fix what was refused), else where the
    owner stands — the refusal, the voting window, the ballot already counted with its receipt and time."""
    refusal = _refusal(error, a) if error is not None else None
    standing = ballot_standing(user=request.user, assembly=a)
    if refusal is not None:
        show_form = refusal["code"] in FIXABLE_ON_FORM
    elif status == HTTPStatus.BAD_REQUEST:
        show_form = True
    else:
        show_form = standing.code is None
    words = {"message": standing.message, "hint": _refusal_hint(standing.code, a) if standing.code else ""}
    if standing.firm_staff:
        words = _firm_staff_words(a)
        if refusal is not None:
            refusal.update(words)
    context = {
        "assembly": a,
        "form": form,
        "refusal": refusal,
        "standing": standing,
        "standing_message": words["message"],
        "standing_hint": words["hint"],
        "show_form": show_form,
        # Where the owner stands when no form is shown: the ballot already counted, with its receipt and time.
        "counted": [] if show_form else my_ballot_display(user=request.user, assembly=a, motions=motions),
        "tab": "ballot",
    }
    return render(request, "voting/ballot.html", context, status=status)


def _confirmation(
    request: HttpRequest, a: Assembly, *, motions: list[Motion], form: BallotForm, choices: dict[str, Any]
) -> HttpResponse:
    """The confirmation page: each motion with the option chosen, the units the ballot covers, and the choices
    again as hidden fields for "确认提交" (cast) and "返回修改" (back to the form)."""
    context = {
        "assembly": a,
        "lines": ballot_lines(motions=motions, choices=choices),
        "hidden": form.hidden_values(),
        "standing": ballot_standing(user=request.user, assembly=a),
        "tab": "ballot",
    }
    return render(request, "voting/confirm.html", context)


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
@never_cache
def my_ballot(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """The owner's own counted ballot(s): choices, receipt, time and units — nobody else's."""
    a = _visible(request, assembly_id)
    ballots = my_ballot_display(user=request.user, assembly=a, motions=assembly_motions(assembly=a))
    return render(request, "voting/my_ballot.html", {"assembly": a, "ballots": ballots, "tab": "mine"})


@require_GET
@login_required
def check(request: HttpRequest, assembly_id: int) -> HttpResponse:
    """Whether a receipt is counted (no names, no choices): the full receipt, spaced as shown or not, or its
    8-character short code when exactly one ballot of the assembly has it (else the full one is asked for)."""
    a = _visible(request, assembly_id)
    form = ReceiptCheckForm(request.GET or None)
    outcome = None
    if form.is_valid():
        code = form.cleaned_data["receipt"]
        if form.is_short():
            outcome = receipt_check_short(assembly=a, short=code)
        else:
            outcome = receipt_check(assembly=a, receipt=code)
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
