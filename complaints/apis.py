"""REST API of complaints, mounted under /api/v1/ (api.md, "Complaints"): categories, filing, one case with
its timeline, the complainant's cases, a handler's queue, workflow moves and the rating."""

import json
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.figures import (
    RegionMonth,
    category_names,
    current_month,
    figures_region_get,
    month_parse,
    present,
    region_month,
)
from complaints.labels import About, Kind, Satisfaction, Status, Tier
from complaints.models import Complaint
from complaints.selectors import (
    category_list,
    complaint_clock_get,
    complaint_clocks,
    complaint_get_visible,
    complaint_list_mine,
    complaint_photo_get,
    complaint_photos,
    complaint_place,
    complaint_queue,
    complaint_timeline,
)
from complaints.services.cases import (
    complaint_complainant_reveal,
    complaint_file,
    complaint_payload_location,
    complaint_publish,
    complaint_rate,
    complaint_return_visit,
    complaint_transition,
)
from complaints.services.clocks import clock_extend
from config.api import Pagination, error_responses
from config.errors import ApplicationError
from config.routers import dashboard_reads
from registry.photos import photo_response
from registry.selectors import compound_get_visible

TAG = "complaints"


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kinds = serializers.ListField(child=serializers.CharField())
    default_severity = serializers.CharField()


@extend_schema_serializer(component_name="ComplaintEvent")
class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    role = serializers.CharField(help_text="complainant, firm, committee, official or system — never a name.")
    kind = serializers.CharField()
    from_status = serializers.CharField(source="from_status_or_none", allow_null=True)
    to_status = serializers.CharField(source="to_status_or_none", allow_null=True)
    tier = serializers.CharField()
    public = serializers.BooleanField()
    text = serializers.CharField()


_DATETIME = serializers.DateTimeField()  # one instance for every time in a list (RFC 3339, Beijing offset)


def _case(case: Complaint, request: Request, *, timeline: bool) -> dict[str, Any]:
    """A case as the API shows it to this user: never the complainant's identity; the flat per selector."""
    body: dict[str, Any] = {
        "id": case.pk,
        "compound": case.compound.code,
        "kind": case.kind,
        "category": case.category.code,
        "about": case.about,
        "severity": case.severity,
        "tier": case.tier,
        "first_tier": case.first_tier,
        "status": case.status,
        "status_label": Status(case.status).label,
        "description": case.description,
        "location": complaint_place(user=request.user, complaint=case),
        "allow_home_visit": case.allow_home_visit,
        "public": case.public,
        "round": case.round,
        "satisfaction": case.satisfaction or None,
        "solved": case.solved,
        "submitted_at": _DATETIME.to_representation(case.submitted_at),
        "updated_at": _DATETIME.to_representation(case.updated_at),
        "clocks": [
            {
                **c,
                "due_at": _DATETIME.to_representation(c["due_at"]),
                "stopped_at": c["stopped_at"] and _DATETIME.to_representation(c["stopped_at"]),
            }
            for c in complaint_clocks(complaint=case)
        ],
        "photos": [
            reverse("api-complaint-photo", kwargs={"id": case.pk, "sha256": p.sha256})
            for p in complaint_photos(complaint=case)
        ],
    }
    if timeline:
        events = complaint_timeline(user=request.user, complaint=case)
        for e in events:
            e.from_status_or_none = e.from_status or None
            e.to_status_or_none = e.to_status or None
        body["timeline"] = EventSerializer(events, many=True).data
    return body


def _case_response(request: Request, id: int) -> Response:
    """The case as it stands after a write, with its timeline, read afresh under the user's scope."""
    return Response(_case(complaint_get_visible(user=request.user, complaint_id=id), request, timeline=True))


class ComplaintCategoryListApi(APIView):
    """The complaint categories (their codes are Open311's `service_code`)."""

    permission_classes = []

    @extend_schema(
        operation_id="complaint_categories_list", tags=[TAG], responses={200: CategorySerializer(many=True)}
    )
    def get(self, request: Request) -> Response:
        return Response(CategorySerializer(category_list(), many=True).data)


class ComplaintListCreateApi(APIView):
    """`POST`: an owner files a case in a compound where they hold a unit — JSON, or multipart with up to 9
    files in `photos` (JPEG, PNG, HEIC; `location` then a JSON string). `GET ?mine=true`: their cases."""

    pagination_class = Pagination
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    upload_limit_setting = "COMPLAINT_MAX_UPLOAD_BYTES"

    @extend_schema_serializer(component_name="ComplaintFileInput")
    class InputSerializer(serializers.Serializer):
        compound = serializers.CharField()
        kind = serializers.ChoiceField(choices=Kind.choices)
        category = serializers.CharField(max_length=40)
        about = serializers.ChoiceField(choices=About.choices, default=About.OTHER)
        description = serializers.CharField(max_length=2000)
        location = serializers.JSONField(required=False, help_text="unit_number, building (4 digits), area")
        photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=50)
        allow_home_visit = serializers.BooleanField(default=False)

    @extend_schema(
        operation_id="complaints_create",
        tags=[TAG],
        request=InputSerializer,
        responses={201: dict, **error_responses(400, 401, 403, 404, 413)},
    )
    def post(self, request: Request) -> Response:
        payload = request.data.dict() if hasattr(request.data, "dict") else dict(request.data)
        if hasattr(request.data, "getlist"):
            payload["photos"] = request.data.getlist("photos")
        data = self.InputSerializer(data=payload)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        location = d.get("location")
        if isinstance(location, str):  # multipart: the object as a JSON string
            try:
                location = json.loads(location) if location.strip() else None
            except ValueError:
                location = "invalid"
        if location is not None and not isinstance(location, dict):
            raise ApplicationError(
                _("location 须为对象。"), code="invalid", extra={"fields": {"location": ["object"]}}
            )
        compound = compound_get_visible(user=request.user, code=d["compound"])
        case = complaint_file(
            actor=request.user,
            compound=compound,
            kind=d["kind"],
            category_code=d["category"],
            about=d["about"],
            description=d["description"],
            location=complaint_payload_location(location),
            allow_home_visit=d["allow_home_visit"],
            photos=d.get("photos", []),
        )
        case = complaint_get_visible(user=request.user, complaint_id=case.pk)
        body = _case(case, request, timeline=False)
        return Response(
            {k: body[k] for k in ("id", "status", "tier", "clocks", "photos")} | {"case": body},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        operation_id="complaints_list", tags=[TAG], responses={200: dict, **error_responses(400, 401)}
    )
    def get(self, request: Request) -> Response:
        if request.query_params.get("mine") != "true":
            raise ApplicationError(
                _("请使用 ?mine=true（本人的案件）或 /queue/（待办）。"),
                code="invalid",
                extra={"field": "mine"},
            )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(complaint_list_mine(user=request.user), request, view=self)
        return paginator.get_paginated_response([_case(c, request, timeline=False) for c in page])


class ComplaintQueueApi(APIView):
    """A handler's open cases, oldest first; filters `compound`, `tier`, `status`."""

    pagination_class = Pagination

    @extend_schema_serializer(component_name="ComplaintQueueFilter")
    class FilterSerializer(serializers.Serializer):
        compound = serializers.CharField(required=False)
        tier = serializers.ChoiceField(choices=Tier.choices, required=False)
        status = serializers.ChoiceField(choices=Status.choices, required=False)

    @extend_schema(
        operation_id="complaints_queue", tags=[TAG], parameters=[FilterSerializer], responses={200: dict}
    )
    def get(self, request: Request) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        cases = complaint_queue(user=request.user, **f.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(cases, request, view=self)
        return paginator.get_paginated_response([_case(c, request, timeline=False) for c in page])


class ComplaintDetailApi(APIView):
    """One case with its timeline (handlers and the street office also see internal entries)."""

    @extend_schema(
        operation_id="complaints_retrieve", tags=[TAG], responses={200: dict, **error_responses(401, 404)}
    )
    def get(self, request: Request, id: int) -> Response:
        case = complaint_get_visible(user=request.user, complaint_id=id)
        return Response(_case(case, request, timeline=True))


class ComplaintTransitionApi(APIView):
    """Move a case along the workflow (complaints.md "States"); who may make each move: complaints.rules."""

    @extend_schema_serializer(component_name="ComplaintTransitionInput")
    class InputSerializer(serializers.Serializer):
        to = serializers.ChoiceField(choices=Status.choices)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        public = serializers.BooleanField(default=True)
        merged_into = serializers.IntegerField(required=False)

    @extend_schema(
        operation_id="complaints_transition",
        tags=[TAG],
        request=InputSerializer,
        responses={200: dict, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        case = complaint_get_visible(user=request.user, complaint_id=id)
        target = None
        if "merged_into" in d:
            target = complaint_get_visible(user=request.user, complaint_id=d["merged_into"])
        complaint_transition(
            actor=request.user,
            complaint=case,
            to=d["to"],
            note=d["note"],
            public=d["public"],
            merged_into=target,
        )
        return _case_response(request, id)


class ComplaintRatingApi(APIView):
    """The complainant rates a verified result (satisfied / basically satisfied / unsatisfied; solved or not)."""

    @extend_schema_serializer(component_name="ComplaintRatingInput")
    class InputSerializer(serializers.Serializer):
        satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
        solved = serializers.BooleanField()
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="complaints_rate",
        tags=[TAG],
        request=InputSerializer,
        responses={200: dict, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = complaint_get_visible(user=request.user, complaint_id=id)
        complaint_rate(actor=request.user, complaint=case, **data.validated_data)
        return _case_response(request, id)


class ComplaintPhotoApi(APIView):
    """One photo of a case, to those who may see the case (404 otherwise); served inline, privately cached."""

    @extend_schema(
        operation_id="complaints_photo",
        tags=[TAG],
        responses={(200, "image/jpeg"): bytes, **error_responses(401, 404)},
    )
    def get(self, request: Request, id: int, sha256: str) -> HttpResponse:
        return photo_response(photo=complaint_photo_get(user=request.user, complaint_id=id, sha256=sha256))


class ComplaintReturnVisitApi(APIView):
    """The street office logs its return visit (回访) to the complainant of a closed case (an internal entry)."""

    @extend_schema_serializer(component_name="ComplaintReturnVisitInput")
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=2000)

    @extend_schema(
        operation_id="complaints_return_visit",
        tags=[TAG],
        request=InputSerializer,
        responses={200: dict, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = complaint_get_visible(user=request.user, complaint_id=id)
        complaint_return_visit(actor=request.user, complaint=case, note=data.validated_data["note"])
        return _case_response(request, id)


class ComplaintClockExtendApi(APIView):
    """The street office gives one running clock more time, with a reason (minutes, or working days)."""

    @extend_schema_serializer(component_name="ComplaintClockExtendInput")
    class InputSerializer(serializers.Serializer):
        minutes = serializers.IntegerField(min_value=0, max_value=60 * 24 * 30, default=0)
        working_days = serializers.IntegerField(min_value=0, max_value=30, default=0)
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        operation_id="complaints_clock_extend",
        tags=[TAG],
        request=InputSerializer,
        responses={200: dict, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, id: int, kind: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = complaint_get_visible(user=request.user, complaint_id=id)
        clock = complaint_clock_get(complaint=case, kind=kind)
        clock_extend(actor=request.user, clock=clock, **data.validated_data)
        return _case_response(request, id)


class ComplaintPublishApi(APIView):
    """Moderation: the street office shows a snap-report about a public area to everyone (Open311 GET), or
    withdraws it (`{"public": false}`)."""

    @extend_schema_serializer(component_name="ComplaintPublishInput")
    class InputSerializer(serializers.Serializer):
        public = serializers.BooleanField(default=True)

    @extend_schema(
        operation_id="complaints_publish",
        tags=[TAG],
        request=InputSerializer,
        responses={200: dict, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = complaint_get_visible(user=request.user, complaint_id=id)
        complaint_publish(actor=request.user, complaint=case, public=data.validated_data["public"])
        return _case_response(request, id)


def figures_body(rm: RegionMonth) -> dict[str, Any]:
    """A region's month as the API shows it: counts, rates (numerator, denominator, rate rounded down),
    satisfaction per category (suppressed under 5 ratings), adjustments, and the next level down."""
    names = category_names()

    def unit(row: Any) -> dict[str, Any]:
        return {
            "code": row.code,
            "name": row.name,
            "level": row.level,
            **present(row.figures, categories=names),
            "adjustments": None
            if row.adjustments is None
            else present(row.adjustments, categories=names, deltas=True),
        }

    return {
        "month": f"{rm.month:%Y-%m}",
        "closed": rm.closed,
        "computed_at": rm.computed_at and _DATETIME.to_representation(rm.computed_at),
        "basically_counts_as_satisfied": settings.COMPLAINTS_BASICALLY_COUNTS_AS_SATISFIED,
        "region": unit(rm.own),
        "children": [unit(c) for c in rm.children],
    }


class ComplaintStatsApi(APIView):
    """Monthly figures of a region and its next level down (officials over the region; complaints.figures)."""

    class FilterSerializer(serializers.Serializer):
        region = serializers.CharField(
            required=False, default="", help_text="region code; default: one's own"
        )
        month = serializers.CharField(required=False, default="", help_text="YYYY-MM; default: this month")

    @extend_schema(
        operation_id="complaints_stats",
        tags=[TAG],
        parameters=[FilterSerializer],
        responses={200: dict, **error_responses(400, 401, 403, 404)},
    )
    @dashboard_reads
    def get(self, request: Request) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        region = figures_region_get(user=request.user, code=f.validated_data["region"])
        text = f.validated_data["month"]
        month = month_parse(text) if text else current_month()
        if month is None or month > current_month():
            raise ApplicationError(
                _("月份格式为 YYYY-MM，且不能晚于本月。"), code="invalid", extra={"field": "month"}
            )
        return Response(figures_body(region_month(region=region, month=month)))


class ComplaintComplainantApi(APIView):
    """The street office looks up who filed a case, giving a reason; each look is logged (an audit row with
    the reason). Firms, committees and owners are refused."""

    @extend_schema_serializer(component_name="ComplaintComplainantInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        operation_id="complaints_complainant",
        tags=[TAG],
        request=InputSerializer,
        responses={200: dict, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = complaint_get_visible(user=request.user, complaint_id=id)
        return Response(
            complaint_complainant_reveal(
                actor=request.user, complaint=case, reason=data.validated_data["reason"]
            )
        )
