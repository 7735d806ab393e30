"""The records of an assembly, read-only for everyone (superusers included): ballots handed in, counted
ballots, results, the hash-chained log, refusals and choice accesses. They say that someone voted, never what."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from voting.admin.base import (
    AssemblyFilter,
    RecordAdmin,
    assembly_link,
    local_time,
    pretty_json,
    subject_parts,
    units_of,
)
from voting.labels import (
    AUDIT_ACTION_LABELS,
    CHANNEL_LABELS,
    REFUSAL_LABELS,
    audit_action_label,
    refusal_label,
)
from voting.models import (
    AuditEntry,
    BallotSubmission,
    ChoiceAccess,
    CountedBallot,
    MotionResult,
    VoteRefusal,
)


class CodeFilter(admin.SimpleListFilter):
    """A filter on a code column offering the codes by their Chinese labels (from `voting.labels`)."""

    labels: dict[str, Any] = {}
    field = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(code, str(label)) for code, label in self.labels.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(**{self.field: value}) if value else queryset


class ActionFilter(CodeFilter):
    title = _("操作")
    parameter_name = "action"
    labels = AUDIT_ACTION_LABELS
    field = "action"


class RefusalFilter(CodeFilter):
    title = _("拒绝原因")
    parameter_name = "code"
    labels = REFUSAL_LABELS
    field = "code"


def username(user: Any) -> str:
    return user.get_username() if user is not None else "-"


class AssemblyRecordAdmin(RecordAdmin):
    """Read-only records of an assembly; the list can be filtered to one assembly."""

    @admin.display(description=_("会议"), ordering="assembly__opens_at")
    def assembly_link(self, obj: Any) -> str:
        return assembly_link(obj.assembly)


@admin.register(BallotSubmission)
class BallotSubmissionAdmin(AssemblyRecordAdmin):
    """Every ballot handed in (append-only): who voted, how and when, and the receipt — never the choices."""

    list_display = ("cast_at", "assembly_link", "subject_units", "channel", "receipt", "counted")
    list_select_related = ("assembly", "subject", "counted_as")
    list_filter = (AssemblyFilter, "channel")
    search_fields = ("=receipt",)
    fields = (
        "assembly_link",
        "subject_units",
        "channel",
        "cast_at",
        "receipt",
        "counted",
        "submitted_by",
        "note",
        "has_scan",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The choices are never even read here (tests/voting/test_secrecy.py checks every query).
        return super().get_queryset(request).defer("choices").prefetch_related(subject_parts())

    @admin.display(description=_("投票主体（房屋）"))
    def subject_units(self, obj: BallotSubmission) -> str:
        return units_of(obj.subject)

    @admin.display(description=_("计入"), boolean=True)
    def counted(self, obj: BallotSubmission) -> bool:
        return hasattr(obj, "counted_as")

    @admin.display(description=_("有纸质票扫描件"), boolean=True)
    def has_scan(self, obj: BallotSubmission) -> bool:
        return bool(obj.scan)


@admin.register(CountedBallot)
class CountedBallotAdmin(AssemblyRecordAdmin):
    """The ballot that counts per subject (by the revote policy) — never its choices."""

    list_display = ("assembly_link", "subject_units", "receipt", "cast_at", "channel")
    list_select_related = ("assembly", "subject", "submission")
    list_filter = (AssemblyFilter,)
    search_fields = ("=submission__receipt",)
    fields = ("assembly_link", "subject_units", "receipt", "cast_at", "channel")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The submission comes with the row (on the change page too), without its choices.
        return (
            super()
            .get_queryset(request)
            .select_related("assembly", "subject", "submission")
            .defer("submission__choices")
            .prefetch_related(subject_parts())
        )

    @admin.display(description=_("投票主体（房屋）"))
    def subject_units(self, obj: CountedBallot) -> str:
        return units_of(obj.subject)

    @admin.display(description=_("回执"))
    def receipt(self, obj: CountedBallot) -> str:
        return obj.submission.receipt

    @admin.display(description=_("投票时间"), ordering="submission__cast_at")
    def cast_at(self, obj: CountedBallot) -> str:
        return local_time(obj.submission.cast_at)

    @admin.display(description=_("方式"))
    def channel(self, obj: CountedBallot) -> str:
        return str(CHANNEL_LABELS.get(obj.submission.channel, obj.submission.channel))


@admin.register(MotionResult)
class MotionResultAdmin(RecordAdmin):
    """The stored tally (exists only once tallied)."""

    compound_path = "motion__assembly__compound_id"
    list_display = (
        "motion",
        "assembly_link",
        "outcome",
        "area_participating",
        "area_for",
        "heads_participating",
        "heads_for",
    )
    list_select_related = ("motion__assembly",)
    list_filter = ("outcome",)
    fields = (
        "motion",
        "assembly_link",
        "outcome",
        "area_participating",
        "area_for",
        "area_against",
        "area_abstain",
        "heads_participating",
        "heads_for",
        "heads_against",
        "heads_abstain",
        "deemed_consent_display",
        "candidates_display",
    )
    readonly_fields = fields

    @admin.display(description=_("会议"))
    def assembly_link(self, obj: MotionResult) -> str:
        return assembly_link(obj.motion.assembly)

    @admin.display(description=_("视为同意计票"))
    def deemed_consent_display(self, obj: MotionResult) -> str:
        return pretty_json(obj.deemed_consent) if obj.deemed_consent else "-"

    @admin.display(description=_("候选人结果"))
    def candidates_display(self, obj: MotionResult) -> str:
        return pretty_json(obj.candidates) if obj.candidates else "-"


@admin.register(AuditEntry)
class AuditEntryAdmin(AssemblyRecordAdmin):
    """The hash-chained log: it says that someone voted, never what."""

    list_display = ("assembly_link", "seq_display", "at_display", "actor_display", "action_display")
    list_select_related = ("assembly", "actor")
    list_filter = (AssemblyFilter, ActionFilter)
    search_fields = ("action", "hash")
    # The code is what the hash chain covers: shown on the entry's page for those who verify the chain.
    fields = (
        "assembly_link",
        "seq_display",
        "at_display",
        "actor_display",
        "action_display",
        "action_code",
        "data_display",
        "prev_hash_display",
        "hash_display",
    )
    readonly_fields = fields
    ordering = ("-assembly__opens_at", "assembly", "seq")

    @admin.display(description=_("序号"), ordering="seq")
    def seq_display(self, obj: AuditEntry) -> int:
        return obj.seq

    @admin.display(description=_("时间"), ordering="at")
    def at_display(self, obj: AuditEntry) -> str:
        return local_time(obj.at)

    @admin.display(description=_("操作人"), ordering="actor__username")
    def actor_display(self, obj: AuditEntry) -> str:
        return obj.actor.get_username() if obj.actor is not None else gettext("系统")

    @admin.display(description=_("操作"), ordering="action")
    def action_display(self, obj: AuditEntry) -> str:
        return audit_action_label(obj.action)

    @admin.display(description=_("操作代码（计入哈希链）"))
    def action_code(self, obj: AuditEntry) -> str:
        return obj.action

    @admin.display(description=_("内容"))
    def data_display(self, obj: AuditEntry) -> str:
        return pretty_json(obj.data)

    @admin.display(description=_("上一条的哈希值"))
    def prev_hash_display(self, obj: AuditEntry) -> str:
        return obj.prev_hash

    @admin.display(description=_("本条哈希值"))
    def hash_display(self, obj: AuditEntry) -> str:
        return obj.hash


@admin.register(VoteRefusal)
class VoteRefusalAdmin(AssemblyRecordAdmin):
    """Refused ballots with their code (late, not on the roll, not the designated co-owner, …)."""

    list_display = ("at", "assembly_link", "user_display", "reason_display")
    list_select_related = ("assembly", "user")
    list_filter = (AssemblyFilter, RefusalFilter)
    fields = ("at", "assembly_link", "user_display", "reason_display", "code")  # the code, for support
    readonly_fields = fields

    @admin.display(description=_("账号"), ordering="user__username")
    def user_display(self, obj: VoteRefusal) -> str:
        return username(obj.user)

    @admin.display(description=_("拒绝原因"), ordering="code")
    def reason_display(self, obj: VoteRefusal) -> str:
        return refusal_label(obj.code)


@admin.register(ChoiceAccess)
class ChoiceAccessAdmin(AssemblyRecordAdmin):
    """Who looked at a unit's individual choices, when and why."""

    list_display = ("at_display", "assembly_link", "user_display", "subject_units", "reason")
    list_select_related = ("assembly", "user", "subject")
    list_filter = (AssemblyFilter,)
    fields = ("at_display", "assembly_link", "user_display", "subject_units", "reason")
    readonly_fields = fields

    @admin.display(description=_("查看时间"), ordering="at")
    def at_display(self, obj: ChoiceAccess) -> str:
        return local_time(obj.at)

    @admin.display(description=_("查看人"), ordering="user__username")
    def user_display(self, obj: ChoiceAccess) -> str:
        return username(obj.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related(subject_parts())

    @admin.display(description=_("投票主体（房屋）"))
    def subject_units(self, obj: ChoiceAccess) -> str:
        return units_of(obj.subject) if obj.subject else "-"
