"""Messages to owners at announcement, a reschedule, opening, a day before closing and publication: voting's
Notification rows record who got which notice; e-mail and SMS go through registry.services.delivery."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import User

# The backend classes live in registry's delivery service; re-exported so settings naming
# "voting.services.notifications.ConsoleSmsBackend" keep working.
from registry.services.delivery import ConsoleSmsBackend, SmsBackend, send_external, sms_backend
from voting.models import Assembly, AuditEntry, Notification, VotingSubject

__all__ = ["ConsoleSmsBackend", "SmsBackend", "assemblies_closing_soon", "assembly_notify", "sms_backend"]


_TEXT = {
    Notification.Kind.ANNOUNCED: (
        _("业主大会会议公告：%(title)s"),
        _("投票时间 %(opens)s 至 %(closes)s。请登录共治平台查看议题。"),
    ),
    Notification.Kind.OPENED: (_("投票已开始：%(title)s"), _("投票截止时间 %(closes)s。")),
    Notification.Kind.CLOSING: (
        _("投票即将截止：%(title)s"),
        _("投票将于 %(closes)s 截止，尚未投票的业主请及时投票。"),
    ),
    Notification.Kind.PUBLISHED: (_("表决结果已公布：%(title)s"), _("请登录共治平台查看表决结果公告。")),
    Notification.Kind.RESCHEDULED: (
        _("会议投票时间变更：%(title)s"),
        _(
            "投票时间改为 %(opens)s 至 %(closes)s（北京时间），原定 %(old_opens)s 至 %(old_closes)s。"
            "改期原因：%(reason)s"
        ),
    ),
}


def _recipients(assembly: Assembly) -> list[User]:
    voters = VotingSubject.objects.filter(assembly=assembly, voter__user__isnull=False).values("voter__user")
    return list(User.objects.filter(pk__in=voters, is_active=True).select_related("owner"))


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def assembly_notify(*, assembly: Assembly, kind: str, audit_entry_id: int | None = None) -> int:
    """Notify every owner with an account on the roll, once per kind (a reschedule: once per its log entry
    `audit_entry_id`, whose old and new dates and reason the text states); returns how many were notified."""
    subject_t, body_t = _TEXT[kind]
    values = {
        "title": assembly.title,
        "opens": _local(assembly.opens_at),
        "closes": _local(assembly.closes_at),
    }
    entry = None
    if kind == Notification.Kind.RESCHEDULED:
        entry = AuditEntry.objects.get(pk=audit_entry_id, assembly=assembly, action="assembly.reschedule")
        old, new = entry.data["old"], entry.data["new"]
        values |= {
            "opens": _local(dt.datetime.fromisoformat(new["opens_at"])),
            "closes": _local(dt.datetime.fromisoformat(new["closes_at"])),
            "old_opens": _local(dt.datetime.fromisoformat(old["opens_at"])),
            "old_closes": _local(dt.datetime.fromisoformat(old["closes_at"])),
            "reason": entry.data["reason"],
        }
    title, body = subject_t % values, body_t % values
    sent = 0
    sms = sms_backend()
    for user in _recipients(assembly):
        try:
            with transaction.atomic():
                Notification.objects.create(
                    assembly=assembly, user=user, kind=kind, title=title, body=body, audit_entry=entry
                )
        except IntegrityError:
            continue  # already notified of this step
        sent += 1
        send_external(user=user, title=title, body=body, sms=sms)
    return sent


def assemblies_closing_soon(*, now: dt.datetime | None = None) -> list[Assembly]:
    """Open assemblies that close within the next 24 hours."""
    now = now or timezone.now()
    return list(
        Assembly.objects.filter(
            status=Assembly.Status.OPEN, closes_at__gt=now, closes_at__lte=now + dt.timedelta(days=1)
        )
    )
