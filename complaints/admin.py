"""The street office's admin pages of complaints: the city's categories and routing table (changed by the
city, read by every official), and the cases of one's jurisdiction read-only — cases move through their
workflow on the queue pages and the API, never by editing a row."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Complaint, RoutingRule
from complaints.permissions import complaint_admin_q, may_edit_complaint_settings, may_use_complaints_admin
from config.admin import GuardedAdmin


class SettingsAdmin(GuardedAdmin):
    """Read by officials, changed by the city (complaints.permissions)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_use_complaints_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_complaints_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_complaint_settings(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_edit_complaint_settings(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate a category instead: cases keep pointing at it


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 0
    fields = ("severity", "tier")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_complaints_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_complaint_settings(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_complaint_settings(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_complaint_settings(request.user)


@admin.register(Category)
class CategoryAdmin(SettingsAdmin):
    list_display = ("code", "name", "kind_labels", "default_severity", "position", "active")
    list_filter = ("active", "default_severity")
    search_fields = ("code", "name")
    inlines = (RoutingRuleInline,)

    @admin.display(description=_("适用类型"))
    def kind_labels(self, obj: Category) -> str:
        from complaints.labels import Kind

        return "、".join(str(Kind(k).label) for k in obj.kinds)


@admin.register(RoutingRule)
class RoutingRuleAdmin(SettingsAdmin):
    list_display = ("category", "severity", "tier")
    list_filter = ("tier", "severity")
    list_select_related = ("category",)
    search_fields = ("category__name", "category__code")


@admin.register(Complaint)
class ComplaintAdmin(GuardedAdmin):
    list_display = (
        "id",
        "compound_name",
        "category",
        "kind",
        "about",
        "severity",
        "tier",
        "status",
        "submitted_at",
    )
    list_filter = ("status", "tier", "kind", "severity", "about")
    list_select_related = ("compound", "category")
    search_fields = ("id", "compound__name", "compound__code")
    date_hierarchy = "submitted_at"
    ordering = ("-submitted_at", "-pk")
    fields = (
        "compound",
        "kind",
        "category",
        "about",
        "severity",
        "first_tier",
        "tier",
        "status",
        "round",
        "bounces",
        "description",
        "building",
        "area",
        "allow_home_visit",
        "merged_into",
        "satisfaction",
        "solved",
        "submitted_at",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):  # noqa: ANN201 - QuerySet[Complaint]
        return super().get_queryset(request).filter(complaint_admin_q(user=request.user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_use_complaints_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_complaints_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("小区"), ordering="compound__code")
    def compound_name(self, obj: Complaint) -> str:
        return obj.compound.name
