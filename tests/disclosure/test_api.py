"""The disclosure API (api.md "Disclosure"): drafting, publication, corrections and their history; who sees and
who writes, tried the attacker's way (another firm, an owner of another compound, an official of another
street), each refused write changing nothing."""

from http import HTTPStatus

import pytest

from disclosure.labels import Status
from disclosure.models import Disclosure, StatementLine
from registry.models import AuditEvent
from tests.conftest import api_as
from tests.disclosure.conftest import COMPOUND_A, statement

LIST_A = f"/api/v1/compounds/{COMPOUND_A}/disclosures/"


def _post(user, payload):
    return api_as(user).post("/api/v1/disclosures/", payload, format="json")


def _state():
    return (
        list(Disclosure.objects.order_by("pk").values()),
        list(StatementLine.objects.order_by("pk").values_list("disclosure_id", "position", "amount")),
    )


@pytest.fixture
def october(dworld) -> int:
    response = _post(dworld.firm_a, statement())
    assert response.status_code == HTTPStatus.CREATED, response.json()
    return response.json()["id"]


def _publish(user, id):
    return api_as(user).post(f"/api/v1/disclosures/{id}/publish/")


def test_the_serving_firm_drafts_api_mds_example(dworld):
    # when
    response = _post(dworld.firm_a, statement())
    # then
    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    assert body["status"] == "draft"
    assert body["compound"] == COMPOUND_A
    assert body["kind"] == "operating_statement"
    assert body["period"] == "2026-10"
    assert body["totals"] == {"income": "8200.00", "expense": "800.00"}
    assert (body["owners_share"], body["firm_share"], body["closing_balance"]) == (
        "5180.00",
        "2220.00",
        "17180.00",
    )
    assert body["lines"][1] == {
        "direction": "income",
        "category": "parking",
        "amount": "5200.00",
        "summary": "地面临时停车",
    }
    assert body["published_at"] is None and body["content_hash"] is None
    assert AuditEvent.objects.filter(verb="disclosure.create", target_id=str(body["id"])).count() == 1


def test_a_refusal_is_400_with_its_code_and_field(dworld):
    response = _post(dworld.firm_a, statement(income="8100.00"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert body["code"] == "totals_mismatch"
    assert body["extra"]["field"] == "totals.income"
    assert Disclosure.objects.count() == 0


def test_publish_returns_status_time_and_hash(dworld, october):
    response = _publish(dworld.firm_a, october)
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["status"] == "published"
    assert body["published_at"].endswith("+08:00")
    assert body["content_hash"].startswith("sha256:")
    assert Disclosure.objects.get(pk=october).content_hash == body["content_hash"]


@pytest.mark.parametrize("who", ["firm_b", "carol", "alice", "official_b", "official_a"])
def test_only_the_serving_firm_drafts_for_the_compound(dworld, who):
    # given
    before = _state()
    # when
    response = _post(getattr(dworld, who), statement())
    # then: not visible → 404 (another firm, an owner or official elsewhere), visible but not the firm → 403
    expected = HTTPStatus.NOT_FOUND if who in ("firm_b", "carol", "official_b") else HTTPStatus.FORBIDDEN
    assert response.status_code == expected
    assert _state() == before


def test_anonymous_is_refused(dworld, october):
    before = _state()
    assert _post(None, statement()).status_code == HTTPStatus.UNAUTHORIZED
    assert api_as(None).get(LIST_A).status_code == HTTPStatus.UNAUTHORIZED
    assert _publish(None, october).status_code == HTTPStatus.UNAUTHORIZED
    assert _state() == before


@pytest.mark.parametrize("who", ["firm_b", "carol", "official_b", "alice", "official_a", "bob"])
def test_nobody_but_the_serving_firm_publishes_changes_or_deletes_a_draft(dworld, october, who):
    before = _state()
    user = getattr(dworld, who)
    client = api_as(user)
    url = f"/api/v1/disclosures/{october}/"
    body = {"opening_balance": "0.00", "closing_balance": "5180.00"}
    responses = [
        _publish(user, october),
        client.put(url, body, format="json"),
        client.patch(url, body, format="json"),
        client.delete(url),
    ]
    # drafts are not shown to owners or officials (404); bob, on the committee, sees it but may not write (403)
    expected = HTTPStatus.FORBIDDEN if who == "bob" else HTTPStatus.NOT_FOUND
    assert [r.status_code for r in responses] == [expected] * 4
    assert _state() == before


def test_the_firm_changes_its_draft_until_published(dworld, october):
    # when: the parking line was 5200, it is 5000 (income 8000, net 7200 → 5040 / 2160, closing 17040)
    payload = statement(income="8000.00", owners="5040.00", firm="2160.00", closing="17040.00")
    payload["lines"][1]["amount"] = "5000.00"
    response = api_as(dworld.firm_a).put(f"/api/v1/disclosures/{october}/", payload, format="json")
    # then
    assert response.status_code == HTTPStatus.OK, response.json()
    assert response.json()["closing_balance"] == "17040.00"
    assert list(StatementLine.objects.filter(disclosure_id=october).values_list("amount", flat=True)) == [
        3000,
        5000,
        800,
    ]


def test_the_firm_deletes_its_draft(dworld, october):
    response = api_as(dworld.firm_a).delete(f"/api/v1/disclosures/{october}/")
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not Disclosure.objects.filter(pk=october).exists()
    assert not StatementLine.objects.filter(disclosure_id=october).exists()


@pytest.mark.parametrize(
    ("who", "sees_draft"),
    [("firm_a", True), ("bob", True), ("alice", False), ("official_a", False), ("official_district", False)],
)
def test_who_sees_published_records_and_drafts(dworld, october, who, sees_draft):
    # given: October published, November drafted
    _publish(dworld.firm_a, october)
    november = _post(
        dworld.firm_a, statement(period="2026-11", opening="17180.00", closing="22360.00")
    ).json()["id"]
    # when
    response = api_as(getattr(dworld, who)).get(LIST_A)
    # then
    assert response.status_code == HTTPStatus.OK
    ids = [r["id"] for r in response.json()["results"]]
    assert ids == ([november, october] if sees_draft else [october])


@pytest.mark.parametrize("who", ["carol", "firm_b", "official_b"])
def test_outsiders_do_not_see_the_compound_at_all(dworld, october, who):
    _publish(dworld.firm_a, october)
    assert api_as(getattr(dworld, who)).get(LIST_A).status_code == HTTPStatus.NOT_FOUND
    assert (
        api_as(getattr(dworld, who)).get(f"/api/v1/disclosures/{october}/").status_code
        == HTTPStatus.NOT_FOUND
    )


def test_the_list_filters_by_kind_and_month_in_few_queries(dworld, october, django_assert_max_num_queries):
    _publish(dworld.firm_a, october)
    _post(dworld.firm_a, statement(period="2026-11", opening="17180.00", closing="22360.00"))
    client = api_as(dworld.alice)
    client.get(LIST_A)  # the token and jurisdiction warm
    with django_assert_max_num_queries(9):
        response = client.get(LIST_A, {"kind": "operating_statement", "period": "2026-10"})
    assert [r["period"] for r in response.json()["results"]] == ["2026-10"]
    assert client.get(LIST_A, {"kind": "fee_standard"}).json()["results"] == []


def test_a_second_original_for_a_published_month_is_409_already_published(dworld, october):
    _publish(dworld.firm_a, october)
    before = _state()
    response = _post(dworld.firm_a, statement())
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "already_published"
    assert _state() == before


# ------------------------------------------------------------------------------------------------- corrections


def _correct(user, id, payload, reason="停车收入少记 300 元"):
    return api_as(user).post(
        f"/api/v1/disclosures/{id}/corrections/", {"reason": reason, **payload}, format="json"
    )


def _corrected_october():
    # parking 5500 instead of 5200: income 8500, net 7700 → 5390 / 2310, closing 12000 + 5390 = 17390
    payload = statement(income="8500.00", owners="5390.00", firm="2310.00", closing="17390.00")
    payload["lines"][1]["amount"] = "5500.00"
    return payload


def test_a_correction_supersedes_once_published_and_both_stay_readable(dworld, october):
    # given
    _publish(dworld.firm_a, october)
    # when
    created = _correct(dworld.firm_a, october, _corrected_october())
    # then: a draft naming what it supersedes and why; the original still published
    assert created.status_code == HTTPStatus.CREATED, created.json()
    fix = created.json()
    assert (fix["status"], fix["supersedes"], fix["reason"]) == ("draft", october, "停车收入少记 300 元")
    assert Disclosure.objects.get(pk=october).status == Status.PUBLISHED
    # when: published
    assert _publish(dworld.firm_a, fix["id"]).status_code == HTTPStatus.OK
    # then: owners read both, the old one superseded and pointing at its correction
    rows = {r["id"]: r for r in api_as(dworld.alice).get(LIST_A).json()["results"]}
    assert rows[october]["status"] == "superseded"
    assert rows[october]["superseded_by"] == fix["id"]
    assert rows[october]["closing_balance"] == "17180.00"
    assert rows[fix["id"]]["status"] == "published"
    assert rows[fix["id"]]["closing_balance"] == "17390.00"
    assert rows[fix["id"]]["reason"] == "停车收入少记 300 元"


def test_the_roll_forward_after_a_correction_uses_the_corrections_closing(dworld, october):
    _publish(dworld.firm_a, october)
    fix = _correct(dworld.firm_a, october, _corrected_october()).json()["id"]
    _publish(dworld.firm_a, fix)
    # when: November opens at the original's 17180.00
    stale = _post(dworld.firm_a, statement(period="2026-11", opening="17180.00", closing="22360.00"))
    # then
    assert stale.status_code == HTTPStatus.BAD_REQUEST
    assert stale.json()["code"] == "not_rolled_forward"
    assert stale.json()["extra"]["expected"] == "17390.00"
    # and at 17390.00: closing 17390 + 5180 = 22570
    ok = _post(dworld.firm_a, statement(period="2026-11", opening="17390.00", closing="22570.00"))
    assert ok.status_code == HTTPStatus.CREATED, ok.json()


def test_a_correction_needs_a_reason_and_a_published_record(dworld, october):
    before = _state()
    no_reason = _correct(dworld.firm_a, october, _corrected_october(), reason="")
    assert (no_reason.status_code, no_reason.json()["code"]) == (HTTPStatus.BAD_REQUEST, "invalid")
    of_draft = _correct(dworld.firm_a, october, _corrected_october())
    assert (of_draft.status_code, of_draft.json()["code"]) == (HTTPStatus.CONFLICT, "not_published")
    assert _state() == before


def test_a_superseded_record_is_not_corrected_again(dworld, october):
    _publish(dworld.firm_a, october)
    fix = _correct(dworld.firm_a, october, _corrected_october()).json()["id"]
    _publish(dworld.firm_a, fix)
    before = _state()
    again = _correct(dworld.firm_a, october, _corrected_october())
    assert (again.status_code, again.json()["code"]) == (HTTPStatus.CONFLICT, "already_superseded")
    assert _state() == before


def test_two_corrections_of_one_record_only_one_is_published(dworld, october):
    _publish(dworld.firm_a, october)
    first = _correct(dworld.firm_a, october, _corrected_october()).json()["id"]
    second = _correct(dworld.firm_a, october, _corrected_october(), reason="另一个更正").json()["id"]
    assert _publish(dworld.firm_a, first).status_code == HTTPStatus.OK
    before = _state()
    late = _publish(dworld.firm_a, second)
    assert (late.status_code, late.json()["code"]) == (HTTPStatus.CONFLICT, "already_superseded")
    assert _state() == before


@pytest.mark.parametrize("who", ["firm_b", "carol", "official_b", "alice", "official_a"])
def test_nobody_but_the_serving_firm_corrects(dworld, october, who):
    _publish(dworld.firm_a, october)
    before = _state()
    response = _correct(getattr(dworld, who), october, _corrected_october())
    expected = HTTPStatus.NOT_FOUND if who in ("firm_b", "carol", "official_b") else HTTPStatus.FORBIDDEN
    assert response.status_code == expected
    assert _state() == before


def test_platform_staff_may_draft_and_publish(dworld, admin_user):
    response = _post(admin_user, statement())
    assert response.status_code == HTTPStatus.CREATED
    assert _publish(admin_user, response.json()["id"]).status_code == HTTPStatus.OK


# ------------------------------------------------------------------------------------------------- co-sign


def test_a_committee_member_cosigns_once(dworld, october):
    response = api_as(dworld.bob).post(f"/api/v1/disclosures/{october}/cosign/")
    assert response.status_code == HTTPStatus.CREATED
    again = api_as(dworld.bob).post(f"/api/v1/disclosures/{october}/cosign/")
    assert (again.status_code, again.json()["code"]) == (HTTPStatus.CONFLICT, "already_cosigned")
    assert len(api_as(dworld.firm_a).get(f"/api/v1/disclosures/{october}/").json()["cosigns"]) == 1


def test_a_firm_account_cannot_cosign(dworld, october):
    response = api_as(dworld.firm_a).post(f"/api/v1/disclosures/{october}/cosign/")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Disclosure.objects.get(pk=october).cosigns.exists()


def test_the_maintenance_fund_needs_the_committees_cosign_before_publication(dworld):
    payload = {
        "compound": COMPOUND_A,
        "kind": "maintenance_fund",
        "period": "2026-10",
        "opening_balance": "500000.00",
        "movements": [{"kind": "interest", "amount": "1250.50", "summary": "季度利息"}],
        "totals": {"deposits": "0.00", "interest": "1250.50", "uses": "0.00"},
        "closing_balance": "501250.50",
    }
    id = _post(dworld.firm_a, payload).json()["id"]
    refused = _publish(dworld.firm_a, id)
    assert (refused.status_code, refused.json()["code"]) == (HTTPStatus.CONFLICT, "cosign_required")
    assert Disclosure.objects.get(pk=id).status == Status.DRAFT
    api_as(dworld.bob).post(f"/api/v1/disclosures/{id}/cosign/")
    assert _publish(dworld.firm_a, id).status_code == HTTPStatus.OK


# ------------------------------------------------------------------------------------------------- objections


def test_an_owners_objection_is_a_complaint_about_the_firm_routed_past_it(dworld, october):
    from complaints.models import Complaint

    _publish(dworld.firm_a, october)
    response = api_as(dworld.alice).post(
        f"/api/v1/disclosures/{october}/objections/", {"text": "停车收入明显偏低"}, format="json"
    )
    assert response.status_code == HTTPStatus.CREATED, response.json()
    case = Complaint.objects.get(pk=response.json()["complaint"])
    assert (case.about, case.category.code, case.compound_id) == (
        "firm",
        "public_revenue",
        dworld.compound_a.pk,
    )
    assert case.tier != "butler"
    assert f"第 {october} 号" in case.description


def test_only_owners_object_and_only_to_published_records(dworld, october):
    from complaints.models import Complaint

    draft = api_as(dworld.bob).post(
        f"/api/v1/disclosures/{october}/objections/", {"text": "x"}, format="json"
    )
    assert draft.status_code == HTTPStatus.FORBIDDEN
    _publish(dworld.firm_a, october)
    firm = api_as(dworld.firm_a).post(
        f"/api/v1/disclosures/{october}/objections/", {"text": "x"}, format="json"
    )
    assert firm.status_code == HTTPStatus.FORBIDDEN
    assert Complaint.objects.count() == 0


def test_a_draft_cannot_be_moved_onto_a_published_month(dworld, october):
    _publish(dworld.firm_a, october)
    november = _post(
        dworld.firm_a, statement(period="2026-11", opening="17180.00", closing="22360.00")
    ).json()["id"]
    before = _state()
    response = api_as(dworld.firm_a).patch(
        f"/api/v1/disclosures/{november}/",
        {**statement(period="2026-10", opening="0.00", closing="5180.00")},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.CONFLICT, "already_published")
    assert _state() == before
