"""Deadlines and on-time figures on a hand-computed month, with the clock passed in (`now=`).

October 2026's statements are due by 15 November (DISCLOSURE_DUE_DAY=15), that is before 16 November 00:00
Beijing time. Five compounds in 崂山区:
    逸景公馆 A  (firm A, 中韩街道)   published 10 Nov 10:00        → on time
    C          (firm A, 中韩街道)   published 15 Nov 23:59:59     → on time (the last second)
    E          (no firm, 中韩街道)  —                               → not due
    海韵小区 B  (firm B, 沙子口街道) nothing                         → missing
    D          (firm B, 沙子口街道) published 17 Nov 09:00        → late
崂山区: due 4, on time 2, late 1, missing 1 → 2/4 = 50.00%; 中韩街道 2/2 = 100.00%; 沙子口街道 0/2 = 0.00%."""

import datetime as dt
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from disclosure.figures import disclosure_month, due_on, figures_body
from disclosure.models import OverdueFlag
from disclosure.services.deadlines import disclosure_flag_overdue
from disclosure.services.records import disclosure_create, disclosure_publish
from registry.models import Compound, Firm, FirmStaff, Message, Region
from tests.conftest import FIRM_A, FIRM_B, api_as
from tests.disclosure.conftest import content_of, statement

BJ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=BJ)


def _statement(user, compound, when):
    d = disclosure_create(
        actor=user,
        compound=compound,
        kind="operating_statement",
        period="2026-10",
        data=content_of(statement()),
    )
    return disclosure_publish(actor=user, disclosure=d, now=when)


@pytest.fixture
def month(dworld):
    zh = Region.objects.get(code="370212001001")
    sz = Region.objects.get(code="370212002001")
    firm_a, firm_b = Firm.objects.get(uscc=FIRM_A), Firm.objects.get(uscc=FIRM_B)
    c = Compound.objects.create(code="QD-370212-0003", name="丙小区", community=zh, property_firm=firm_a)
    d = Compound.objects.create(code="QD-370212-0004", name="丁小区", community=sz, property_firm=firm_b)
    Compound.objects.create(code="QD-370212-0005", name="戊小区", community=zh)
    FirmStaff.objects.get(user=dworld.firm_a).compounds.add(c)
    FirmStaff.objects.get(user=dworld.firm_b).compounds.add(d)
    _statement(dworld.firm_a, dworld.compound_a, at(10, 10))
    _statement(dworld.firm_a, c, at(15, 23, 59, 59))
    return dworld, c, d


def test_the_due_day_is_a_setting_and_clamped_to_the_month():
    assert due_on("2026-10") == dt.date(2026, 11, 15)
    with override_settings(DISCLOSURE_DUE_DAY=31):
        assert due_on("2027-01") == dt.date(2027, 2, 28)


def test_before_the_due_day_the_unpublished_are_pending(month):
    world, _c, d = month
    m = disclosure_month(user=world.official_district, month_text="2026-10", now=at(12))
    body = figures_body(m)
    assert body["due_on"] == "2026-11-15"
    own = body["region"]
    assert (own["due"], own["on_time"], own["late"], own["missing"], own["pending"]) == (4, 1, 0, 0, 3)


def test_a_hand_computed_month(month):
    # given: D published late, B never
    world, _c, d = month
    _statement(world.firm_b, d, at(17, 9))
    # when
    body = figures_body(disclosure_month(user=world.official_district, month_text="2026-10", now=at(20)))
    # then
    own = body["region"]
    assert (own["code"], own["level"]) == ("370212", "district")
    assert (own["due"], own["on_time"], own["late"], own["missing"], own["pending"]) == (4, 2, 1, 1, 0)
    assert own["on_time_rate"] == {"numerator": 2, "denominator": 4, "rate": "50.00%"}
    streets = {c["code"]: c for c in body["children"]}
    assert streets["370212001"]["on_time_rate"] == {"numerator": 2, "denominator": 2, "rate": "100.00%"}
    assert streets["370212002"]["on_time_rate"] == {"numerator": 0, "denominator": 2, "rate": "0.00%"}
    assert (streets["370212002"]["late"], streets["370212002"]["missing"]) == (1, 1)


def test_a_community_lists_its_compounds_with_their_state(month):
    world, c, d = month
    _statement(world.firm_b, d, at(17, 9))
    body = figures_body(
        disclosure_month(user=world.official_b, region_code="370212002001", month_text="2026-10", now=at(20))
    )
    assert [(x["code"], x["level"], x["state"]) for x in body["children"]] == [
        ("QD-370212-0002", "compound", "missing"),
        ("QD-370212-0004", "compound", "late"),
    ]


def test_a_correction_keeps_the_first_publication_time(month):
    # given: A's statement corrected after the due day
    from disclosure.models import Disclosure
    from disclosure.services.records import disclosure_correct

    world, _c, _d = month
    original = Disclosure.objects.get(compound=world.compound_a, period="2026-10")
    payload = content_of(statement(income="8500.00", owners="5390.00", firm="2310.00", closing="17390.00"))
    payload["lines"][1]["amount"] = "5500.00"
    fix = disclosure_correct(actor=world.firm_a, disclosure=original, reason="停车收入少记", data=payload)
    disclosure_publish(actor=world.firm_a, disclosure=fix, now=at(25))
    # then: still on time
    body = figures_body(
        disclosure_month(user=world.official_a, region_code="370212001001", month_text="2026-10", now=at(26))
    )
    states = {x["code"]: x["state"] for x in body["children"]}
    assert states["QD-370212-0001"] == "on_time"


def test_the_overdue_job_waits_for_the_due_day_then_flags_and_notifies_once(month):
    world, _c, d = month
    # before the end of the due day: nothing
    assert disclosure_flag_overdue(now=at(15, 23, 59)) == 0
    assert OverdueFlag.objects.count() == 0
    # when: the morning after
    assert disclosure_flag_overdue(now=at(16, 9, 5)) == 2
    # then: B and D flagged; the firm, and the street office over them (official_b) told
    flags = sorted(OverdueFlag.objects.values_list("compound__code", "period", "due_on"))
    assert flags == [
        ("QD-370212-0002", "2026-10", dt.date(2026, 11, 15)),
        ("QD-370212-0004", "2026-10", dt.date(2026, 11, 15)),
    ]
    keys = sorted(
        Message.objects.filter(key__startswith="disclosure:overdue:").values_list("user__username", flat=True)
    )
    assert keys == ["firm_b", "firm_b", "official_b", "official_b"]
    # a second run flags and sends nothing
    assert disclosure_flag_overdue(now=at(16, 10)) == 0
    assert Message.objects.filter(key__startswith="disclosure:overdue:").count() == 4


def test_the_committee_hears_of_an_overdue_statement(dworld):
    # A's committee (bob) and firm_a and official_a are told when A's statement is missing
    assert disclosure_flag_overdue(now=at(16, 9, 5)) == 2
    told = set(
        Message.objects.filter(key__contains=f":{dworld.compound_a.pk}:2026-10:").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"firm_a", "bob", "official_a"}


def test_the_stats_api_for_officials(month):
    world, _c, d = month
    _statement(world.firm_b, d, at(17, 9))
    response = api_as(world.official_district).get("/api/v1/stats/disclosure/", {"month": "2026-10"})
    assert response.status_code == HTTPStatus.OK
    assert response.json()["region"]["on_time_rate"] == {"numerator": 2, "denominator": 4, "rate": "50.00%"}


@pytest.mark.parametrize(
    ("who", "region", "expected"), [("alice", "", 403), ("firm_a", "", 403), ("official_b", "370212001", 404)]
)
def test_the_stats_api_refuses_others(month, who, region, expected):
    world, _c, _d = month
    response = api_as(getattr(world, who)).get(
        "/api/v1/stats/disclosure/", {"month": "2026-10", "region": region}
    )
    assert response.status_code == expected


def test_the_stats_api_refuses_a_bad_month(month):
    world, _c, _d = month
    response = api_as(world.official_district).get("/api/v1/stats/disclosure/", {"month": "2026-13"})
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.BAD_REQUEST, "invalid")


def test_the_officials_figures_page(month):
    from tests.conftest import browser_as

    world, _c, d = month
    _statement(world.firm_b, d, at(17, 9))
    response = browser_as(world.official_district).get("/disclosure/figures/", {"month": "2026-10"})
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "2/4 50.00%" in html
    assert "?region=370212002&amp;month=2026-10" in html
    assert browser_as(world.alice).get("/disclosure/figures/").status_code == HTTPStatus.FORBIDDEN
