"""The city's rules up front in the street office's admin: the assembly form shows the minimums and the earliest
lawful opening next to the dates; a draft with too early an opening is saved with a warning naming the earliest
date, a window out of bounds is refused on the form; an announced assembly is rescheduled from its page by the
street office over the compound, never by a view grant."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from tests.conftest import browser_as
from tests.snapshots import database_state
from tests.voting.test_admin import _assembly_post, change_url, messages_of, page, url
from voting.models import Assembly, AuditEntry, Notification
from voting.services.assemblies import MotionSpec, assembly_announce, assembly_create, assembly_open

BEIJING = dt.timezone(dt.timedelta(hours=8))
NOTICE = dt.datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)
LATER = dt.datetime(2026, 12, 3, 9, 30, tzinfo=BEIJING)
ORDINARY = MotionSpec(title="选聘物业服务企业", category=4)
MOTION_ROW = {"title": "选聘物业服务企业", "category": 4}
OPENS_HELP = (
    "本市规定公告须在投票开始前至少 15 天发布。若今天公告，最早可于 2026-12-16 10:00（北京时间）开始投票。"
)
CLOSES_HELP = "投票期不少于 5 天、不超过 60 天（每天按 24 小时计，自投票开始时起算）。"


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=BEIJING)


@pytest.fixture
def frozen(monkeypatch):
    """Stops `timezone.now` at the moment set with `frozen(moment)`."""

    def stop(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return stop


def _announced(e, frozen) -> Assembly:
    frozen(NOTICE)
    a = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="十二月会议",
        opens_at=_at(16, 10),
        closes_at=_at(21, 18),
        motions=[ORDINARY],
    )
    return assembly_announce(actor=e.official, assembly=a)


def _reschedule_post(opens_at: dt.datetime, closes_at: dt.datetime, reason: str = "避开元旦") -> dict:
    return {
        "opens_at_0": f"{opens_at:%Y-%m-%d}",
        "opens_at_1": f"{opens_at:%H:%M:%S}",
        "closes_at_0": f"{closes_at:%Y-%m-%d}",
        "closes_at_1": f"{closes_at:%H:%M:%S}",
        "reason": reason,
    }


def test_the_add_form_shows_the_minimums_and_the_earliest_opening_for_a_notice_now(world, electorate, frozen):
    # given: it is 2026-12-01 10:00 Beijing time
    e = electorate(["100.00"])
    frozen(NOTICE)
    # when
    response = browser_as(e.official).get(url("assembly_add"))
    # then
    fields = response.context["adminform"].form.fields
    assert (fields["opens_at"].help_text, fields["closes_at"].help_text) == (OPENS_HELP, CLOSES_HELP)
    assert OPENS_HELP in response.content.decode()


def test_the_draft_change_form_shows_the_earliest_opening_for_a_notice_now(world, electorate, frozen):
    # given: a draft, looked at two days later
    e = electorate(["100.00"])
    frozen(NOTICE)
    a = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="草稿",
        opens_at=_at(20, 9),
        closes_at=_at(26, 9),
        motions=[ORDINARY],
    )
    frozen(LATER)
    # when
    response = browser_as(e.official).get(change_url(a))
    # then
    assert response.context["adminform"].form.fields["opens_at"].help_text == (
        "本市规定公告须在投票开始前至少 15 天发布。若今天公告，最早可于 2026-12-18 09:30（北京时间）开始投票。"
    )


def test_a_draft_opening_too_soon_is_saved_with_a_warning_naming_the_earliest_opening(
    world, electorate, frozen
):
    # given
    e = electorate(["100.00"])
    frozen(NOTICE)
    # when: opening at 09:59 on 16 December, one minute short of 15 days
    response = browser_as(e.official).post(
        url("assembly_add"), _assembly_post(e, _at(16, 9, 59), _at(21, 10), [MOTION_ROW]), follow=True
    )
    # then: saved as a draft, with the warning
    a = Assembly.objects.get(compound=e.compound)
    assert (a.status, a.opens_at) == ("draft", _at(16, 9, 59))
    assert (
        "草稿已保存，但现在还不能公告。公告须在投票开始前至少 15 天发布：现在公告的，投票最早可于 "
        "2026-12-16 10:00（北京时间）开始。请在公告前修改投票时间。"
    ) in messages_of(response)


def test_a_draft_opening_exactly_15_days_ahead_is_saved_without_a_warning(world, electorate, frozen):
    # given
    e = electorate(["100.00"])
    frozen(NOTICE)
    # when
    response = browser_as(e.official).post(
        url("assembly_add"), _assembly_post(e, _at(16, 10), _at(21, 10), [MOTION_ROW]), follow=True
    )
    # then
    assert Assembly.objects.filter(compound=e.compound).count() == 1
    assert [m for m in messages_of(response) if "还不能公告" in m] == []


def test_a_window_shorter_than_the_minimum_is_refused_on_the_form_with_the_earliest_close(
    world, electorate, frozen
):
    # given
    e = electorate(["100.00"])
    frozen(NOTICE)
    # when
    response = browser_as(e.official).post(
        url("assembly_add"), _assembly_post(e, _at(16, 10), _at(21, 9, 59), [MOTION_ROW])
    )
    # then
    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors == {
        "closes_at": [
            "投票期不得少于 5 天：投票于 2026-12-16 10:00 开始的，最早可于 2026-12-21 10:00（北京时间）截止。"
        ]
    }
    assert not Assembly.objects.filter(compound=e.compound).exists()


def test_the_announced_assembly_page_offers_a_reschedule_to_the_street_office(world, electorate, frozen):
    # given
    e = electorate(["100.00"] * 2)
    a = _announced(e, frozen)
    frozen(LATER)
    # when
    offered = [
        str(label) for label, _url in browser_as(e.official).get(change_url(a)).context["workflow"]["actions"]
    ]
    # then
    assert offered == ["开始投票", "取消", "改期"]


def test_a_reschedule_through_the_admin_moves_the_dates_and_tells_the_owners(
    world, electorate, frozen, django_capture_on_commit_callbacks
):
    # given
    e = electorate(["100.00"] * 2)
    a = _announced(e, frozen)
    fingerprint = a.roll_fingerprint
    frozen(LATER)
    client = browser_as(e.official)
    # when
    form = client.get(page(a, "reschedule"))
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(page(a, "reschedule"), _reschedule_post(_at(18, 9, 30), _at(28, 18)), follow=True)
    # then
    assert form.context["form"].fields["opens_at"].help_text == (
        "本市规定公告须在投票开始前至少 15 天发布。若今天公告，最早可于 2026-12-18 09:30（北京时间）开始投票。"
    )
    assert messages_of(done) == [
        "已改期：投票时间改为 2026-12-18 09:30 至 2026-12-28 18:00（北京时间），业主将收到通知。"
    ]
    a.refresh_from_db()
    assert (a.opens_at, a.closes_at, a.roll_fingerprint, a.status) == (
        _at(18, 9, 30),
        _at(28, 18),
        fingerprint,
        "announced",
    )
    assert AuditEntry.objects.filter(assembly=a, action="assembly.reschedule").count() == 1
    assert Notification.objects.filter(assembly=a, kind="rescheduled").count() == 2


def test_a_reschedule_with_too_short_a_fresh_notice_is_refused_on_the_form(world, electorate, frozen):
    # given
    e = electorate(["100.00"] * 2)
    a = _announced(e, frozen)
    frozen(LATER)
    before = database_state()
    # when
    response = browser_as(e.official).post(
        page(a, "reschedule"), _reschedule_post(_at(18, 9, 29), _at(28, 18))
    )
    # then
    refusal = "公告须在投票开始前至少 15 天发布：现在公告的，投票最早可于 2026-12-18 09:30（北京时间）开始。"
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].non_field_errors() == [refusal]
    assert database_state() == before


def test_after_voting_opened_a_reschedule_is_refused_and_changes_nothing(world, electorate, frozen):
    # given
    e = electorate(["100.00"] * 2)
    a = _announced(e, frozen)
    frozen(_at(16, 10))
    assembly_open(actor=e.official, assembly=a)
    before = database_state()
    client = browser_as(e.official)
    # when
    offered = [str(label) for label, _url in client.get(change_url(a)).context["workflow"]["actions"]]
    response = client.post(page(a, "reschedule"), _reschedule_post(_at(28, 9), _at(31, 18)), follow=True)
    # then
    assert "改期" not in offered
    assert messages_of(response) == ["只有已公告、尚未开始投票的会议可以改期。"]
    assert database_state() == before


def test_an_official_with_a_view_grant_cannot_reschedule(world, electorate, frozen):
    # given: official_b may view the compound (a guardian grant) but does not run its assemblies
    e = electorate(["100.00"] * 2)
    a = _announced(e, frozen)
    frozen(LATER)
    assign_perm("registry.view_compound", world.official_b, e.compound)
    client = browser_as(world.official_b)
    before = database_state()
    # when
    seen = client.get(change_url(a))
    form = client.get(page(a, "reschedule"))
    posted = client.post(page(a, "reschedule"), _reschedule_post(_at(18, 9, 30), _at(28, 18)))
    # then
    assert seen.status_code == HTTPStatus.OK
    assert seen.context["workflow"]["actions"] == []
    assert (form.status_code, posted.status_code) == (HTTPStatus.FORBIDDEN, HTTPStatus.FORBIDDEN)
    assert database_state() == before


@pytest.mark.parametrize(("who", "expected"), [("firm_a", HTTPStatus.FORBIDDEN), ("alice", HTTPStatus.FOUND)])
def test_firm_staff_and_owners_have_no_reschedule_page(world, electorate, frozen, who, expected):
    # given
    e = electorate(["100.00"] * 2)
    a = _announced(e, frozen)
    frozen(LATER)
    before = database_state()
    # when
    response = browser_as(getattr(world, who)).post(
        page(a, "reschedule"), _reschedule_post(_at(18, 9, 30), _at(28, 18))
    )
    # then: firms are refused, owners sent to the login page (the admin is not theirs)
    assert response.status_code == expected
    assert expected == HTTPStatus.FORBIDDEN or response.url.startswith(reverse("admin:login"))
    assert database_state() == before


def test_the_announce_confirmation_page_says_beforehand_what_would_be_refused(world, electorate, frozen):
    # given: a draft opening at 09:59 on 16 December, for two days
    e = electorate(["100.00"])
    frozen(NOTICE)
    a = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="草稿",
        opens_at=_at(16, 9, 59),
        closes_at=_at(18, 9, 59),
        motions=[ORDINARY],
    )
    # when
    response = browser_as(e.official).get(page(a, "action", "announce"))
    # then
    assert response.context["problems"] == [
        "公告须在投票开始前至少 15 天发布：现在公告的，投票最早可于 2026-12-16 10:00（北京时间）开始。",
        "投票期不得少于 5 天：投票于 2026-12-16 09:59 开始的，最早可于 2026-12-21 09:59（北京时间）截止。",
    ]
    assert 'id="schedule-problems"' in response.content.decode()
