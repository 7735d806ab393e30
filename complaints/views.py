"""Complaint pages, mounted at /complaints/ (app_name "complaints").

Owners (phone first): 我要投诉/报事 (the filing form), 我的投诉 (their cases), and the case page with the public
timeline and the complainant's moves (rate, rework, cancel, appeal, answer). Handlers — the firm's staff,
committee members, street officials (desktop first, usable on a phone): the work queue and the handler's case
page with the full timeline and one form per allowed move.

Thin: resolve the case once through complaints.selectors (missing and not visible: the same 404), call one
service, render. A service's `Forbidden` is the site's 403 page; any other refusal is shown on the page, with
what was typed kept, and nothing changed.
"""

from http import HTTPStatus
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from complaints.forms import FileForm, MoveForm, QueueFilterForm, RateForm
from complaints.labels import Kind, Status, move_label
from complaints.models import Complaint
from complaints.permissions import may_file, may_handle, sees_internal
from complaints.rules import move_for
from complaints.selectors import (
    category_list,
    complaint_clocks,
    complaint_filing_places,
    complaint_get_visible,
    complaint_list_mine,
    complaint_may_rate,
    complaint_may_visit,
    complaint_moves_for,
    complaint_photos,
    complaint_place,
    complaint_queue,
    complaint_queue_compounds,
    complaint_timeline,
)
from complaints.services.cases import (
    complaint_file,
    complaint_rate,
    complaint_return_visit,
    complaint_transition,
)
from config.errors import ApplicationError, Forbidden
from registry.selectors import compound_get_visible

MINE_PAGE = 20
QUEUE_PAGE = 50


def _nav(request: HttpRequest, tab: str) -> dict[str, Any]:
    """The tabs: filing and "my cases" for owners, the queue for handlers."""
    return {"tab": tab, "can_file": may_file(user=request.user), "handles": may_handle(user=request.user)}


def _clocks(case: Complaint) -> list[dict[str, Any]]:
    """The case's clocks as the `_clocks.html` partial shows them (label, due time, state, state label)."""
    return [
        {**c, "state": c["level"], "state_label": c["level_label"]} for c in complaint_clocks(complaint=case)
    ]


def _hooks(case: Complaint) -> dict[str, Any]:
    """The case's photos (permission-checked URLs) and clocks; the templates render each section only when
    it is not empty."""
    photos = [
        {"url": reverse("api-complaint-photo", kwargs={"id": case.pk, "sha256": p.sha256})}
        for p in complaint_photos(complaint=case)
    ]
    return {"photos": photos, "clocks": _clocks(case)}


# ------------------------------------------------------------------------------------------------ owners


@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的投诉: the complainant's cases, newest first."""
    page = Paginator(complaint_list_mine(user=request.user), MINE_PAGE).get_page(request.GET.get("page"))
    return render(request, "complaints/mine.html", {"page": page, **_nav(request, "mine")})


@require_http_methods(["GET", "POST"])
@login_required
def file(request: HttpRequest) -> HttpResponse:
    """我要投诉/报事. The "按类型筛选类别" button (for browsers without script) re-renders the form with the
    chosen kind's categories; a refusal of complaint_file is shown on the form with everything kept."""
    places = complaint_filing_places(user=request.user)
    categories = list(category_list())
    data = request.POST if request.method == "POST" else None
    kind = (data or request.GET).get("kind", "")
    kind = kind if kind in Kind.values else ""
    context = {"places": places, **_nav(request, "file")}
    if data is not None and "refresh" in data:  # only the kind changed: no errors yet
        form = FileForm(initial=data.dict(), places=places, categories=categories, kind=kind)
        return render(request, "complaints/file.html", {"form": form, **context})
    form = FileForm(data, places=places, categories=categories, kind=kind, initial={"kind": kind})
    if data is None or not places:
        return render(request, "complaints/file.html", {"form": form, **context})
    if not form.is_valid():
        return render(
            request, "complaints/file.html", {"form": form, **context}, status=HTTPStatus.BAD_REQUEST
        )
    d = form.cleaned_data
    try:
        compound = compound_get_visible(user=request.user, code=d["compound"])
        case = complaint_file(
            actor=request.user,
            compound=compound,
            kind=d["kind"],
            category_code=d["category"],
            about=d["about"],
            description=d["description"],
            location=form.location(),
            allow_home_visit=d["allow_home_visit"],
            photos=request.FILES.getlist("photos"),
        )
    except Http404:
        form.add_error("compound", _("请选择您有房屋的小区。"))
        return render(
            request, "complaints/file.html", {"form": form, **context}, status=HTTPStatus.BAD_REQUEST
        )
    except ApplicationError as e:
        form.add_refusal(e)
        return render(request, "complaints/file.html", {"form": form, **context}, status=e.status)
    messages.success(request, _("已提交。处理进展会显示在这里。"))
    return redirect("complaints:case", complaint_id=case.pk)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def case(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """The complainant's case page: status, who handles it, the public timeline, and their moves. Handlers
    who open it are sent to the handler's page."""
    c = complaint_get_visible(user=request.user, complaint_id=complaint_id)
    if c.complainant_id != request.user.pk:
        return redirect("complaints:handle", complaint_id=c.pk)
    if request.method == "GET":
        return _owner_page(request, c)
    if request.POST.get("action") == "rate":
        form = RateForm(request.POST)
        if not form.is_valid():
            return _owner_page(request, c, rate_form=form, status=HTTPStatus.BAD_REQUEST)
        try:
            complaint_rate(actor=request.user, complaint=c, **form.cleaned_data)
        except Forbidden as e:
            raise PermissionDenied(e.message) from e
        except ApplicationError as e:
            return _owner_page(request, c, rate_form=form, rate_error=e.message, status=e.status)
        messages.success(request, _("感谢您的评价。"))
        return redirect("complaints:case", complaint_id=c.pk)
    refused = _move(request, c)
    if refused is not None:
        return _owner_page(request, c, failed=refused, status=refused["status"])
    return redirect("complaints:case", complaint_id=c.pk)


def _owner_page(
    request: HttpRequest,
    c: Complaint,
    *,
    rate_form: RateForm | None = None,
    rate_error: str = "",
    failed: dict[str, Any] | None = None,
    status: int = HTTPStatus.OK,
) -> HttpResponse:
    may_rate = complaint_may_rate(user=request.user, complaint=c)
    context = {
        "case": c,
        "place": complaint_place(user=request.user, complaint=c),
        "timeline": complaint_timeline(user=request.user, complaint=c, public_only=True),
        "moves": complaint_moves_for(user=request.user, complaint=c),
        "rate_form": (rate_form or RateForm()) if may_rate else None,
        "rate_error": rate_error,
        "failed": failed or {},
        **_hooks(c),
        **_nav(request, "mine"),
    }
    return render(request, "complaints/case.html", context, status=status)


def _move(request: HttpRequest, c: Complaint) -> dict[str, Any] | None:
    """Make the posted move through complaint_transition; None when done, else the refusal for the page (the
    target, the message, the note as typed). Forbidden: the 403 page."""
    form = MoveForm(request.POST)
    if not form.is_valid():
        return {
            "to": request.POST.get("to", ""),
            "message": _("请求无效，请刷新页面后重试。"),
            "note": request.POST.get("note", ""),
            "status": HTTPStatus.BAD_REQUEST,
        }
    d = form.cleaned_data
    target = None
    if d["to"] == Status.MERGED and d["merged_into"]:
        try:
            target = complaint_get_visible(user=request.user, complaint_id=d["merged_into"])
        except Http404:
            target = (
                None  # not visible: the service refuses it as an invalid merge target, saying nothing more
            )
    try:
        complaint_transition(
            actor=request.user,
            complaint=c,
            to=d["to"],
            note=d["note"],
            public=d["public"],
            merged_into=target,
        )
    except Forbidden as e:
        raise PermissionDenied(e.message) from e
    except ApplicationError as e:
        return {"to": d["to"], "message": e.message, "note": d["note"], "status": e.status}
    messages.success(request, _("已更新：%(s)s。") % {"s": Status(d["to"]).label})
    return None


# ---------------------------------------------------------------------------------------------- handlers


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The work queue: open cases waiting on the user as a handler, oldest first; filters by compound, tier and
    state. Never the complainant's identity; the flat only as complaint_place allows."""
    form = QueueFilterForm(request.GET or None, compounds=complaint_queue_compounds(user=request.user))
    cases = complaint_queue(user=request.user, **form.filters())
    page = Paginator(cases, QUEUE_PAGE).get_page(request.GET.get("page"))
    rows = [
        {"case": c, "place": complaint_place(user=request.user, complaint=c), "clocks": _clocks(c)}
        for c in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode(), **_nav(request, "queue")}
    return render(request, "complaints/queue.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def handle(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """The handler's case page: details and place (never the complainant's identity), the full timeline with
    internal entries, and one form per move the user may make now. The complainant alone is sent to the
    owner's page."""
    c = complaint_get_visible(user=request.user, complaint_id=complaint_id)
    if request.method == "POST" and request.POST.get("action") == "return_visit":
        try:
            complaint_return_visit(actor=request.user, complaint=c, note=request.POST.get("note", ""))
        except Forbidden as e:
            raise PermissionDenied(e.message) from e
        except ApplicationError as e:
            failed = {"to": "return_visit", "message": e.message, "status": e.status}
            return _handler_page(request, c, failed=failed, status=e.status)
        return redirect("complaints:handle", complaint_id=c.pk)
    if request.method == "POST":
        refused = _move(request, c)
        if refused is not None:
            return _handler_page(request, c, failed=refused, status=refused["status"])
        return redirect("complaints:handle", complaint_id=c.pk)
    if not sees_internal(user=request.user, complaint=c):
        return redirect("complaints:case", complaint_id=c.pk)
    return _handler_page(request, c)


def _handler_page(
    request: HttpRequest, c: Complaint, *, failed: dict[str, Any] | None = None, status: int = HTTPStatus.OK
) -> HttpResponse:
    failed = failed or {}
    moves = []
    for target in complaint_moves_for(user=request.user, complaint=c):
        move = move_for(source=c.status, target=target)
        moves.append(
            {
                "to": target,
                "label": move_label(source=c.status, target=target),
                "needs_note": bool(move and move.needs_note),
                "merge": target == Status.MERGED,
                "error": failed.get("message", "") if failed.get("to") == target else "",
                "note": failed.get("note", "") if failed.get("to") == target else "",
            }
        )
    shown = {m["to"] for m in moves}
    context = {
        "case": c,
        "place": complaint_place(user=request.user, complaint=c),
        "timeline": complaint_timeline(user=request.user, complaint=c),
        "moves": moves,
        "may_visit": complaint_may_visit(user=request.user, complaint=c),
        "visit_error": failed.get("message", "") if failed.get("to") == "return_visit" else "",
        # a refusal for a move no longer offered (the case moved meanwhile): shown above the forms
        "stale_error": failed.get("message", "")
        if failed and failed.get("to") not in shown | {"return_visit"}
        else "",
        **_hooks(c),
        **_nav(request, "queue"),
    }
    return render(request, "complaints/handle.html", context, status=status)
