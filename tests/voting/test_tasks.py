"""Celery side of voting: opening and closing on time, the tally queued after close, owner notifications."""

import datetime as dt

from django.core import mail
from django.utils import timezone

from tests.voting.conftest import build_electorate
from voting.models import Assembly, MotionResult, Notification
from voting.services.assemblies import MotionSpec, assembly_announce, assembly_create
from voting.services.notifications import ConsoleSmsBackend, assembly_notify
from voting.tasks import advance_assemblies

MOTION = MotionSpec(title="选聘物业服务企业", category=4)


def _announced(e, *, opens: dt.datetime, closes: dt.datetime) -> Assembly:
    a = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="定时会议",
        opens_at=opens,
        closes_at=closes,
        motions=[MOTION],
    )
    return assembly_announce(actor=e.official, assembly=a, now=opens - dt.timedelta(days=20))


def test_beat_task_opens_due_assemblies_and_leaves_future_ones(db, django_capture_on_commit_callbacks):
    # given
    e = build_electorate(["100.00"] * 3)
    now = timezone.now()
    due = _announced(e, opens=now - dt.timedelta(minutes=5), closes=now + dt.timedelta(days=6))
    later = _announced(e, opens=now + dt.timedelta(days=1), closes=now + dt.timedelta(days=8))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        advance_assemblies()
    # then
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == ("open", "announced")
    assert Notification.objects.filter(assembly=due, kind="opened").count() == 3


def test_beat_task_closes_past_deadline_and_the_tally_runs_after_commit(
    db, django_capture_on_commit_callbacks
):
    # given: an assembly whose whole window has passed
    e = build_electorate(["100.00"] * 3)
    now = timezone.now()
    a = _announced(e, opens=now - dt.timedelta(days=6), closes=now - dt.timedelta(minutes=1))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        advance_assemblies()
    # then: opened, closed and tallied (nobody voted: quorum not met)
    a.refresh_from_db()
    assert a.status == "tallied"
    assert MotionResult.objects.get(motion__assembly=a).outcome == "quorum_not_met"
    assert [e.action for e in a.audit.order_by("seq")][-3:] == [
        "assembly.open",
        "assembly.close",
        "assembly.tally",
    ]


def test_notifications_reach_each_owner_once_in_app_by_mail_and_sms(db):
    # given
    e = build_electorate(["100.00"] * 2)
    e.owners[0].email = "owner@example.cn"
    e.owners[0].save(update_fields=["email"])
    now = timezone.now()
    a = _announced(e, opens=now + dt.timedelta(days=16), closes=now + dt.timedelta(days=22))
    ConsoleSmsBackend.outbox.clear()
    # when
    first = assembly_notify(assembly=a, kind="announced")
    again = assembly_notify(assembly=a, kind="announced")
    # then
    assert (first, again) == (2, 0)
    assert Notification.objects.filter(assembly=a, kind="announced").count() == 2
    assert [m.to for m in mail.outbox] == [["owner@example.cn"]]
    assert "业主大会会议公告：定时会议" in mail.outbox[0].subject
    assert [phone for phone, _text in ConsoleSmsBackend.outbox] == ["13800138000", "13800138000"]
