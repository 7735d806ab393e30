"""People: firm staff, government staff, owners' committees and their members."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from registry.admin.base import (
    RegistryAdmin,
    ScopedInline,
)
from registry.admin.filters import place_filters
from registry.admin.forms import (
    CommitteeMemberForm,
    CommitteeMemberFormSet,
    FirmStaffForm,
    OfficialCreateForm,
    phone_fields,
)
from registry.models import (
    CommitteeMember,
    Compound,
    Firm,
    FirmStaff,
    Official,
    OwnersCommittee,
)
from registry.permissions import (
    jurisdiction,
    visible,
)
from registry.services.accounts import official_create


@admin.register(FirmStaff)
class FirmStaffAdmin(RegistryAdmin):
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
        return phone_fields(self, request, obj, list(self.fields), "phone", "phone_display")

    def get_readonly_fields(self, request: HttpRequest, obj: FirmStaff | None = None) -> tuple[str, ...]:
        # Linking platform accounts to people is the platform's job.
        return ("phone_display",) if request.user.is_superuser else ("user", "phone_display")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        firm_id = jurisdiction(request.user).firm_id
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
class OfficialAdmin(RegistryAdmin):
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


class CommitteeMemberInline(ScopedInline):
    model = CommitteeMember
    formset = CommitteeMemberFormSet
    fields = ("owner", "role")
    autocomplete_fields = ("owner",)
    extra = 0


@admin.register(OwnersCommittee)
class OwnersCommitteeAdmin(RegistryAdmin):
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
class CommitteeMemberAdmin(RegistryAdmin):
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
