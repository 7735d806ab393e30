"""The complaints admin: the city's categories and routing table (changed by city officials only) and the
cases of one's jurisdiction, read-only."""

from http import HTTPStatus

from complaints.models import Complaint, RoutingRule
from registry.services.accounts import official_create
from tests.conftest import PASSWORD, api_as, browser_as


def _rule():
    return RoutingRule.objects.get(category__code="environment", severity="minor")


def test_a_city_official_changes_the_routing_table(cworld):
    # given
    city = official_create(username="city", password=PASSWORD, region_code="370200").user
    rule = _rule()

    # when
    response = browser_as(city).post(
        f"/admin/complaints/routingrule/{rule.pk}/change/",
        {"category": rule.category_id, "severity": "minor", "tier": "committee"},
    )

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert _rule().tier == "committee"


def test_a_street_official_reads_the_routing_table_but_cannot_change_it(cworld):
    # given
    rule = _rule()
    client = browser_as(cworld.official_a)

    # when
    page = client.get(f"/admin/complaints/routingrule/{rule.pk}/change/")
    post = client.post(
        f"/admin/complaints/routingrule/{rule.pk}/change/",
        {"category": rule.category_id, "severity": "minor", "tier": "street"},
    )

    # then
    assert page.status_code == HTTPStatus.OK and 'name="tier"' not in page.content.decode()
    assert post.status_code == HTTPStatus.FORBIDDEN
    assert _rule().tier == "butler"


def test_firms_and_owners_have_no_complaints_admin(cworld):
    # when
    firm = browser_as(cworld.firm_a).get("/admin/complaints/complaint/")
    owner = browser_as(cworld.alice).get("/admin/complaints/complaint/")

    # then: the firm's staff account reaches the admin but not these pages; owners are sent to log in
    assert firm.status_code == HTTPStatus.FORBIDDEN
    assert owner.status_code == HTTPStatus.FOUND


def test_the_case_list_shows_only_ones_jurisdiction_and_no_complainant(cworld):
    # given
    body = {"compound": "QD-370212-0001", "kind": "snap", "category": "environment", "description": "垃圾"}
    case_id = api_as(cworld.alice).post("/api/v1/complaints/", body, format="json").json()["id"]

    # when
    mine = browser_as(cworld.official_a).get("/admin/complaints/complaint/")
    other = browser_as(cworld.official_b).get("/admin/complaints/complaint/")
    change = browser_as(cworld.official_a).post(
        f"/admin/complaints/complaint/{case_id}/change/", {"status": "closed"}
    )

    # then
    assert [c.pk for c in mine.context["cl"].result_list] == [case_id]
    assert list(other.context["cl"].result_list) == []
    assert "alice" not in mine.content.decode() and "王丽" not in mine.content.decode()
    assert change.status_code == HTTPStatus.FORBIDDEN
    assert Complaint.objects.get(pk=case_id).status == "submitted"
