"""`assembly_reschedule`: new dates for an announced assembly before it opens, checked as a fresh notice; the
frozen roll stands, the log records the old and new dates and the reason, owners are told after commit."""

import datetime as dt

import pytest
from django.utils import translation

from config.errors import ApplicationError, Forbidden, WrongState
from tests.snapshots import database_state
from tests.voting.conftest import Electorate, build_electorate
from voting.models import Assembly, AuditEntry, Notification, RollPart, VotingSubject
from voting.services.assemblies import (
    MotionSpec,
    assembly_announce,
    assembly_create,
    assembly_open,
    assembly_reschedule,
)
from voting.services.notifications import assembly_notify
from voting.services.verification import assembly_verify
from voting.tasks import advance_assemblies

BEIJING = dt.timezone(dt.timedelta(hours=8))
MOTION = MotionSpec(title="选聘物业服务企业", category=4)
NOTICE = dt.datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)
LATER = dt.datetime(2026, 12, 3, 9, 30, tzinfo=BEIJING)  # the reschedule, two days after the notice


@pytest.fixture(autouse=True)
def _chinese():
    """The messages are asserted in Chinese, whatever language an earlier test left active in this thread."""
    with translation.override("zh-hans"):
        yield


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=BEIJING)


def _announced(e: Electorate) -> Assembly:
    """Announced at 2026-12-01 10:00; voting 16 December 10:00 to 21 December 18:00."""
    a = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="十二月会议",
        opens_at=_at(16, 10),
        closes_at=_at(21, 18),
        motions=[MOTION],
    )
    return assembly_announce(actor=e.official, assembly=a, now=NOTICE)


def _roll(a: Assembly) -> tuple[list, list]:
    return (
        list(RollPart.objects.filter(assembly=a).order_by("pk").values_list()),
        list(VotingSubject.objects.filter(assembly=a).order_by("pk").values_list()),
    )


def test_a_reschedule_moves_the_dates_keeps_the_roll_logs_once_and_tells_each_owner_after_commit(
    db, django_capture_on_commit_callbacks
):
    # given
    e = build_electorate(["100.00"] * 3)
    a = _announced(e)
    fingerprint, roll = a.roll_fingerprint, _roll(a)
    # when: exactly 15 days after the reschedule, for exactly 5 days
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moved = assembly_reschedule(
            actor=e.official,
            assembly=a,
            opens_at=_at(18, 9, 30),
            closes_at=_at(23, 9, 30),
            reason="原定时间与春节返乡冲突",
            now=LATER,
        )
    # then: nobody is told before commit
    assert Notification.objects.filter(assembly=a).count() == 0
    for callback in callbacks:
        callback()
    a.refresh_from_db()
    assert (moved.opens_at, a.opens_at, a.closes_at, a.status) == (
        _at(18, 9, 30),
        _at(18, 9, 30),
        _at(23, 9, 30),
        "announced",
    )
    assert (a.roll_fingerprint, _roll(a)) == (fingerprint, roll)
    assert assembly_verify(assembly=a).problems == []
    entries = AuditEntry.objects.filter(assembly=a, action="assembly.reschedule")
    assert [(x.actor_id, x.data) for x in entries] == [
        (
            e.official.pk,
            {
                "old": {"opens_at": "2026-12-16T10:00:00+08:00", "closes_at": "2026-12-21T18:00:00+08:00"},
                "new": {"opens_at": "2026-12-18T09:30:00+08:00", "closes_at": "2026-12-23T09:30:00+08:00"},
                "notice_at": "2026-12-03T09:30:00+08:00",
                "reason": "原定时间与春节返乡冲突",
            },
        )
    ]
    sent = Notification.objects.filter(assembly=a, kind="rescheduled").order_by("user_id")
    assert [n.user_id for n in sent] == sorted(u.pk for u in e.owners)
    assert {(n.title, n.body, n.audit_entry_id) for n in sent} == {
        (
            "会议投票时间变更：十二月会议",
            "投票时间改为 2026-12-18 09:30 至 2026-12-23 09:30（北京时间），原定 2026-12-16 10:00 至 "
            "2026-12-21 18:00。改期原因：原定时间与春节返乡冲突",
            entries[0].pk,
        )
    }


def test_each_reschedule_is_told_once_even_if_the_task_runs_twice(db, django_capture_on_commit_callbacks):
    # given: two reschedules in a row
    e = build_electorate(["100.00"] * 2)
    a = _announced(e)
    with django_capture_on_commit_callbacks(execute=True):
        assembly_reschedule(
            actor=e.official,
            assembly=a,
            opens_at=_at(19, 9),
            closes_at=_at(25, 9),
            reason="第一次",
            now=LATER,
        )
        assembly_reschedule(
            actor=e.official,
            assembly=a,
            opens_at=_at(20, 9),
            closes_at=_at(26, 9),
            reason="第二次",
            now=LATER,
        )
    first, second = AuditEntry.objects.filter(assembly=a, action="assembly.reschedule").order_by("seq")
    # when: the second notice is sent again (a retried task)
    again = assembly_notify(assembly=a, kind="rescheduled", audit_entry_id=second.pk)
    # then
    assert again == 0
    assert sorted(
        Notification.objects.filter(assembly=a, kind="rescheduled").values_list("audit_entry_id", "user_id")
    ) == sorted((entry.pk, u.pk) for entry in (first, second) for u in e.owners)


def test_a_fresh_notice_too_short_is_refused_with_the_earliest_opening_and_changes_nothing(
    db, django_capture_on_commit_callbacks
):
    # given
    e = build_electorate(["100.00"] * 2)
    a = _announced(e)
    before = database_state()
    # when: one minute short of 15 days after the reschedule (though 17 days after the original notice)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ApplicationError) as refused:
        assembly_reschedule(
            actor=e.official,
            assembly=a,
            opens_at=_at(18, 9, 29),
            closes_at=_at(25, 9),
            reason="改期",
            now=LATER,
        )
    # then
    assert (refused.value.status, refused.value.code, refused.value.message, refused.value.extra) == (
        400,
        "notice_too_short",
        "公告须在投票开始前至少 15 天发布：现在公告的，投票最早可于 2026-12-18 09:30（北京时间）开始。",
        {"min_notice_days": 15, "earliest_opens_at": "2026-12-18T09:30:00+08:00"},
    )
    assert (database_state(), callbacks) == (before, [])


@pytest.mark.parametrize(
    ("closes_at", "code", "extra"),
    [
        (
            _at(23, 9, 29),
            "window_too_short",
            {"min_window_days": 5, "earliest_closes_at": "2026-12-23T09:30:00+08:00"},
        ),
        (
            dt.datetime(2027, 2, 16, 9, 31, tzinfo=BEIJING),
            "window_too_long",
            {"max_window_days": 60, "latest_closes_at": "2027-02-16T09:30:00+08:00"},
        ),
    ],
)
def test_an_unlawful_window_is_refused_with_the_limit_and_changes_nothing(db, closes_at, code, extra):
    # given
    e = build_electorate(["100.00"] * 2)
    a = _announced(e)
    before = database_state()
    # when
    with pytest.raises(ApplicationError) as refused:
        assembly_reschedule(
            actor=e.official,
            assembly=a,
            opens_at=_at(18, 9, 30),
            closes_at=closes_at,
            reason="改期",
            now=LATER,
        )
    # then
    assert (refused.value.code, refused.value.extra) == (code, extra)
    assert database_state() == before


@pytest.mark.parametrize(
    ("reason", "opens_at", "closes_at", "code"),
    [
        ("   ", _at(20, 9), _at(26, 9), "reason_required"),
        ("改期", _at(26, 9), _at(20, 9), "invalid_window"),
        ("改期", _at(16, 10), _at(21, 18), "unchanged"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(db, reason, opens_at, closes_at, code):
    # given
    e = build_electorate(["100.00"] * 2)
    a = _announced(e)
    before = database_state()
    # when
    with pytest.raises(ApplicationError) as refused:
        assembly_reschedule(
            actor=e.official, assembly=a, opens_at=opens_at, closes_at=closes_at, reason=reason, now=LATER
        )
    # then
    assert (refused.value.status, refused.value.code) == (400, code)
    assert database_state() == before


def test_once_the_opening_time_has_come_or_voting_has_opened_a_reschedule_is_409(db):
    # given: one assembly whose opening time has come (the beat has not run yet), one open
    e = build_electorate(["100.00"] * 2)
    due, opened = _announced(e), _announced(e)
    assembly_open(actor=e.official, assembly=opened, now=_at(16, 10))
    before = database_state()
    # when
    refusals = []
    for a in (due, opened):
        with pytest.raises(WrongState) as refused:
            assembly_reschedule(
                actor=e.official,
                assembly=a,
                opens_at=_at(31, 9),
                closes_at=_at(31, 18) + dt.timedelta(days=5),
                reason="改期",
                now=_at(16, 10),
            )
        refusals.append((refused.value.status, refused.value.code))
    # then
    assert refusals == [(409, "wrong_state")] * 2
    assert database_state() == before


def test_a_draft_is_redated_by_editing_it_not_by_a_reschedule(db):
    # given
    e = build_electorate(["100.00"] * 2)
    a = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="草稿",
        opens_at=_at(16, 10),
        closes_at=_at(21, 18),
        motions=[MOTION],
    )
    # when
    with pytest.raises(WrongState) as refused:
        assembly_reschedule(
            actor=e.official, assembly=a, opens_at=_at(20, 9), closes_at=_at(26, 9), reason="改期", now=LATER
        )
    # then
    assert (refused.value.status, refused.value.code) == (409, "wrong_state")
    assert Assembly.objects.values_list("status", "opens_at").get(pk=a.pk) == ("draft", _at(16, 10))


def test_an_owner_cannot_reschedule(db):
    # given
    e = build_electorate(["100.00"] * 2)
    a = _announced(e)
    before = database_state()
    # when
    with pytest.raises(Forbidden) as refused:
        assembly_reschedule(
            actor=e.owners[0], assembly=a, opens_at=_at(20, 9), closes_at=_at(26, 9), reason="改期", now=LATER
        )
    # then
    assert (refused.value.status, refused.value.code) == (403, "forbidden")
    assert database_state() == before


def test_the_beat_opens_by_the_new_date_not_the_old_one(db, monkeypatch):
    # given: moved from 16 to 20 December
    e = build_electorate(["100.00"] * 2)
    a = _announced(e)
    assembly_reschedule(
        actor=e.official, assembly=a, opens_at=_at(20, 9), closes_at=_at(26, 9), reason="改期", now=LATER
    )
    states = []
    # when: the scheduler ticks at the old opening, then at the new one
    for moment in (_at(16, 10), _at(20, 9)):
        monkeypatch.setattr("django.utils.timezone.now", lambda moment=moment: moment)
        advance_assemblies()
        states.append(Assembly.objects.get(pk=a.pk).status)
    # then
    assert states == ["announced", "open"]
