"""Owner pages of disclosure (phone first): a compound's records by kind with the chart's data, one record with
its history of corrections, the objection button, the printable A4 page, the XLSX export, and each owner's share
of the maintenance fund."""

import json
from decimal import Decimal
from http import HTTPStatus
from io import BytesIO

import pytest
from openpyxl import load_workbook

from complaints.models import Complaint
from disclosure.models import Cosign
from disclosure.services.records import disclosure_correct, disclosure_create, disclosure_publish
from tests.conftest import browser_as
from tests.disclosure.conftest import COMPOUND_A, content_of, statement

PAGE_A = f"/disclosure/{COMPOUND_A}/"


def _published(world, payload, *, kind="operating_statement", period="2026-10"):
    d = disclosure_create(
        actor=world.firm_a, compound=world.compound_a, kind=kind, period=period, data=content_of(payload)
    )
    return disclosure_publish(actor=world.firm_a, disclosure=d)


@pytest.fixture
def two_months(dworld):
    october = _published(dworld, statement())
    november = _published(
        dworld,
        statement(
            period="2026-11",
            opening="17180.00",
            lines=[("income", "charging_piles", "1000.00", "充电桩"), ("expense", "other", "0.00", "")],
            income="1000.00",
            expense="0.00",
            owners="700.00",
            firm="300.00",
            closing="17880.00",
        ),
        period="2026-11",
    )
    return october, november


def test_the_compound_page_lists_months_and_carries_the_charts_data(dworld, two_months):
    october, november = two_months
    response = browser_as(dworld.alice).get(PAGE_A)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert html.index(f"/disclosure/record/{november.pk}/") < html.index(f"/disclosure/record/{october.pk}/")
    assert "vendor/echarts/echarts.min.js" in html
    data = json.loads(html.split('id="disclosure-data" type="application/json">')[1].split("</script>")[0])
    assert data["months"] == ["2026-10", "2026-11"]
    by_name = {s["name"]: s["data"] for s in data["series"]}
    assert by_name["收入·广告"] == [3000.0, 0.0]
    assert by_name["收入·停车"] == [5200.0, 0.0]
    assert by_name["收入·充电桩"] == [0.0, 1000.0]
    assert by_name["支出·其他"] == [800.0, 0.0]


def test_another_compounds_owner_gets_404(dworld, two_months):
    october, _ = two_months
    assert browser_as(dworld.carol).get(PAGE_A).status_code == HTTPStatus.NOT_FOUND
    assert (
        browser_as(dworld.carol).get(f"/disclosure/record/{october.pk}/").status_code == HTTPStatus.NOT_FOUND
    )
    assert browser_as(dworld.carol).get(f"/disclosure/record/{october.pk}/export.xlsx").status_code == 404


def test_the_record_page_shows_figures_and_the_history_of_corrections(dworld, two_months):
    october, _ = two_months
    payload = content_of(statement(income="8500.00", owners="5390.00", firm="2310.00", closing="17390.00"))
    payload["lines"][1]["amount"] = "5500.00"
    fix = disclosure_correct(
        actor=dworld.firm_a, disclosure=october, reason="停车收入少记 300 元", data=payload
    )
    disclosure_publish(actor=dworld.firm_a, disclosure=fix)
    client = browser_as(dworld.alice)
    old = client.get(f"/disclosure/record/{october.pk}/").content.decode()
    assert "此版本已被更正" in old
    assert f"/disclosure/record/{fix.pk}/" in old
    new = client.get(f"/disclosure/record/{fix.pk}/").content.decode()
    assert "停车收入少记 300 元" in new
    assert "17390.00" in new
    assert 'id="versions"' in new


def test_an_owner_objects_from_the_record_page(dworld, two_months):
    october, _ = two_months
    client = browser_as(dworld.alice)
    assert 'id="objection"' in client.get(f"/disclosure/record/{october.pk}/").content.decode()
    response = client.post(f"/disclosure/record/{october.pk}/", {"text": "广告收入偏低"})
    case = Complaint.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/complaints/{case.pk}/"
    assert case.about == "firm"


def test_the_firm_sees_no_objection_button_and_cannot_post_one(dworld, two_months):
    october, _ = two_months
    client = browser_as(dworld.firm_a)
    assert 'id="objection"' not in client.get(f"/disclosure/record/{october.pk}/").content.decode()
    assert client.post(f"/disclosure/record/{october.pk}/", {"text": "x"}).status_code == HTTPStatus.FORBIDDEN
    assert Complaint.objects.count() == 0


def test_the_print_page_is_an_a4_notice(dworld, two_months):
    october, _ = two_months
    html = browser_as(dworld.alice).get(f"/disclosure/record/{october.pk}/print/").content.decode()
    assert "size: A4" in html
    assert "逸景公馆 经营性收支 2026-10" in html
    assert october.content_hash in html


def test_the_xlsx_export_holds_the_figures_and_lines(dworld, two_months):
    october, _ = two_months
    response = browser_as(dworld.alice).get(f"/disclosure/record/{october.pk}/export.xlsx")
    assert response.status_code == HTTPStatus.OK
    sheet = load_workbook(BytesIO(response.content)).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["期末余额", 17180] in values
    assert ["收入", "停车", "5200.00", "地面临时停车"] in values


def test_the_owner_sees_their_units_share_of_the_maintenance_fund(dworld):
    # given: the account closes at 513250.50; 逸景公馆's area is 100.00 + 120.50 + 90.00 + 80.25 = 390.75 m²
    fund = {
        "opening_balance": "500000.00",
        "movements": [
            {"kind": "deposit", "amount": "20000.00", "summary": "缴存"},
            {"kind": "interest", "amount": "1250.50", "summary": "利息"},
            {
                "kind": "use",
                "amount": "8000.00",
                "summary": "应急",
                "emergency": True,
                "approvals": {"committee": True, "street": True},
            },
        ],
        "totals": {"deposits": "20000.00", "interest": "1250.50", "uses": "8000.00"},
        "closing_balance": "513250.50",
    }
    d = disclosure_create(
        actor=dworld.firm_a, compound=dworld.compound_a, kind="maintenance_fund", period="2026-10", data=fund
    )
    Cosign.objects.create(disclosure=d, user=dworld.bob)
    disclosure_publish(actor=dworld.firm_a, disclosure=d)
    # when
    response = browser_as(dworld.alice).get(PAGE_A, {"kind": "maintenance_fund"})
    # then: alice's 0101, 100.00 m² → 100.00 / 390.75 × 513250.50 = 131350.10 (half up)
    shares = response.context["shares"]
    assert [(s.room, s.area, s.share) for s in shares] == [("0101", Decimal("100.00"), Decimal("131350.10"))]
    assert "131350.10" in response.content.decode()


def test_the_owner_home_links_to_the_disclosures(dworld):
    html = browser_as(dworld.alice).get("/").content.decode()
    assert PAGE_A in html


def test_the_pages_need_a_sign_in(dworld):
    assert browser_as(None).get(PAGE_A).status_code == HTTPStatus.FOUND


def test_a_committee_member_cosigns_from_the_record_page(dworld):
    d = disclosure_create(
        actor=dworld.firm_a,
        compound=dworld.compound_a,
        kind="operating_statement",
        period="2026-10",
        data=content_of(statement()),
    )
    client = browser_as(dworld.bob)
    assert 'id="cosign"' in client.get(f"/disclosure/record/{d.pk}/").content.decode()
    response = client.post(f"/disclosure/record/{d.pk}/", {"action": "cosign"})
    assert response.status_code == HTTPStatus.FOUND
    assert list(Cosign.objects.filter(disclosure=d).values_list("user__username", flat=True)) == ["bob"]
    assert 'id="cosign"' not in client.get(f"/disclosure/record/{d.pk}/").content.decode()
    # alice is no committee member
    assert (
        browser_as(dworld.alice).post(f"/disclosure/record/{d.pk}/", {"action": "cosign"}).status_code == 404
    )


def test_the_compound_page_costs_the_same_whatever_the_months(
    dworld, two_months, django_assert_max_num_queries
):
    client = browser_as(dworld.alice)
    client.get(PAGE_A)
    with django_assert_max_num_queries(10):
        client.get(PAGE_A)
    _published(
        dworld,
        statement(period="2026-12", opening="17880.00", closing="23060.00"),
        period="2026-12",
    )
    with django_assert_max_num_queries(10):
        response = client.get(PAGE_A)
    assert len(response.context["records"]) == 3
