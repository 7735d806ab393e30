"""Staff pages of the registry (street offices, property firms, platform staff), in Chinese.

- Scope: every queryset, relation choice and list filter is limited with `registry.permissions`
  (`compound_scope` / `unit_scope`); an object outside it is "not found" (the admin sends the user back to
  the index with a message). Superusers see everything.
- History is read-only for everyone, superusers included: ownership, unit numbers, audit, registration
  events, the maintenance log (new entries only, through the service) and sign-up attempts.
- Writes that have a service go through it (`save_model`, actions); a refusal (`ApplicationError`) is shown
  on the form and as an error message, never as a 500.
- Personal data stays masked: owners show `id_masked` / `phone_masked` only, and phone fields are
  write-only (the stored number is never rendered).
"""

import copy
import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import CharField, Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.admin import ServiceRefusalMixin
from config.errors import ApplicationError
from registry.identifiers import IdentifierError, normalize_phone, validate_unit_number, validate_uscc
from registry.models import (
    AuditEvent,
    Building,
    CommitteeMember,
    Compound,
    Entrance,
    Equipment,
    Firm,
    FirmStaff,
    MaintenanceRecord,
    Official,
    Owner,
    OwnersCommittee,
    Ownership,
    Parcel,
    QuarantinedRecord,
    Region,
    RegistrationEvent,
    ServiceContract,
    SignupAttempt,
    SyncCursor,
    SyncRun,
    Unit,
    UnitChange,
    UnitNumberVersion,
    User,
)
from registry.permissions import CHANGE_QUARANTINE, compound_scope, quarantine_scope, unit_scope
from registry.selectors import equipment_overdue, sync_run_list_visible_to
from registry.services.accounts import official_create
from registry.services.equipment import equipment_register, maintenance_record_add
from registry.services.ownership import unit_designated_voter_set
from registry.services.quarantine import (
    DISMISS_PERMISSION,
    quarantine_dismiss,
    quarantine_reapply,
    storable_line,
)
from registry.services.records import record_delete, record_save

# ---------------------------------------------------------------------------------------------- scope

NOTHING = Q(pk__in=[])


def _compound_ids(user: User) -> QuerySet:
    return Compound.objects.filter(compound_scope(user)).values("pk")


def _unit_ids(user: User) -> QuerySet:
    return Unit.objects.filter(unit_scope(user)).values("pk")


def _official_region(user: User) -> Region | None:
    official = getattr(user, "official", None)
    return official.region if official is not None else None


def _own_firm_id(user: User) -> int | None:
    staff = getattr(user, "firm_staff", None)
    return staff.firm_id if staff is not None and staff.active else None


def _by_compound(path: str) -> Callable[[User], Q]:
    return lambda user: Q(**{f"{path}__in": _compound_ids(user)})


def _by_unit(path: str) -> Callable[[User], Q]:
    return lambda user: Q(**{f"{path}__in": _unit_ids(user)})


def _region_scope(user: User) -> Q:
    region = _official_region(user)
    return Q(path__startswith=region.path) if region is not None else NOTHING


def _firm_scope(user: User) -> Q:
    # Firms are a city-wide register (credit codes are public): officials pick any of them for a compound.
    if _official_region(user) is not None:
        return Q()
    firm_id = _own_firm_id(user)
    return Q(pk=firm_id) if firm_id is not None else NOTHING


def _owner_scope(user: User) -> Q:
    current = Ownership.objects.filter(valid_to__isnull=True, unit__in=_unit_ids(user))
    return Q(pk__in=current.values("owner_id"))


def _firm_staff_scope(user: User) -> Q:
    q = NOTHING
    if _official_region(user) is not None:
        q |= Q(pk__in=FirmStaff.objects.filter(compounds__in=_compound_ids(user)).values("pk"))
    firm_id = _own_firm_id(user)
    if firm_id is not None:
        q |= Q(firm_id=firm_id)
    return q


def _official_scope(user: User) -> Q:
    region = _official_region(user)
    return Q(region__path__startswith=region.path) if region is not None else NOTHING


def _audit_scope(user: User) -> Q:
    """What one did oneself, and what was done to the places, units and owners one may see."""
    q = Q(actor=user)
    for model in (
        Compound,
        Parcel,
        ServiceContract,
        Building,
        Entrance,
        Unit,
        Owner,
        Equipment,
        MaintenanceRecord,
    ):
        ids = visible(model, user).annotate(key=Cast("pk", CharField())).values("key")
        q |= Q(target_type=model._meta.label_lower, target_id__in=ids)
    return q


def _quarantine_scope(user: User) -> Q:
    """Officials see refused lines that name a parcel of a compound in their region (unit numbers start with it)."""
    return quarantine_scope(user)


SCOPES: dict[type[models.Model], Callable[[User], Q]] = {
    Region: _region_scope,
    Firm: _firm_scope,
    Compound: lambda user: Q(pk__in=_compound_ids(user)),
    Parcel: _by_compound("compound"),
    ServiceContract: _by_compound("compound"),
    Building: _by_compound("compound"),
    Entrance: _by_compound("building__compound"),
    Unit: lambda user: Q(pk__in=_unit_ids(user)),
    UnitNumberVersion: _by_unit("unit"),
    UnitChange: _by_unit("unit"),
    Owner: _owner_scope,
    Ownership: _by_unit("unit"),
    FirmStaff: _firm_staff_scope,
    Official: _official_scope,
    OwnersCommittee: _by_compound("compound"),
    CommitteeMember: _by_compound("committee__compound"),
    Equipment: _by_compound("compound"),
    MaintenanceRecord: _by_compound("equipment__compound"),
    AuditEvent: _audit_scope,
    RegistrationEvent: _by_unit("unit"),
    QuarantinedRecord: _quarantine_scope,
    User: lambda user: Q(pk=user.pk),
    # SignupAttempt, SyncCursor and SyncRun: superusers only (attempts cannot be placed in a jurisdiction).
}

# What `__str__` of a model reads through relations: joined wherever a choice list shows these objects.
STR_RELATED: dict[type[models.Model], tuple[str, ...]] = {
    Building: ("compound",),
    Entrance: ("building",),
    OwnersCommittee: ("compound",),
    Official: ("user", "region"),
    Ownership: ("unit", "owner"),
    MaintenanceRecord: ("equipment",),
    CommitteeMember: ("owner",),
}


def visible_q(model: type[models.Model], user: User) -> Q:
    """The filter over `model` for what `user` may see in the admin."""
    if not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Q()
    scope = SCOPES.get(model)
    return scope(user) if scope is not None else NOTHING


def visible(model: type[models.Model], user: User) -> QuerySet:
    """Objects of `model` that `user` may see, with what their `__str__` needs joined."""
    qs = model._default_manager.filter(visible_q(model, user))
    related = STR_RELATED.get(model)
    return qs.select_related(*related) if related else qs


class ScopedMixin:
    """Querysets and relation choices limited to what the staff member may see."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(visible_q(self.model, request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and db_field.related_model._meta.app_label == "registry":
            kwargs["queryset"] = visible(db_field.related_model, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and db_field.related_model._meta.app_label == "registry":
            kwargs["queryset"] = visible(db_field.related_model, request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ReadOnlyMixin:
    """History: nobody adds, changes or deletes it here, superusers included (the database refuses it too)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SuperuserOnlyMixin:
    """Kept out of the staff groups' view: only superusers see these pages."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser


class ScopedAdmin(ServiceRefusalMixin, ScopedMixin, admin.ModelAdmin):
    """A scoped model admin whose `save_model` may call a service.

    A service refusal rolls the save back (`changeform_view` is atomic); the form is then shown again with
    the staff member's input and the refusal on it.
    """

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        record_save(actor=request.user, instance=obj, changed_fields=list(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_delete(actor=request.user, instance=obj)

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_delete(actor=request.user, instance=obj)
        changed = {id(f.instance): f.changed_data for f in formset.forms if hasattr(f, "instance")}
        for obj in instances:
            record_save(actor=request.user, instance=obj, changed_fields=list(changed.get(id(obj), [])))
        formset.save_m2m()


class ReadOnlyTabular(ScopedMixin, ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


def _change_link(obj: models.Model | None, label: Any = None) -> str:
    if obj is None:
        return "-"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label if label is not None else obj)


def _pretty_json(value: Any) -> str:
    return format_html(
        '<pre style="white-space: pre-wrap; margin: 0">{}</pre>',
        json.dumps(value, ensure_ascii=False, indent=2),
    )


def _share(ownership: Ownership) -> str:
    share = ownership.share
    return f"{share.numerator}/{share.denominator}" if share is not None else "-"


# -------------------------------------------------------------------------------------------- filters

COMPOUND_FILTER_LIMIT = 100


def place_filters(path: str) -> list[type[admin.SimpleListFilter]]:
    """ "所属街道" and "小区" filters for a model reaching Compound by `path` ("" for Compound itself).

    Choices are the streets and compounds the user may see. The compound list is offered once a street is
    chosen, or straight away when the user sees few compounds (a street office, a firm): a city-wide list of
    4,000 compounds is no use in a sidebar.
    """
    prefix = f"{path}__" if path else ""

    class StreetFilter(admin.SimpleListFilter):
        title = _("所属街道")
        parameter_name = "street"

        def lookups(self, request, model_admin):
            compounds = visible(Compound, request.user).values("community__parent_id")
            streets = Region.objects.filter(level=Region.Level.STREET, pk__in=compounds).order_by("code")
            return [(r.code, r.name) for r in streets]

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{f"{prefix}community__parent__code": self.value()})
            return queryset

    if not path:
        return [StreetFilter]

    class CompoundFilter(admin.SimpleListFilter):
        title = _("小区")
        parameter_name = "compound"

        def lookups(self, request, model_admin):
            compounds = visible(Compound, request.user).order_by("code")
            street = request.GET.get("street")
            if street:
                compounds = compounds.filter(community__parent__code=street)
            rows = list(compounds.values_list("pk", "name")[: COMPOUND_FILTER_LIMIT + 1])
            if len(rows) > COMPOUND_FILTER_LIMIT:
                return []
            return [(str(pk), name) for pk, name in rows]

        def queryset(self, request, queryset):
            if self.value() and self.value().isdigit():
                return queryset.filter(**{f"{path}__pk": self.value()})
            return queryset

    return [StreetFilter, CompoundFilter]


class CurrentOwnershipFilter(admin.SimpleListFilter):
    title = _("记录状态")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("现行")), ("no", _("已终止"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(valid_to__isnull=True)
        if self.value() == "no":
            return queryset.filter(valid_to__isnull=False)
        return queryset


class HasAccountFilter(admin.SimpleListFilter):
    title = _("已注册账号")
    parameter_name = "account"

    def lookups(self, request, model_admin):
        return [("yes", _("是")), ("no", _("否"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(user__isnull=self.value() == "no")
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    """In service and past the next maintenance date (registry.selectors.equipment_overdue)."""

    title = _("维保逾期")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("是")), ("no", _("否"))]

    def queryset(self, request, queryset):
        overdue = equipment_overdue().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset


# ---------------------------------------------------------------------------------------------- forms


class WriteOnlyPhoneForm(forms.ModelForm):
    """The stored phone number is never rendered: the field starts empty, shows the masked number as a hint
    and leaves the number unchanged when left empty."""

    phone_field = "phone"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get(self.phone_field)
        if field is None:
            return
        current = getattr(self.instance, self.phone_field, "")
        self.initial[self.phone_field] = ""
        field.required = False
        if current:
            masked = f"{current[:3]}****{current[-4:]}"
            field.widget.attrs["placeholder"] = masked
            field.help_text = _("当前：%(masked)s。留空则不修改。") % {"masked": masked}

    def _clean_phone(self) -> str:
        value = (self.cleaned_data.get(self.phone_field) or "").strip()
        if not value:
            return getattr(self.instance, self.phone_field, "") or ""
        try:
            return normalize_phone(value)
        except IdentifierError as e:
            raise ValidationError(e.message, code="invalid_phone") from e


def _phone_fields(
    model_admin: admin.ModelAdmin, request: HttpRequest, obj: Any, fields: list[str], phone: str, masked: str
) -> list[str]:
    """Who may only look gets the masked number instead of the (write-only) phone field."""
    if model_admin.has_change_permission(request, obj) or (
        obj is None and model_admin.has_add_permission(request)
    ):
        return fields
    return [masked if name == phone else name for name in fields]


class FirmForm(WriteOnlyPhoneForm):
    phone_field = "contact_phone"

    class Meta:
        model = Firm
        fields = ["uscc", "name", "kind", "contact_name", "contact_phone", "address"]

    def clean_contact_phone(self) -> str:
        return self._clean_phone()

    def clean_uscc(self) -> str:
        try:
            return validate_uscc(self.cleaned_data["uscc"])
        except IdentifierError as e:
            raise ValidationError(e.message, code="invalid_uscc") from e


class FirmStaffForm(WriteOnlyPhoneForm):
    class Meta:
        model = FirmStaff
        fields = ["firm", "name", "role", "phone", "certificates", "compounds", "active", "user"]

    def clean_phone(self) -> str:
        return self._clean_phone()


class ParcelInlineForm(forms.ModelForm):
    """A parcel's code places units on the compound: it is set once and not rewritten."""

    class Meta:
        model = Parcel
        fields = ["code"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True


class UnitVoterForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["designated_voter"]

    def clean_designated_voter(self) -> Owner | None:
        voter = self.cleaned_data.get("designated_voter")
        if voter is None and self.instance.designated_voter_id is not None:
            raise ValidationError(_("表决代表不能清空，请改选另一位现有权利人。"), code="voter_required")
        return voter


def _holds_in_compound(owner: Owner, compound_id: int | None) -> bool:
    return Ownership.objects.filter(
        owner=owner, unit__compound_id=compound_id, valid_to__isnull=True
    ).exists()


NOT_AN_OWNER = _("%(owner)s 不是本小区的现有业主。")


class CommitteeMemberFormSet(BaseInlineFormSet):
    """Members of a committee are current owners of its compound."""

    def clean(self) -> None:
        super().clean()
        compound_id = self.instance.compound_id
        if compound_id is None:
            return
        for form in self.forms:
            owner = form.cleaned_data.get("owner") if hasattr(form, "cleaned_data") else None
            if owner is None or form.cleaned_data.get("DELETE"):
                continue
            if not _holds_in_compound(owner, compound_id):
                form.add_error("owner", NOT_AN_OWNER % {"owner": owner})


class CommitteeMemberForm(forms.ModelForm):
    class Meta:
        model = CommitteeMember
        fields = ["committee", "owner", "role"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        committee, owner = cleaned.get("committee"), cleaned.get("owner")
        if (
            committee is not None
            and owner is not None
            and not _holds_in_compound(owner, committee.compound_id)
        ):
            self.add_error("owner", NOT_AN_OWNER % {"owner": owner})
        return cleaned


class EquipmentForm(forms.ModelForm):
    class Meta:
        model = Equipment
        fields = [
            "compound",
            "category",
            "name",
            "building",
            "entrance",
            "common_area",
            "installer",
            "installed_on",
            "warranty_until",
            "maintenance_interval_days",
            "status",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        compound = cleaned.get("compound") or getattr(self.instance, "compound", None)
        building, entrance = cleaned.get("building"), cleaned.get("entrance")
        if compound is not None and building is not None and building.compound_id != compound.pk:
            self.add_error("building", _("楼栋不属于该小区。"))
        if entrance is not None and (building is None or entrance.building_id != building.pk):
            self.add_error("entrance", _("单元不属于该楼栋。"))
        return cleaned


class OfficialCreateForm(forms.ModelForm):
    """A new government account: the service creates the login, puts it in the officials' group and audits."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput(render_value=False), strip=False
    )

    class Meta:
        model = Official
        fields = ["username", "password", "region", "title"]


# ------------------------------------------------------------------------------------- places admin


@admin.register(Region)
class RegionAdmin(ReadOnlyMixin, ScopedAdmin):
    """Loaded from master data (`load_compounds`); the materialised path must never be edited by hand."""

    list_display = ("code", "name", "level", "parent_name")
    list_filter = ("level",)
    list_select_related = ("parent",)
    search_fields = ("code", "name")
    fields = ("code", "name", "level", "parent", "path")

    @admin.display(description=_("上级"), ordering="parent__code")
    def parent_name(self, obj: Region) -> str:
        return obj.parent.name if obj.parent else "-"


@admin.register(Firm)
class FirmAdmin(ScopedAdmin):
    form = FirmForm
    list_display = ("name", "uscc", "kind", "contact_name", "contact_phone_display")
    list_filter = ("kind",)
    search_fields = ("name", "uscc")
    fields = ("uscc", "name", "kind", "contact_name", "contact_phone", "address")

    @admin.display(description=_("联系电话"))
    def contact_phone_display(self, obj: Firm) -> str:
        return obj.contact_phone_masked or "-"

    def get_fields(self, request: HttpRequest, obj: Firm | None = None) -> list[str]:
        return _phone_fields(self, request, obj, list(self.fields), "contact_phone", "contact_phone_display")

    def get_readonly_fields(self, request: HttpRequest, obj: Firm | None = None) -> tuple[str, ...]:
        return ("uscc", "contact_phone_display") if obj is not None else ()


class ParcelInline(ScopedMixin, admin.TabularInline):
    model = Parcel
    form = ParcelInlineForm
    extra = 0


class ServiceContractInline(ScopedMixin, admin.TabularInline):
    model = ServiceContract
    fields = ("firm", "starts_on", "ends_on", "fee_standard", "fee_note")
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "firm":
            kwargs["queryset"] = visible(Firm, request.user).filter(kind=Firm.Kind.PROPERTY_FIRM)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BuildingInline(ReadOnlyTabular):
    model = Building
    fields = ("building_link", "number", "floors", "entrance_count", "unit_count")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                entrance_total=Count("entrances", distinct=True), unit_total=Count("units", distinct=True)
            )
        )

    @admin.display(description=_("楼栋"))
    def building_link(self, obj: Building) -> str:
        return _change_link(obj, obj.name)

    @admin.display(description=_("单元数"))
    def entrance_count(self, obj: Building) -> int:
        return obj.entrance_total

    @admin.display(description=_("户数"))
    def unit_count(self, obj: Building) -> int:
        return obj.unit_total


@admin.register(Compound)
class CompoundAdmin(ScopedAdmin):
    list_display = ("code", "name", "street_name", "community_name", "property_firm_name", "developer_name")
    list_select_related = ("community__parent", "property_firm", "developer")
    list_filter = (*place_filters(""), ("property_firm", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name", "address")
    fields = ("code", "name", "community", "address", "lat", "lng", "developer", "property_firm")
    inlines = (ParcelInline, ServiceContractInline, BuildingInline)

    @admin.display(description=_("所属街道"), ordering="community__parent__code")
    def street_name(self, obj: Compound) -> str:
        return obj.community.parent.name if obj.community.parent else "-"

    @admin.display(description=_("所属社区"), ordering="community__code")
    def community_name(self, obj: Compound) -> str:
        return obj.community.name

    @admin.display(description=_("物业服务企业"), ordering="property_firm__name")
    def property_firm_name(self, obj: Compound) -> str:
        return obj.property_firm.name if obj.property_firm else "-"

    @admin.display(description=_("建设单位"), ordering="developer__name")
    def developer_name(self, obj: Compound) -> str:
        return obj.developer.name if obj.developer else "-"

    def get_readonly_fields(self, request: HttpRequest, obj: Compound | None = None) -> tuple[str, ...]:
        # Equipment codes are built from the compound code.
        return ("code",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "community":
            kwargs["queryset"] = visible(Region, request.user).filter(level=Region.Level.COMMUNITY)
        elif db_field.name == "property_firm":
            kwargs["queryset"] = visible(Firm, request.user).filter(kind=Firm.Kind.PROPERTY_FIRM)
        elif db_field.name == "developer":
            kwargs["queryset"] = visible(Firm, request.user).filter(kind=Firm.Kind.DEVELOPER)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Parcel)
class ParcelAdmin(ScopedAdmin):
    list_display = ("code", "compound_name")
    list_select_related = ("compound",)
    list_filter = place_filters("compound")
    search_fields = ("code", "compound__name", "compound__code")

    @admin.display(description=_("小区"), ordering="compound__code")
    def compound_name(self, obj: Parcel) -> str:
        return obj.compound.name

    def get_readonly_fields(self, request: HttpRequest, obj: Parcel | None = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()


@admin.register(ServiceContract)
class ServiceContractAdmin(ScopedAdmin):
    list_display = ("compound_name", "firm_name", "starts_on", "ends_on", "fee_standard")
    list_select_related = ("compound", "firm")
    list_filter = (*place_filters("compound"), ("firm", admin.RelatedOnlyFieldListFilter))
    search_fields = ("compound__name", "compound__code", "firm__name")

    @admin.display(description=_("小区"), ordering="compound__code")
    def compound_name(self, obj: ServiceContract) -> str:
        return obj.compound.name

    @admin.display(description=_("物业服务企业"), ordering="firm__name")
    def firm_name(self, obj: ServiceContract) -> str:
        return obj.firm.name

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "firm":
            kwargs["queryset"] = visible(Firm, request.user).filter(kind=Firm.Kind.PROPERTY_FIRM)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EntranceInline(ScopedMixin, admin.TabularInline):
    model = Entrance
    fields = ("number", "name")
    extra = 0


class BuildingUnitInline(ReadOnlyTabular):
    model = Unit
    fk_name = "building"
    fields = ("unit_link", "entrance_name", "floor", "room", "planned_use", "registered_area")
    readonly_fields = fields
    ordering = ("unit_number",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("entrance")

    @admin.display(description=_("不动产单元号"))
    def unit_link(self, obj: Unit) -> str:
        return _change_link(obj, obj.unit_number)

    @admin.display(description=_("单元"))
    def entrance_name(self, obj: Unit) -> str:
        return obj.entrance.name if obj.entrance else "-"


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ("name", "number", "compound_name", "floors")
    list_select_related = ("compound",)
    list_filter = place_filters("compound")
    search_fields = ("name", "number", "compound__name", "compound__code")
    fields = ("compound", "number", "name", "floors")
    inlines = (EntranceInline, BuildingUnitInline)

    @admin.display(description=_("小区"), ordering="compound__code")
    def compound_name(self, obj: Building) -> str:
        return obj.compound.name

    def get_readonly_fields(self, request: HttpRequest, obj: Building | None = None) -> tuple[str, ...]:
        # The building number is characters 21–24 of its units' numbers.
        return ("compound", "number") if obj is not None else ()


@admin.register(Entrance)
class EntranceAdmin(ScopedAdmin):
    list_display = ("name", "number", "building_name", "compound_name")
    list_select_related = ("building__compound",)
    list_filter = place_filters("building__compound")
    search_fields = ("name", "number", "building__name", "building__compound__name")
    autocomplete_fields = ("building",)

    @admin.display(description=_("楼栋"), ordering="building__number")
    def building_name(self, obj: Entrance) -> str:
        return obj.building.name

    @admin.display(description=_("小区"), ordering="building__compound__code")
    def compound_name(self, obj: Entrance) -> str:
        return obj.building.compound.name

    def get_readonly_fields(self, request: HttpRequest, obj: Entrance | None = None) -> tuple[str, ...]:
        return ("building",) if obj is not None else ()


# -------------------------------------------------------------------------------------- housing admin


def _current_ownerships() -> Prefetch:
    return Prefetch(
        "ownerships",
        queryset=Ownership.objects.filter(valid_to__isnull=True)
        .select_related("owner")
        .order_by("-certificate_holder", "pk"),
        to_attr="current_ownerships",
    )


class UnitOwnershipInline(ReadOnlyTabular):
    """Current and ended ownership records of a unit, newest first."""

    model = Ownership
    fk_name = "unit"
    verbose_name_plural = _("产权记录（现行与历史）")
    fields = (
        "owner_link",
        "owner_id_masked",
        "co_ownership",
        "share_display",
        "certificate_holder",
        "certificate_no",
        "registered_at",
        "valid_from",
        "valid_to",
        "state",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("owner")
            .order_by(F("valid_to").desc(nulls_first=True), "-valid_from", "pk")
        )

    @admin.display(description=_("权利人"))
    def owner_link(self, obj: Ownership) -> str:
        return _change_link(obj.owner, obj.owner.name)

    @admin.display(description=_("证件号（脱敏）"))
    def owner_id_masked(self, obj: Ownership) -> str:
        return obj.owner.id_masked

    @admin.display(description=_("份额"))
    def share_display(self, obj: Ownership) -> str:
        return _share(obj)

    @admin.display(description=_("记录状态"))
    def state(self, obj: Ownership) -> str:
        return _("现行") if obj.valid_to is None else _("已终止")


class UnitNumberVersionInline(ReadOnlyTabular):
    model = UnitNumberVersion
    fields = ("unit_number", "valid_from", "valid_to", "source_event_id")
    readonly_fields = fields
    ordering = ("-valid_from",)


class UnitChangeInline(ReadOnlyTabular):
    model = UnitChange
    verbose_name_plural = _("房屋变更记录")
    fields = ("at", "event_type", "event_id", "changes_display")
    readonly_fields = fields
    ordering = ("-at", "-id")

    @admin.display(description=_("变更内容"))
    def changes_display(self, obj: UnitChange) -> str:
        return _pretty_json(obj.changes)


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    """Units come from the registration feed: only the designated voter is recorded here (by officials)."""

    form = UnitVoterForm
    list_display = (
        "unit_number",
        "compound_name",
        "building_name",
        "entrance_name",
        "floor",
        "room",
        "planned_use",
        "registered_area",
        "holders",
        "developer_held",
        "delivered",
        "mortgage",
        "seizure",
    )
    list_select_related = ("compound", "building", "entrance")
    list_filter = (
        *place_filters("compound"),
        "planned_use",
        "developer_held",
        "delivered",
        "mortgage",
        "seizure",
    )
    search_fields = ("unit_number", "room", "address")
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("unit_number", "parcel_code", "compound", "building", "entrance")}),
        (_("坐落与用途"), {"fields": ("floor", "room", "address", "planned_use")}),
        (_("面积"), {"fields": ("registered_area", "surveyed_area", "contract_area")}),
        (_("状态"), {"fields": ("developer_held", "delivered", "mortgage", "seizure")}),
        (_("表决"), {"fields": ("designated_voter",)}),
        (_("记录"), {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = (
        "unit_number",
        "parcel_code",
        "compound",
        "building",
        "entrance",
        "floor",
        "room",
        "address",
        "planned_use",
        "registered_area",
        "surveyed_area",
        "contract_area",
        "developer_held",
        "delivered",
        "mortgage",
        "seizure",
        "created_at",
        "updated_at",
    )
    inlines = (UnitOwnershipInline, UnitNumberVersionInline, UnitChangeInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related(_current_ownerships())

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # A whole unit number is looked up exactly (the unique index), not by a scan of millions of rows.
        try:
            number = validate_unit_number(search_term).value
        except IdentifierError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(unit_number=number), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Unit | None = None) -> bool:
        return False

    @admin.display(description=_("小区"), ordering="compound__code")
    def compound_name(self, obj: Unit) -> str:
        return obj.compound.name if obj.compound else _("（未落位）")

    @admin.display(description=_("楼栋"), ordering="building__number")
    def building_name(self, obj: Unit) -> str:
        return obj.building.name if obj.building else "-"

    @admin.display(description=_("单元"))
    def entrance_name(self, obj: Unit) -> str:
        return obj.entrance.name if obj.entrance else "-"

    @admin.display(description=_("现有权利人"))
    def holders(self, obj: Unit) -> str:
        return "、".join(o.owner.name for o in obj.current_ownerships) or "-"

    def get_form(self, request: HttpRequest, obj: Unit | None = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get("designated_voter")
        if field is not None:
            # The service records an account: only current holders with one can be chosen.
            field.queryset = Owner.objects.filter(
                ownerships__unit=obj, ownerships__valid_to__isnull=True, user__isnull=False
            ).order_by("pk")
            field.help_text = _("共有房屋由哪位现有权利人（须已注册账号）参加表决；不指定时由持证人表决。")
        return form

    def save_model(self, request: HttpRequest, obj: Unit, form: forms.ModelForm, change: bool) -> None:
        voter = form.cleaned_data.get("designated_voter")
        if change and "designated_voter" in form.changed_data and voter is not None:
            unit_designated_voter_set(actor=request.user, unit=obj, username=voter.user.username)


@admin.register(UnitNumberVersion)
class UnitNumberVersionAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ("unit_number", "current_number", "valid_from", "valid_to", "source_event_id")
    list_select_related = ("unit",)
    search_fields = ("unit_number", "unit__unit_number")
    show_full_result_count = False

    @admin.display(description=_("现单元号"), ordering="unit__unit_number")
    def current_number(self, obj: UnitNumberVersion) -> str:
        return obj.unit.unit_number


@admin.register(UnitChange)
class UnitChangeAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ("unit_number", "event_type", "at", "event_id")
    list_select_related = ("unit",)
    list_filter = ("event_type",)
    search_fields = ("unit__unit_number",)
    fields = ("unit", "event_type", "event_id", "at", "changes_display")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("不动产单元号"), ordering="unit__unit_number")
    def unit_number(self, obj: UnitChange) -> str:
        return obj.unit.unit_number

    @admin.display(description=_("变更内容"))
    def changes_display(self, obj: UnitChange) -> str:
        return _pretty_json(obj.changes)


class OwnerOwnershipInline(ReadOnlyTabular):
    """The owner's records on units the staff member may see (others stay hidden)."""

    model = Ownership
    fk_name = "owner"
    verbose_name_plural = _("产权记录")
    fields = ("unit_link", "co_ownership", "share_display", "certificate_holder", "valid_from", "valid_to")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("unit").order_by("-valid_from", "pk")

    @admin.display(description=_("房屋"))
    def unit_link(self, obj: Ownership) -> str:
        return _change_link(obj.unit, obj.unit.unit_number)

    @admin.display(description=_("份额"))
    def share_display(self, obj: Ownership) -> str:
        return _share(obj)


@admin.register(Owner)
class OwnerAdmin(ReadOnlyMixin, ScopedAdmin):
    """Owners come from the registration feed; ID numbers exist only masked, phones are shown masked."""

    list_display = (
        "name",
        "holder_type",
        "id_type",
        "id_masked",
        "phone_display",
        "has_account",
        "created_at",
    )
    list_filter = ("holder_type", "id_type", HasAccountFilter)
    search_fields = ("name",)
    fields = ("holder_type", "name", "id_type", "id_masked", "phone_display", "user", "created_at")
    readonly_fields = fields
    inlines = (OwnerOwnershipInline,)
    show_full_result_count = False

    @admin.display(description=_("手机号"))
    def phone_display(self, obj: Owner) -> str:
        return obj.phone_masked or "-"

    @admin.display(description=_("已注册账号"), boolean=True)
    def has_account(self, obj: Owner) -> bool:
        return obj.user_id is not None


@admin.register(Ownership)
class OwnershipAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = (
        "unit_number",
        "owner_name",
        "owner_id_masked",
        "co_ownership",
        "share_display",
        "certificate_holder",
        "certificate_no",
        "valid_from",
        "valid_to",
    )
    list_select_related = ("unit", "owner")
    list_filter = (CurrentOwnershipFilter, "co_ownership", "certificate_holder")
    search_fields = ("unit__unit_number", "owner__name", "certificate_no", "business_no")
    show_full_result_count = False
    fields = (
        "unit",
        "owner",
        "co_ownership",
        "share_display",
        "certificate_holder",
        "certificate_no",
        "business_no",
        "registered_at",
        "valid_from",
        "valid_to",
        "source_event_id",
        "ended_by_event_id",
    )
    readonly_fields = fields

    @admin.display(description=_("不动产单元号"), ordering="unit__unit_number")
    def unit_number(self, obj: Ownership) -> str:
        return obj.unit.unit_number

    @admin.display(description=_("权利人"), ordering="owner__name")
    def owner_name(self, obj: Ownership) -> str:
        return obj.owner.name

    @admin.display(description=_("证件号（脱敏）"))
    def owner_id_masked(self, obj: Ownership) -> str:
        return obj.owner.id_masked

    @admin.display(description=_("份额"))
    def share_display(self, obj: Ownership) -> str:
        return _share(obj)


# ------------------------------------------------------------------------------------- people admin


@admin.register(FirmStaff)
class FirmStaffAdmin(ScopedAdmin):
    form = FirmStaffForm
    list_display = ("name", "firm_name", "role", "phone_display", "compound_names", "active", "has_account")
    list_select_related = ("firm",)
    list_filter = ("role", "active", ("firm", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "firm__name")
    fields = ("firm", "name", "role", "phone", "certificates", "compounds", "active", "user")
    filter_horizontal = ("compounds",)
    autocomplete_fields = ("user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        compounds = Prefetch("compounds", queryset=Compound.objects.only("pk", "name").order_by("code"))
        return super().get_queryset(request).prefetch_related(compounds)

    def get_fields(self, request: HttpRequest, obj: FirmStaff | None = None) -> list[str]:
        return _phone_fields(self, request, obj, list(self.fields), "phone", "phone_display")

    def get_readonly_fields(self, request: HttpRequest, obj: FirmStaff | None = None) -> tuple[str, ...]:
        # Linking platform accounts to people is the platform's job.
        return ("phone_display",) if request.user.is_superuser else ("user", "phone_display")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        firm_id = _own_firm_id(request.user)
        if firm_id is not None:
            initial.setdefault("firm", firm_id)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "firm":
            kwargs["queryset"] = visible(Firm, request.user).filter(kind=Firm.Kind.PROPERTY_FIRM)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("企业"), ordering="firm__name")
    def firm_name(self, obj: FirmStaff) -> str:
        return obj.firm.name

    @admin.display(description=_("手机号"))
    def phone_display(self, obj: FirmStaff) -> str:
        return obj.phone_masked or "-"

    @admin.display(description=_("服务小区"))
    def compound_names(self, obj: FirmStaff) -> str:
        return "、".join(c.name for c in obj.compounds.all()) or "-"

    @admin.display(description=_("平台账号"), boolean=True)
    def has_account(self, obj: FirmStaff) -> bool:
        return obj.user_id is not None


@admin.register(Official)
class OfficialAdmin(ScopedAdmin):
    """Government accounts; a new one is created by `official_create` (login, officials' group, audit row)."""

    list_display = ("username", "region_name", "title")
    list_select_related = ("user", "region")
    list_filter = ("region__level",)
    search_fields = ("user__username", "title", "region__name", "region__code")

    @admin.display(description=_("平台账号"), ordering="user__username")
    def username(self, obj: Official) -> str:
        return obj.user.get_username()

    @admin.display(description=_("管辖区域"), ordering="region__code")
    def region_name(self, obj: Official) -> str:
        return str(obj.region)

    def get_fields(self, request: HttpRequest, obj: Official | None = None) -> list[str]:
        return ["username", "password", "region", "title"] if obj is None else ["user", "region", "title"]

    def get_readonly_fields(self, request: HttpRequest, obj: Official | None = None) -> tuple[str, ...]:
        return ("user",) if obj is not None else ()

    def get_form(
        self, request: HttpRequest, obj: Official | None = None, change: bool = False, **kwargs: Any
    ):
        if obj is None:
            kwargs["form"] = OfficialCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Official, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = official_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            region_code=obj.region.code,
            title=obj.title,
            actor=request.user,
        )
        obj.pk, obj.user = created.pk, created.user


class CommitteeMemberInline(ScopedMixin, admin.TabularInline):
    model = CommitteeMember
    formset = CommitteeMemberFormSet
    fields = ("owner", "role")
    autocomplete_fields = ("owner",)
    extra = 0


@admin.register(OwnersCommittee)
class OwnersCommitteeAdmin(ScopedAdmin):
    list_display = (
        "compound_name",
        "term_starts_on",
        "term_ends_on",
        "filing_status",
        "filed_on",
        "filing_no",
    )
    list_select_related = ("compound",)
    list_filter = ("filing_status", *place_filters("compound"))
    search_fields = ("compound__name", "compound__code", "filing_no")
    inlines = (CommitteeMemberInline,)

    @admin.display(description=_("小区"), ordering="compound__code")
    def compound_name(self, obj: OwnersCommittee) -> str:
        return obj.compound.name

    def get_readonly_fields(
        self, request: HttpRequest, obj: OwnersCommittee | None = None
    ) -> tuple[str, ...]:
        return ("compound",) if obj is not None else ()


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(ScopedAdmin):
    form = CommitteeMemberForm
    list_display = ("owner_name", "role", "committee_name")
    list_select_related = ("owner", "committee__compound")
    list_filter = ("role", *place_filters("committee__compound"))
    search_fields = ("owner__name", "committee__compound__name")
    autocomplete_fields = ("owner",)

    @admin.display(description=_("业主"), ordering="owner__name")
    def owner_name(self, obj: CommitteeMember) -> str:
        return obj.owner.name

    @admin.display(description=_("业主委员会"))
    def committee_name(self, obj: CommitteeMember) -> str:
        return str(obj.committee)


# --------------------------------------------------------------------------------- equipment admin


class MaintenanceInline(ReadOnlyTabular):
    model = MaintenanceRecord
    fields = (
        "performed_on",
        "kind",
        "contractor",
        "cost",
        "next_due_on",
        "notes",
        "recorded_by",
        "recorded_at",
    )
    readonly_fields = fields
    ordering = ("-performed_on", "-id")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("recorded_by")


EQUIPMENT_ADD_FIELDS = (
    "compound",
    "category",
    "name",
    "building",
    "entrance",
    "common_area",
    "installer",
    "installed_on",
    "warranty_until",
    "maintenance_interval_days",
)


@admin.register(Equipment)
class EquipmentAdmin(ScopedAdmin):
    """Registered through `equipment_register` (code and sequence are generated); the log is append-only."""

    form = EquipmentForm
    list_display = (
        "code",
        "name",
        "compound_name",
        "category",
        "location",
        "status",
        "last_maintained_on",
        "next_due_on",
        "overdue",
    )
    list_select_related = ("compound", "building", "entrance")
    list_filter = (OverdueFilter, "category", "status", *place_filters("compound"))
    search_fields = ("code", "name", "installer", "compound__name")
    autocomplete_fields = ("building", "entrance")
    inlines = (MaintenanceInline,)

    def _log_link(self, request: HttpRequest) -> tuple[str, ...]:
        return ("maintenance_add_link",) if request.user.has_perm("registry.add_maintenancerecord") else ()

    def get_fields(self, request: HttpRequest, obj: Equipment | None = None) -> tuple[str, ...]:
        if obj is None:
            return EQUIPMENT_ADD_FIELDS
        return (
            "code",
            "sequence",
            *EQUIPMENT_ADD_FIELDS,
            "status",
            "last_maintained_on",
            "next_due_on",
            *self._log_link(request),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Equipment | None = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return (
            "code",
            "sequence",
            "compound",
            "category",
            "last_maintained_on",
            "next_due_on",
            *self._log_link(request),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Equipment | None = None) -> bool:
        return False  # its lifecycle must stay readable: retire it instead

    @admin.display(description=_("小区"), ordering="compound__code")
    def compound_name(self, obj: Equipment) -> str:
        return obj.compound.name

    @admin.display(description=_("位置"))
    def location(self, obj: Equipment) -> str:
        if obj.building is None:
            return obj.common_area
        return f"{obj.building.name}{obj.entrance.name if obj.entrance else ''} {obj.common_area}".strip()

    @admin.display(description=_("维保逾期"), boolean=True, ordering="next_due_on")
    def overdue(self, obj: Equipment) -> bool:
        return (
            obj.status == Equipment.Status.IN_SERVICE
            and obj.next_due_on is not None
            and obj.next_due_on < timezone.localdate()
        )

    @admin.display(description=_("维保记录"))
    def maintenance_add_link(self, obj: Equipment) -> str:
        url = reverse("admin:registry_maintenancerecord_add") + f"?equipment={obj.pk}"
        return format_html('<a class="addlink" href="{}">{}</a>', url, _("添加维保记录"))

    def save_model(self, request: HttpRequest, obj: Equipment, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        item = equipment_register(
            actor=request.user, **{name: data.get(name) for name in EQUIPMENT_ADD_FIELDS}
        )
        obj.pk, obj.code, obj.sequence, obj.next_due_on = item.pk, item.code, item.sequence, item.next_due_on


MAINTENANCE_ADD_FIELDS = (
    "equipment",
    "kind",
    "performed_on",
    "contractor",
    "cost",
    "notes",
    "photo",
    "next_due_on",
)


@admin.register(MaintenanceRecord)
class MaintenanceRecordAdmin(ScopedAdmin):
    """The append-only log: entries are added through `maintenance_record_add`, never changed or deleted."""

    list_display = (
        "equipment_code",
        "equipment_name",
        "compound_name",
        "kind",
        "performed_on",
        "contractor",
        "cost",
        "next_due_on",
        "recorded_by",
        "recorded_at",
    )
    list_select_related = ("equipment__compound", "recorded_by")
    list_filter = ("kind", *place_filters("equipment__compound"))
    search_fields = ("equipment__code", "equipment__name", "contractor", "notes")
    autocomplete_fields = ("equipment",)
    show_full_result_count = False

    def get_fields(self, request: HttpRequest, obj: MaintenanceRecord | None = None) -> tuple[str, ...]:
        if obj is None:
            return MAINTENANCE_ADD_FIELDS
        return (*MAINTENANCE_ADD_FIELDS, "recorded_by", "recorded_at")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get("next_due_on")
        if field is not None:
            field.help_text = _("留空则按设备维保周期计算；不得晚于作业日期加维保周期。")
        return form

    def has_change_permission(self, request: HttpRequest, obj: MaintenanceRecord | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: MaintenanceRecord | None = None) -> bool:
        return False

    @admin.display(description=_("设备编码"), ordering="equipment__code")
    def equipment_code(self, obj: MaintenanceRecord) -> str:
        return obj.equipment.code

    @admin.display(description=_("设备"))
    def equipment_name(self, obj: MaintenanceRecord) -> str:
        return obj.equipment.name

    @admin.display(description=_("小区"))
    def compound_name(self, obj: MaintenanceRecord) -> str:
        return obj.equipment.compound.name

    def save_model(
        self, request: HttpRequest, obj: MaintenanceRecord, form: forms.ModelForm, change: bool
    ) -> None:
        data = form.cleaned_data
        record = maintenance_record_add(
            actor=request.user,
            equipment=data["equipment"],
            kind=data["kind"],
            performed_on=data["performed_on"],
            contractor=data.get("contractor") or "",
            cost=data.get("cost") if data.get("cost") is not None else 0,
            notes=data.get("notes") or "",
            next_due_on=data.get("next_due_on"),
            photo=data.get("photo") or None,
        )
        obj.pk, obj.next_due_on, obj.recorded_by, obj.recorded_at = (
            record.pk,
            record.next_due_on,
            record.recorded_by,
            record.recorded_at,
        )


# ------------------------------------------------------------------------------- bookkeeping admin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ("at", "actor", "verb", "target_type", "target_id")
    list_select_related = ("actor",)
    list_filter = ("verb", "target_type")
    search_fields = ("verb", "target_id", "actor__username")
    fields = ("at", "actor", "verb", "target_type", "target_id", "data_display")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("内容"))
    def data_display(self, obj: AuditEvent) -> str:
        return _pretty_json(obj.data)


@admin.register(SignupAttempt)
class SignupAttemptAdmin(SuperuserOnlyMixin, ReadOnlyMixin, ScopedAdmin):
    list_display = ("at", "username", "ip_address", "matched", "reason")
    list_filter = ("matched", "reason")
    search_fields = ("username", "ip_address")
    fields = ("at", "username", "ip_address", "matched", "reason")
    readonly_fields = fields


@admin.register(RegistrationEvent)
class RegistrationEventAdmin(ReadOnlyMixin, ScopedAdmin):
    list_display = ("seq", "event_type", "unit_number", "occurred_at", "applied_at")
    list_filter = ("event_type",)
    search_fields = ("unit_number",)
    fields = (
        "event_id",
        "seq",
        "event_type",
        "unit",
        "unit_number",
        "occurred_at",
        "applied_at",
        "payload_display",
    )
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("内容（已脱敏）"))
    def payload_display(self, obj: RegistrationEvent) -> str:
        return _pretty_json(obj.payload)


@admin.register(SyncCursor)
class SyncCursorAdmin(SuperuserOnlyMixin, ReadOnlyMixin, ScopedAdmin):
    list_display = ("source", "last_seq", "updated_at")
    fields = ("source", "last_seq", "updated_at")
    readonly_fields = fields


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyMixin, ScopedAdmin):
    """Feed runs and their live progress (the consumer writes it batch by batch; the bar polls every 2 s).

    Superusers see every run; officials watch the runs of the real feed sources (`sync_run_scope`).
    """

    list_display = (
        "started_at",
        "source",
        "status",
        "progress",
        "last_seq",
        "updated_at",
        "quarantine_link",
    )
    list_filter = ("status", "source")
    search_fields = ("source",)
    fields = (
        "source",
        "status",
        "started_at",
        "updated_at",
        "finished_at",
        "progress",
        "total",
        "last_seq",
        "quarantine_link",
        "error",
    )
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or getattr(user, "official", None) is not None)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return sync_run_list_visible_to(user=request.user)

    def get_urls(self) -> list:
        name = f"{self.opts.app_label}_{self.opts.model_name}_progress"
        view = self.admin_site.admin_view(self.progress_view)
        return [path("<path:object_id>/progress/", view, name=name), *super().get_urls()]

    def progress_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The progress fragment alone (what the bar's htmx poll swaps in); 404 outside the user's scope."""
        run = self.get_object(request, unquote(object_id))
        if run is None or not self.has_view_permission(request, run):
            raise Http404(object_id)
        return HttpResponse(sync_run_progress_html(run))

    @admin.display(description=_("进度"))
    def progress(self, obj: SyncRun) -> str:
        return sync_run_progress_html(obj)

    @admin.display(description=_("隔离记录"))
    def quarantine_link(self, obj: SyncRun) -> str:
        url = reverse("admin:registry_quarantinedrecord_changelist") + "?" + urlencode({"source": obj.source})
        label = _("查看该数据源的隔离记录（本次 %(count)s 条）") % {"count": f"{obj.quarantined:,}"}
        return format_html('<a href="{}">{}</a>', url, label)


def _duration(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}"


def sync_run_progress_html(run: SyncRun) -> str:
    """A run's progress bar, counts, rate and time left; while it runs, the fragment re-fetches itself."""
    running = run.status == SyncRun.Status.RUNNING
    return render_to_string(
        "admin/registry/syncrun/progress.html",
        {
            "run": run,
            "running": running,
            "status": run.get_status_display(),
            "progress_url": reverse("admin:registry_syncrun_progress", args=[run.pk]),
            "percent": run.percent,
            "done": f"{run.done:,}",
            "total": f"{run.total:,}" if run.total else None,
            "applied": f"{run.applied:,}",
            "skipped": f"{run.skipped:,}",
            "quarantined": f"{run.quarantined:,}",
            "rate": f"{run.rate:,.1f}",
            "eta": _duration(run.seconds_left) if running else None,
        },
    )


QUARANTINE_FIELDS = ("source", "line_no", "seq", "event_id", "code", "reason", "status", "created_at")


def _editable_text(raw: str) -> str:
    """The stored line as staff edit it: indented JSON when it parses."""
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False, indent=2)
    except json.JSONDecodeError:
        return raw


def _correction(posted: str | None, stored: str) -> str | None:
    """The corrected text to re-apply, or None when the staff member left the line as it was."""
    if posted is None or posted.strip() == stored.strip():
        return None
    try:
        if json.loads(posted) == json.loads(stored):
            return None
    except json.JSONDecodeError:
        pass
    return posted


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(ReadOnlyMixin, ScopedAdmin):
    """Refused feed lines. While a line is open, staff correct its text on its page and re-apply it
    (`quarantine_reapply`), or dismiss it (`quarantine_dismiss`); the changelist offers both as actions.

    The record is never edited in place (it stays read-only history): the corrected text is only kept once
    the feed has accepted it. Re-applied and dismissed lines show no form at all.
    """

    list_display = ("created_at", "source", "line_no", "seq", "code", "reason", "status")
    list_filter = ("status", "code", "source")
    search_fields = ("reason", "event_id", "source")
    readonly_fields = (*QUARANTINE_FIELDS, "raw_display")
    show_full_result_count = False
    actions = ("reapply", "dismiss")

    def get_fields(self, request: HttpRequest, obj: QuarantinedRecord | None = None) -> tuple[str, ...]:
        # While the line can be fixed, the textarea below the fields shows it: no second copy above.
        return QUARANTINE_FIELDS if self._fixable(request, obj) else (*QUARANTINE_FIELDS, "raw_display")

    @admin.display(description=_("原始内容（已脱敏）"))
    def raw_display(self, obj: QuarantinedRecord) -> str:
        try:
            return _pretty_json(json.loads(obj.raw))
        except json.JSONDecodeError:
            return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', obj.raw)

    def has_dismiss_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(DISMISS_PERMISSION)

    def has_reapply_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(CHANGE_QUARANTINE)

    def _fixable(self, request: HttpRequest, obj: QuarantinedRecord | None) -> bool:
        return (
            obj is not None
            and obj.status == QuarantinedRecord.Status.OPEN
            and self.has_reapply_permission(request)
        )

    # -- the change page: a form posting to `<id>/reapply/` while the line is open

    def get_urls(self) -> list:
        name = f"{self.opts.app_label}_{self.opts.model_name}_reapply"
        view = self.admin_site.admin_view(self.reapply_view)
        return [path("<path:object_id>/reapply/", view, name=name), *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        record = self.get_object(request, unquote(object_id))
        if self._fixable(request, record):
            form_url = reverse("admin:registry_quarantinedrecord_reapply", args=[record.pk])
            context.setdefault("reapply_raw", _editable_text(record.raw))
            context["can_reapply"] = True
            context["can_dismiss"] = self.has_dismiss_permission(request)
        return super().change_view(request, object_id, form_url, context)

    def _change_page(self, request: HttpRequest, object_id: str, raw: str) -> HttpResponse:
        """The change page again after a refusal, with the staff member's text (identity numbers hashed)."""
        page_request = copy.copy(request)
        page_request.method = "GET"
        return self.change_view(page_request, object_id, extra_context={"reapply_raw": raw})

    def reapply_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """POST `raw` with `_reapply` (re-apply the corrected line) or `_dismiss`; GET goes to the page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        record = self.get_object(request, unquote(object_id))
        if record is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        change_url = reverse("admin:registry_quarantinedrecord_change", args=[record.pk])
        if request.method != "POST":
            return redirect(change_url)
        if "_dismiss" in request.POST:
            if not self.has_dismiss_permission(request):
                raise PermissionDenied
            self._dismiss(request, [record])
            return redirect(change_url)
        if not self.has_reapply_permission(request):
            raise PermissionDenied
        posted = request.POST.get("raw")
        raw = _correction(posted, record.raw)
        try:
            quarantine_reapply(actor=request.user, record=record, raw=raw)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            shown = storable_line(posted) if posted and posted.strip() else record.raw
            return self._change_page(request, object_id, _editable_text(shown))
        self.message_user(
            request, _("已重新应用 %(record)s。") % {"record": _line_label(record)}, messages.SUCCESS
        )
        return redirect(change_url)

    # -- changelist actions

    @admin.action(description=_("重新应用（re-apply）"), permissions=["reapply"])
    def reapply(self, request: HttpRequest, queryset: QuerySet) -> None:
        # In feed order, so that a CREATE selected with the TRANSFER that needs it goes first.
        for record in queryset.order_by(F("seq").asc(nulls_last=True), "pk"):
            try:
                quarantine_reapply(actor=request.user, record=record)
            except ApplicationError as error:
                self.message_user(request, f"{_line_label(record)}：{error.message}", messages.ERROR)
            else:
                self.message_user(
                    request, _("已重新应用 %(record)s。") % {"record": _line_label(record)}, messages.SUCCESS
                )

    @admin.action(description=_("驳回（dismiss）"), permissions=["dismiss"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._dismiss(request, queryset)

    def _dismiss(self, request: HttpRequest, records: Any) -> None:
        try:
            count = quarantine_dismiss(actor=request.user, records=records)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("已驳回 %(count)d 条隔离记录。", "已驳回 %(count)d 条隔离记录。", count)
            % {"count": count},
            messages.SUCCESS,
        )


def _line_label(record: QuarantinedRecord) -> str:
    if record.seq is not None:
        return str(_("隔离记录 #%(pk)s（序号 %(seq)s）") % {"pk": record.pk, "seq": record.seq})
    return str(_("隔离记录 #%(pk)s") % {"pk": record.pk})


# ---------------------------------------------------------------------------------------- accounts


@admin.register(User)
class UserAdmin(ScopedMixin, DjangoUserAdmin):
    """Platform accounts (superusers only: officials and firm accounts are created by their services)."""

    list_display = ("username", "is_staff", "is_superuser", "is_active", "roles", "last_login")
    list_select_related = ("official", "firm_staff", "owner")

    @admin.display(description=_("身份"))
    def roles(self, obj: User) -> str:
        labels = []
        if getattr(obj, "official", None) is not None:
            labels.append(str(_("政府工作人员")))
        if getattr(obj, "firm_staff", None) is not None:
            labels.append(str(_("物业企业")))
        if getattr(obj, "owner", None) is not None:
            labels.append(str(_("业主")))
        return "、".join(labels) or "-"
