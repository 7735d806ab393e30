"""Pages of joint meetings (红色议事厅) under /party/meetings/: the meetings one sees and one's own follow-up
items, recording a meeting (officials over the community; for a compound's meeting, its owners' committee),
one meeting with its decisions and follow-ups and a "done" button.

Thin, as partybuilding.views: the selectors resolve (missing and not visible: the same 404), the services
write and refuse (partybuilding.permissions is the one rule; a service's `Forbidden` is the site's 403)."""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError, Forbidden, WrongState
from partybuilding.forms import DecisionFormSet, MeetingForm
from partybuilding.labels import FollowUpStatus, ParticipantSide
from partybuilding.models import FollowUp, Meeting
from partybuilding.permissions import may_record_meeting, meeting_places, meeting_visible_q
from partybuilding.selectors import follow_up_get_visible, meeting_get_visible, meeting_list_visible
from partybuilding.services.meetings import DecisionSpec, FollowUpSpec, follow_up_done, meeting_record
from registry.models import User

MEETING_PAGE = 20


@require_GET
@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    """The joint meetings one sees, newest first, and one's own open follow-up items."""
    page = Paginator(meeting_list_visible(user=request.user), MEETING_PAGE).get_page(request.GET.get("page"))
    communities, compounds = meeting_places(request.user)
    mine = (
        FollowUp.objects.filter(owner=request.user, status=FollowUpStatus.OPEN)
        .select_related("decision__meeting")
        .order_by("due_on", "pk")[:50]
    )
    context = {
        "page": page,
        "mine": list(mine),
        "can_record": bool(communities or compounds),
        "tab": "meetings",
    }
    return render(request, "partybuilding/meetings.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Record a joint meeting with its participants, decisions and follow-up items."""
    communities, compounds = meeting_places(request.user)
    if not communities and not compounds:
        raise PermissionDenied(_("只有辖区政府工作人员或业主委员会成员可以记录联席会议。"))
    places = {f"compound:{c.code}": (c.community, c) for c in compounds}
    places |= {f"community:{r.code}": (r, None) for r in communities}
    choices = [(f"compound:{c.code}", f"{c.name}（{c.community.name}）") for c in compounds]
    choices += [(f"community:{r.code}", _("%(name)s（整个社区）") % {"name": r.name}) for r in communities]
    form = MeetingForm(request.POST or None, places=choices, sides=ParticipantSide.choices)
    decisions = DecisionFormSet(request.POST or None, prefix="d")
    context = {"form": form, "decisions": decisions, "tab": "meetings"}
    if request.method == "GET":
        return render(request, "partybuilding/meeting_new.html", context)
    if not (form.is_valid() and decisions.is_valid()):
        return render(request, "partybuilding/meeting_new.html", context, status=HTTPStatus.BAD_REQUEST)
    specs = []
    for d in decisions:
        data = d.cleaned_data
        if not data.get("text"):
            continue
        items = []
        if data.get("follow_up"):
            owner = User.objects.filter(username=data["owner"], is_active=True).first()
            if owner is None:
                d.add_error("owner", _("责任人账号不存在。"))
                return render(
                    request, "partybuilding/meeting_new.html", context, status=HTTPStatus.BAD_REQUEST
                )
            items.append(FollowUpSpec(data["follow_up"], owner, data["due_on"]))
        specs.append(DecisionSpec(data["text"], items))
    community, compound = places[form.cleaned_data["where"]]
    try:
        meeting = meeting_record(
            actor=request.user,
            community=community,
            compound=compound,
            title=form.cleaned_data["title"],
            held_at=form.cleaned_data["held_at"],
            place=form.cleaned_data["place"],
            minutes=form.cleaned_data["minutes"],
            participants=form.participants(),
            decisions=specs,
        )
    except Forbidden as e:
        raise PermissionDenied(e.message) from e
    except ApplicationError as e:
        form.add_error(None, e.message)
        return render(request, "partybuilding/meeting_new.html", context, status=e.status)
    messages.success(request, _("联席会议已记录，交办事项已通知责任人。"))
    return redirect("partybuilding:meeting", meeting_id=meeting.pk)


@require_GET
@login_required
@never_cache
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """One meeting: participants, minutes, decisions and their follow-up items with a "done" button for those
    who may mark them done."""
    m = meeting_get_visible(user=request.user, meeting_id=meeting_id)
    recorder = may_record_meeting(user=request.user, community=m.community, compound=m.compound)
    items = [
        (
            d,
            [
                (f, f.status == FollowUpStatus.OPEN and (recorder or f.owner_id == request.user.pk))
                for f in d.follow_ups.all()
            ],
        )
        for d in m.decisions.all()
    ]
    return render(request, "partybuilding/meeting.html", {"m": m, "decisions": items, "tab": "meetings"})


@require_POST
@login_required
def follow_up_mark_done(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    """Mark a follow-up item done (its owner, or those who may record the meeting)."""
    item = follow_up_get_visible(user=request.user, follow_up_id=follow_up_id)
    try:
        follow_up_done(actor=request.user, follow_up=item)
        messages.success(request, _("该事项已办结。"))
    except Forbidden as e:
        raise PermissionDenied(e.message) from e
    except WrongState as e:
        messages.error(request, e.message)
    meeting_id = item.decision.meeting_id
    if Meeting.objects.filter(meeting_visible_q(user=request.user), pk=meeting_id).exists():
        return redirect("partybuilding:meeting", meeting_id=meeting_id)
    return redirect("partybuilding:meetings")
