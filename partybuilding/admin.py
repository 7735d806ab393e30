"""The street office's admin pages of party building: organisations, members (with their posts), volunteers,
tasks and joint meetings of one's jurisdiction, read-only — scoped by partybuilding.permissions (the same rule
as the API). Rolls change through `manage.py load_party`, tasks and meetings through their services."""

from typing import Any

from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from config.admin import GuardedAdmin
from partybuilding.models import (
    Decision,
    FollowUp,
    Meeting,
    MeetingParticipant,
    Member,
    Organisation,
    Post,
    Task,
    Volunteer,
)
from partybuilding.permissions import (
    may_use_party_admin,
    meeting_visible_q,
    member_visible_q,
    organisation_visible_q,
    task_visible_q,
)
from partybuilding.selectors import person_name


class ReadOnlyPartyAdmin(GuardedAdmin):
    """Officials and superusers read; nobody adds, changes or deletes a row here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_use_party_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_party_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def scope(self, request: HttpRequest) -> Q:
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest):  # noqa: ANN201 - a QuerySet of the model
        qs = super().get_queryset(request)
        return qs.filter(pk__in=qs.model._default_manager.filter(self.scope(request)).values("pk"))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_party_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyPartyAdmin):
    list_display = ("code", "name", "kind", "parent", "area", "member_count")
    list_filter = ("kind",)
    list_select_related = ("parent", "area")
    search_fields = ("code", "name")
    ordering = ("code",)
    fields = (
        "code",
        "name",
        "kind",
        "parent",
        "firm",
        "compound",
        "community",
        "street",
        "area",
        "secretary",
    )
    readonly_fields = fields

    def scope(self, request: HttpRequest) -> Q:
        return organisation_visible_q(user=request.user)

    @admin.display(description=_("党员数"))
    def member_count(self, obj: Organisation) -> int:
        return obj.members.count()


class PostInline(ReadOnlyInline):
    model = Post
    fields = ("body", "compound", "firm", "community", "title")
    readonly_fields = fields


@admin.register(Member)
class MemberAdmin(ReadOnlyPartyAdmin):
    list_display = ("username", "name", "organisation", "joined", "registered_community")
    list_filter = ("organisation__kind",)
    list_select_related = ("user__owner", "user__firm_staff", "organisation", "registered_community")
    search_fields = ("user__username", "organisation__code", "organisation__name")
    ordering = ("organisation__code", "pk")
    fields = ("user", "organisation", "joined", "registered_community")
    readonly_fields = fields
    inlines = (PostInline,)

    def scope(self, request: HttpRequest) -> Q:
        return member_visible_q(user=request.user)

    @admin.display(description=_("账号"), ordering="user__username")
    def username(self, obj: Member) -> str:
        return obj.user.get_username()

    @admin.display(description=_("姓名"))
    def name(self, obj: Member) -> str:
        return person_name(obj.user)


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyPartyAdmin):
    list_display = ("member", "show_labels", "skills", "active")
    list_filter = ("active",)
    list_select_related = ("member__user", "member__organisation")
    ordering = ("pk",)
    fields = ("member", "compounds", "show", "skills", "active")
    readonly_fields = fields

    def scope(self, request: HttpRequest) -> Q:
        return member_visible_q(user=request.user, prefix="member__")

    @admin.display(description=_("向业主展示"))
    def show_labels(self, obj: Volunteer) -> str:
        from partybuilding.labels import ShowField

        return "、".join(str(ShowField(s).label) for s in obj.show)


@admin.register(Task)
class TaskAdmin(ReadOnlyPartyAdmin):
    list_display = ("id", "title", "compound", "requester_role", "status", "rating", "created_at")
    list_filter = ("status", "requester_role")
    list_select_related = ("compound",)
    search_fields = ("title", "compound__code", "compound__name")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    fields = (
        "compound",
        "title",
        "description",
        "requester_role",
        "complaint",
        "equipment",
        "status",
        "claimer",
        "claimed_at",
        "report",
        "completed_at",
        "rating",
        "note",
        "confirmed_at",
        "created_at",
    )
    readonly_fields = fields

    def scope(self, request: HttpRequest) -> Q:
        return task_visible_q(user=request.user)


class ParticipantInline(ReadOnlyInline):
    model = MeetingParticipant
    fields = ("side", "name")
    readonly_fields = fields


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = ("text",)
    readonly_fields = fields


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyPartyAdmin):
    list_display = ("title", "community", "compound", "held_at")
    list_select_related = ("community", "compound")
    search_fields = ("title",)
    date_hierarchy = "held_at"
    ordering = ("-held_at", "-pk")
    fields = ("community", "compound", "title", "held_at", "place", "minutes", "recorded_by", "created_at")
    readonly_fields = fields
    inlines = (ParticipantInline, DecisionInline)

    def scope(self, request: HttpRequest) -> Q:
        return meeting_visible_q(user=request.user)


class OverdueFilter(admin.SimpleListFilter):
    title = _("逾期")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("已逾期"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "yes":
            return queryset.filter(status="open", overdue_at__isnull=False)
        return queryset


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyPartyAdmin):
    list_display = ("text", "owner", "due_on", "status", "overdue_at", "done_at")
    list_filter = ("status", OverdueFilter)
    list_select_related = ("owner",)
    ordering = ("due_on", "pk")
    fields = ("decision", "text", "owner", "due_on", "status", "overdue_at", "done_at")
    readonly_fields = fields

    def scope(self, request: HttpRequest) -> Q:
        return Q(decision__meeting__in=Meeting.objects.filter(meeting_visible_q(user=request.user)))
