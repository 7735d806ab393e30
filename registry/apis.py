"""REST API of accounts and the registry (api.md, "Accounts" and "Registry").

One APIView per operation: parse the input, resolve the object through the permission-scoped selectors
(not visible = 404), call one service or selector, serialise. Refusals come from the services as
`ApplicationError` and leave through `config.api.exception_handler` as {"code", "message", "extra"}.
Personal data leaves only masked: ID numbers as `id_masked`, phones as `phone_masked`.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import Pagination
from config.errors import ApplicationError
from config.net import client_ip
from config.throttling import AuthTokenThrottle, SignupThrottle
from registry.identifiers import normalize_unit_number
from registry.models import CommitteeMember, Owner, OwnersCommittee, Ownership, Region, Unit, User
from registry.permissions import ROLE_FIRM, ROLE_OFFICIAL, ROLE_OWNER, roles
from registry.selectors import (
    committee_current,
    compound_get_visible,
    compound_list_visible_to,
    compound_stats,
    owner_current_unit_numbers,
    unit_get_visible,
    unit_list_visible_to,
    unit_with_ownership_history,
)
from registry.services.accounts import owner_signup
from registry.services.ownership import unit_designated_voter_set, unit_voter
from registry.services.tokens import token_issue, token_revoke

TAG_ACCOUNTS = "accounts"
TAG_REGISTRY = "registry"

AREA_FIELD = {"max_digits": 12, "decimal_places": 2, "allow_null": True}


# ----------------------------------------------------------------------------------- shared shapes


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    """The body of every error (api.md, "Conventions")."""

    code = serializers.CharField()
    message = serializers.CharField()
    extra = serializers.DictField()


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Bad input or refused by a rule",
        401: "Not authenticated",
        403: "Visible, but not allowed",
        404: "Missing, or not visible to you",
        409: "Wrong state",
        413: "Request body too large (`body_too_large`, `extra.limit` bytes)",
        429: "Too many attempts",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in codes}


@extend_schema_serializer(component_name="RegionRef")
class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="FirmRef")
class FirmRefSerializer(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="CompoundRef")
class CompoundRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="BuildingRef")
class BuildingRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="EntranceRef")
class EntranceRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField()


def _share(ownership: Ownership) -> str | None:
    share = ownership.share
    return None if share is None else f"{share.numerator}/{share.denominator}"


@extend_schema_serializer(component_name="Holder")
class HolderSerializer(serializers.Serializer):
    """A current holder of a unit (`Ownership` with its owner)."""

    name = serializers.CharField(source="owner.name")
    id_masked = serializers.CharField(source="owner.id_masked")
    co_ownership = serializers.CharField()
    share = serializers.SerializerMethodField(
        help_text="Exact fraction such as `1/2`; null unless by shares."
    )
    certificate_holder = serializers.BooleanField()

    def get_share(self, ownership: Ownership) -> str | None:
        return _share(ownership)


@extend_schema_serializer(component_name="OwnershipRecord")
class OwnershipRecordSerializer(HolderSerializer):
    """One record of a unit's ownership history (current records have `valid_to` null)."""

    certificate_no = serializers.CharField()
    valid_from = serializers.DateTimeField()
    valid_to = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="Compound")
class CompoundSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    community = RegionRefSerializer()
    street = RegionRefSerializer(source="community.parent", allow_null=True)
    district = RegionRefSerializer(source="community.parent.parent", allow_null=True)
    address = serializers.CharField()
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    property_firm = FirmRefSerializer(allow_null=True)
    developer = FirmRefSerializer(allow_null=True)


def _area_source(unit: Unit) -> str | None:
    # The same order as Unit.voting_area (SPC art. 8).
    if unit.registered_area:
        return "registered"
    if unit.surveyed_area:
        return "surveyed"
    if unit.contract_area:
        return "contract"
    return None


@extend_schema_serializer(component_name="Unit")
class UnitSerializer(serializers.Serializer):
    """A unit with its current holders; expects `current_ownerships` prefetched (registry.selectors)."""

    unit_number = serializers.CharField()
    building = BuildingRefSerializer(allow_null=True)
    entrance = EntranceRefSerializer(allow_null=True)
    floor = serializers.CharField()
    room = serializers.CharField()
    planned_use = serializers.ChoiceField(choices=Unit.Use.choices)
    registered_area = serializers.DecimalField(**AREA_FIELD)
    surveyed_area = serializers.DecimalField(**AREA_FIELD)
    contract_area = serializers.DecimalField(**AREA_FIELD)
    voting_area = serializers.DecimalField(
        **AREA_FIELD, help_text="SPC art. 8: registered area, else surveyed, else contract area."
    )
    area_source = serializers.SerializerMethodField(help_text="`registered`, `surveyed` or `contract`.")
    developer_held = serializers.BooleanField()
    delivered = serializers.BooleanField()
    mortgage = serializers.BooleanField()
    seizure = serializers.BooleanField()
    holders = HolderSerializer(source="current_ownerships", many=True)
    designated_voter = serializers.SerializerMethodField(help_text="The co-owner recorded to cast the vote.")
    voter = serializers.SerializerMethodField(
        help_text="Who casts the unit's vote: the designated co-owner while a holder, else the certificate holder."
    )

    def get_area_source(self, unit: Unit) -> str | None:
        return _area_source(unit)

    def get_designated_voter(self, unit: Unit) -> str | None:
        return unit.designated_voter.name if unit.designated_voter is not None else None

    def get_voter(self, unit: Unit) -> str | None:
        voter = unit_voter(unit=unit, current=unit.current_ownerships)
        return voter.name if voter is not None else None


@extend_schema_serializer(component_name="UnitDetail")
class UnitDetailSerializer(UnitSerializer):
    """A unit with its compound and full ownership history; expects `ownership_history` prefetched."""

    compound = CompoundRefSerializer(allow_null=True)
    ownership_history = OwnershipRecordSerializer(many=True)


def _paginated_response(
    *, view: APIView, request: Request, queryset: QuerySet, serializer_class: type
) -> Response:
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


# ---------------------------------------------------------------------------------------- accounts


class AuthTokenCreateApi(APIView):
    """Exchange a username and password for an API token: the account's live token, or a new one once the old
    one expired (API_TOKEN_TTL_HOURS) or the password changed. Throttled per client address; failed attempts
    count towards django-axes' lockout of the address and of the username."""

    prepared_statements = True  # fixed statements on every client's path (config/db.py)

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthTokenThrottle]

    @extend_schema_serializer(component_name="AuthCredentials")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(
            max_length=128, style={"input_type": "password"}, trim_whitespace=False
        )

    @extend_schema_serializer(component_name="AuthToken")
    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(
        operation_id="auth_token_create",
        tags=[TAG_ACCOUNTS],
        auth=[],
        request=InputSerializer,
        responses={200: OutputSerializer, **_errors(400, 413, 429)},
        description="Refusals: `invalid_credentials` (400); `locked_out` (429) once the address or the "
        "username has too many failed sign-ins (`extra.cooloff_hours`); `throttled` (429, `extra.wait` "
        "seconds) above API_THROTTLE_TOKEN requests per address. A token lives API_TOKEN_TTL_HOURS and dies "
        "when the password changes; this returns the live one or mints a new one.",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The Django request goes to authenticate() so that django-axes counts failures and refuses when locked.
        user = authenticate(request._request, **serializer.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            # Answer in the API's shape; stop AxesMiddleware from replacing the response with its own page.
            request._request.axes_locked_out = False
            raise ApplicationError(
                _("登录失败次数过多，已暂时停止登录，请 %(hours)s 小时后再试。")
                % {"hours": settings.AXES_COOLOFF_TIME},
                code="locked_out",
                extra={"cooloff_hours": settings.AXES_COOLOFF_TIME},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None:
            raise ApplicationError(_("用户名或密码不正确。"), code="invalid_credentials")
        token = token_issue(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)


class AuthLogoutApi(APIView):
    """Sign out of the API: the caller's token is deleted (a new sign-in mints a new one)."""

    @extend_schema(
        operation_id="auth_logout",
        tags=[TAG_ACCOUNTS],
        request=None,
        responses={204: None, **_errors(401)},
    )
    def post(self, request: Request) -> Response:
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OwnerSignupApi(APIView):
    """Owner sign-up: name + ID number must match a current holder on the registry (persons and organisations)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SignupThrottle]

    @extend_schema_serializer(component_name="OwnerSignup")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(
            max_length=128, style={"input_type": "password"}, trim_whitespace=False
        )
        name = serializers.CharField(
            max_length=128, help_text="A person's name, or an organisation's registered name."
        )
        id_number = serializers.CharField(
            max_length=32,
            help_text="Any ID the registration feed carries: resident ID (incl. HK/Macau/Taiwan residence permits "
            "and foreigners' permanent-residence cards), passport or other; an organisation's unified social "
            "credit code.",
        )
        phone = serializers.CharField(max_length=20)
        representative = serializers.CharField(
            max_length=64,
            required=False,
            allow_blank=True,
            default="",
            help_text="The person acting for an organisation (required for organisations; not for persons).",
        )

    @extend_schema_serializer(component_name="OwnerSignupResult")
    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        units = serializers.ListField(child=serializers.CharField())
        status = serializers.ChoiceField(
            choices=["active", "pending_verification"],
            help_text="`pending_verification` for an organisation: its name and credit code are public, so the "
            "account is enabled once the street office has checked its licence and the representative's "
            "authorisation.",
        )

    @extend_schema(
        operation_id="accounts_signup",
        tags=[TAG_ACCOUNTS],
        auth=[],
        request=InputSerializer,
        responses={201: OutputSerializer, **_errors(400, 413, 429)},
        description="Refusal codes: `identity_not_matched`, `already_registered`, `invalid_id_number`, "
        "`invalid_phone`, `invalid_representative`, `representative_required`, `representative_not_allowed`, "
        "`username_taken`, `weak_password` (400), `rate_limited` (429: failed sign-ups per address or "
        "username per hour) and `throttled` (429: above API_THROTTLE_SIGNUP requests per address, "
        "`extra.wait` seconds).",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = owner_signup(**serializer.validated_data, ip_address=client_ip(request))
        data = {
            "username": result.user.get_username(),
            "units": result.unit_numbers,
            "status": "pending_verification" if result.pending_verification else "active",
        }
        return Response(self.OutputSerializer(data).data, status=status.HTTP_201_CREATED)


@extend_schema_serializer(component_name="MeOwner")
class MeOwnerSerializer(serializers.Serializer):
    holder_type = serializers.ChoiceField(choices=Owner.HolderType.choices)
    name = serializers.CharField()
    representative = serializers.CharField(
        help_text="The person acting for an organisation; empty for persons."
    )
    id_masked = serializers.CharField()
    phone_masked = serializers.CharField()
    units = serializers.ListField(child=serializers.CharField(), help_text="Unit numbers held now.")


@extend_schema_serializer(component_name="MeRegion")
class MeRegionSerializer(RegionRefSerializer):
    level = serializers.ChoiceField(choices=Region.Level.choices)


@extend_schema_serializer(component_name="MeOfficial")
class MeOfficialSerializer(serializers.Serializer):
    region = MeRegionSerializer()
    title = serializers.CharField()


class MeApi(APIView):
    """The signed-in account: roles, and the owner, official or firm record behind it."""

    prepared_statements = True  # fixed statements on every client's path (config/db.py)

    @extend_schema_serializer(component_name="Me")
    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        roles = serializers.ListField(
            child=serializers.ChoiceField(choices=[ROLE_OWNER, ROLE_OFFICIAL, ROLE_FIRM])
        )
        owner = MeOwnerSerializer(allow_null=True)
        official = MeOfficialSerializer(allow_null=True)
        firm = FirmRefSerializer(allow_null=True)

    @extend_schema(
        operation_id="me_retrieve", tags=[TAG_ACCOUNTS], responses={200: OutputSerializer, **_errors(401)}
    )
    def get(self, request: Request) -> Response:
        user: User = request.user
        user_roles = roles(user)
        owner = getattr(user, "owner", None)
        data: dict[str, Any] = {
            "username": user.get_username(),
            "roles": sorted(user_roles),
            "owner": None,
            "official": user.official if ROLE_OFFICIAL in user_roles else None,
            "firm": user.firm_staff.firm if ROLE_FIRM in user_roles else None,
        }
        if owner is not None:
            data["owner"] = {
                "holder_type": owner.holder_type,
                "name": owner.name,
                "representative": owner.representative,
                "id_masked": owner.id_masked,
                "phone_masked": owner.phone_masked,
                "units": owner_current_unit_numbers(owner=owner),
            }
        return Response(self.OutputSerializer(data).data)


# ---------------------------------------------------------------------------------------- registry


@extend_schema_serializer(component_name="CommitteeTerm")
class CommitteeTermSerializer(serializers.Serializer):
    starts_on = serializers.DateField(source="term_starts_on")
    ends_on = serializers.DateField(source="term_ends_on")


@extend_schema_serializer(component_name="CommitteeMember")
class CommitteeMemberSerializer(serializers.Serializer):
    """Committee seats are public roles: the member's name is shown unmasked, never their ID or phone."""

    name = serializers.CharField(source="owner.name")
    role = serializers.ChoiceField(choices=CommitteeMember.Role.choices)


@extend_schema_serializer(component_name="Committee")
class CommitteeSerializer(serializers.Serializer):
    term = CommitteeTermSerializer(source="*")
    filing_status = serializers.ChoiceField(choices=OwnersCommittee.Filing.choices)
    filed_on = serializers.DateField(allow_null=True)
    filing_no = serializers.CharField()
    members = CommitteeMemberSerializer(many=True)


class CompoundListApi(APIView):
    """Compounds visible to the user: officials their region, firms the compounds they serve, owners theirs."""

    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        community = serializers.CharField(
            required=False, allow_blank=True, max_length=12, help_text="Community (社区) code."
        )
        q = serializers.CharField(
            required=False, allow_blank=True, max_length=64, help_text="Part of the compound's name."
        )

    OutputSerializer = CompoundSerializer

    @extend_schema(
        operation_id="compounds_list",
        tags=[TAG_REGISTRY],
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **_errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        compounds = compound_list_visible_to(user=request.user)
        if community := filters.validated_data.get("community"):
            compounds = compounds.filter(community__code=community)
        if q := filters.validated_data.get("q"):
            compounds = compounds.filter(name__icontains=q)
        return _paginated_response(
            view=self, request=request, queryset=compounds, serializer_class=self.OutputSerializer
        )


class CompoundDetailApi(APIView):
    """One compound with its counts (SPC art. 8 areas) and its current owners' committee."""

    @extend_schema_serializer(component_name="CompoundDetail")
    class OutputSerializer(CompoundSerializer):
        # `stats` and `current_committee` are attached by the view (selector results, not model fields).
        buildings = serializers.IntegerField(source="stats.buildings")
        units = serializers.IntegerField(source="stats.units")
        area_total = serializers.DecimalField(
            max_digits=14,
            decimal_places=2,
            source="stats.area_total",
            help_text="Sum of the units' voting areas.",
        )
        owners = serializers.IntegerField(source="stats.owners", help_text="Current holders.")
        owners_registered = serializers.IntegerField(
            source="stats.owners_registered", help_text="Current holders with an account."
        )
        committee = CommitteeSerializer(source="current_committee", allow_null=True)

    @extend_schema(
        operation_id="compounds_retrieve",
        tags=[TAG_REGISTRY],
        responses={200: OutputSerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, code: str) -> Response:
        compound = compound_get_visible(user=request.user, code=code)
        compound.stats = compound_stats(compound=compound)
        compound.current_committee = committee_current(compound=compound)
        return Response(self.OutputSerializer(compound).data)


class CompoundUnitListApi(APIView):
    """Units of one compound visible to the user (owners: only their own)."""

    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        building = serializers.RegexField(
            r"^[0-9]{4}$", required=False, help_text="Building number (characters 21–24 of the unit number)."
        )

    OutputSerializer = UnitSerializer

    @extend_schema(
        operation_id="compounds_units_list",
        tags=[TAG_REGISTRY],
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True), **_errors(400, 401, 404)},
    )
    def get(self, request: Request, code: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        compound = compound_get_visible(user=request.user, code=code)
        units = unit_list_visible_to(user=request.user, compound=compound)
        if building := filters.validated_data.get("building"):
            units = units.filter(building__number=building)
        return _paginated_response(
            view=self, request=request, queryset=units, serializer_class=self.OutputSerializer
        )


class UnitDetailApi(APIView):
    """One unit (owners: their own; officials and firms: their compounds) with its ownership history."""

    OutputSerializer = UnitDetailSerializer

    @extend_schema(
        operation_id="units_retrieve",
        tags=[TAG_REGISTRY],
        responses={200: OutputSerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, unit_number: str) -> Response:
        unit = unit_get_visible(user=request.user, unit_number=normalize_unit_number(unit_number))
        return Response(self.OutputSerializer(unit_with_ownership_history(user=request.user, unit=unit)).data)


class UnitDesignatedVoterSetApi(APIView):
    """Officials over the compound record which co-owner casts the unit's vote (SPC art. 9)."""

    @extend_schema_serializer(component_name="DesignatedVoter")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(
            max_length=150, help_text="The account of a current holder of the unit."
        )

    OutputSerializer = UnitDetailSerializer

    @extend_schema(
        operation_id="units_designated_voter_set",
        tags=[TAG_REGISTRY],
        request=InputSerializer,
        responses={200: OutputSerializer, **_errors(400, 401, 403, 404)},
        description="Refusals: `forbidden` (403) for anyone but an official over the compound; "
        "`not_current_holder` (400) when the account is not a current holder of the unit.",
    )
    def post(self, request: Request, unit_number: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        number = normalize_unit_number(unit_number)
        unit = unit_get_visible(user=request.user, unit_number=number)
        unit_designated_voter_set(
            actor=request.user, unit=unit, username=serializer.validated_data["username"]
        )
        # Read back through the same selector for the response (designated voter and holders joined).
        unit = unit_get_visible(user=request.user, unit_number=number)
        return Response(self.OutputSerializer(unit_with_ownership_history(user=request.user, unit=unit)).data)
