"""Owner pages of party building (phone first), mounted at /party/ (app_name "partybuilding"): find a party
member (the volunteers of one's compounds, showing only what each chose to show, and a request to one of them),
the request threads, and the tasks (post, claim, complete with photos, confirm with a rating).

Thin: resolve once through partybuilding.selectors (missing and not visible: the same 404), call one service,
render. A service's `Forbidden` is the site's 403 page; any other refusal is shown on the page, nothing changed.
"""

from http import HTTPStatus
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import ApplicationError, Forbidden
from partybuilding.forms import CompleteForm, ConfirmForm, TaskForm, TextForm
from partybuilding.labels import TaskStatus
from partybuilding.permissions import committee_compounds, party_member
from partybuilding.selectors import (
    request_get_visible,
    request_list_visible,
    task_get_visible,
    task_list_visible,
    volunteer_get_for_request,
    volunteer_list_for_compound,
)
from partybuilding.services.tasks import task_claim, task_complete, task_confirm, task_post
from partybuilding.services.volunteers import request_reply, volunteer_request_send
from registry.models import Compound
from registry.permissions import jurisdiction
from registry.selectors import compound_get_visible

TASK_PAGE = 20


def _poster_compounds(request: HttpRequest) -> list[Compound]:
    """Compounds where the user may post a task: where they own, sit on the committee, or are the community."""
    j = jurisdiction(request.user)
    ids = j.owned_compounds | committee_compounds(request.user) | j.region_compounds
    return list(Compound.objects.filter(pk__in=ids).order_by("code")[:200])


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """有事找党员: the volunteers of each compound where one owns a flat, and one's requests."""
    j = jurisdiction(request.user)
    compounds = list(Compound.objects.filter(pk__in=j.owned_compounds).order_by("code"))
    context = {
        "compounds": [
            {"compound": c, "volunteers": volunteer_list_for_compound(user=request.user, compound=c)}
            for c in compounds
        ],
        "requests": list(request_list_visible(user=request.user)[:10]),
        "member": party_member(request.user),
        "tab": "home",
    }
    return render(request, "partybuilding/home.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def ask(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    """An owner's request to one volunteer (delivered in-app; no phone number on either side)."""
    volunteer, compound = volunteer_get_for_request(user=request.user, volunteer_id=volunteer_id)
    shown = next(
        v
        for v in volunteer_list_for_compound(user=request.user, compound=compound)
        if v["id"] == volunteer.pk
    )
    form = TextForm(request.POST or None)
    context = {"volunteer": shown, "compound": compound, "form": form, "tab": "home"}
    if request.method == "GET":
        return render(request, "partybuilding/ask.html", context)
    if not form.is_valid():
        return render(request, "partybuilding/ask.html", context, status=HTTPStatus.BAD_REQUEST)
    try:
        sent = volunteer_request_send(
            actor=request.user, volunteer=volunteer, compound=compound, text=form.cleaned_data["text"]
        )
    except Forbidden as e:
        raise PermissionDenied(e.message) from e
    except ApplicationError as e:
        form.add_error("text", e.message)
        return render(request, "partybuilding/ask.html", context, status=e.status)
    messages.success(request, _("已通过平台送达，党员回复后会通知您。"))
    return redirect("partybuilding:thread", request_id=sent.pk)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def thread(request: HttpRequest, request_id: int) -> HttpResponse:
    """A request and its replies, with a reply form (the requester and the volunteer)."""
    r = request_get_visible(user=request.user, request_id=request_id)
    form = TextForm(request.POST or None)
    context = {"r": r, "form": form, "member_user_id": r.volunteer.member.user_id, "tab": "home"}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "partybuilding/thread.html", context, status=HTTPStatus.BAD_REQUEST)
        try:
            request_reply(actor=request.user, request=r, text=form.cleaned_data["text"])
        except Forbidden as e:
            raise PermissionDenied(e.message) from e
        except ApplicationError as e:
            form.add_error("text", e.message)
            return render(request, "partybuilding/thread.html", context, status=e.status)
        return redirect("partybuilding:thread", request_id=r.pk)
    return render(request, "partybuilding/thread.html", context)


@require_GET
@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """党员认领办实事: the tasks one sees, newest first (`?status=`)."""
    status = request.GET.get("status", "")
    status = status if status in TaskStatus.values else ""
    page = Paginator(task_list_visible(user=request.user, status=status), TASK_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "status": status,
        "statuses": TaskStatus.choices,
        "can_post": bool(_poster_compounds(request)),
        "member": party_member(request.user),
        "tab": "tasks",
    }
    return render(request, "partybuilding/tasks.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def task_new(request: HttpRequest) -> HttpResponse:
    """Post a task in a compound where one owns, sits on the committee, or is the community."""
    choices = [(c.code, c.name) for c in _poster_compounds(request)]
    form = TaskForm(request.POST or None, compounds=choices)
    context = {"form": form, "tab": "tasks"}
    if request.method == "GET" or not choices:
        return render(request, "partybuilding/task_new.html", context)
    if not form.is_valid():
        return render(request, "partybuilding/task_new.html", context, status=HTTPStatus.BAD_REQUEST)
    d = form.cleaned_data
    try:
        task = task_post(
            actor=request.user,
            compound=compound_get_visible(user=request.user, code=d["compound"]),
            title=d["title"],
            description=d["description"],
        )
    except Forbidden as e:
        raise PermissionDenied(e.message) from e
    except ApplicationError as e:
        form.add_error(None, e.message)
        return render(request, "partybuilding/task_new.html", context, status=e.status)
    messages.success(request, _("任务已发布，党员认领后会通知您。"))
    return redirect("partybuilding:task", task_id=task.pk)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def task(request: HttpRequest, task_id: int) -> HttpResponse:
    """One task with the move the user may make: claim (a party member, while open), complete (the claimer,
    report and photos), confirm (the requester, a rating)."""
    t = task_get_visible(user=request.user, task_id=task_id)
    complete_form = (
        CompleteForm(request.POST or None, request.FILES or None)
        if request.POST.get("action") == "complete"
        else CompleteForm()
    )
    confirm_form = (
        ConfirmForm(request.POST or None) if request.POST.get("action") == "confirm" else ConfirmForm()
    )
    error, status = "", HTTPStatus.OK
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "claim":
                task_claim(actor=request.user, task=t)
                messages.success(request, _("认领成功，完成后请提交完成情况。"))
                return redirect("partybuilding:task", task_id=t.pk)
            if action == "complete" and complete_form.is_valid():
                task_complete(
                    actor=request.user,
                    task=t,
                    report=complete_form.cleaned_data["report"],
                    photos=request.FILES.getlist("photos"),
                )
                messages.success(request, _("已提交，等待发布人确认。"))
                return redirect("partybuilding:task", task_id=t.pk)
            if action == "confirm" and confirm_form.is_valid():
                task_confirm(actor=request.user, task=t, **confirm_form.cleaned_data)
                messages.success(request, _("感谢您的评价。"))
                return redirect("partybuilding:task", task_id=t.pk)
            error, status = _("请检查填写的内容。"), HTTPStatus.BAD_REQUEST
        except Forbidden as e:
            raise PermissionDenied(e.message) from e
        except ApplicationError as e:
            error, status = e.message, e.status
    return render(
        request,
        "partybuilding/task.html",
        _task_context(request, t, complete_form, confirm_form, error),
        status=status,
    )


def _task_context(
    request: HttpRequest, t: Any, complete_form: CompleteForm, confirm_form: ConfirmForm, error: str
) -> dict[str, Any]:
    member = party_member(request.user)
    claimer = t.claimer is not None and t.claimer.user_id == request.user.pk
    return {
        "t": t,
        "error": error,
        "photos": [
            reverse("api-party-task-photo", kwargs={"id": t.pk, "sha256": p.photo.sha256})
            for p in t.photos.all()
        ],
        "may_claim": member is not None and t.status == TaskStatus.OPEN,
        "may_complete": claimer and t.status == TaskStatus.CLAIMED,
        "may_confirm": t.requester_id == request.user.pk and t.status == TaskStatus.COMPLETED,
        "complete_form": complete_form,
        "confirm_form": confirm_form,
        "tab": "tasks",
    }
