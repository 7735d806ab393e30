"""REST API of party building, mounted under /api/v1/ (api.md, "Party building"; extensions in the README):
the volunteers of a compound and requests to them with their reply threads, tasks and their moves, coverage
and cross-appointment figures, task figures per member and organisation, joint meetings."""

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import Pagination, error_responses
from config.errors import ApplicationError, Forbidden
from partybuilding.coverage import compound_party_status, coverage_region_get, region_coverage
from partybuilding.labels import ParticipantSide, TaskStatus
from partybuilding.models import Meeting, Task, VolunteerRequest
from partybuilding.selectors import (
    follow_up_get_visible,
    meeting_get_visible,
    meeting_list_visible,
    request_get_visible,
    request_list_visible,
    task_figures,
    task_get_visible,
    task_list_visible,
    task_photo_get,
    volunteer_get_for_request,
    volunteer_list_for_compound,
)
from partybuilding.services.meetings import DecisionSpec, FollowUpSpec, follow_up_done, meeting_record
from partybuilding.services.tasks import task_claim, task_complete, task_confirm, task_post
from partybuilding.services.volunteers import request_reply, volunteer_request_send
from registry.models import Equipment, Region, User
from registry.permissions import official_over
from registry.photos import photo_response
from registry.selectors import compound_get_visible

TAG = "party building"
_time = serializers.DateTimeField().to_representation


def _when(value: Any) -> str | None:
    return _time(value) if value is not None else None


# ----------------------------------------------------------------------------- find a party member


class CompoundVolunteerListApi(APIView):
    """The party members who volunteer in a compound, each with only the fields they chose to show (owners of
    the compound, officials over it). Never a phone number."""

    @extend_schema(
        operation_id="party_volunteers_list", tags=[TAG], responses={200: dict, **error_responses(401, 404)}
    )
    def get(self, request: Request, code: str) -> Response:
        compound = compound_get_visible(user=request.user, code=code)
        return Response(
            {
                "compound": compound.code,
                "volunteers": volunteer_list_for_compound(user=request.user, compound=compound),
            }
        )


def _thread(r: VolunteerRequest, request: Request) -> dict[str, Any]:
    """A request and its replies as the requester and the member see them: who wrote what, never a phone."""
    member_user_id = r.volunteer.member.user_id
    return {
        "id": r.pk,
        "volunteer": r.volunteer_id,
        "compound": r.compound.code,
        "text": r.text,
        "created_at": _time(r.created_at),
        "mine": r.requester_id == request.user.pk,
        "replies": [
            {
                "from": "member" if reply.author_id == member_user_id else "requester",
                "text": reply.text,
                "created_at": _time(reply.created_at),
            }
            for reply in r.replies.all()
        ],
    }


class VolunteerRequestCreateApi(APIView):
    """An owner of a compound the volunteer serves sends them a request, delivered in-app (no phone number)."""

    @extend_schema_serializer(component_name="PartyRequestInput")
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=1000)

    @extend_schema(
        operation_id="party_volunteer_request",
        tags=[TAG],
        request=InputSerializer,
        responses={201: dict, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        volunteer, compound = volunteer_get_for_request(user=request.user, volunteer_id=id)
        sent = volunteer_request_send(
            actor=request.user, volunteer=volunteer, compound=compound, text=data.validated_data["text"]
        )
        return Response(
            _thread(request_get_visible(user=request.user, request_id=sent.pk), request),
            status=status.HTTP_201_CREATED,
        )


class PartyRequestListApi(APIView):
    """The requests one sent (as an owner) or received (as a volunteer), newest first."""

    pagination_class = Pagination

    @extend_schema(
        operation_id="party_requests_list", tags=[TAG], responses={200: dict, **error_responses(401)}
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(request_list_visible(user=request.user), request, view=self)
        return paginator.get_paginated_response(
            [
                {
                    "id": r.pk,
                    "compound": r.compound.code,
                    "text": r.text,
                    "created_at": _time(r.created_at),
                    "mine": r.requester_id == request.user.pk,
                    "replies": r.reply_count,
                }
                for r in page
            ]
        )


class PartyRequestDetailApi(APIView):
    """One request with its reply thread (its requester and the volunteer)."""

    @extend_schema(
        operation_id="party_requests_retrieve", tags=[TAG], responses={200: dict, **error_responses(401, 404)}
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(_thread(request_get_visible(user=request.user, request_id=id), request))


class PartyRequestReplyApi(APIView):
    """The volunteer or the requester replies in the thread; the other side is told in-app."""

    @extend_schema_serializer(component_name="PartyReplyInput")
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=1000)

    @extend_schema(
        operation_id="party_requests_reply",
        tags=[TAG],
        request=InputSerializer,
        responses={201: dict, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        thread = request_get_visible(user=request.user, request_id=id)
        request_reply(actor=request.user, request=thread, text=data.validated_data["text"])
        return Response(
            _thread(request_get_visible(user=request.user, request_id=id), request),
            status=status.HTTP_201_CREATED,
        )


# ---------------------------------------------------------------------------------------------- tasks


def _task(task: Task, request: Request) -> dict[str, Any]:
    """A task as the API shows it: the claimer's organisation, never the claimer's or requester's identity."""
    return {
        "id": task.pk,
        "compound": task.compound.code,
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "status_label": TaskStatus(task.status).label,
        "requester_role": task.requester_role,
        "links": {"complaint": task.complaint_id, "equipment": task.equipment_id},
        "mine": task.requester_id == request.user.pk,
        "claimed_by_me": task.claimer is not None and task.claimer.user_id == request.user.pk,
        "claimer_organisation": task.claimer.organisation.name if task.claimer is not None else None,
        "report": task.report,
        "photos": [
            reverse("api-party-task-photo", kwargs={"id": task.pk, "sha256": p.photo.sha256})
            for p in task.photos.all()
        ],
        "rating": task.rating,
        "note": task.note,
        "created_at": _time(task.created_at),
        "claimed_at": _when(task.claimed_at),
        "completed_at": _when(task.completed_at),
        "confirmed_at": _when(task.confirmed_at),
    }


def _task_response(request: Request, id: int, *, code: int = status.HTTP_200_OK) -> Response:
    return Response(_task(task_get_visible(user=request.user, task_id=id), request), status=code)


class PartyTaskListCreateApi(APIView):
    """`POST`: owners of the compound, its committee or its community post a task. `GET`: the tasks one sees
    (`?compound=`, `?status=`)."""

    pagination_class = Pagination

    @extend_schema_serializer(component_name="PartyTaskInput")
    class InputSerializer(serializers.Serializer):
        compound = serializers.CharField()
        title = serializers.CharField(max_length=100)
        description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        links = serializers.DictField(
            child=serializers.IntegerField(allow_null=True),
            required=False,
            default=dict,
            help_text="complaint, equipment",
        )

    class FilterSerializer(serializers.Serializer):
        compound = serializers.CharField(required=False)
        status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)

    @extend_schema(
        operation_id="party_tasks_create",
        tags=[TAG],
        request=InputSerializer,
        responses={201: dict, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        unknown = set(d["links"]) - {"complaint", "equipment"}
        if unknown:
            raise ApplicationError(
                _("links 只能包含 complaint 和 equipment。"), code="invalid", extra={"field": "links"}
            )
        compound = compound_get_visible(user=request.user, code=d["compound"])
        complaint = equipment = None
        if d["links"].get("complaint") is not None:
            from complaints.selectors import complaint_get_visible

            complaint = complaint_get_visible(user=request.user, complaint_id=d["links"]["complaint"])
        if d["links"].get("equipment") is not None:
            equipment = Equipment.objects.filter(pk=d["links"]["equipment"], compound=compound).first()
            if equipment is None:
                raise ApplicationError(
                    "links.equipment", code="invalid_link", extra={"field": "links.equipment"}
                )
        task = task_post(
            actor=request.user,
            compound=compound,
            title=d["title"],
            description=d["description"],
            complaint=complaint,
            equipment=equipment,
        )
        body = _task(task_get_visible(user=request.user, task_id=task.pk), request)
        return Response({"id": task.pk, "status": task.status, "task": body}, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="party_tasks_list", tags=[TAG], parameters=[FilterSerializer], responses={200: dict}
    )
    def get(self, request: Request) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        compound = None
        if f.validated_data.get("compound"):
            compound = compound_get_visible(user=request.user, code=f.validated_data["compound"])
        tasks = task_list_visible(
            user=request.user, compound=compound, status=f.validated_data.get("status", "")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(tasks, request, view=self)
        return paginator.get_paginated_response([_task(t, request) for t in page])


class PartyTaskDetailApi(APIView):
    """One task."""

    @extend_schema(
        operation_id="party_tasks_retrieve", tags=[TAG], responses={200: dict, **error_responses(401, 404)}
    )
    def get(self, request: Request, id: int) -> Response:
        return _task_response(request, id)


class PartyTaskClaimApi(APIView):
    """A party member claims an open task (`409 already_claimed` when someone was first)."""

    @extend_schema(
        operation_id="party_tasks_claim",
        tags=[TAG],
        request=None,
        responses={200: dict, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: Request, id: int) -> Response:
        task = task_claim(actor=request.user, task=task_get_visible(user=request.user, task_id=id))
        return Response(
            {"status": task.status, "task": _task(task_get_visible(user=request.user, task_id=id), request)}
        )


class PartyTaskCompleteApi(APIView):
    """The claimer reports completion: `report` and up to 9 `photos` (JSON, or multipart with the files)."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]
    upload_limit_setting = "COMPLAINT_MAX_UPLOAD_BYTES"

    @extend_schema_serializer(component_name="PartyTaskCompleteInput")
    class InputSerializer(serializers.Serializer):
        report = serializers.CharField(max_length=2000)
        photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=50)

    @extend_schema(
        operation_id="party_tasks_complete",
        tags=[TAG],
        request=InputSerializer,
        responses={200: dict, **error_responses(400, 401, 403, 404, 409, 413)},
    )
    def post(self, request: Request, id: int) -> Response:
        payload = request.data.dict() if hasattr(request.data, "dict") else dict(request.data)
        if hasattr(request.data, "getlist"):
            payload["photos"] = request.data.getlist("photos")
        data = self.InputSerializer(data=payload)
        data.is_valid(raise_exception=True)
        task = task_get_visible(user=request.user, task_id=id)
        task = task_complete(
            actor=request.user,
            task=task,
            report=data.validated_data["report"],
            photos=data.validated_data.get("photos", []),
        )
        return Response(
            {"status": task.status, "task": _task(task_get_visible(user=request.user, task_id=id), request)}
        )


class PartyTaskConfirmApi(APIView):
    """The requester confirms a completed task with a rating (1–5) and a note."""

    @extend_schema_serializer(component_name="PartyTaskConfirmInput")
    class InputSerializer(serializers.Serializer):
        rating = serializers.IntegerField(min_value=1, max_value=5)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="party_tasks_confirm",
        tags=[TAG],
        request=InputSerializer,
        responses={200: dict, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = task_get_visible(user=request.user, task_id=id)
        task = task_confirm(actor=request.user, task=task, **data.validated_data)
        return Response(
            {"status": task.status, "task": _task(task_get_visible(user=request.user, task_id=id), request)}
        )


class PartyTaskPhotoApi(APIView):
    """One evidence photo of a task, to those who see the task (404 otherwise)."""

    @extend_schema(
        operation_id="party_tasks_photo",
        tags=[TAG],
        responses={(200, "image/jpeg"): bytes, **error_responses(401, 404)},
    )
    def get(self, request: Request, id: int, sha256: str) -> HttpResponse:
        return photo_response(photo=task_photo_get(user=request.user, task_id=id, sha256=sha256))


class PartyTaskFiguresApi(APIView):
    """Tasks claimed, completed and confirmed, and the sum of ratings, per member and per organisation —
    the members and organisations one sees (officials: their region's; a member: their own)."""

    @extend_schema(
        operation_id="party_tasks_figures", tags=[TAG], responses={200: dict, **error_responses(401)}
    )
    def get(self, request: Request) -> Response:
        return Response(task_figures(user=request.user))


# --------------------------------------------------------------------------------- coverage figures


class PartyCoverageApi(APIView):
    """Coverage of a region and its next level down (officials over the region; partybuilding.coverage)."""

    class FilterSerializer(serializers.Serializer):
        region = serializers.CharField(
            required=False, default="", help_text="region code; default: one's own"
        )

    @extend_schema(
        operation_id="party_coverage",
        tags=[TAG],
        parameters=[FilterSerializer],
        responses={200: dict, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        region = coverage_region_get(user=request.user, code=f.validated_data["region"])
        return Response(region_coverage(region=region))


class CompoundPartyStatusApi(APIView):
    """One compound's cross-appointment picture (officials over it): committee seats and party seats, above
    half or not (exactly half is not), branches, posts held, what falls short."""

    @extend_schema(
        operation_id="party_compound_status",
        tags=[TAG],
        responses={200: dict, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, code: str) -> Response:
        compound = compound_get_visible(user=request.user, code=code)
        if not official_over(user=request.user, compound=compound):
            raise Forbidden(_("只有辖区政府工作人员可以查看。"), code="forbidden")
        return Response(compound_party_status(compound=compound))


# ------------------------------------------------------------------------------------- joint meetings


def _meeting(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "community": m.community.code,
        "compound": m.compound.code if m.compound is not None else None,
        "title": m.title,
        "held_at": _time(m.held_at),
        "place": m.place,
        "minutes": m.minutes,
        "participants": [{"side": p.side, "name": p.name} for p in m.participants.all()],
        "decisions": [
            {
                "text": d.text,
                "follow_ups": [
                    {
                        "id": f.pk,
                        "text": f.text,
                        "owner": f.owner.get_username(),
                        "due_on": f.due_on.isoformat(),
                        "status": f.status,
                        "overdue": f.overdue_at is not None and f.status == "open",
                        "done_at": _when(f.done_at),
                    }
                    for f in d.follow_ups.all()
                ],
            }
            for d in m.decisions.all()
        ],
    }


class PartyMeetingListCreateApi(APIView):
    """`POST`: officials over a community (or, for a compound's meeting, its owners' committee members) record a
    joint meeting (红色议事厅) with participants, decisions and follow-up items (owner by username, due date).
    `GET`: the meetings one sees."""

    pagination_class = Pagination

    class FollowUpSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=1000)
        owner = serializers.CharField(max_length=150)
        due_on = serializers.DateField()

    class DecisionSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=2000)
        follow_ups = serializers.ListField(child=serializers.DictField(), required=False, default=list)

    @extend_schema_serializer(component_name="PartyMeetingInput")
    class InputSerializer(serializers.Serializer):
        community = serializers.CharField()
        compound = serializers.CharField(required=False, allow_blank=True, default="")
        title = serializers.CharField(max_length=128)
        held_at = serializers.DateTimeField()
        place = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
        minutes = serializers.CharField(max_length=20000)
        participants = serializers.ListField(
            child=serializers.DictField(child=serializers.CharField(max_length=64)), max_length=100
        )
        decisions = serializers.ListField(
            child=serializers.DictField(), required=False, default=list, max_length=50
        )

    @extend_schema(
        operation_id="party_meetings_create",
        tags=[TAG],
        request=InputSerializer,
        responses={201: dict, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        community = Region.objects.filter(code=d["community"], level=Region.Level.COMMUNITY).first()
        if community is None:
            raise ApplicationError(_("社区不存在。"), code="invalid", extra={"field": "community"})
        compound = compound_get_visible(user=request.user, code=d["compound"]) if d["compound"] else None
        participants = []
        for i, p in enumerate(d["participants"]):
            if p.get("side") not in ParticipantSide.values or not p.get("name"):
                raise ApplicationError(
                    _("参会人员须有参会方和姓名。"), code="invalid", extra={"field": f"participants[{i}]"}
                )
            participants.append((p["side"], p["name"]))
        decisions = []
        for i, raw in enumerate(d["decisions"]):
            decision = self.DecisionSerializer(data=raw)
            decision.is_valid(raise_exception=True)
            items = []
            for j, f in enumerate(decision.validated_data["follow_ups"]):
                item = self.FollowUpSerializer(data=f)
                item.is_valid(raise_exception=True)
                owner = User.objects.filter(username=item.validated_data["owner"], is_active=True).first()
                if owner is None:
                    raise ApplicationError(
                        _("责任人账号不存在。"),
                        code="invalid",
                        extra={"field": f"decisions[{i}].follow_ups[{j}].owner"},
                    )
                items.append(FollowUpSpec(item.validated_data["text"], owner, item.validated_data["due_on"]))
            decisions.append(DecisionSpec(decision.validated_data["text"], items))
        meeting = meeting_record(
            actor=request.user,
            community=community,
            compound=compound,
            title=d["title"],
            held_at=d["held_at"],
            place=d["place"],
            minutes=d["minutes"],
            participants=participants,
            decisions=decisions,
        )
        return Response(
            _meeting(meeting_get_visible(user=request.user, meeting_id=meeting.pk)),
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        operation_id="party_meetings_list", tags=[TAG], responses={200: dict, **error_responses(401)}
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(meeting_list_visible(user=request.user), request, view=self)
        return paginator.get_paginated_response([_meeting(m) for m in page])


class PartyMeetingDetailApi(APIView):
    """One joint meeting with its participants, decisions and follow-up items."""

    @extend_schema(
        operation_id="party_meetings_retrieve", tags=[TAG], responses={200: dict, **error_responses(401, 404)}
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(_meeting(meeting_get_visible(user=request.user, meeting_id=id)))


class PartyFollowUpDoneApi(APIView):
    """The owner of a follow-up item (or officials over the community) marks it done (`409` when done)."""

    @extend_schema(
        operation_id="party_follow_ups_done",
        tags=[TAG],
        request=None,
        responses={200: dict, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: Request, id: int) -> Response:
        item = follow_up_done(
            actor=request.user, follow_up=follow_up_get_visible(user=request.user, follow_up_id=id)
        )
        return Response({"id": item.pk, "status": item.status, "done_at": _when(item.done_at)})
