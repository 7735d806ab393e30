"""Monthly figures (complaints.md "Figures"): a hand-computed November 2026 built through the services on a
stopped clock, in compound A (中韩街道 370212001) and compound B (沙子口街道 370212002); sums up the hierarchy,
never averages; the 5-rating rule; the month close's immutable, idempotent snapshot; the API's permission
matrix and its constant query count.

November (T = Mon 2 Nov 09:00 Beijing; all minor environment snaps at the butler unless said):
  A1  accepted +10 min, dispatched +20, resolved +2 h, verified, rated satisfied & solved, return visit
  A2  elevator complaint (general → committee), rejected by the committee at +25 min (respond late)
  A3  cancelled by alice at +5 min
  A4  merged into A1 at +10 min
  B1  accepted +30 min, dispatched +40 (both late); resolve breached → 督办 to the committee; resolved by the
      street office after 2 days; verified late; rated unsatisfied, not solved
  B2  on time throughout; rated basically satisfied, solved
  B3  on time; rated satisfied, then reworked (round 2, its rating withdrawn)
Every clock still running is checked on 20 November: the return visits of B1, B2 and B3 are breached.
"""

import datetime as dt
import io
import json
import re
from contextlib import contextmanager
from http import HTTPStatus
from unittest import mock

import openpyxl
import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complaints.figures import (
    CELL_COUNTERS,
    month_start,
    present,
    rate_text,
    region_month,
    region_trend,
    rollup,
    rollup_live,
)
from complaints.models import ComplaintMonthFigure, FigureCell
from complaints.services.cases import (
    complaint_file,
    complaint_rate,
    complaint_return_visit,
    complaint_transition,
)
from complaints.services.clocks import clocks_check_due
from complaints.services.figures import complaint_month_close, figure_cells_rebuild
from config.errors import ApplicationError
from registry.models import Region
from tests.conftest import api_as

BJ = dt.timezone(dt.timedelta(hours=8))
T = dt.datetime(2026, 11, 2, 9, 0, tzinfo=BJ)
NOVEMBER = dt.date(2026, 11, 1)
STATS = "/api/v1/stats/complaints/"
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@contextmanager
def at(moment: dt.datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _file(user, compound, when, *, kind="snap", category="environment"):
    with at(when):
        return complaint_file(
            actor=user, compound=compound, kind=kind, category_code=category, description="问题描述"
        )


def _move(user, case, when, to, note="", **kw):
    with at(when):
        return complaint_transition(actor=user, complaint=case, to=to, note=note, **kw)


def _handled(handler, reviewer, case, filed, *, respond, dispatch, resolve, verify):
    """Accept, dispatch, start, resolve, verify at the given offsets from filing."""
    _move(handler, case, filed + respond, "accepted")
    _move(handler, case, filed + dispatch, "dispatched")
    _move(handler, case, filed + dispatch + MIN, "in_progress")
    _move(handler, case, filed + resolve, "resolved", "已处理")
    _move(reviewer, case, filed + verify, "verified")


def _rate(user, case, when, satisfaction, solved):
    with at(when):
        complaint_rate(actor=user, complaint=case, satisfaction=satisfaction, solved=solved)


def november(w):
    """Build the month of the module docstring; returns the cases by name."""
    a, b = w.compound_a, w.compound_b
    cases = {}
    cases["A1"] = _file(w.alice, a, T)
    _move(w.firm_a, cases["A1"], T + 10 * MIN, "accepted")
    _move(w.firm_a, cases["A1"], T + 20 * MIN, "dispatched")
    _move(w.firm_a, cases["A1"], T + 21 * MIN, "in_progress")
    cases["A2"] = _file(w.alice, a, T + 5 * MIN, kind="complaint", category="elevator")
    _move(w.bob, cases["A2"], T + 30 * MIN, "rejected", "不属于本小区事务")
    cases["A3"] = _file(w.alice, a, T + HOUR)
    _move(w.alice, cases["A3"], T + HOUR + 5 * MIN, "cancelled")
    cases["A4"] = _file(w.alice, a, T + 2 * HOUR)
    _move(w.firm_a, cases["A4"], T + 2 * HOUR + 10 * MIN, "merged", merged_into=cases["A1"])
    _move(w.firm_a, cases["A1"], T + 3 * HOUR, "resolved", "已清运")
    _move(w.official_a, cases["A1"], T + 4 * HOUR, "verified")
    _rate(w.alice, cases["A1"], T + 5 * HOUR, "satisfied", True)

    cases["B1"] = _file(w.carol, b, T)
    _move(w.firm_b, cases["B1"], T + 30 * MIN, "accepted")
    _move(w.firm_b, cases["B1"], T + 40 * MIN, "dispatched")
    _move(w.firm_b, cases["B1"], T + 45 * MIN, "in_progress")
    cases["B2"] = _file(w.carol, b, T + HOUR)
    _handled(
        w.firm_b,
        w.official_b,
        cases["B2"],
        T + HOUR,
        respond=5 * MIN,
        dispatch=10 * MIN,
        resolve=HOUR,
        verify=2 * HOUR,
    )
    _rate(w.carol, cases["B2"], T + 4 * HOUR, "basically_satisfied", True)
    cases["B3"] = _file(w.carol, b, T + 2 * HOUR)
    _handled(
        w.firm_b,
        w.official_b,
        cases["B3"],
        T + 2 * HOUR,
        respond=5 * MIN,
        dispatch=10 * MIN,
        resolve=HOUR,
        verify=2 * HOUR,
    )
    _rate(w.carol, cases["B3"], T + 5 * HOUR, "satisfied", True)

    with at(T + DAY):
        complaint_return_visit(actor=w.official_a, complaint=cases["A1"], note="已电话回访，业主满意")
    with at(T + DAY + MIN):
        clocks_check_due(now=T + DAY + MIN)  # B1's resolve clock is breached: 督办 to the committee
    _move(w.carol, cases["B3"], T + DAY + 2 * HOUR, "in_progress", "又满了")  # rework: round 2
    _move(w.official_b, cases["B1"], T + 2 * DAY, "resolved", "已协调处理")
    _move(w.official_b, cases["B1"], T + 2 * DAY + HOUR, "verified")
    _rate(w.carol, cases["B1"], T + 2 * DAY + 2 * HOUR, "unsatisfied", False)
    late = dt.datetime(2026, 11, 20, 12, 0, tzinfo=BJ)
    with at(late):
        clocks_check_due(now=late)
    return cases


def _pair(num, den):
    return {"numerator": num, "denominator": den, "rate": rate_text(num, den)}


ZERO_KINDS = {"complaint": 0, "snap": 0, "repair": 0, "suggestion": 0, "praise": 0}
ZERO_TIERS = {"butler": 0, "committee": 0, "street": 0}
ZERO_SEVERITIES = {"minor": 0, "general": 0, "major": 0}

COUNTS_A = {
    "cases": 4,
    "by_kind": ZERO_KINDS | {"snap": 3, "complaint": 1},
    "by_category": {"environment": 3, "elevator": 1},
    "by_tier": ZERO_TIERS | {"butler": 3, "committee": 1},
    "by_severity": ZERO_SEVERITIES | {"minor": 3, "general": 1},
    "rejected": 1,
    "merged": 1,
    "cancelled": 1,
    "reopened": 0,
    "escalations": 0,
    "ratings": {"satisfied": 1, "basically_satisfied": 0, "unsatisfied": 0},
}
RATES_A = {
    "response": _pair(3, 4),  # A2 answered after 25 minutes
    "on_time_resolution": _pair(4, 4),  # a rejection, a cancellation and a merge stop the clock in time
    "solved": _pair(1, 1),
    "satisfaction": _pair(1, 1),
    "return_visit": _pair(1, 1),
    "breaches": _pair(1, 20),  # A2's respond clock
}
COUNTS_B = {
    "cases": 3,
    "by_kind": ZERO_KINDS | {"snap": 3},
    "by_category": {"environment": 3},
    "by_tier": ZERO_TIERS | {"butler": 3},
    "by_severity": ZERO_SEVERITIES | {"minor": 3},
    "rejected": 0,
    "merged": 0,
    "cancelled": 0,
    "reopened": 1,
    "escalations": 1,
    "ratings": {"satisfied": 0, "basically_satisfied": 1, "unsatisfied": 1},
}
RATES_B = {
    "response": _pair(2, 3),
    "on_time_resolution": _pair(2, 3),
    "solved": _pair(1, 2),
    "satisfaction": _pair(1, 2),  # basically satisfied counts (the default)
    "return_visit": _pair(0, 2),  # B3 is open again
    "breaches": _pair(7, 15),  # B1: all five; B2 and B3: the return visit
}


def test_rate_text_rounds_down():
    assert [rate_text(7, 8), rate_text(2, 3), rate_text(5, 7), rate_text(1, 1), rate_text(0, 0)] == [
        "87.50%",
        "66.66%",
        "71.42%",
        "100.00%",
        None,
    ]


def test_a_hand_computed_month_at_compound_street_and_district(cworld):
    # given
    november(cworld)
    district = Region.objects.get(code="370212")

    # when
    rm = region_month(region=district, month=NOVEMBER)
    names = {"environment": "环境卫生", "elevator": "电梯"}
    own = present(rm.own.figures, categories=names)
    streets = {c.code: present(c.figures, categories=names) for c in rm.children}
    a_community = region_month(region=Region.objects.get(code="370212001001"), month=NOVEMBER)
    compound_a = present(a_community.children[0].figures, categories=names)

    # then: the compound and its street agree with the hand count
    assert (compound_a["counts"], compound_a["rates"]) == (COUNTS_A, RATES_A)
    assert (streets["370212001"]["counts"], streets["370212001"]["rates"]) == (COUNTS_A, RATES_A)
    assert (streets["370212002"]["counts"], streets["370212002"]["rates"]) == (COUNTS_B, RATES_B)
    # and the district sums numerators and denominators
    assert own["counts"]["cases"] == 7
    assert own["counts"]["by_kind"] == ZERO_KINDS | {"snap": 6, "complaint": 1}
    assert own["counts"]["by_category"] == {"environment": 6, "elevator": 1}
    assert [own["counts"][k] for k in ("rejected", "merged", "cancelled", "reopened", "escalations")] == [
        1,
        1,
        1,
        1,
        1,
    ]
    assert own["rates"] == {
        "response": _pair(5, 7),
        "on_time_resolution": _pair(6, 7),
        "solved": _pair(2, 3),
        "satisfaction": _pair(2, 3),
        "return_visit": _pair(1, 3),
        "breaches": _pair(8, 35),
    }
    # averaging the streets' satisfaction (100 % and 50 %) would say 75 %; the sum says 2 of 3
    assert own["rates"]["satisfaction"]["rate"] == "66.66%"
    assert own["rates"]["response"]["rate"] == "71.42%"  # 5/7 = 71.428…, rounded down
    # fewer than 5 ratings per category: no breakdown
    assert own["satisfaction_by_category"] == [
        {
            "category": "environment",
            "name": "环境卫生",
            "numerator": None,
            "denominator": None,
            "rate": None,
            "suppressed": True,
        }
    ]


def test_basically_satisfied_may_be_left_out_by_the_setting(cworld, settings):
    # given
    november(cworld)
    settings.COMPLAINTS_BASICALLY_COUNTS_AS_SATISFIED = False

    # when
    rm = region_month(region=Region.objects.get(code="370212002"), month=NOVEMBER)

    # then
    assert present(rm.own.figures, categories={})["rates"]["satisfaction"] == _pair(0, 2)


def _rated_case(w, when, satisfaction):
    case = _file(w.alice, w.compound_a, when)
    _handled(
        w.firm_a, w.official_a, case, when, respond=5 * MIN, dispatch=10 * MIN, resolve=HOUR, verify=2 * HOUR
    )
    _rate(w.alice, case, when + 3 * HOUR, satisfaction, True)


def test_a_category_breakdown_is_shown_from_five_ratings(cworld):
    # given: four ratings, then a fifth
    ratings = ["satisfied", "satisfied", "unsatisfied", "basically_satisfied", "satisfied"]
    for i, satisfaction in enumerate(ratings[:4]):
        _rated_case(cworld, T + i * DAY, satisfaction)
    street = Region.objects.get(code="370212001")
    names = {"environment": "环境卫生"}
    four = present(region_month(region=street, month=NOVEMBER).own.figures, categories=names)

    # when
    _rated_case(cworld, T + 4 * DAY, ratings[4])
    five = present(region_month(region=street, month=NOVEMBER).own.figures, categories=names)

    # then
    assert four["satisfaction_by_category"][0]["suppressed"] is True
    assert four["satisfaction_by_category"][0]["rate"] is None
    assert five["satisfaction_by_category"] == [
        {
            "category": "environment",
            "name": "环境卫生",
            "numerator": 4,
            "denominator": 5,
            "rate": "80.00%",
            "suppressed": False,
        }
    ]


def test_month_close_writes_immutable_rows_once(cworld):
    # given
    november(cworld)
    now = dt.datetime(2026, 12, 1, 2, 0, tzinfo=BJ)
    regions = Region.objects.count()

    # when
    written = complaint_month_close(month=NOVEMBER, now=now)
    again = complaint_month_close(month=NOVEMBER, now=now + HOUR)

    # then: a row per compound (2) and per region, once
    assert (written, again) == (2 + regions, 0)
    assert ComplaintMonthFigure.objects.filter(month=NOVEMBER).count() == 2 + regions
    district = ComplaintMonthFigure.objects.get(month=NOVEMBER, region__code="370212")
    assert (district.figures["cases"], district.figures["satisfaction.num"], district.adjustments) == (
        7,
        2,
        {},
    )
    with pytest.raises(IntegrityError, match="UPDATE refused"), transaction.atomic():
        ComplaintMonthFigure.objects.filter(pk=district.pk).update(figures={})
    with pytest.raises(IntegrityError, match="DELETE refused"), transaction.atomic():
        ComplaintMonthFigure.objects.filter(pk=district.pk).delete()
    with pytest.raises(IntegrityError, match="month_figure_region_once"), transaction.atomic():
        ComplaintMonthFigure.objects.create(month=NOVEMBER, region=district.region, computed_at=now)


def test_a_month_not_yet_ended_is_not_closed(cworld):
    with pytest.raises(ApplicationError) as refused:
        complaint_month_close(month=NOVEMBER, now=dt.datetime(2026, 11, 30, 23, 59, tzinfo=BJ))
    assert refused.value.code == "month_not_ended"
    assert ComplaintMonthFigure.objects.count() == 0


def test_an_older_month_is_not_closed_after_a_later_one(cworld):
    # given
    complaint_month_close(month=NOVEMBER, now=dt.datetime(2026, 12, 1, 2, 0, tzinfo=BJ))
    rows = ComplaintMonthFigure.objects.count()

    # when
    with pytest.raises(ApplicationError) as refused:
        complaint_month_close(month=dt.date(2026, 10, 1), now=dt.datetime(2026, 12, 1, 3, 0, tzinfo=BJ))

    # then: adjustments are measured from the latest close; nothing written
    assert refused.value.code == "month_out_of_order"
    assert ComplaintMonthFigure.objects.count() == rows


def test_the_beat_task_closes_the_month_just_ended_once(cworld):
    # given
    from complaints.tasks import close_month

    november(cworld)

    # when: the beat fires on 1 December at 02:00 Beijing, and once more
    with at(dt.datetime(2026, 12, 1, 2, 0, tzinfo=BJ)):
        close_month()
        close_month()

    # then
    assert set(ComplaintMonthFigure.objects.values_list("month", flat=True)) == {NOVEMBER}
    assert ComplaintMonthFigure.objects.get(region__code="370212").figures["cases"] == 7


def test_a_closed_month_reads_its_snapshot_and_late_changes_adjust_the_next_month(cworld):
    # given: November closed, then in December B3 is resolved again, verified and rated satisfied
    cases = november(cworld)
    complaint_month_close(month=NOVEMBER, now=dt.datetime(2026, 12, 1, 2, 0, tzinfo=BJ))
    december = dt.datetime(2026, 12, 3, 10, 0, tzinfo=BJ)
    _move(cworld.firm_b, cases["B3"], december, "resolved", "已清运")
    _move(cworld.official_b, cases["B3"], december + HOUR, "verified")
    _rate(cworld.carol, cases["B3"], december + 2 * HOUR, "satisfied", True)
    street_b = Region.objects.get(code="370212002")

    # when
    closed = region_month(region=street_b, month=NOVEMBER)
    live = region_month(region=street_b, month=dt.date(2026, 12, 1))

    # then: November stays as it was closed; December carries the change as adjustments
    assert closed.closed is True
    assert present(closed.own.figures, categories={})["rates"]["satisfaction"] == _pair(1, 2)
    assert live.closed is False
    assert live.own.figures == {}
    adjustments = present(live.own.adjustments, categories={}, deltas=True)
    assert adjustments["rates"]["satisfaction"] == {"numerator": 1, "denominator": 1}
    assert adjustments["rates"]["solved"] == {"numerator": 1, "denominator": 1}
    assert adjustments["rates"]["return_visit"] == {"numerator": 0, "denominator": 1}
    assert adjustments["counts"]["cases"] == 0
    # the trend reads November from its snapshot too, and the API says it is closed
    trend = region_trend(region=street_b, last=dt.date(2026, 12, 1), months=2)
    assert [(m, c.get("satisfaction.num"), c.get("satisfaction.den")) for m, c in trend] == [
        (NOVEMBER, 1, 2),
        (dt.date(2026, 12, 1), None, None),
    ]
    body = api_as(cworld.official_b).get(STATS, {"region": "370212002", "month": "2026-11"}).json()
    assert (body["closed"], body["computed_at"]) == (True, "2026-12-01T02:00:00+08:00")
    assert body["region"]["rates"]["satisfaction"] == {"numerator": 1, "denominator": 2, "rate": "50.00%"}


# ------------------------------------------------------------------------------------------- the API


@pytest.mark.parametrize(
    ("who", "region", "expected"),
    [
        (None, "370212001", HTTPStatus.UNAUTHORIZED),
        ("alice", "370212001", HTTPStatus.FORBIDDEN),
        ("firm_a", "370212001", HTTPStatus.FORBIDDEN),
        ("bob", "370212001", HTTPStatus.FORBIDDEN),  # the committee director
        ("official_b", "370212001", HTTPStatus.NOT_FOUND),
        ("official_a", "370212", HTTPStatus.NOT_FOUND),  # above one's own street
        ("official_a", "999999", HTTPStatus.NOT_FOUND),
        ("official_a", "370212001", HTTPStatus.OK),
        ("official_district", "370212001", HTTPStatus.OK),
    ],
)
def test_stats_permission_matrix(cworld, who, region, expected):
    # when
    user = getattr(cworld, who) if who else None
    response = api_as(user).get(STATS, {"region": region, "month": "2026-11"})

    # then
    assert response.status_code == expected


def test_stats_api_body(cworld):
    # given
    november(cworld)

    # when
    body = api_as(cworld.official_district).get(STATS, {"region": "370212", "month": "2026-11"}).json()

    # then
    assert (body["month"], body["closed"], body["computed_at"]) == ("2026-11", False, None)
    assert body["region"]["code"] == "370212"
    assert body["region"]["rates"]["satisfaction"] == {"numerator": 2, "denominator": 3, "rate": "66.66%"}
    assert body["region"]["adjustments"] is None  # no month closed yet
    assert [(c["code"], c["counts"]["cases"], c["rates"]["response"]) for c in body["children"]] == [
        ("370212001", 4, {"numerator": 3, "denominator": 4, "rate": "75.00%"}),
        ("370212002", 3, {"numerator": 2, "denominator": 3, "rate": "66.66%"}),
    ]


def test_stats_api_refuses_a_malformed_or_future_month(cworld):
    for month in ("2026-13", "202611", "2099-01"):
        response = api_as(cworld.official_a).get(STATS, {"region": "370212001", "month": month})
        assert (response.status_code, response.json()["code"]) == (HTTPStatus.BAD_REQUEST, "invalid")


def _queries(user, params):
    client = api_as(user)
    client.get(STATS, params)  # warm per-process caches (SQL text, permission ids)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(STATS, params)
    assert response.status_code == HTTPStatus.OK
    return len(ctx.captured_queries)


def test_stats_api_query_count_does_not_grow_with_cases(cworld):
    # given
    params = {"region": "370212", "month": "2026-11"}
    before = _queries(cworld.official_district, params)

    # when
    november(cworld)
    after = _queries(cworld.official_district, params)

    # then
    assert after == before


# ------------------------------------------------------------------------------------------- the page


PAGE = "/complaints/figures/"


def _page(user, params=None, path=PAGE):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(path, params or {})


@pytest.mark.parametrize(
    ("who", "region", "expected"),
    [
        ("alice", "370212001", HTTPStatus.FORBIDDEN),
        ("firm_a", "370212001", HTTPStatus.FORBIDDEN),
        ("official_b", "370212001", HTTPStatus.NOT_FOUND),
        ("official_a", "370212001", HTTPStatus.OK),
    ],
)
def test_figures_page_permission_matrix(cworld, who, region, expected):
    assert _page(getattr(cworld, who), {"region": region}).status_code == expected
    assert _page(getattr(cworld, who), {"region": region}, PAGE + "export.xlsx").status_code == expected


def test_figures_page_asks_anonymous_visitors_to_log_in(cworld):
    response = _page(None)
    assert (response.status_code, response["Location"]) == (
        HTTPStatus.FOUND,
        "/accounts/login/?next=/complaints/figures/",
    )


def test_figures_page_shows_rates_trend_and_ranking_with_local_echarts_and_no_inline_script(cworld):
    # given
    november(cworld)

    # when
    response = _page(cworld.official_district, {"region": "370212", "month": "2026-11", "rank": "response"})

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "崂山区 2026-11 投诉与报事统计" in html
    assert "<td>71.42%</td>" in html  # response 5/7 in the rates table
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "cdn" not in html.lower()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    data = json.loads(re.search(r'<script id="figures-data" type="application/json">(.*?)</script>', html)[1])
    assert data["trend"]["months"][-1] == "2026-11"
    assert len(data["trend"]["months"]) == 12
    assert data["trend"]["series"][0] == {
        "name": "响应及时率",
        "data": [None] * 11 + [71.42],
    }
    assert data["ranking"] == {
        "label": "响应及时率",
        "names": ["中韩街道", "沙子口街道"],
        "values": [75.0, 66.66],
    }


def test_figures_xlsx_has_the_tables_and_text_is_never_a_formula(cworld):
    # given: a community whose name looks like a formula
    november(cworld)
    Region.objects.filter(code="370212001001").update(name='=HYPERLINK("http://x")')

    # when
    response = _page(cworld.official_a, {"region": "370212001", "month": "2026-11"}, PAGE + "export.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(response.content))

    # then
    assert wb.sheetnames == ["本月指标", "案件分类", "月度趋势", "下级排名"]
    rates = [[c.value for c in row] for row in wb["本月指标"].iter_rows(min_row=4, max_row=4)]
    assert rates == [["响应及时率", 3, 4, "75.00%", "响应时限内答复的案件 / 响应时限已停止的案件"]]
    ranked = wb["下级排名"]["B4"]
    assert (ranked.value, ranked.data_type, ranked.quotePrefix) == ('=HYPERLINK("http://x")', "s", True)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []


# ------------------------------------------------------------------------------------------- figure cells


def _cells() -> set[tuple]:
    return set(
        FigureCell.objects.exclude(cases=0).values_list(
            "compound_id", "month", "dim", "value", *CELL_COUNTERS
        )
    )


def test_the_figure_cells_kept_by_the_trigger_equal_the_figures_computed_from_the_cases(cworld):
    # given: the worked November, then December's rework of B3 (a change to a case of an earlier month)
    cases = november(cworld)
    december = dt.datetime(2026, 12, 3, 10, 0, tzinfo=BJ)
    _move(cworld.firm_b, cases["B3"], december, "resolved", "已清运")
    _file(cworld.alice, cworld.compound_a, december)
    start, end = month_start(NOVEMBER), month_start(dt.date(2027, 1, 1))

    # when
    read = [rollup(start=start, end=end, path=p, by_month=m) for p in ("", "370200/") for m in (False, True)]
    computed = [
        rollup_live(start=start, end=end, path=p, by_month=m) for p in ("", "370200/") for m in (False, True)
    ]

    # then: the same counters, month by month and summed, as the cases give
    assert [r.counters for r in read] == [r.counters for r in computed]
    assert read[0].counters[(None, cworld.compound_b.pk)]["cases"] == 3
    assert read[1].counters[(NOVEMBER, cworld.compound_a.pk)]["cases"] == 4
    assert read[1].counters[(dt.date(2026, 12, 1), cworld.compound_a.pk)]["cases"] == 1
    # and the rebuild from the cases finds exactly the cells the trigger kept
    kept = _cells()
    assert figure_cells_rebuild() == FigureCell.objects.count()
    assert _cells() == kept


def test_a_change_written_straight_in_sql_moves_the_cells_too(cworld):
    # given: one case filed in November
    case = _file(cworld.alice, cworld.compound_a, T)
    cell = FigureCell.objects.get(compound=cworld.compound_a, month=NOVEMBER, dim="")
    assert (cell.cases, cell.rated, cell.rated_satisfied) == (1, 0, 0)

    # when: rated and moved to December by hand, bypassing every service
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE complaints_complaint SET satisfaction = 'satisfied', solved = true, submitted_at = %s "
            "WHERE id = %s",
            [dt.datetime(2026, 12, 1, 0, 0, tzinfo=BJ), case.pk],
        )

    # then: November is empty again and December holds the case with its rating
    cell.refresh_from_db()
    assert (cell.cases, cell.rated) == (0, 0)
    moved = FigureCell.objects.get(compound=cworld.compound_a, month=dt.date(2026, 12, 1), dim="")
    assert (moved.cases, moved.rated, moved.rated_satisfied, moved.solved) == (1, 1, 1, 1)
    by_category = FigureCell.objects.get(
        compound=cworld.compound_a, month=dt.date(2026, 12, 1), dim="category", value=str(case.category_id)
    )
    assert (by_category.cases, by_category.rated_satisfied) == (1, 1)


def test_bounds_inside_a_month_are_computed_from_the_cases(cworld):
    # given
    november(cworld)
    start, end = T - HOUR, T + HOUR + MIN  # A1, A2 and B1 (09:00 and 09:05), A3 and B2 (10:00)

    # when
    r = rollup(start=start, end=end)

    # then
    assert r.counters == rollup_live(start=start, end=end).counters
    assert r.counters[(None, cworld.compound_a.pk)]["cases"] == 3
    assert r.counters[(None, cworld.compound_b.pk)]["cases"] == 2
