"""REST API of owners' assemblies (api.md, "Voting").

One APIView per operation: parse the input, resolve the assembly through the permission-scoped selectors (not
visible = 404), authorise, call one service or selector, serialise. Refusals come from the services as
`ApplicationError` and leave through `config.api.exception_handler` as {"code", "message", "extra"}.

What never leaves while voting is open: individual choices (only the voter's own, through `my-ballot/`) and any
partial result (`results/` answers 409 `not_tallied` until the tally). Participation shows per unit only
building, room, area and voted yes/no. Decimals travel as strings with two places, times with +08:00.
"""

import base64
import binascii
import json
import os
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.fields import empty
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils import html
from rest_framework.views import APIView

from config.api import Pagination, error_responses
from config.errors import Forbidden
from config.throttling import BallotThrottle
from registry.identifiers import normalize_unit_number
from registry.selectors import compound_get_visible
from voting.models import Assembly
from voting.permissions import can_run_assembly, may_see_who_voted
from voting.selectors import (
    RESULT_STATES,
    assembly_get_visible,
    assembly_list_visible_to,
    assembly_motions,
    assembly_results,
    audit_log,
    my_ballot,
    participation,
    participation_summary,
    results_visible_to,
)
from voting.services.assemblies import (
    MotionSpec,
    assembly_announce,
    assembly_cancel,
    assembly_close,
    assembly_create,
    assembly_open,
    assembly_publish,
    assembly_reschedule,
)
from voting.services.ballots import ballot_cast, paper_ballot_enter, receipt_check
from voting.services.delivery import subject_delivery_record
from voting.services.proxies import proxy_mandate_record
from voting.services.tally import assembly_tally

TAG_VOTING = "voting"

AREA_FIELD = {"max_digits": 14, "decimal_places": 2}
CHOICE_VALUES = ("for", "against", "abstain")

_errors = error_responses


def _require_runner(request: Request, assembly: Assembly) -> None:
    if not can_run_assembly(user=request.user, compound=assembly.compound):
        raise Forbidden(_("只有组织会议的街道办事处工作人员可以执行此操作。"), code="forbidden")


def _paginated(*, view: APIView, request: Request, rows: Any, serializer_class: type) -> Response:
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


# ----------------------------------------------------------------------------------- shared shapes

SCHEDULE_EXTRA = (
    "A refused date names the limit in `extra` (RFC 3339, +08:00, the whole minute on the lawful side): "
    "`notice_too_short` → `earliest_opens_at`, `min_notice_days`; `window_too_short` → `earliest_closes_at`, "
    "`min_window_days`; `window_too_long` → `latest_closes_at`, `max_window_days`."
)


@extend_schema_serializer(component_name="AssemblyPolicy")
class PolicySerializer(serializers.Serializer):
    """The policy switches, printed on the notice and the certificate (voting.md)."""

    revote = serializers.BooleanField(help_text="An owner may change a ballot before close (last counts).")
    deemed_consent = serializers.BooleanField(help_text="视为同意多数意见 (delivered and warned subjects).")
    parking_in_area = serializers.BooleanField(help_text="Parking spaces count in area and heads.")
    proxy_cap = serializers.IntegerField(help_text="Principals per proxy.")
    firm_staff_may_proxy = serializers.BooleanField()


@extend_schema_serializer(component_name="AssemblyRoll")
class RollSerializer(serializers.Serializer):
    """The roll frozen at announcement: fingerprint and the denominators of every motion."""

    fingerprint = serializers.CharField(help_text="`sha256:` and 64 hex digits.")
    area_total = serializers.DecimalField(**AREA_FIELD)
    heads_total = serializers.IntegerField()
    parts = serializers.IntegerField(help_text="Exclusive parts on the roll.")


@extend_schema_serializer(component_name="Candidate")
class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="Motion")
class MotionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    title = serializers.CharField()
    category = serializers.IntegerField(help_text="Civil Code art. 278 item (1–9).")
    threshold = serializers.ChoiceField(choices=["ordinary", "major"], help_text="Follows from the category.")
    # Plain text: a second choice set named `kind` would clash with Assembly.kind's enum in the schema.
    kind = serializers.CharField(help_text="`matter` or `election`.")
    seats = serializers.IntegerField(allow_null=True)
    candidates = CandidateSerializer(many=True, source="candidates.all")


@extend_schema_serializer(component_name="ParticipationSummary")
class ParticipationSummarySerializer(serializers.Serializer):
    """How many subjects and how much area have voted — never what."""

    heads_voted = serializers.IntegerField()
    heads_total = serializers.IntegerField()
    area_voted = serializers.DecimalField(**AREA_FIELD)
    area_total = serializers.DecimalField(**AREA_FIELD)
    heads_percent = serializers.CharField(help_text="Rounded down, e.g. `66.66%`.")
    area_percent = serializers.CharField(help_text="Rounded down.")


@extend_schema_serializer(component_name="AssemblySummary")
class AssemblySummarySerializer(serializers.Serializer):
    """An assembly in a list. Expects `roll_summary` attached (`_attach_roll`)."""

    id = serializers.IntegerField()
    compound = serializers.CharField(source="compound.code")
    compound_name = serializers.CharField(source="compound.name")
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Assembly.Kind.choices)
    status = serializers.ChoiceField(choices=Assembly.Status.choices)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    policy = PolicySerializer(source="*")
    roll = RollSerializer(source="roll_summary", allow_null=True, help_text="Null until announced.")


@extend_schema_serializer(component_name="Assembly")
class AssemblySerializer(AssemblySummarySerializer):
    """One assembly with its motions; expects `motion_list`, `roll_summary` and `participation` attached
    (`_detail`)."""

    announced_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    tallied_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    motions = MotionSerializer(many=True, source="motion_list")
    participation_summary = ParticipationSummarySerializer(
        source="participation", allow_null=True, help_text="Null until announced; never any choice."
    )


def _attach_roll(assembly: Assembly) -> Assembly:
    assembly.roll_summary = (
        {
            "fingerprint": assembly.roll_fingerprint,
            "area_total": assembly.area_total,
            "heads_total": assembly.heads_total,
            "parts": assembly.parts_total,
        }
        if assembly.roll_fingerprint
        else None
    )
    return assembly


def _detail(assembly: Assembly) -> dict[str, Any]:
    """The AssemblySerializer body of an assembly (motions, roll and participation read by the selectors)."""
    _attach_roll(assembly)
    assembly.motion_list = assembly_motions(assembly=assembly)
    assembly.participation = (
        participation_summary(assembly=assembly) if assembly.roll_summary is not None else None
    )
    return AssemblySerializer(assembly).data


class ChoicesField(serializers.DictField):
    """`{"<motion_id>": "for" | "against" | "abstain"}`; elections `{"<motion_id>": {"<candidate_id>": …}}`.
    Also accepted as a JSON string (multipart paper ballots). Completeness and values are the service's rule
    (`incomplete_ballot`, `invalid_choice`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.JSONField(), **kwargs)

    def get_value(self, dictionary: Any) -> Any:
        if html.is_html_input(
            dictionary
        ):  # multipart: one form field holding JSON, not `choices.<key>` fields
            return dictionary.get(self.field_name, empty)
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("not_a_dict", input_type="str")
        return super().to_internal_value(data)


SCAN_JSON_SCHEMA = {
    "type": "object",
    "description": "A scan sent in a JSON body: the file name and its bytes in base64 (the JSON body cap, "
    "API_MAX_BODY_BYTES, bounds it; larger scans go as multipart).",
    "properties": {
        "filename": {"type": "string", "maxLength": 100, "example": "ballot-0202.pdf"},
        "content_base64": {"type": "string", "format": "byte"},
    },
    "required": ["filename", "content_base64"],
}
SCAN_HELP = (
    "Required: the scan of the signed paper (voting.md), a PDF, JPEG or PNG by content, at most "
    'VOTING_SCAN_MAX_BYTES (decoded). Multipart: a file part. JSON: an object `{"filename", "content_base64"}`.'
)
SCAN_REFUSALS = "`scan_required`, `scan_invalid_type`, `scan_too_large` (400)"


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "format": "binary"}, SCAN_JSON_SCHEMA],
        "description": SCAN_HELP,
    }
)
class ScanField(serializers.Field):
    """The scan as an uploaded file (multipart) or as `{"filename", "content_base64"}` (JSON), handed on as a
    file. Whether it is acceptable (present, type by content, size) is voting.services.scans' rule."""

    default_error_messages = {
        "invalid": gettext_lazy("扫描件须为上传的文件，或含 filename 与 content_base64 的对象。"),
        "invalid_base64": gettext_lazy("content_base64 不是有效的 Base64 编码。"),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, UploadedFile):
            return data
        if not isinstance(data, dict) or not isinstance(data.get("content_base64"), str):
            self.fail("invalid")
        if not isinstance(data.get("filename", ""), str):
            self.fail("invalid")
        try:
            content = base64.b64decode(data["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            self.fail("invalid_base64")
        name = os.path.basename(data.get("filename") or "").strip()[-100:] or "scan"
        return ContentFile(content, name=name)

    def to_representation(self, value: Any) -> Any:  # input only
        raise NotImplementedError


@extend_schema_serializer(component_name="BallotCast")
class BallotCastSerializer(serializers.Serializer):
    receipt = serializers.CharField(help_text="Keep it to check your ballot is counted.")
    receipts = serializers.ListField(
        child=serializers.CharField(), help_text="One per voting subject cast for (usually one)."
    )
    cast_at = serializers.DateTimeField(help_text="Stamped by the server.")
    units = serializers.ListField(child=serializers.CharField(), help_text="Unit numbers the ballot covers.")


def _cast_body(result: Any) -> dict[str, Any]:
    return BallotCastSerializer(
        {
            "receipt": result.receipt,
            "receipts": list(result.receipts.values()),
            "cast_at": result.cast_at,
            "units": result.unit_numbers,
        }
    ).data


BALLOT_REFUSALS = (
    "Refusals: `not_open` (409), `not_on_roll` (403), `not_designated_voter` (403), `already_voted` (409, "
    "revote off), `incomplete_ballot` (400), `invalid_choice` (400)."
)

# ------------------------------------------------------------------------------------ assemblies


@extend_schema_serializer(component_name="AssemblyPolicyInput")
class PolicyInputSerializer(serializers.Serializer):
    revote = serializers.BooleanField(required=False)
    deemed_consent = serializers.BooleanField(required=False)
    parking_in_area = serializers.BooleanField(required=False)
    proxy_cap = serializers.IntegerField(required=False, min_value=1, max_value=100)
    firm_staff_may_proxy = serializers.BooleanField(required=False)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and (unknown := sorted(set(data) - set(self.fields))):
            raise serializers.ValidationError({key: [_("未知的表决规则。")] for key in unknown})
        return super().to_internal_value(data)


@extend_schema_serializer(component_name="MotionInput")
class MotionInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    category = serializers.IntegerField(help_text="Civil Code art. 278 item (1–9).")
    seats = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Elections only: seats to fill."
    )
    candidates = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, help_text="Elections only."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("candidates") and not attrs.get("seats"):
            raise serializers.ValidationError({"seats": [_("选举事项须写明应选人数。")]})
        return attrs


class AssemblyListCreateApi(APIView):
    """`GET`: assemblies visible to the user (owners do not see drafts). `POST`: an official over the compound
    creates a draft. Two operations on one path (api.md), each with its own serializers and schema."""

    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        compound = serializers.CharField(required=False, max_length=32, help_text="Compound code.")
        status = serializers.ChoiceField(choices=Assembly.Status.choices, required=False)

    @extend_schema_serializer(component_name="AssemblyCreate")
    class InputSerializer(serializers.Serializer):
        compound = serializers.CharField(max_length=32, help_text="Compound code.")
        title = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=Assembly.Kind.choices, default=Assembly.Kind.REGULAR)
        opens_at = serializers.DateTimeField()
        closes_at = serializers.DateTimeField()
        policy = PolicyInputSerializer(required=False, help_text="Switches not given keep their defaults.")
        motions = MotionInputSerializer(many=True, help_text="In the order of the agenda.")

    @extend_schema(
        operation_id="assemblies_list",
        tags=[TAG_VOTING],
        description="Assemblies visible to the user, newest first; owners and firms do not see drafts.",
        parameters=[FilterSerializer],
        responses={200: AssemblySummarySerializer(many=True), **_errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        assemblies = assembly_list_visible_to(user=request.user)
        if code := filters.validated_data.get("compound"):
            assemblies = assemblies.filter(compound__code=code)
        if state := filters.validated_data.get("status"):
            assemblies = assemblies.filter(status=state)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(assemblies, request, view=self)
        return paginator.get_paginated_response(
            AssemblySummarySerializer([_attach_roll(a) for a in page], many=True).data
        )

    @extend_schema(
        operation_id="assemblies_create",
        tags=[TAG_VOTING],
        request={"application/json": InputSerializer},
        responses={201: AssemblySerializer, **_errors(400, 401, 403, 404)},
        description="Refusals: `forbidden` (403) for anyone but an official over the compound; `no_motions`, "
        "`invalid_category`, `too_few_candidates`, `invalid_window`, `invalid` (400).",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        compound = compound_get_visible(user=request.user, code=data["compound"])
        assembly = assembly_create(
            actor=request.user,
            compound=compound,
            title=data["title"],
            kind=data["kind"],
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            policy=data.get("policy") or {},
            motions=[
                MotionSpec(
                    title=m["title"],
                    category=m["category"],
                    seats=m.get("seats"),
                    candidates=tuple(m.get("candidates") or ()),
                )
                for m in data["motions"]
            ],
        )
        assembly = assembly_get_visible(user=request.user, assembly_id=assembly.pk)
        return Response(_detail(assembly), status=status.HTTP_201_CREATED)


class AssemblyDetailApi(APIView):
    """One assembly: motions, policy, the roll once announced and participation (how many, never what)."""

    @extend_schema(
        operation_id="assemblies_retrieve",
        tags=[TAG_VOTING],
        responses={200: AssemblySerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(_detail(assembly_get_visible(user=request.user, assembly_id=id)))


class AssemblyAnnounceApi(APIView):
    """Publish the notice and freeze the roll (city limits on notice and window apply)."""

    @extend_schema_serializer(component_name="AssemblyAnnounced")
    class OutputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Assembly.Status.choices)
        roll = RollSerializer()

    @extend_schema(
        operation_id="assemblies_announce",
        tags=[TAG_VOTING],
        request=None,
        responses={200: OutputSerializer, **_errors(400, 401, 403, 404, 409)},
        description="Refusals: `notice_too_short`, `window_too_short`, `window_too_long` (400), `forbidden` "
        "(403), `wrong_state` (409) unless a draft. " + SCHEDULE_EXTRA,
    )
    def post(self, request: Request, id: int) -> Response:
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        assembly = _attach_roll(assembly_announce(actor=request.user, assembly=assembly))
        return Response(
            self.OutputSerializer({"status": assembly.status, "roll": assembly.roll_summary}).data
        )


class AssemblyOpenApi(APIView):
    """Open voting now that `opens_at` has come (the scheduler also does it on time); idempotent."""

    @extend_schema(
        operation_id="assemblies_open",
        tags=[TAG_VOTING],
        request=None,
        responses={200: AssemblySerializer, **_errors(401, 403, 404, 409)},
        description="Refusals: `forbidden` (403), `too_early` (409) before `opens_at`, `wrong_state` (409).",
    )
    def post(self, request: Request, id: int) -> Response:
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        assembly_open(actor=request.user, assembly=assembly)
        return Response(_detail(assembly_get_visible(user=request.user, assembly_id=id)))


class AssemblyCloseApi(APIView):
    """Close voting now that `closes_at` has come (the scheduler also does it on time); idempotent. The tally
    is queued after the close commits."""

    @extend_schema(
        operation_id="assemblies_close",
        tags=[TAG_VOTING],
        request=None,
        responses={200: AssemblySerializer, **_errors(401, 403, 404, 409)},
        description="Refusals: `forbidden` (403), `too_early` (409) before `closes_at`, `wrong_state` (409).",
    )
    def post(self, request: Request, id: int) -> Response:
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        assembly_close(actor=request.user, assembly=assembly)
        return Response(_detail(assembly_get_visible(user=request.user, assembly_id=id)))


class AssemblyTallyApi(APIView):
    """(Re-)run the tally of a closed assembly; idempotent, refused while open."""

    @extend_schema(
        operation_id="assemblies_tally",
        tags=[TAG_VOTING],
        request=None,
        responses={200: AssemblySerializer, **_errors(401, 403, 404, 409)},
        description="Refusals: `forbidden` (403), `still_open` (409) while open, `wrong_state` (409) before "
        "the close or once published.",
    )
    def post(self, request: Request, id: int) -> Response:
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        assembly_tally(assembly=assembly, actor=request.user)
        return Response(_detail(assembly_get_visible(user=request.user, assembly_id=id)))


class AssemblyPublishApi(APIView):
    """Publish the tallied result: the certificate becomes public to the compound's owners; idempotent."""

    @extend_schema(
        operation_id="assemblies_publish",
        tags=[TAG_VOTING],
        request=None,
        responses={200: AssemblySerializer, **_errors(401, 403, 404, 409)},
        description="Refusals: `forbidden` (403), `wrong_state` (409) before the tally.",
    )
    def post(self, request: Request, id: int) -> Response:
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        assembly_publish(actor=request.user, assembly=assembly)
        return Response(_detail(assembly_get_visible(user=request.user, assembly_id=id)))


class AssemblyCancelApi(APIView):
    """Cancel a draft or announced assembly, with the reason (logged)."""

    @extend_schema_serializer(component_name="AssemblyCancel")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        operation_id="assemblies_cancel",
        tags=[TAG_VOTING],
        request=InputSerializer,
        responses={200: AssemblySerializer, **_errors(400, 401, 403, 404, 409)},
        description="Refusals: `forbidden` (403), `wrong_state` (409) once voting has opened.",
    )
    def post(self, request: Request, id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        assembly_cancel(actor=request.user, assembly=assembly, reason=serializer.validated_data["reason"])
        return Response(_detail(assembly_get_visible(user=request.user, assembly_id=id)))


class AssemblyRescheduleApi(APIView):
    """Move the voting window of an announced assembly before it opens: a fresh notice (extension, api.md)."""

    @extend_schema_serializer(component_name="AssemblyReschedule")
    class InputSerializer(serializers.Serializer):
        opens_at = serializers.DateTimeField()
        closes_at = serializers.DateTimeField()
        reason = serializers.CharField(max_length=500, help_text="Logged and told to the owners.")

    @extend_schema(
        operation_id="assemblies_reschedule",
        tags=[TAG_VOTING],
        request=InputSerializer,
        responses={200: AssemblySerializer, **_errors(400, 401, 403, 404, 409)},
        description="Extension. New dates for an announced assembly that has not opened. They are a fresh "
        "notice: `opens_at` must be at least VOTING_MIN_NOTICE_DAYS × 24 h after the moment of the reschedule, "
        "and the window must last VOTING_MIN_WINDOW_DAYS to VOTING_MAX_WINDOW_DAYS × 24 h. The agenda, policy "
        "and frozen roll (its fingerprint) do not change; the log records the old and new dates and the "
        "reason; the owners on the roll are notified. Refusals: `notice_too_short`, `window_too_short`, "
        "`window_too_long`, `invalid_window`, `unchanged`, `reason_required`, `invalid` (400), `forbidden` "
        "(403), `wrong_state` (409) unless announced and before `opens_at`. " + SCHEDULE_EXTRA,
    )
    def post(self, request: Request, id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        assembly_reschedule(
            actor=request.user,
            assembly=assembly,
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            reason=data["reason"],
        )
        return Response(_detail(assembly_get_visible(user=request.user, assembly_id=id)))


# ---------------------------------------------------------------------------------------- ballots


class BallotCastApi(APIView):
    """An owner's online ballot: every motion answered; one ballot covers every subject the owner casts for.
    Throttled per account (API_THROTTLE_BALLOT)."""

    prepared_statements = True  # the hot path of an assembly: fixed statements, prepared (config/db.py)

    throttle_classes = [BallotThrottle]

    @extend_schema_serializer(component_name="BallotInput")
    class InputSerializer(serializers.Serializer):
        choices = ChoicesField()

    @extend_schema(
        operation_id="assemblies_ballots_create",
        tags=[TAG_VOTING],
        request=InputSerializer,
        responses={201: BallotCastSerializer, **_errors(400, 401, 403, 404, 409, 429)},
        description=BALLOT_REFUSALS + " `throttled` (429, `extra.wait` seconds) above API_THROTTLE_BALLOT.",
    )
    def post(self, request: Request, id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        result = ballot_cast(
            actor=request.user, assembly=assembly, choices=serializer.validated_data["choices"]
        )
        return Response(_cast_body(result), status=status.HTTP_201_CREATED)


class PaperBallotEnterApi(APIView):
    """An official enters a paper ballot for a unit on the roll, with its scan (multipart, or JSON with the scan
    in base64). The caller is authorised before the body is read: nobody else's upload is ever parsed."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="PaperBallotInput")
    class InputSerializer(serializers.Serializer):
        unit_number = serializers.CharField(max_length=40)
        choices = ChoicesField(help_text="As for online ballots; a JSON string in multipart requests.")
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        scan = ScanField(help_text=SCAN_HELP)

    @extend_schema(
        operation_id="assemblies_paper_ballots_create",
        tags=[TAG_VOTING],
        request={"application/json": InputSerializer, "multipart/form-data": InputSerializer},
        responses={201: BallotCastSerializer, **_errors(400, 401, 403, 404, 409, 413)},
        description="Refusals: `forbidden` (403) for anyone but an official running the assembly; `not_open` "
        "(409), `not_on_roll` (403) for a unit not on the frozen roll, `already_voted` (409, revote off), "
        f"{SCAN_REFUSALS}, `incomplete_ballot` (400), `invalid_choice` (400); `body_too_large` (413) above "
        "API_MAX_UPLOAD_BYTES (multipart) or API_MAX_BODY_BYTES (JSON).",
    )
    def post(self, request: Request, id: int) -> Response:
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        _require_runner(request, assembly)  # before request.data: an upload is parsed only for its runner
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = paper_ballot_enter(
            actor=request.user,
            assembly=assembly,
            unit_number=normalize_unit_number(data["unit_number"]),
            choices=data["choices"],
            note=data["note"],
            scan=data.get("scan"),
        )
        return Response(_cast_body(result), status=status.HTTP_201_CREATED)


@extend_schema_serializer(component_name="MyBallotEntry")
class MyBallotEntrySerializer(serializers.Serializer):
    receipt = serializers.CharField()
    cast_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=["online", "paper"])
    units = serializers.ListField(child=serializers.CharField())
    choices = serializers.DictField(child=serializers.JSONField())


class MyBallotApi(APIView):
    """The signed-in owner's counted ballot(s), with choices and receipts — only ever to the voter."""

    @extend_schema_serializer(component_name="MyBallot")
    class OutputSerializer(serializers.Serializer):
        assembly = serializers.IntegerField()
        ballots = MyBallotEntrySerializer(many=True)

    @extend_schema(
        operation_id="assemblies_my_ballot_retrieve",
        tags=[TAG_VOTING],
        responses={200: OutputSerializer, **_errors(401, 404)},
        description="404 when the account has no counted ballot in this assembly.",
    )
    def get(self, request: Request, id: int) -> Response:
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        ballots = my_ballot(user=request.user, assembly=assembly)
        if not ballots:
            raise Http404(str(id))
        return Response(self.OutputSerializer({"assembly": assembly.pk, "ballots": ballots}).data)


class ReceiptCheckApi(APIView):
    """Whether a receipt is counted (a later ballot under revote replaces it) — no choices, no names."""

    @extend_schema_serializer(component_name="ReceiptCheck")
    class OutputSerializer(serializers.Serializer):
        receipt = serializers.CharField()
        found = serializers.BooleanField(help_text="A ballot with this receipt was handed in.")
        counted = serializers.BooleanField(help_text="It is the ballot that counts for its subject.")
        cast_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(
        operation_id="assemblies_receipts_retrieve",
        tags=[TAG_VOTING],
        responses={200: OutputSerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, id: int, receipt: str) -> Response:
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        check = receipt_check(assembly=assembly, receipt=receipt.strip().lower()[:64])
        return Response(self.OutputSerializer({"cast_at": None, **check}).data)


class ParticipationListApi(APIView):
    """Per unit on the frozen roll: building, entrance, floor, room, its label, area, voted yes/no — never
    names, never choices. Paginated like every list (`?page=`, `?page_size=` ≤ 500), in address order
    (building, entrance, floor, room as numbers). A property firm gets `403 counts_only` (with the counts in
    `extra.participation`) while the vote is announced or open."""

    pagination_class = Pagination

    @extend_schema_serializer(component_name="ParticipationRow")
    class OutputSerializer(serializers.Serializer):
        building = serializers.CharField()
        entrance = serializers.CharField(help_text="The entrance (单元) as named, e.g. 1单元; empty if none.")
        floor = serializers.CharField(help_text="The floor as registered: 12, -1 (basement); may be empty.")
        room = serializers.CharField()
        label = serializers.CharField(help_text="The flat's full address: 1号楼 1单元 12层 1201.")
        area = serializers.DecimalField(**AREA_FIELD)
        voted = serializers.BooleanField()

    @extend_schema(
        operation_id="assemblies_participation_list",
        tags=[TAG_VOTING],
        responses={200: OutputSerializer(many=True), **_errors(401, 404)},
    )
    def get(self, request: Request, id: int) -> Response:
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        if not may_see_who_voted(user=request.user, assembly=assembly):
            raise Forbidden(
                _("投票期间，物业服务企业只能查看参与人数和面积。"),
                code="counts_only",
                extra={
                    "participation": ParticipationSummarySerializer(
                        participation_summary(assembly=assembly)
                    ).data
                },
            )
        return _paginated(
            view=self,
            request=request,
            rows=participation(assembly=assembly),
            serializer_class=self.OutputSerializer,
        )


# ---------------------------------------------------------------------------------------- results


def _tally_serializer(name: str, field: type, help_text: str) -> type:
    # `for` is a Python keyword, so these fields are declared through type().
    fields = {key: field() for key in ("participating", "for", "against", "abstain")}
    cls = type(f"{name}Serializer", (serializers.Serializer,), {**fields, "__doc__": help_text})
    return extend_schema_serializer(component_name=name)(cls)


AreaTallySerializer = _tally_serializer("AreaTally", serializers.CharField, "Areas (m², two places).")
HeadsTallySerializer = _tally_serializer("HeadsTally", serializers.IntegerField, "Voting subjects.")


@extend_schema_serializer(component_name="DeemedConsentTally")
class DeemedConsentSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=["for", "against"], allow_null=True)
    area = AreaTallySerializer()
    heads = HeadsTallySerializer()
    units = serializers.ListField(child=serializers.CharField(), help_text="Units counted by deemed consent.")
    outcome = serializers.ChoiceField(choices=["adopted", "rejected", "quorum_not_met"])


@extend_schema_serializer(component_name="CandidateResult")
class CandidateResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["adopted", "rejected", "quorum_not_met"])
    status = serializers.CharField(help_text="`elected`, `not_elected` or `tie` (ties are never broken).")
    area = AreaTallySerializer()
    heads = HeadsTallySerializer()


@extend_schema_serializer(component_name="Inequality")
class InequalitySerializer(serializers.Serializer):
    name = serializers.CharField()
    expression = serializers.CharField()
    holds = serializers.BooleanField()


@extend_schema_serializer(component_name="MotionResult")
class MotionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    category = serializers.IntegerField()
    threshold = serializers.ChoiceField(choices=["ordinary", "major"])
    outcome = serializers.ChoiceField(choices=["adopted", "rejected", "quorum_not_met"])
    area = AreaTallySerializer()
    heads = HeadsTallySerializer()
    deemed_consent = DeemedConsentSerializer(allow_null=True)
    seats = serializers.IntegerField(allow_null=True)
    candidates = CandidateResultSerializer(many=True, allow_null=True)
    inequalities = InequalitySerializer(many=True)


@extend_schema_serializer(component_name="ResultsRoll")
class ResultsRollSerializer(serializers.Serializer):
    fingerprint = serializers.CharField()
    area_total = serializers.CharField()
    heads_total = serializers.IntegerField()
    parts = serializers.IntegerField()


class AssemblyResultsApi(APIView):
    """The stored tally (the certificate's content). 409 until tallied; officials running the assembly see it
    once tallied, everyone who sees the assembly once published."""

    @extend_schema_serializer(component_name="AssemblyResults")
    class OutputSerializer(serializers.Serializer):
        assembly = serializers.IntegerField()
        status = serializers.ChoiceField(choices=Assembly.Status.choices)
        roll = ResultsRollSerializer()
        policy = PolicySerializer()
        motions = MotionResultSerializer(many=True)

    @extend_schema(
        operation_id="assemblies_results_retrieve",
        tags=[TAG_VOTING],
        responses={200: OutputSerializer, **_errors(401, 403, 404, 409)},
        description="Refusals: `not_tallied` (409) before the tally; `not_published` (403) to anyone but the "
        "officials running the assembly until the result is published.",
    )
    def get(self, request: Request, id: int) -> Response:
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        if assembly.status in RESULT_STATES and not results_visible_to(user=request.user, assembly=assembly):
            raise Forbidden(_("表决结果尚未公布。"), code="not_published")
        return Response(self.OutputSerializer(assembly_results(assembly=assembly)).data)


class AuditLogApi(APIView):
    """The hash-chained log (officials running the assembly): who did what and when — never a choice."""

    pagination_class = Pagination

    @extend_schema_serializer(component_name="AuditEntry")
    class OutputSerializer(serializers.Serializer):
        seq = serializers.IntegerField()
        at = serializers.DateTimeField()
        actor = serializers.CharField(source="actor.username", allow_null=True)
        action = serializers.CharField()
        data = serializers.JSONField()
        prev_hash = serializers.CharField()
        hash = serializers.CharField()

    @extend_schema(
        operation_id="assemblies_audit_list",
        tags=[TAG_VOTING],
        responses={200: OutputSerializer(many=True), **_errors(401, 403, 404)},
    )
    def get(self, request: Request, id: int) -> Response:
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        _require_runner(request, assembly)
        return _paginated(
            view=self,
            request=request,
            rows=audit_log(assembly=assembly),
            serializer_class=self.OutputSerializer,
        )


class SubjectDeliveryApi(APIView):
    """Record that the ballot was delivered to a unit's voting subject, with the warning (deemed consent)."""

    @extend_schema_serializer(component_name="SubjectDeliveryInput")
    class InputSerializer(serializers.Serializer):
        delivered_at = serializers.DateTimeField()
        warned = serializers.BooleanField(help_text="The owner was told what not voting means.")

    @extend_schema_serializer(component_name="SubjectDelivery")
    class OutputSerializer(serializers.Serializer):
        units = serializers.ListField(child=serializers.CharField(), help_text="Every unit of the subject.")
        delivered_at = serializers.DateTimeField()
        warned = serializers.BooleanField()

    @extend_schema(
        operation_id="assemblies_subjects_delivery_create",
        tags=[TAG_VOTING],
        request=InputSerializer,
        responses={200: OutputSerializer, **_errors(400, 401, 403, 404, 409)},
        description="Refusals: `forbidden` (403), `not_on_roll` (404), `wrong_state` (409) unless announced "
        "or open, `delivery_in_future` and `delivery_before_notice` (400).",
    )
    def post(self, request: Request, id: int, unit_number: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        record = subject_delivery_record(
            actor=request.user,
            assembly=assembly,
            unit_number=normalize_unit_number(unit_number),
            **serializer.validated_data,
        )
        body = {
            "units": record.unit_numbers,
            "delivered_at": record.subject.delivered_at,
            "warned": record.subject.warned,
        }
        return Response(self.OutputSerializer(body).data)


class ProxyMandateCreateApi(APIView):
    """Record a written proxy mandate, with its scan (multipart, or JSON with the scan in base64): the named
    account casts the vote of the unit's voting subject. The caller is authorised before the body is read."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="ProxyMandateInput")
    class InputSerializer(serializers.Serializer):
        unit_number = serializers.CharField(help_text="A unit of the principal subject on the roll.")
        proxy_username = serializers.CharField()
        note = serializers.CharField(required=False, allow_blank=True, default="")
        scan = ScanField(help_text=SCAN_HELP)

    @extend_schema_serializer(component_name="ProxyMandate")
    class OutputSerializer(serializers.Serializer):
        unit_number = serializers.CharField()
        proxy_username = serializers.CharField()
        recorded_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="assemblies_proxies_create",
        tags=[TAG_VOTING],
        request={"application/json": InputSerializer, "multipart/form-data": InputSerializer},
        responses={201: OutputSerializer, **_errors(400, 401, 403, 404, 409, 413)},
        description="Refusals: `forbidden` (403), `not_on_roll` (404), `wrong_state` / `already_voted` / "
        "`proxy_exists` (409), `unknown_user`, `proxy_firm_staff_barred`, `proxy_cap_reached`, "
        f"{SCAN_REFUSALS}; `body_too_large` (413).",
    )
    def post(self, request: Request, id: int) -> Response:
        assembly = assembly_get_visible(user=request.user, assembly_id=id)
        _require_runner(request, assembly)  # before request.data: an upload is parsed only for its runner
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        mandate = proxy_mandate_record(
            actor=request.user,
            assembly=assembly,
            unit_number=normalize_unit_number(data["unit_number"]),
            proxy_username=data["proxy_username"],
            note=data["note"],
            scan=data.get("scan"),
        )
        body = {
            "unit_number": normalize_unit_number(data["unit_number"]),
            "proxy_username": mandate.proxy.get_username(),
            "recorded_at": mandate.recorded_at,
        }
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)
