"""The base of every registry admin page: what it lists, shows and lets one change comes from
`registry.permissions` (never from a scope of its own), lookups by allow-list, capped counts."""

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from config.admin import GuardedAdmin
from registry.models import (
    Building,
    CommitteeMember,
    Entrance,
    MaintenanceRecord,
    Official,
    OwnersCommittee,
    Ownership,
)
from registry.permissions import may_add, may_change, relation_choices, visible_q
from registry.services.records import record_delete, record_save

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


def _choices(model: type[models.Model], related: type[models.Model], request: HttpRequest) -> Any:
    qs = relation_choices(model=model, related=related, user=request.user)
    joined = STR_RELATED.get(related)
    return qs.select_related(*joined) if joined else qs


class ScopedMixin:
    """Lists what the user may see; an object may be changed or deleted only where `may_change` says so
    (a view grant or an owned flat shows a page read-only); relation choices are what the user may pick."""

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).filter(visible_q(self.model, request.user))  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):  # type: ignore[misc]
            return False
        return obj is None or may_change(user=request.user, obj=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_delete_permission(request, obj):  # type: ignore[misc]
            return False
        return obj is None or may_change(user=request.user, obj=obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if not super().has_add_permission(request, *args):  # type: ignore[misc]
            return False
        return may_add(user=request.user, model=self.model)  # type: ignore[attr-defined]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # noqa: ANN001, ANN201
        if "queryset" not in kwargs and db_field.related_model._meta.app_label == "registry":
            kwargs["queryset"] = _choices(self.model, db_field.related_model, request)  # type: ignore[attr-defined]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # noqa: ANN001, ANN201
        if "queryset" not in kwargs and db_field.related_model._meta.app_label == "registry":
            kwargs["queryset"] = _choices(self.model, db_field.related_model, request)  # type: ignore[attr-defined]
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


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


class RegistryAdmin(ScopedMixin, GuardedAdmin):
    """A scoped registry admin whose saves and deletes go through `record_save` / `record_delete` (which
    check `may_change` themselves and write the audit row). A refusal is shown on the form."""

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


class ScopedInline(ScopedMixin, admin.TabularInline):
    """An editable inline: its rows are changed with the parent (checked again by `record_save`)."""

    extra = 0


class ReadOnlyTabular(ScopedMixin, ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


def change_link(obj: models.Model | None, label: Any = None) -> str:
    if obj is None:
        return "-"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label if label is not None else obj)


def pretty_json(value: Any) -> str:
    return format_html(
        '<pre style="white-space: pre-wrap; margin: 0">{}</pre>',
        json.dumps(value, ensure_ascii=False, indent=2),
    )


def share_label(ownership: Ownership) -> str:
    share = ownership.share
    return f"{share.numerator}/{share.denominator}" if share is not None else "-"
