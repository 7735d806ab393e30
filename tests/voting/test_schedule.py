"""The city's calendar rules (voting/schedule.py) with worked dates: a day is 24 hours counted from the notice;
refusals name the earliest (or latest) lawful time in Beijing time and carry it in `extra`."""

import datetime as dt

import pytest
from django.utils import translation

from config.errors import ApplicationError
from tests.voting.conftest import build_electorate
from voting.models import Assembly
from voting.schedule import (
    earliest_closes_at,
    earliest_opens_at,
    latest_closes_at,
    rules_help,
    schedule_problems,
)
from voting.services.assemblies import MotionSpec, assembly_announce, assembly_create

BEIJING = dt.timezone(dt.timedelta(hours=8))
NOTICE = dt.datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)
MOTION = MotionSpec(title="选聘物业服务企业", category=4)


@pytest.fixture(autouse=True)
def _chinese():
    """The messages are asserted in Chinese, whatever language an earlier test left active in this thread."""
    with translation.override("zh-hans"):
        yield


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=BEIJING)


def _codes(opens_at: dt.datetime, closes_at: dt.datetime) -> list[str]:
    return [p.code for p in schedule_problems(opens_at=opens_at, closes_at=closes_at, now=NOTICE)]


def test_the_limits_as_dates_for_a_notice_at_10_on_1_december():
    # when / then: 15 days' notice, a window of 5 to 60 days, each day 24 hours
    assert earliest_opens_at(notice_at=NOTICE) == _at(16, 10)
    assert earliest_closes_at(opens_at=_at(16, 10)) == _at(21, 10)
    assert latest_closes_at(opens_at=_at(16, 10)) == dt.datetime(2027, 2, 14, 10, 0, tzinfo=BEIJING)


def test_a_notice_published_mid_minute_is_told_the_next_whole_minute():
    # given: 10:00:30 — 16 December 10:00 would be 30 seconds short
    notice = NOTICE + dt.timedelta(seconds=30)
    # when
    earliest = earliest_opens_at(notice_at=notice)
    # then
    assert earliest == _at(16, 10, 1)
    assert schedule_problems(opens_at=earliest, closes_at=_at(25, 10), now=notice) == []
    assert [p.code for p in schedule_problems(opens_at=_at(16, 10), closes_at=_at(25, 10), now=notice)] == [
        "notice_too_short"
    ]


def test_exactly_15_days_and_exactly_5_or_60_days_are_lawful_one_minute_less_or_more_is_not():
    # when / then
    assert _codes(_at(16, 10), _at(21, 10)) == []
    assert _codes(_at(16, 9, 59), _at(21, 10)) == ["notice_too_short"]
    assert _codes(_at(16, 10), _at(21, 9, 59)) == ["window_too_short"]
    assert _codes(_at(16, 10), dt.datetime(2027, 2, 14, 10, 0, tzinfo=BEIJING)) == []
    assert _codes(_at(16, 10), dt.datetime(2027, 2, 14, 10, 1, tzinfo=BEIJING)) == ["window_too_long"]


def test_each_refusal_names_the_limit_in_beijing_time_and_in_extra():
    # when
    notice, short, long = (
        schedule_problems(opens_at=_at(16, 9, 59), closes_at=_at(21, 10), now=NOTICE)[0],
        schedule_problems(opens_at=_at(16, 10), closes_at=_at(18, 10), now=NOTICE)[0],
        schedule_problems(
            opens_at=_at(16, 10), closes_at=dt.datetime(2027, 3, 1, tzinfo=BEIJING), now=NOTICE
        )[0],
    )
    # then
    assert (notice.code, notice.message, notice.extra) == (
        "notice_too_short",
        "公告须在投票开始前至少 15 天发布：现在公告的，投票最早可于 2026-12-16 10:00（北京时间）开始。",
        {"min_notice_days": 15, "earliest_opens_at": "2026-12-16T10:00:00+08:00"},
    )
    assert (short.code, short.message, short.extra) == (
        "window_too_short",
        "投票期不得少于 5 天：投票于 2026-12-16 10:00 开始的，最早可于 2026-12-21 10:00（北京时间）截止。",
        {"min_window_days": 5, "earliest_closes_at": "2026-12-21T10:00:00+08:00"},
    )
    assert (long.code, long.message, long.extra) == (
        "window_too_long",
        "投票期不得超过 60 天：投票于 2026-12-16 10:00 开始的，最晚须于 2027-02-14 10:00（北京时间）截止。",
        {"max_window_days": 60, "latest_closes_at": "2027-02-14T10:00:00+08:00"},
    )


def test_zero_minimums_mean_no_minimum(settings):
    # given
    settings.VOTING_MIN_NOTICE_DAYS = 0
    settings.VOTING_MIN_WINDOW_DAYS = 0
    # when / then
    assert _codes(NOTICE, NOTICE + dt.timedelta(minutes=1)) == []
    assert rules_help(now=NOTICE) == {
        "opens_at": "本市未规定最短公告期：公告后即可开始投票。",
        "closes_at": "投票期不超过 60 天（每天按 24 小时计，自投票开始时起算）。",
    }


def test_the_help_text_states_the_limits_and_the_earliest_opening():
    # when / then
    assert rules_help(now=NOTICE) == {
        "opens_at": "本市规定公告须在投票开始前至少 15 天发布。若今天公告，最早可于 2026-12-16 10:00（北京时间）开始投票。",
        "closes_at": "投票期不少于 5 天、不超过 60 天（每天按 24 小时计，自投票开始时起算）。",
    }


def _draft(opens_at: dt.datetime) -> Assembly:
    e = build_electorate(["100.00"] * 2)
    return assembly_create(
        actor=e.official,
        compound=e.compound,
        title="十二月会议",
        opens_at=opens_at,
        closes_at=opens_at + dt.timedelta(days=5),
        motions=[MOTION],
    )


def test_announcing_at_10_on_1_december_for_an_opening_exactly_15_days_later_is_accepted(db):
    # given: a 5-day window
    a = _draft(_at(16, 10))
    # when
    announced = assembly_announce(actor=a.created_by, assembly=a, now=NOTICE)
    # then
    assert (announced.status, announced.announced_at) == ("announced", NOTICE)


def test_announcing_at_10_on_1_december_for_an_opening_at_0959_on_16_december_is_refused(db):
    # given
    a = _draft(_at(16, 9, 59))
    # when
    with pytest.raises(ApplicationError) as refused:
        assembly_announce(actor=a.created_by, assembly=a, now=NOTICE)
    # then
    assert (refused.value.code, refused.value.extra) == (
        "notice_too_short",
        {"min_notice_days": 15, "earliest_opens_at": "2026-12-16T10:00:00+08:00"},
    )
    assert Assembly.objects.values_list("status", "roll_fingerprint").get(pk=a.pk) == ("draft", "")
