"""Places: regions, firms, compounds with their parcels and contracts, buildings and entrances."""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from registry.admin.base import (
    ReadOnlyMixin,
    ReadOnlyTabular,
    RegistryAdmin,
    ScopedInline,
    change_link,
)
from registry.admin.filters import place_filters
from registry.admin.forms import (
    FirmForm,
    ParcelInlineForm,
    phone_fields,
)
from registry.models import (
    Building,
    Compound,
    Entrance,
    Firm,
    Parcel,
    Region,
    ServiceContract,
    Unit,
)
from registry.permissions import (
    visible,
)


@admin.register(Region)
class RegionAdmin(ReadOnlyMixin, RegistryAdmin):
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
class FirmAdmin(RegistryAdmin):
    form = FirmForm
    list_display = ("name", "uscc", "kind", "service_phone", "contact_name", "contact_phone_display")
    list_filter = ("kind",)
    search_fields = ("name", "uscc")
    fields = ("uscc", "name", "kind", "service_phone", "contact_name", "contact_phone", "address")

    @admin.display(description=_("联系电话"))
    def contact_phone_display(self, obj: Firm) -> str:
        return obj.contact_phone_masked or "-"

    def get_fields(self, request: HttpRequest, obj: Firm | None = None) -> list[str]:
        return phone_fields(self, request, obj, list(self.fields), "contact_phone", "contact_phone_display")

    def get_readonly_fields(self, request: HttpRequest, obj: Firm | None = None) -> tuple[str, ...]:
        return ("uscc", "contact_phone_display") if obj is not None else ()


class ParcelInline(ScopedInline):
    model = Parcel
    form = ParcelInlineForm
    extra = 0


class ServiceContractInline(ScopedInline):
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
        return change_link(obj, obj.name)

    @admin.display(description=_("单元数"))
    def entrance_count(self, obj: Building) -> int:
        return obj.entrance_total

    @admin.display(description=_("户数"))
    def unit_count(self, obj: Building) -> int:
        return obj.unit_total


@admin.register(Compound)
class CompoundAdmin(RegistryAdmin):
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
class ParcelAdmin(RegistryAdmin):
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
class ServiceContractAdmin(RegistryAdmin):
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


class EntranceInline(ScopedInline):
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
        return change_link(obj, obj.unit_number)

    @admin.display(description=_("单元"))
    def entrance_name(self, obj: Unit) -> str:
        return obj.entrance.name if obj.entrance else "-"


@admin.register(Building)
class BuildingAdmin(RegistryAdmin):
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
class EntranceAdmin(RegistryAdmin):
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
