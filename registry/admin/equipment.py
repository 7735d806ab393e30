"""Facilities and equipment: registered through the service (codes are generated), the append-only maintenance log."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry.admin.base import (
    ReadOnlyTabular,
    RegistryAdmin,
)
from registry.admin.filters import OverdueFilter, place_filters
from registry.admin.forms import (
    EQUIPMENT_ADD_FIELDS,
    EquipmentForm,
)
from registry.models import (
    Equipment,
    MaintenanceRecord,
)
from registry.services.equipment import equipment_register, maintenance_record_add


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


@admin.register(Equipment)
class EquipmentAdmin(RegistryAdmin):
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
class MaintenanceRecordAdmin(RegistryAdmin):
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
