"""The 2341 clocks on a stopped clock (never sleeps): worked due times across nights, weekends and the
National Day holiday, stops frozen, pauses, extensions, warnings, breach and 督办."""

import datetime as dt
from contextlib import contextmanager
from http import HTTPStatus
from unittest import mock

import pytest

from complaints.models import Clock, Complaint
from complaints.services.clocks import clocks_check_due
from tests.conftest import api_as

BJ = dt.timezone(dt.timedelta(hours=8))
COMPLAINTS = "/api/v1/complaints/"


@contextmanager
def at(moment: dt.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _file(user, when, **overrides):
    body = {
        "compound": "QD-370212-0001",
        "kind": "snap",
        "category": "environment",
        "description": "垃圾桶满溢",
    } | overrides
    with at(when):
        response = api_as(user).post(COMPLAINTS, body, format="json")
    assert response.status_code == HTTPStatus.CREATED, response.json()
    return response.json()["id"]


def _move(user, case_id, when, to, note=""):
    with at(when):
        response = api_as(user).post(
            f"{COMPLAINTS}{case_id}/transitions/", {"to": to, "note": note}, format="json"
        )
    assert response.status_code == HTTPStatus.OK, response.json()
    return response.json()


def _clocks(case_id):
    return {c.kind: c for c in Clock.objects.filter(complaint_id=case_id)}


def _due(case_id):
    return {k: c.due_at.astimezone(BJ).strftime("%m-%d %a %H:%M") for k, c in _clocks(case_id).items()}


FRIDAY_10 = dt.datetime(2026, 12, 4, 10, 0, tzinfo=BJ)


def test_due_times_of_a_minor_case_filed_on_a_friday_morning(cworld):
    # when
    case_id = _file(cworld.alice, FRIDAY_10)

    # then: wall clocks run through the night; working-day clocks skip the weekend
    assert _due(case_id) == {
        "respond": "12-04 Fri 10:20",
        "plan": "12-04 Fri 10:30",
        "resolve": "12-05 Sat 10:00",
        "verify": "12-07 Mon 10:00",
        "return_visit": "12-08 Tue 10:00",
    }
    body = api_as(cworld.alice).get(f"{COMPLAINTS}{case_id}/").json()
    assert [(c["kind"], c["due_at"], c["level"]) for c in body["clocks"][:2]] == [
        ("respond", "2026-12-04T10:20:00+08:00", "ok"),
        ("plan", "2026-12-04T10:30:00+08:00", "ok"),
    ]


def test_a_major_case_has_a_written_reply_clock_of_four_hours(cworld):
    # when
    case_id = _file(cworld.alice, FRIDAY_10, kind="complaint", category="illegal_construction")

    # then
    assert _due(case_id)["written_reply"] == "12-04 Fri 14:00"


def test_working_day_clocks_skip_the_national_day_holiday(cworld):
    # given: the eve of National Day 2026 (1–7 October off; the 10th, a Saturday, is a make-up working day)
    eve = dt.datetime(2026, 9, 30, 16, 0, tzinfo=BJ)

    # when
    case_id = _file(cworld.alice, eve)

    # then
    assert _due(case_id)["verify"] == "10-08 Thu 16:00"
    assert _due(case_id)["return_visit"] == "10-09 Fri 16:00"


def test_a_clock_stops_at_its_event_and_its_outcome_is_frozen(cworld):
    # given
    case_id = _file(cworld.alice, FRIDAY_10)

    # when: the butler accepts at 10:15 (a visible reply: respond met) and dispatches at 10:35 (plan late)
    _move(cworld.firm_a, case_id, FRIDAY_10 + dt.timedelta(minutes=15), "accepted")
    _move(cworld.firm_a, case_id, FRIDAY_10 + dt.timedelta(minutes=35), "dispatched")
    with at(FRIDAY_10 + dt.timedelta(days=3)):
        clocks_check_due()

    # then
    clocks = _clocks(case_id)
    assert (clocks["respond"].met, clocks["respond"].level) == (True, "warn50")  # stopped at 75 %
    assert (clocks["plan"].met, clocks["plan"].level) == (False, "breached")
    assert clocks["respond"].stopped_at == FRIDAY_10 + dt.timedelta(minutes=15)


@pytest.mark.parametrize(
    ("minutes", "level"),
    [(9, "ok"), (10, "warn50"), (15, "warn50"), (16, "warn80"), (20, "warn80"), (21, "breached")],
)
def test_warnings_at_half_and_four_fifths_then_the_breach(cworld, minutes, level):
    # given
    case_id = _file(cworld.alice, FRIDAY_10)

    # when: the beat looks at the clocks due for a check
    with at(FRIDAY_10 + dt.timedelta(minutes=minutes)):
        clocks_check_due()

    # then: 10 of 20 minutes is half; 16 is 80 %; past 20 breached
    assert _clocks(case_id)["respond"].level == level


def test_waiting_for_the_complainant_pauses_the_resolve_clock(cworld):
    # given
    case_id = _file(cworld.alice, FRIDAY_10)
    for minutes, to in ((5, "accepted"), (10, "dispatched"), (15, "in_progress")):
        _move(cworld.firm_a, case_id, FRIDAY_10 + dt.timedelta(minutes=minutes), to)

    # when: it waits for alice from 11:00 to 13:00
    _move(cworld.firm_a, case_id, FRIDAY_10 + dt.timedelta(hours=1), "waiting_complainant", "请提供照片")
    _move(cworld.alice, case_id, FRIDAY_10 + dt.timedelta(hours=3), "in_progress")

    # then: resolve is due two hours later; the other clocks do not pause
    assert _due(case_id)["resolve"] == "12-05 Sat 12:00"
    assert _due(case_id)["verify"] == "12-07 Mon 10:00"


def test_the_street_office_extends_a_clock_with_a_reason_and_nobody_else_can(cworld):
    # given
    case_id = _file(cworld.alice, FRIDAY_10)
    resolve = _clocks(case_id)["resolve"]
    from complaints.services.clocks import clock_extend
    from config.errors import Forbidden

    # when
    with at(FRIDAY_10 + dt.timedelta(hours=1)):
        with pytest.raises(Forbidden):
            clock_extend(actor=cworld.firm_a, clock=resolve, reason="配件未到", minutes=120)
        clock_extend(actor=cworld.official_a, clock=resolve, reason="需要供电部门配合", minutes=120)

    # then
    assert _due(case_id)["resolve"] == "12-05 Sat 12:00"
    case = Complaint.objects.get(pk=case_id)
    assert list(case.events.filter(kind="extension").values_list("text", flat=True)) == [
        "解决：需要供电部门配合"
    ]


def test_a_breached_resolve_clock_raises_the_case_one_tier_per_further_period(cworld):
    # given
    case_id = _file(cworld.alice, FRIDAY_10)

    # when: a day and a minute later, then two days and a minute later
    with at(FRIDAY_10 + dt.timedelta(days=1, minutes=1)):
        clocks_check_due()
    first = Complaint.objects.get(pk=case_id).tier
    with at(FRIDAY_10 + dt.timedelta(days=2, minutes=1)):
        clocks_check_due()
    second = Complaint.objects.get(pk=case_id)

    # then: 督办 — committee at the breach, the street office one period later, each logged
    assert (first, second.tier, second.first_tier) == ("committee", "street", "butler")
    assert second.events.filter(kind="escalation").count() == 2
    assert _clocks(case_id)["resolve"].overdue_periods == 1


def test_a_closed_case_keeps_its_frozen_outcomes(cworld):
    # given: resolved late, then the case is closed
    case_id = _file(cworld.alice, FRIDAY_10)
    for minutes, to in ((5, "accepted"), (10, "dispatched"), (15, "in_progress")):
        _move(cworld.firm_a, case_id, FRIDAY_10 + dt.timedelta(minutes=minutes), to)
    _move(cworld.firm_a, case_id, FRIDAY_10 + dt.timedelta(days=1, hours=1), "resolved", "已处理")

    # when: much later the beat runs again
    with at(FRIDAY_10 + dt.timedelta(days=30)):
        clocks_check_due()

    # then
    resolve = _clocks(case_id)["resolve"]
    assert (resolve.met, resolve.level, resolve.check_at) == (False, "breached", None)


def test_a_clock_is_extended_in_its_own_unit(cworld):
    # given: resolve runs on wall time, verify on working days
    from complaints.services.clocks import clock_extend
    from config.errors import ApplicationError

    case_id = _file(cworld.alice, FRIDAY_10)
    clocks = _clocks(case_id)

    # when / then: working days on a wall clock (and minutes on a working-day clock) are refused, nothing added
    with at(FRIDAY_10 + dt.timedelta(hours=1)):
        for clock, extra in ((clocks["resolve"], {"working_days": 1}), (clocks["verify"], {"minutes": 60})):
            with pytest.raises(ApplicationError) as refused:
                clock_extend(actor=cworld.official_a, clock=clock, reason="理由", **extra)
            assert refused.value.code == "invalid_extension"
        clock_extend(actor=cworld.official_a, clock=clocks["verify"], reason="遇调休", working_days=1)
    assert _due(case_id)["verify"] == "12-08 Tue 10:00"
    assert Complaint.objects.get(pk=case_id).events.filter(kind="extension").count() == 1


def test_the_street_office_logs_the_return_visit_on_the_case_page_and_its_clock_stops(cworld):
    # given: a closed case
    from tests.conftest import browser_as

    case_id = _file(cworld.alice, FRIDAY_10)
    for minutes, to in ((5, "accepted"), (10, "dispatched"), (15, "in_progress")):
        _move(cworld.firm_a, case_id, FRIDAY_10 + dt.timedelta(minutes=minutes), to)
    _move(cworld.firm_a, case_id, FRIDAY_10 + dt.timedelta(hours=2), "resolved", "已处理")
    _move(cworld.bob, case_id, FRIDAY_10 + dt.timedelta(hours=3), "verified")
    with at(FRIDAY_10 + dt.timedelta(hours=4)):
        api_as(cworld.alice).post(
            f"{COMPLAINTS}{case_id}/rating/", {"satisfaction": "satisfied", "solved": True}, format="json"
        )
    page = f"/complaints/queue/{case_id}/"

    # when: the firm cannot; the street official logs it on Monday
    firm = browser_as(cworld.firm_a).post(page, {"action": "return_visit", "note": "电话回访"})
    with at(dt.datetime(2026, 12, 7, 9, 0, tzinfo=BJ)):
        official_page = browser_as(cworld.official_a).get(page).content.decode()
        empty = browser_as(cworld.official_a).post(page, {"action": "return_visit", "note": ""})
        done = browser_as(cworld.official_a).post(
            page, {"action": "return_visit", "note": "电话回访，业主满意"}
        )

    # then
    assert firm.status_code == HTTPStatus.FORBIDDEN
    assert 'id="return-visit"' in official_page
    assert empty.status_code == HTTPStatus.BAD_REQUEST
    assert done.status_code == HTTPStatus.FOUND
    visit = _clocks(case_id)["return_visit"]
    assert (visit.met, visit.stopped_at) == (True, dt.datetime(2026, 12, 7, 9, 0, tzinfo=BJ))
    assert Complaint.objects.get(pk=case_id).events.filter(kind="return_visit").count() == 1


def test_the_case_keeps_its_figures_as_its_clocks_and_timeline_say(cworld):
    # given: one case late on its plan and escalated by 督办, one answered in time
    import importlib

    from django.db import connection

    late = _file(cworld.alice, FRIDAY_10)
    _move(cworld.firm_a, late, FRIDAY_10 + dt.timedelta(minutes=15), "accepted")
    with at(FRIDAY_10 + dt.timedelta(days=1, minutes=1)):
        clocks_check_due()
    fine = _file(cworld.alice, FRIDAY_10 + dt.timedelta(hours=1))
    _move(cworld.firm_a, fine, FRIDAY_10 + dt.timedelta(hours=1, minutes=5), "accepted")
    fields = ("respond_met", "resolve_met", "clocks_breached", "clocks_total", "escalations", "visited")

    def figures():
        return list(Complaint.objects.order_by("pk").values_list(*fields))

    kept = figures()

    # when: recomputed from scratch, as the migration does for older cases
    migration = importlib.import_module("complaints.migrations.0010_case_figures")
    with connection.cursor() as cur:
        cur.execute(migration.BACKFILL)

    # then
    assert figures() == kept
    assert (
        kept[0][0] is True and kept[0][4] == 1 and kept[0][2] >= 2
    )  # respond met; 督办 once; plan and resolve late
