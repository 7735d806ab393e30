"""The base of the voting admin: who sees these pages and which rows come from `voting.permissions`; records
are read-only for everyone; lists say that someone voted, never what."""

import json
from typing import Any

from django.contrib import admin
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.admin import GuardedAdmin
from voting.models import Assembly, RollPart, VotingSubject
from voting.permissions import may_use_voting_admin, voting_records_q


class VotingScopedMixin:
    """Visible to superusers and officials, limited to the compounds they see as officials."""

    compound_path = "assembly__compound_id"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_use_voting_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_voting_admin(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return qs.filter(voting_records_q(user=request.user, compound_path=self.compound_path))


class AssemblyFilter(admin.SimpleListFilter):
    """One assembly's records (the links from the assembly page use `?assembly=<id>`)."""

    title = _("会议")
    parameter_name = "assembly"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        visible = Assembly.objects.filter(
            voting_records_q(user=request.user, compound_path="compound_id")
        ).order_by("-opens_at", "-pk")
        chosen = self.value()
        if chosen and chosen.isdigit():
            visible = visible.filter(pk=int(chosen))
        return [(str(pk), title) for pk, title in visible.values_list("pk", "title")[:20]]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(assembly_id=int(value))
        return queryset


class RecordAdmin(VotingScopedMixin, GuardedAdmin):
    """Ballots, results and the log: nobody adds, changes or deletes them here, superusers included."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def records_url(model_name: str, assembly: Assembly) -> str:
    """The list of one assembly's records of a kind (`ballotsubmission`, `auditentry`…)."""
    return reverse(f"admin:voting_{model_name}_changelist") + f"?assembly={assembly.pk}"


def pretty_json(value: Any) -> str:
    return format_html(
        '<pre style="white-space: pre-wrap; margin: 0">{}</pre>',
        json.dumps(value, ensure_ascii=False, indent=2),
    )


def local_time(value: Any) -> str:
    """A moment as the admin's lists show it, in Beijing time: on a change page the value of a display method
    is printed as it is, so a stored datetime would otherwise read in UTC."""
    return formats.localize(timezone.localtime(value)) if value else "-"


def part_label(part: RollPart) -> str:
    """'1号楼 1单元 12层 1201' (registry.addresses.flat_label, stored when the roll was frozen)."""
    return part.label or part.unit_number


def subject_parts() -> Prefetch:
    return Prefetch("subject__parts", queryset=RollPart.objects.order_by("sort_key"))


def units_of(subject: VotingSubject) -> str:
    """The subject's units as 'building room' (from prefetched parts): what voted, never who."""
    return "、".join(part_label(p) for p in subject.parts.all()) or "-"


def units_of_subject(subject: VotingSubject) -> str:
    return "、".join(f"{part_label(p)}（{p.unit_number}）" for p in subject.parts.all())


def assembly_link(assembly: Assembly) -> str:
    url = reverse("admin:voting_assembly_change", args=[assembly.pk])
    return format_html('<a href="{}">{}</a>', url, assembly.title)
