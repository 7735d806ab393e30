"""The quarantine of the registration feed: staff review refused lines, fix and re-apply them, or dismiss
those that need no fix."""

import json
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden, WrongState
from config.logging import mask_text
from registry.models import QuarantinedRecord, User
from registry.permissions import can_reapply_quarantined, quarantine_changeable_q
from registry.services.audit import audit_record
from registry.services.registration import FeedRecordError, registration_feed_apply
from registry.services.registration.parsing import masked_line, parcel_codes_named

DISMISS_PERMISSION = "registry.change_quarantinedrecord"


def quarantine_dismiss(
    *, actor: User, records: QuerySet[QuarantinedRecord] | Iterable[QuarantinedRecord]
) -> int:
    """Mark the open ones of `records` dismissed; writes one audit row per record. Returns how many changed.

    Records already dismissed or re-applied are left as they are (not counted), so a repeated call is harmless.
    Refusal: 403 unless the actor holds `registry.change_quarantinedrecord` (officials, superusers) and every
    record lies in their region (`quarantine_changeable_q`); nothing is dismissed then.
    """
    if not actor.is_active or not actor.has_perm(DISMISS_PERMISSION):
        raise Forbidden(_("您没有处理隔离记录的权限。"), code="forbidden")
    if isinstance(records, QuerySet):
        ids = list(records.values_list("pk", flat=True))
    else:
        ids = [r.pk for r in records]
    in_scope = QuarantinedRecord.objects.filter(quarantine_changeable_q(actor), pk__in=ids).count()
    if in_scope != len(set(ids)):
        raise Forbidden(_("所选记录涉及您辖区以外的宗地，不能处理。"), code="forbidden")
    with transaction.atomic():
        # Lock in primary-key order so two staff dismissing overlapping selections cannot deadlock.
        open_records = list(
            QuarantinedRecord.objects.select_for_update()
            .filter(pk__in=ids, status=QuarantinedRecord.Status.OPEN)
            .order_by("pk")
        )
        if not open_records:
            return 0
        QuarantinedRecord.objects.filter(pk__in=[r.pk for r in open_records]).update(
            status=QuarantinedRecord.Status.DISMISSED
        )
        for record in open_records:
            record.status = QuarantinedRecord.Status.DISMISSED
            audit_record(
                actor=actor,
                verb="quarantine.dismiss",
                target=record,
                data={"source": record.source, "code": record.code, "seq": record.seq},
            )
    return len(open_records)


# The feed source of re-applied lines: its cursor is never used to resume, and no SyncRun is recorded.
REAPPLY_SOURCE = "quarantine"


class _Refused(Exception):
    """Leaves the savepoint of a refused re-apply, so that nothing the feed wrote survives."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def storable_line(text: str) -> str:
    """A line as the quarantine may keep it: identity numbers hashed or masked, JSON made compact."""
    stored = masked_line(text.strip())
    try:
        return json.dumps(json.loads(stored), ensure_ascii=False)
    except json.JSONDecodeError:
        return stored


def _apply_or_refuse(text: str) -> None:
    report = registration_feed_apply(lines=[text], source=REAPPLY_SOURCE, quarantine=False, record_run=False)
    if report.errors:
        error: FeedRecordError = report.errors[0]
        raise _Refused(error.code, mask_text(error.reason))
    if report.skipped:
        raise _Refused("already_applied", _("该事件已经应用过，无需重新应用（可驳回此记录）。"))
    if not report.applied:
        raise _Refused("empty_line", _("没有可应用的内容。"))


def quarantine_reapply(
    *, actor: User, record: QuarantinedRecord, raw: str | None = None
) -> QuarantinedRecord:
    """Re-apply an open quarantined line (as stored, or corrected as `raw`) through the feed consumer.

    Success: the registry changes of the event, the record `reapplied` (keeping the corrected line, identity
    numbers hashed) and an audit row, in one transaction. Refusal: the record stays open with the new code
    and reason, nothing else changes, and ApplicationError `reapply_refused` (400) is raised.
    Refusals before anything is tried: 403 (`forbidden`) unless the actor may re-apply this record (and the
    corrected line stays in their jurisdiction), 409 (`wrong_state`) unless the record is open, 400
    (`invalid_raw`) for an empty corrected line.
    """
    if raw is not None and not raw.strip():
        raise ApplicationError(_("修正后的内容不能为空。"), code="invalid_raw")
    corrected = (parcel_codes_named(raw), _identity_of(raw, "", None)[0]) if raw is not None else (None, None)
    if not can_reapply_quarantined(
        user=actor, record=record, parcel_codes=corrected[0], event_id=corrected[1] or None
    ):
        raise Forbidden(
            _(
                "您没有重新应用此隔离记录的权限：记录涉及的房屋须全部位于您辖区内的宗地上，"
                "修正时不得更改事件 ID。"
            ),
            code="forbidden",
        )
    refusal: _Refused | None = None
    with transaction.atomic():
        locked = QuarantinedRecord.objects.select_for_update().get(pk=record.pk)
        if locked.status != QuarantinedRecord.Status.OPEN:
            raise WrongState(
                _("只有待处理的隔离记录可以重新应用（当前状态：%(status)s）。")
                % {"status": locked.get_status_display()},
                code="wrong_state",
            )
        previous_code = locked.code
        text = locked.raw if raw is None else raw.strip()
        try:
            with transaction.atomic():  # a savepoint: a refused line leaves no cursor, owner or unit behind
                _apply_or_refuse(text)
        except _Refused as refused:
            refusal = refused
        if refusal is None:
            locked.status = QuarantinedRecord.Status.REAPPLIED
            fields = ["status"]
            if raw is not None:
                locked.raw = storable_line(text)
                locked.parcel_codes = parcel_codes_named(text)
                locked.event_id, locked.seq = _identity_of(locked.raw, locked.event_id, locked.seq)
                fields += ["raw", "parcel_codes", "event_id", "seq"]
            locked.save(update_fields=fields)
            audit_record(
                actor=actor,
                verb="quarantine.reapply",
                target=locked,
                data={
                    "source": locked.source,
                    "code": previous_code,
                    "seq": locked.seq,
                    "event_id": locked.event_id,
                    "corrected": raw is not None,
                },
            )
        else:
            locked.code, locked.reason = refusal.code[:64], refusal.reason[:500]
            locked.save(update_fields=["code", "reason"])
    if refusal is not None:
        raise ApplicationError(
            _("重新应用被拒绝：%(reason)s") % {"reason": refusal.reason},
            code="reapply_refused",
            extra={"reason_code": refusal.code},
        )
    return locked


def _identity_of(line: str, event_id: str, seq: int | None) -> tuple[str, int | None]:
    """The event id and seq a stored line names (the previous ones when it does not say)."""
    try:
        parsed = json.loads(line)
    except json.JSONDecodeError:
        return event_id, seq
    if not isinstance(parsed, dict):
        return event_id, seq
    found_seq = parsed.get("seq")
    return str(parsed.get("event_id") or event_id)[:64], found_seq if isinstance(found_seq, int) else seq
