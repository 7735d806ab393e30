"""Housing: units (from the registration feed; only the designated voter is recorded here), their number versions and changes, owners and ownership history."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError
from registry.addresses import address_q, parse_address
from registry.admin.base import (
    ReadOnlyMixin,
    ReadOnlyTabular,
    RegistryAdmin,
    change_link,
    pretty_json,
    share_label,
)
from registry.admin.filters import CurrentOwnershipFilter, HasAccountFilter, owners_in, place_filters
from registry.admin.forms import (
    UnitVoterForm,
)
from registry.identifiers import IdentifierError, validate_unit_number
from registry.models import (
    Owner,
    Ownership,
    Unit,
    UnitChange,
    UnitNumberVersion,
)
from registry.permissions import can_verify_organisation
from registry.services.accounts import organisation_account_reject, organisation_account_verify
from registry.services.ownership import unit_designated_voter_set


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
        return change_link(obj.owner, obj.owner.name)

    @admin.display(description=_("证件号（脱敏）"))
    def owner_id_masked(self, obj: Ownership) -> str:
        return obj.owner.id_masked

    @admin.display(description=_("份额"))
    def share_display(self, obj: Ownership) -> str:
        return share_label(obj)

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
        return pretty_json(obj.changes)


@admin.register(Unit)
class UnitAdmin(RegistryAdmin):
    """Units come from the registration feed: only the designated voter is recorded here (by officials)."""

    form = UnitVoterForm
    # Compound by compound, building by building: the order of the (compound, building, room) index, so a page
    # of a district's or a street's units is read in order, not sorted from hundreds of thousands of rows.
    ordering = ("compound_id", "building_id", "room", "unit_number")
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
            pass
        else:
            return queryset.filter(unit_number=number), False
        # An address as people write it ("1号楼1单元1201", "1-1-1201", "1#1201"): building, entrance, room.
        query = parse_address(search_term)
        if query.building_no or query.building_name or query.entrance_no or query.unit_suffix:
            return queryset.filter(address_q(query)), False
        return super().get_search_results(request, queryset, search_term)

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
class UnitNumberVersionAdmin(ReadOnlyMixin, RegistryAdmin):
    list_display = ("unit_number", "current_number", "valid_from", "valid_to", "source_event_id")
    list_select_related = ("unit",)
    search_fields = ("unit_number", "unit__unit_number")
    show_full_result_count = False

    @admin.display(description=_("现单元号"), ordering="unit__unit_number")
    def current_number(self, obj: UnitNumberVersion) -> str:
        return obj.unit.unit_number


@admin.register(UnitChange)
class UnitChangeAdmin(ReadOnlyMixin, RegistryAdmin):
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
        return pretty_json(obj.changes)


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
        return change_link(obj.unit, obj.unit.unit_number)

    @admin.display(description=_("份额"))
    def share_display(self, obj: Ownership) -> str:
        return share_label(obj)


class PendingOrganisationFilter(admin.SimpleListFilter):
    """Organisations whose account waits for the street office's check."""

    title = _("单位账号核验")
    parameter_name = "pending"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("待核验"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(holder_type=Owner.HolderType.ORGANISATION, user__is_active=False)
        return queryset


class OrganisationCheckForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("核验结论"),
        choices=[("verify", _("核验通过，启用账号")), ("reject", _("不予核验，解除关联"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("依据或理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写明查验的材料（营业执照、授权委托书）或不予核验的理由；记入操作日志。"),
    )


@admin.register(Owner)
class OwnerAdmin(ReadOnlyMixin, RegistryAdmin):
    """Owners come from the registration feed; ID numbers exist only masked, phones are shown masked. The
    street office checks an organisation's sign-up here (`organisation_account_verify` / `_reject`)."""

    list_display = (
        "name",
        "holder_type",
        "id_type",
        "id_display",
        "phone_display",
        "account_state",
        "created_at",
    )
    list_filter = (
        *place_filters("", in_compounds=owners_in),
        "holder_type",
        "id_type",
        HasAccountFilter,
        PendingOrganisationFilter,
    )
    list_select_related = ("user",)
    search_fields = ("name",)
    fields = (
        "holder_type",
        "name",
        "representative",
        "id_type",
        "id_masked",
        "phone_display",
        "user",
        "account_state",
        "created_at",
    )
    readonly_fields = fields
    inlines = (OwnerOwnershipInline,)

    @admin.display(description=_("手机号"))
    def phone_display(self, obj: Owner) -> str:
        return obj.phone_masked or "-"

    @admin.display(description=_("证件号（脱敏）"))  # a column, never a sort key
    def id_display(self, obj: Owner) -> str:
        return obj.id_masked

    @admin.display(description=_("平台账号"))
    def account_state(self, obj: Owner) -> str:
        if obj.user is None:
            return str(_("未注册"))
        return str(_("已启用") if obj.user.is_active else _("待街道办事处核验"))

    def _pending_check(self, request: HttpRequest, owner: Owner) -> bool:
        return (
            owner.holder_type == Owner.HolderType.ORGANISATION
            and owner.user is not None
            and not owner.user.is_active
            and can_verify_organisation(user=request.user, owner=owner)
        )

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.organisation_check_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_organisation_check"
        return [path("<path:object_id>/organisation-check/", view, name=name), *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        owner = self.get_object(request, unquote(object_id))
        if owner is not None and self._pending_check(request, owner):
            context["organisation_check_url"] = reverse(
                "admin:registry_owner_organisation_check", args=[owner.pk]
            )
        return super().change_view(request, object_id, form_url, context)

    def organisation_check_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Enable or refuse a pending organisation account, with what was checked (or why not)."""
        owner = self.get_object(request, unquote(object_id))
        if owner is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not can_verify_organisation(user=request.user, owner=owner):
            raise PermissionDenied
        form = OrganisationCheckForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
            try:
                if decision == "verify":
                    organisation_account_verify(actor=request.user, owner=owner, note=note)
                    done = _("已核验，%(name)s 的账号已启用。")
                else:
                    organisation_account_reject(actor=request.user, owner=owner, reason=note)
                    done = _("已不予核验，%(name)s 的账号已解除关联。")
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, done % {"name": owner.name}, messages.SUCCESS)
                return redirect("admin:registry_owner_change", owner.pk)
        return TemplateResponse(
            request,
            "admin/registry/owner/organisation_check.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": owner,
                "title": _("单位账号核验"),
                "subtitle": owner.name,
                "form": form,
            },
        )


@admin.register(Ownership)
class OwnershipAdmin(ReadOnlyMixin, RegistryAdmin):
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
    list_filter = (
        *place_filters("unit__compound"),
        CurrentOwnershipFilter,
        "co_ownership",
        "certificate_holder",
    )
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
        return share_label(obj)
