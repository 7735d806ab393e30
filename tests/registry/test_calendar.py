"""The working-day calendar and the clock arithmetic (registry/calendar.py), worked through with real 2026 dates
from the `chinesecalendar` data and 2027 dates (beyond the library: Mon–Fri plus staff overrides); the
overrides' one-query loading and their admin page."""

import datetime as dt
from http import HTTPStatus
from unittest import mock

import pytest

from registry.calendar import (
    BEIJING,
    LIBRARY_CALENDAR,
    LIBRARY_YEARS,
    CalendarRangeError,
    ClockSpec,
    WorkingCalendar,
    add_duration,
    add_working_days,
    clock_state,
    is_working_day,
)
from registry.models import AuditEvent, WorkingDayOverride
from registry.selectors import calendar_years_missing, working_calendar_load
from registry.services.accounts import official_create
from tests.conftest import PASSWORD, World, browser_as
from tests.snapshots import database_state

RESPOND = ClockSpec("wall", 20)
RESOLVE = ClockSpec("wall", 24 * 60)
VERIFY = ClockSpec("working_days", 1)
RETURN_VISIT = ClockSpec("working_days", 2)


def bj(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0):
    """A Beijing-time instant."""
    return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=BEIJING)


def state(spec: ClockSpec, started_at, now, *, calendar=LIBRARY_CALENDAR, **kwargs):
    kwargs.setdefault("stopped_at", None)
    return clock_state(started_at=started_at, spec=spec, now=now, calendar=calendar, **kwargs)


# ----------------------------------------------------------------------------------- working days


def test_the_library_knows_2026_national_day_and_its_make_up_days():
    # given: the State Council's 2026 notice as the library holds it
    no_overrides: dict[dt.date, bool] = {}

    # when
    national_day = [is_working_day(dt.date(2026, 10, d), no_overrides) for d in range(1, 9)]
    make_up_days = [
        is_working_day(d, no_overrides)
        for d in (dt.date(2026, 9, 20), dt.date(2026, 10, 10), dt.date(2026, 2, 14), dt.date(2026, 2, 28))
    ]

    # then: 1–7 October off (Thu–Wed), the 8th (Thu) back at work; Sun 20 Sep, Sat 10 Oct, Sat 14 and 28 Feb
    # are make-up working days (调休上班)
    assert national_day == [False] * 7 + [True]
    assert [d.strftime("%a") for d in (dt.date(2026, 9, 20), dt.date(2026, 10, 10))] == ["Sun", "Sat"]
    assert make_up_days == [True, True, True, True]
    assert is_working_day(dt.date(2026, 10, 17), no_overrides) is False  # a plain Saturday


def test_years_beyond_the_library_are_monday_to_friday():
    # given: the pinned library stops at 2026
    assert LIBRARY_YEARS == range(2004, 2027)

    # when: New Year 2027 (Fri) and the weekend after it, with no overrides
    days = [is_working_day(dt.date(2027, 1, d), {}) for d in (1, 2, 3, 4)]

    # then: no holidays are known; weekdays work
    assert days == [True, False, False, True]


def test_an_override_takes_precedence_over_the_library():
    # given
    overrides = {dt.date(2026, 10, 8): False, dt.date(2026, 10, 3): True, dt.date(2027, 1, 1): False}

    # when / then
    assert is_working_day(dt.date(2026, 10, 8), overrides) is False
    assert is_working_day(dt.date(2026, 10, 3), overrides) is True
    assert is_working_day(dt.date(2027, 1, 1), overrides) is False
    assert is_working_day(dt.date(2026, 10, 9), overrides) is True  # not overridden: the library


def test_a_calendar_refuses_days_outside_its_loaded_range():
    # given
    calendar = WorkingCalendar(overrides={}, first=dt.date(2026, 11, 1), last=dt.date(2026, 11, 30))

    # when / then
    assert calendar.is_working_day(dt.date(2026, 11, 30)) is True
    with pytest.raises(CalendarRangeError):
        calendar.is_working_day(dt.date(2026, 12, 1))
    assert add_working_days(bj(2026, 11, 27, 17), 1, calendar) == bj(2026, 11, 30, 17)
    with pytest.raises(CalendarRangeError):
        add_working_days(bj(2026, 11, 27, 17), 2, calendar)  # Tue 1 Dec: not loaded


# ------------------------------------------------------------------------------- add_working_days


def test_one_working_day_from_friday_17_00_ends_monday_17_00():
    # when
    due = add_working_days(bj(2026, 11, 13, 17), 1, LIBRARY_CALENDAR)

    # then
    assert due == bj(2026, 11, 16, 17)
    assert due.strftime("%a %H:%M") == "Mon 17:00"


def test_a_clock_started_on_the_eve_of_national_day_ends_after_it():
    # when: Wed 30 Sep 2026, 10:00; 1–7 Oct are off
    one = add_working_days(bj(2026, 9, 30, 10), 1, LIBRARY_CALENDAR)
    two = add_working_days(bj(2026, 9, 30, 10), 2, LIBRARY_CALENDAR)

    # then
    assert one == bj(2026, 10, 8, 10)
    assert two == bj(2026, 10, 9, 10)


def test_a_make_up_saturday_counts_as_a_working_day():
    # when: Fri 9 Oct 2026 15:00; Sat 10 Oct is a 调休 working day
    one = add_working_days(bj(2026, 10, 9, 15), 1, LIBRARY_CALENDAR)
    two = add_working_days(bj(2026, 10, 9, 15), 2, LIBRARY_CALENDAR)

    # then
    assert one == bj(2026, 10, 10, 15)
    assert two == bj(2026, 10, 12, 15)


def test_a_clock_started_on_a_non_working_day_counts_from_the_next_working_days_midnight():
    # when
    saturday = add_working_days(bj(2026, 11, 14, 10), 1, LIBRARY_CALENDAR)
    holiday = add_working_days(bj(2026, 10, 3, 10), 1, LIBRARY_CALENDAR)
    before_make_up_sunday = add_working_days(bj(2026, 9, 19, 10), 1, LIBRARY_CALENDAR)

    # then: the whole of the next working day is the one day
    assert saturday == bj(2026, 11, 17, 0)  # Monday 16 Nov in full
    assert holiday == bj(2026, 10, 9, 0)  # Thursday 8 Oct in full
    assert before_make_up_sunday == bj(2026, 9, 21, 0)  # Sunday 20 Sep (调休) in full


def test_an_override_turning_a_weekday_into_a_holiday_shifts_the_deadline():
    # given: 2027 is beyond the library; staff enter New Year's Day (Fri 1 Jan 2027)
    plain = WorkingCalendar()
    with_new_year = WorkingCalendar(overrides={dt.date(2027, 1, 1): False})

    # when: Thu 31 Dec 2026, 10:00 + 1 working day
    before = add_working_days(bj(2026, 12, 31, 10), 1, plain)
    after = add_working_days(bj(2026, 12, 31, 10), 1, with_new_year)

    # then
    assert before == bj(2027, 1, 1, 10)
    assert after == bj(2027, 1, 4, 10)


def test_a_start_given_in_another_zone_is_counted_in_beijing_days():
    # given: 09:00 UTC on Fri 13 Nov 2026 is 17:00 in Beijing
    start = dt.datetime(2026, 11, 13, 9, tzinfo=dt.UTC)

    # when
    due = add_working_days(start, 1, LIBRARY_CALENDAR)

    # then
    assert due == bj(2026, 11, 16, 17)
    assert due.utcoffset() == dt.timedelta(hours=8)
    with pytest.raises(ValueError, match="aware"):
        add_working_days(dt.datetime(2026, 11, 13, 17), 1, LIBRARY_CALENDAR)


# ------------------------------------------------------------------------------------ wall clocks


def test_the_20_minute_clock_runs_across_midnight_and_holidays():
    # given: New Year's Eve 23:50, New Year's Day a holiday by override
    start = bj(2026, 12, 31, 23, 50)
    calendar = WorkingCalendar(overrides={dt.date(2027, 1, 1): False})

    # when
    due = add_duration(start, 20)
    halfway = state(RESPOND, start, bj(2027, 1, 1, 0, 0), calendar=calendar)

    # then
    assert due == bj(2027, 1, 1, 0, 10)
    assert (halfway.due_at, halfway.elapsed_fraction, halfway.level) == (due, 0.5, "warn50")


def test_the_one_day_resolve_clock_is_24_hours_of_wall_time_over_a_holiday():
    # when: started the evening before National Day
    current = state(RESOLVE, bj(2026, 9, 30, 18), bj(2026, 10, 1, 6))

    # then
    assert current.due_at == bj(2026, 10, 1, 18)
    assert (current.elapsed_fraction, current.level) == (0.5, "warn50")


# ------------------------------------------------------------------------------------------ pauses


def test_a_two_hour_pause_moves_the_due_time_by_two_hours():
    # given: a 1-day resolve clock from Mon 16 Nov 2026 09:00, waiting for the complainant 10:00–12:00
    start = bj(2026, 11, 16, 9)
    pauses = [(bj(2026, 11, 16, 10), bj(2026, 11, 16, 12))]

    # when
    current = state(RESOLVE, start, bj(2026, 11, 16, 15), pauses=pauses)

    # then: 6 h since the start, 2 h of them paused
    assert current.due_at == bj(2026, 11, 17, 11)
    assert current.elapsed_fraction == 4 / 24
    assert current.level == "ok"


def test_an_open_pause_holds_the_fraction():
    # given: paused at 10:00 and not resumed
    start = bj(2026, 11, 16, 9)
    pauses = [(bj(2026, 11, 16, 10), None)]

    # when
    at_eleven = state(RESOLVE, start, bj(2026, 11, 16, 11), pauses=pauses)
    next_day = state(RESOLVE, start, bj(2026, 11, 17, 15), pauses=pauses)

    # then: one hour consumed either way; the due time moves on with the pause
    assert at_eleven.elapsed_fraction == next_day.elapsed_fraction == 1 / 24
    assert (at_eleven.level, next_day.level) == ("ok", "ok")
    assert at_eleven.due_at == bj(2026, 11, 17, 10)
    assert next_day.due_at == bj(2026, 11, 18, 14)


def test_a_pause_of_a_working_day_clock_counts_only_its_working_hours():
    # given: verify (1 working day) from Fri 13 Nov 2026 17:00, paused Fri 18:00 – Mon 02:00
    pauses = [(bj(2026, 11, 13, 18), bj(2026, 11, 16, 2))]

    # when
    current = state(VERIFY, bj(2026, 11, 13, 17), bj(2026, 11, 16, 2), pauses=pauses)

    # then: 6 h on Friday + 2 h on Monday paused; the weekend was never counted
    assert current.due_at == bj(2026, 11, 17, 1)
    assert current.elapsed_fraction == 1 / 24


def test_a_pause_after_the_due_time_changes_nothing():
    # given: the 20-minute clock from 10:00, "paused" from 10:30
    start = bj(2026, 11, 16, 10)
    pauses = [(bj(2026, 11, 16, 10, 30), None)]

    # when
    current = state(RESPOND, start, bj(2026, 11, 16, 11), pauses=pauses)

    # then
    assert current.due_at == bj(2026, 11, 16, 10, 20)
    assert (current.level, current.overdue_periods, current.elapsed_fraction) == ("breached", 2, 3.0)


# -------------------------------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    ("now", "fraction", "level"),
    [
        (bj(2026, 11, 16, 10, 9, 59, 999999), 599_999_999 / 1_200_000_000, "ok"),
        (bj(2026, 11, 16, 10, 10), 0.5, "warn50"),
        (bj(2026, 11, 16, 10, 15, 59, 999999), 959_999_999 / 1_200_000_000, "warn50"),
        (bj(2026, 11, 16, 10, 16), 0.8, "warn80"),
        (bj(2026, 11, 16, 10, 20), 1.0, "warn80"),
        (bj(2026, 11, 16, 10, 20, 0, 1), 1_200_000_001 / 1_200_000_000, "breached"),
    ],
    ids=["below-50", "exactly-50", "below-80", "exactly-80", "exactly-due", "just-past-due"],
)
def test_warnings_from_50_and_80_percent_and_breach_past_the_due_time(now, fraction, level):
    # when: the 20-minute clock from 10:00
    current = state(RESPOND, bj(2026, 11, 16, 10), now)

    # then
    assert (current.elapsed_fraction, current.level) == (fraction, level)
    assert (current.met, current.frozen) == (None, False)


def test_thresholds_of_a_working_day_clock_hold_over_the_weekend():
    # given: verify from Fri 13 Nov 2026 17:00 (7 h on Friday, 17 h on Monday)
    start = bj(2026, 11, 13, 17)

    # when
    saturday = state(VERIFY, start, bj(2026, 11, 14, 12))
    monday_5 = state(VERIFY, start, bj(2026, 11, 16, 5))
    monday_noon = state(VERIFY, start, bj(2026, 11, 16, 12))

    # then
    assert (saturday.elapsed_fraction, saturday.level) == (7 / 24, "ok")
    assert (monday_5.elapsed_fraction, monday_5.level) == (0.5, "warn50")
    assert (monday_noon.elapsed_fraction, monday_noon.level) == (19 / 24, "warn50")


# ------------------------------------------------------------------------------------------ stops


@pytest.mark.parametrize(
    ("stopped_at", "met", "level", "fraction"),
    [
        (bj(2026, 11, 16, 10, 19), True, "warn80", 0.95),
        (bj(2026, 11, 16, 10, 20), True, "warn80", 1.0),
        (bj(2026, 11, 16, 10, 25), False, "breached", 1.25),
    ],
    ids=["early", "exactly-due", "late"],
)
def test_a_stopped_clock_keeps_its_outcome_whatever_now_is(stopped_at, met, level, fraction):
    # given: the 20-minute clock from 10:00, stopped
    start = bj(2026, 11, 16, 10)

    # when: read at the stop, a day later, and a year later
    readings = [
        state(RESPOND, start, now, stopped_at=stopped_at)
        for now in (stopped_at, bj(2026, 11, 17, 10), bj(2027, 11, 16, 10))
    ]

    # then
    for reading in readings:
        assert reading == readings[0]
        assert (reading.met, reading.frozen, reading.level, reading.elapsed_fraction) == (
            met,
            True,
            level,
            fraction,
        )
        assert reading.due_at == bj(2026, 11, 16, 10, 20)


def test_a_pause_left_open_at_the_stop_ends_there():
    # given: paused 10:05 and never resumed; stopped 10:30
    start = bj(2026, 11, 16, 10)

    # when
    stopped = state(
        RESPOND,
        start,
        bj(2026, 11, 20),
        pauses=[(bj(2026, 11, 16, 10, 5), None)],
        stopped_at=bj(2026, 11, 16, 10, 30),
    )

    # then: 25 minutes paused, 5 consumed
    assert (stopped.due_at, stopped.met, stopped.elapsed_fraction) == (bj(2026, 11, 16, 10, 45), True, 0.25)


def test_a_clock_cannot_stop_before_it_starts():
    with pytest.raises(ValueError, match="stop before it starts"):
        state(RESPOND, bj(2026, 11, 16, 10), bj(2026, 11, 16, 11), stopped_at=bj(2026, 11, 16, 9))


# -------------------------------------------------------------------------------------- extensions


def test_an_extension_adds_to_the_deadline():
    # given
    resolve_start = bj(2026, 11, 16, 9)
    verify_start = bj(2026, 11, 13, 17)

    # when
    resolve = state(RESOLVE, resolve_start, bj(2026, 11, 17, 3), extensions=[dt.timedelta(hours=12)])
    verify = state(VERIFY, verify_start, bj(2026, 11, 16, 17), extensions=[1])

    # then: 24 h + 12 h of wall time; 1 + 1 working days (Fri 17:00 → Tue 17:00)
    assert (resolve.due_at, resolve.elapsed_fraction, resolve.level) == (bj(2026, 11, 17, 21), 0.5, "warn50")
    assert (verify.due_at, verify.elapsed_fraction, verify.level) == (bj(2026, 11, 17, 17), 0.5, "warn50")


def test_extensions_are_whole_working_days_only_on_working_day_clocks_and_never_negative():
    with pytest.raises(TypeError):
        state(RESOLVE, bj(2026, 11, 16, 9), bj(2026, 11, 16, 10), extensions=[1])
    with pytest.raises(ValueError, match="shorten"):
        state(RESOLVE, bj(2026, 11, 16, 9), bj(2026, 11, 16, 10), extensions=[dt.timedelta(hours=-1)])
    with pytest.raises(ValueError, match="positive"):
        ClockSpec("wall", 0)
    with pytest.raises(ValueError, match="kind"):
        ClockSpec("hours", 4)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------- overdue periods


@pytest.mark.parametrize(
    ("now", "periods", "level"),
    [
        (bj(2026, 11, 16, 10, 20), 0, "warn80"),
        (bj(2026, 11, 16, 10, 39, 59), 0, "breached"),
        (bj(2026, 11, 16, 10, 40), 1, "breached"),
        (bj(2026, 11, 16, 11, 0), 2, "breached"),
    ],
)
def test_overdue_periods_count_whole_further_periods_since_the_breach(now, periods, level):
    # when: the 20-minute clock from 10:00 (due 10:20)
    current = state(RESPOND, bj(2026, 11, 16, 10), now)

    # then
    assert (current.overdue_periods, current.level) == (periods, level)


def test_overdue_periods_of_a_working_day_clock_count_working_days():
    # given: return visit (2 working days) from Thu 8 Oct 2026 10:00 → Sat 10 Oct (调休) 10:00
    start = bj(2026, 10, 8, 10)

    # when
    due = state(RETURN_VISIT, start, bj(2026, 10, 8, 10)).due_at
    before = state(RETURN_VISIT, start, bj(2026, 10, 13, 9, 59))
    after = state(RETURN_VISIT, start, bj(2026, 10, 13, 10))

    # then: a further period is 48 working hours past Sat 10:00 — Sat 14 h, (Sunday off), Mon 24 h, Tue 10 h
    assert due == bj(2026, 10, 10, 10)
    assert (before.level, before.overdue_periods) == ("breached", 0)
    assert (after.level, after.overdue_periods) == ("breached", 1)


# ------------------------------------------------------------------------------------ the selector


def test_overrides_of_a_date_range_load_in_one_query(db, django_assert_num_queries):
    # given
    WorkingDayOverride.objects.create(date=dt.date(2027, 1, 1), is_working_day=False, name="元旦")
    WorkingDayOverride.objects.create(date=dt.date(2027, 2, 20), is_working_day=True, name="调休上班")
    WorkingDayOverride.objects.create(date=dt.date(2027, 6, 1), is_working_day=False, name="范围外")

    # when: one load, then every question the clocks ask
    with django_assert_num_queries(1):
        calendar = working_calendar_load(first=dt.date(2026, 12, 1), last=dt.date(2027, 3, 31))
        due = add_working_days(bj(2026, 12, 31, 10), 1, calendar)
        saturday = calendar.is_working_day(dt.date(2027, 2, 20))
        verify = state(VERIFY, bj(2026, 12, 31, 10), bj(2027, 1, 2), calendar=calendar)

    # then
    assert dict(calendar.overrides) == {dt.date(2027, 1, 1): False, dt.date(2027, 2, 20): True}
    assert due == bj(2027, 1, 4, 10)
    assert saturday is True
    assert (verify.due_at, verify.elapsed_fraction) == (bj(2027, 1, 4, 10), 14 / 24)
    with pytest.raises(CalendarRangeError):
        calendar.is_working_day(dt.date(2027, 6, 1))


# ------------------------------------------------------------------------------------------- admin


@pytest.fixture
def city_official(world: World):
    return official_create(username="official_city", password=PASSWORD, region_code="370200").user


@pytest.fixture
def new_year(world: World) -> WorkingDayOverride:
    return WorkingDayOverride.objects.create(date=dt.date(2027, 1, 1), is_working_day=True, name="待定")


def change_url(override: WorkingDayOverride) -> str:
    return f"/admin/registry/workingdayoverride/{override.pk}/change/"


def test_a_city_official_edits_an_override(city_official, new_year: WorkingDayOverride):
    # given
    client = browser_as(city_official)

    # when: New Year's Day 2027 becomes a holiday (the box "工作日" left unticked)
    response = client.post(change_url(new_year), {"date": "2027-01-01", "name": "元旦"})

    # then
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    new_year.refresh_from_db()
    assert (new_year.is_working_day, new_year.name, new_year.updated_by) == (False, "元旦", city_official)
    event = AuditEvent.objects.get(verb="workingdayoverride.change", target_id=str(new_year.pk))
    assert (event.actor, event.data) == (city_official, {"fields": ["is_working_day", "name"]})


def test_a_city_official_adds_an_override(city_official):
    # given
    client = browser_as(city_official)

    # when
    response = client.post(
        "/admin/registry/workingdayoverride/add/",
        {"date": "2027-02-20", "is_working_day": "on", "name": "调休上班"},
    )

    # then
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    added = WorkingDayOverride.objects.get(date=dt.date(2027, 2, 20))
    assert (added.is_working_day, added.name, added.updated_by) == (True, "调休上班", city_official)


@pytest.mark.parametrize("who", ["official_a", "official_district", "firm_a"])
def test_other_staff_see_the_calendar_but_their_post_is_refused(world: World, new_year, who: str):
    # given
    client = browser_as(getattr(world, who))
    before = database_state()

    # when
    listing = client.get("/admin/registry/workingdayoverride/")
    page = client.get(change_url(new_year))
    change = client.post(change_url(new_year), {"date": "2027-01-01", "name": "元旦"})
    add = client.post(
        "/admin/registry/workingdayoverride/add/", {"date": "2027-02-20", "is_working_day": "on", "name": "x"}
    )
    delete = client.post(f"/admin/registry/workingdayoverride/{new_year.pk}/delete/", {"post": "yes"})

    # then: read-only page, every write refused, nothing changed
    assert listing.status_code == HTTPStatus.OK
    assert list(listing.context["cl"].result_list) == [new_year]
    assert page.status_code == HTTPStatus.OK
    assert page.context["has_change_permission"] is False
    assert (change.status_code, add.status_code, delete.status_code) == (HTTPStatus.FORBIDDEN,) * 3
    assert database_state() == before


def test_an_owner_has_no_calendar_page(world: World, new_year):
    # when
    response = browser_as(world.alice).get("/admin/registry/workingdayoverride/")

    # then: not staff: sent to the login page
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/admin/login/")


def test_the_year_filter_lists_one_year(city_official, new_year):
    # given
    national_day = WorkingDayOverride.objects.create(
        date=dt.date(2026, 10, 1), is_working_day=False, name="国庆节"
    )
    client = browser_as(city_official)

    # when
    all_years = client.get("/admin/registry/workingdayoverride/")
    only_2026 = client.get("/admin/registry/workingdayoverride/", {"year": "2026"})
    bad = client.get("/admin/registry/workingdayoverride/", {"year": "abc"})

    # then
    assert list(all_years.context["cl"].result_list) == [national_day, new_year]
    assert list(only_2026.context["cl"].result_list) == [national_day]
    year_choices = [
        c["display"] for c in all_years.context["cl"].filter_specs[0].choices(all_years.context["cl"])
    ]
    assert year_choices[1:] == ["2027", "2026"]
    assert bad.status_code == HTTPStatus.FOUND  # Django's "?e=1": an invalid filter value
    assert "e=1" in bad["Location"]


def test_the_calendar_page_warns_of_a_year_nobody_has_entered(world: World, city_official):
    # given: 4 December 2026 — the library knows 2026, not 2027; no override for 2027 yet
    today = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    client = browser_as(city_official)

    # when
    with mock.patch("django.utils.timezone.now", return_value=today):
        before = [str(m) for m in client.get("/admin/registry/workingdayoverride/").context["messages"]]
        WorkingDayOverride.objects.create(date=dt.date(2027, 1, 1), is_working_day=False, name="元旦")
        after = [str(m) for m in client.get("/admin/registry/workingdayoverride/").context["messages"]]

    # then
    assert calendar_years_missing(today=dt.date(2026, 12, 4)) == []
    assert len(before) == 1 and before[0].startswith("节假日库尚无 2027 年数据")
    assert after == []
