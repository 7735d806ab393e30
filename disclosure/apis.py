"""REST API of disclosure, mounted under /api/v1/ (api.md, "Disclosure"): a compound's records, drafting,
publication, corrections, and the on-time figures; co-signs and objections (README, "API extensions")."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import Pagination, error_responses
from config.errors import ApplicationError
from disclosure.figures import disclosure_month, figures_body
from disclosure.labels import Kind, Status
from disclosure.models import Disclosure
from disclosure.selectors import disclosure_get_visible, disclosure_list_for_compound
from disclosure.services.records import (
    disclosure_correct,
    disclosure_cosign,
    disclosure_create,
    disclosure_delete,
    disclosure_object,
    disclosure_publish,
    disclosure_update,
)
from registry.selectors import compound_get_visible

TAG = "disclosure"

# The fields of a record's content travel at the top level of the request (api.md's example), beside these.
ENVELOPE = ("compound", "kind", "period", "reason")


def _time(value: Any) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value is not None else None


def record_body(d: Disclosure) -> dict[str, Any]:
    """A record as the API shows it: its content at the top level (as it was posted), with its state,
    stamps, authorship and versions."""
    corrected_by = [c.pk for c in d.corrections.all()]
    return {
        "id": d.pk,
        "compound": d.compound.code,
        "kind": d.kind,
        "kind_label": Kind(d.kind).label,
        "period": d.period or None,
        "status": d.status,
        "status_label": Status(d.status).label,
        **d.content,
        "firm": d.firm.name if d.firm_id else None,
        "author": d.author.username,
        "created_at": _time(d.created_at),
        "published_at": _time(d.published_at),
        "content_hash": d.content_hash or None,
        "supersedes": d.supersedes_id,
        "reason": d.reason or None,
        "superseded_by": corrected_by[0] if corrected_by else None,
        "cosigns": [{"at": _time(c.at)} for c in d.cosigns.all()],
    }


def _content(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApplicationError(_("请求体须为 JSON 对象。"), code="invalid", extra={"field": "body"})
    return {k: v for k, v in data.items() if k not in ENVELOPE}


def _text(data: Any, name: str) -> str:
    value = data.get(name, "") if isinstance(data, dict) else ""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApplicationError(
            _("字段 %(field)s 有误。") % {"field": name}, code="invalid", extra={"field": name}
        )
    return value


class CompoundDisclosureListApi(APIView):
    """A compound's records: published ones with their superseded versions; drafts only to the serving firm,
    their authors and the committee (disclosure.permissions). Filters `kind`, `period`."""

    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Kind.choices, required=False)
        period = serializers.RegexField(r"^[0-9]{4}-[0-9]{2}$", required=False, help_text="YYYY-MM")

    @extend_schema(
        operation_id="disclosures_list",
        tags=[TAG],
        parameters=[FilterSerializer],
        responses={200: dict, **error_responses(400, 401, 404)},
    )
    def get(self, request: Request, code: str) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        compound = compound_get_visible(user=request.user, code=code)
        records = disclosure_list_for_compound(user=request.user, compound=compound, **f.validated_data)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response([record_body(d) for d in page])


@extend_schema_serializer(component_name="DisclosureInput")
class DisclosureInputSerializer(serializers.Serializer):
    """The envelope; the record's content (api.md's example for an operating statement) sits beside it."""

    compound = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    period = serializers.CharField(required=False, allow_blank=True, default="", help_text="YYYY-MM")


class DisclosureCreateApi(APIView):
    """The firm serving the compound (or platform staff) drafts a record; every rule of api.md is checked."""

    @extend_schema(
        operation_id="disclosures_create",
        tags=[TAG],
        request=DisclosureInputSerializer,
        responses={201: dict, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        envelope = DisclosureInputSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        e = envelope.validated_data
        compound = compound_get_visible(user=request.user, code=e["compound"])
        d = disclosure_create(
            actor=request.user,
            compound=compound,
            kind=e["kind"],
            period=e["period"],
            data=_content(request.data),
        )
        d = disclosure_get_visible(user=request.user, disclosure_id=d.pk)
        return Response(record_body(d), status=status.HTTP_201_CREATED)


class DisclosureDetailApi(APIView):
    """One record. A draft is changed (`PUT`/`PATCH`: its whole content) or deleted by the serving firm; a
    published record never: `409 immutable`."""

    @extend_schema(
        operation_id="disclosures_retrieve", tags=[TAG], responses={200: dict, **error_responses(401, 404)}
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(record_body(disclosure_get_visible(user=request.user, disclosure_id=id)))

    def _update(self, request: Request, id: int) -> Response:
        d = disclosure_get_visible(user=request.user, disclosure_id=id)
        period = _text(request.data, "period") if "period" in request.data else None
        disclosure_update(actor=request.user, disclosure=d, data=_content(request.data), period=period)
        return Response(record_body(disclosure_get_visible(user=request.user, disclosure_id=id)))

    @extend_schema(
        operation_id="disclosures_update",
        tags=[TAG],
        request=dict,
        responses={200: dict, **error_responses(400, 401, 403, 404, 409)},
    )
    def put(self, request: Request, id: int) -> Response:
        return self._update(request, id)

    @extend_schema(
        operation_id="disclosures_partial_update",
        tags=[TAG],
        request=dict,
        responses={200: dict, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request: Request, id: int) -> Response:
        return self._update(request, id)

    @extend_schema(
        operation_id="disclosures_destroy",
        tags=[TAG],
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    def delete(self, request: Request, id: int) -> Response:
        d = disclosure_get_visible(user=request.user, disclosure_id=id)
        disclosure_delete(actor=request.user, disclosure=d)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DisclosurePublishApi(APIView):
    """Publish a draft: stamped with the time and a content hash; a correction supersedes the record it names."""

    @extend_schema(
        operation_id="disclosures_publish",
        tags=[TAG],
        request=None,
        responses={200: dict, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, id: int) -> Response:
        d = disclosure_get_visible(user=request.user, disclosure_id=id)
        disclosure_publish(actor=request.user, disclosure=d)
        body = record_body(disclosure_get_visible(user=request.user, disclosure_id=id))
        return Response({k: body[k] for k in ("status", "published_at", "content_hash")} | {"record": body})


class DisclosureCorrectionApi(APIView):
    """A correction of a published record: `{"reason", ...the full corrected content...}` → a new draft that
    supersedes it once published."""

    @extend_schema(
        operation_id="disclosures_correct",
        tags=[TAG],
        request=dict,
        responses={201: dict, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, id: int) -> Response:
        old = disclosure_get_visible(user=request.user, disclosure_id=id)
        d = disclosure_correct(
            actor=request.user,
            disclosure=old,
            reason=_text(request.data, "reason"),
            data=_content(request.data),
        )
        return Response(
            record_body(disclosure_get_visible(user=request.user, disclosure_id=d.pk)),
            status=status.HTTP_201_CREATED,
        )


class DisclosureCosignApi(APIView):
    """A member of the compound's current owners' committee co-signs a record (extension)."""

    @extend_schema(
        operation_id="disclosures_cosign",
        tags=[TAG],
        request=None,
        responses={201: dict, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: Request, id: int) -> Response:
        d = disclosure_get_visible(user=request.user, disclosure_id=id)
        cosign = disclosure_cosign(actor=request.user, disclosure=d)
        return Response({"id": d.pk, "cosigned_at": _time(cosign.at)}, status=status.HTTP_201_CREATED)


class DisclosureObjectionApi(APIView):
    """An owner objects to a published record: a complaint about the firm, routed past it (extension)."""

    @extend_schema_serializer(component_name="DisclosureObjectionInput")
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=1500)

    @extend_schema(
        operation_id="disclosures_object",
        tags=[TAG],
        request=InputSerializer,
        responses={201: dict, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = disclosure_get_visible(user=request.user, disclosure_id=id)
        case = disclosure_object(actor=request.user, disclosure=d, text=data.validated_data["text"])
        return Response(
            {"complaint": case.pk, "status": case.status, "tier": case.tier}, status=status.HTTP_201_CREATED
        )


class DisclosureStatsApi(APIView):
    """Monthly operating statements of a region's compounds: due, published on time, late, missing (and still
    pending before the due day), the on-time rate as numerator and denominator; the region and its next level
    down (officials over the region)."""

    class FilterSerializer(serializers.Serializer):
        region = serializers.CharField(
            required=False, default="", help_text="region code; default: one's own"
        )
        month = serializers.CharField(required=False, default="", help_text="YYYY-MM; default: last month")

    @extend_schema(
        operation_id="disclosures_stats",
        tags=[TAG],
        parameters=[FilterSerializer],
        responses={200: dict, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request) -> Response:
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        return Response(
            figures_body(
                disclosure_month(
                    user=request.user,
                    region_code=f.validated_data["region"],
                    month_text=f.validated_data["month"],
                )
            )
        )
