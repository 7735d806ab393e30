"""Bookkeeping and the registration feed: the audit log, sign-up attempts, applied events, cursors, runs with their live progress, and the quarantine of refused lines."""

import copy
import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.errors import ApplicationError
from registry.admin.base import (
    ReadOnlyMixin,
    RegistryAdmin,
    SuperuserOnlyMixin,
    pretty_json,
)
from registry.models import (
    AuditEvent,
    Message,
    QuarantinedRecord,
    RegistrationEvent,
    SignupAttempt,
    SyncCursor,
    SyncRun,
)
from registry.permissions import (
    CHANGE_QUARANTINE,
    can_reapply_quarantined,
)
from registry.selectors import sync_run_list_visible_to
from registry.services.quarantine import (
    DISMISS_PERMISSION,
    quarantine_dismiss,
    quarantine_reapply,
    storable_line,
)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, RegistryAdmin):
    list_display = ("at", "actor", "verb", "target_type", "target_id")
    list_select_related = ("actor",)
    list_filter = ("verb", "target_type")
    search_fields = ("verb", "target_id", "actor__username")
    fields = ("at", "actor", "verb", "target_type", "target_id", "data_display")
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("内容"))
    def data_display(self, obj: AuditEvent) -> str:
        return pretty_json(obj.data)


@admin.register(Message)
class MessageAdmin(SuperuserOnlyMixin, ReadOnlyMixin, RegistryAdmin):
    """The delivery log of in-app messages (站内消息): operators check what was sent to whom and whether it was
    read; nobody edits a delivered message. Officials never see others' inboxes here."""

    list_display = ("created_at", "user", "title", "read_at")
    list_select_related = ("user",)
    list_filter = ("read_at",)
    search_fields = ("user__username", "key")
    fields = ("created_at", "user", "title", "body", "link", "key", "read_at")
    readonly_fields = fields
    show_full_result_count = False


@admin.register(SignupAttempt)
class SignupAttemptAdmin(SuperuserOnlyMixin, ReadOnlyMixin, RegistryAdmin):
    list_display = ("at", "username", "ip_address", "matched", "reason")
    list_filter = ("matched", "reason")
    search_fields = ("username", "ip_address")
    fields = ("at", "username", "ip_address", "matched", "reason")
    readonly_fields = fields


@admin.register(RegistrationEvent)
class RegistrationEventAdmin(ReadOnlyMixin, RegistryAdmin):
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
        return pretty_json(obj.payload)


@admin.register(SyncCursor)
class SyncCursorAdmin(SuperuserOnlyMixin, ReadOnlyMixin, RegistryAdmin):
    list_display = ("source", "last_seq", "updated_at")
    fields = ("source", "last_seq", "updated_at")
    readonly_fields = fields


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyMixin, RegistryAdmin):
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
class QuarantinedRecordAdmin(ReadOnlyMixin, RegistryAdmin):
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
            return pretty_json(json.loads(obj.raw))
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
            and can_reapply_quarantined(user=request.user, record=obj)
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
