"""Filing, routing, the case workflow per role, escalation, rating and privacy — through the API, as each
party would try it; every refusal changes nothing."""

from http import HTTPStatus

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints.labels import Status
from complaints.models import Category, Complaint, ComplaintEvent, RoutingRule
from tests.conftest import A_0101, api_as

COMPLAINTS = "/api/v1/complaints/"


def _file(user, **overrides):
    body = {
        "compound": "QD-370212-0001",
        "kind": "snap",
        "category": "environment",
        "description": "5号楼门口垃圾桶满溢两天无人清运",
        "location": {"building": "0005", "area": "5号楼门口"},
    } | overrides
    return api_as(user).post(COMPLAINTS, body, format="json")


def _move(user, case_id, to, note="", public=True, **extra):
    return api_as(user).post(
        f"{COMPLAINTS}{case_id}/transitions/",
        {"to": to, "note": note, "public": public, **extra},
        format="json",
    )


def _state(case_id):
    c = Complaint.objects.get(pk=case_id)
    return (c.status, c.tier, c.round, c.bounces, ComplaintEvent.objects.filter(complaint=c).count())


# ------------------------------------------------------------------------------------------- filing


@pytest.mark.parametrize(
    ("category", "about", "tier"),
    [
        ("environment", "other", "butler"),  # 小事找管家
        ("elevator", "other", "committee"),  # 一般事找业委会
        ("illegal_construction", "other", "street"),  # 大事找街道
        ("environment", "firm", "committee"),  # about the firm: skips the firm
        ("environment", "committee", "street"),  # about a committee member: the street office
    ],
)
def test_filing_routes_by_the_table_and_skips_the_party_complained_about(cworld, category, about, tier):
    # when
    response = _file(cworld.alice, kind="complaint", category=category, about=about)

    # then
    assert response.status_code == HTTPStatus.CREATED, response.json()
    body = response.json()
    assert (body["status"], body["tier"]) == ("submitted", tier)
    case = Complaint.objects.get(pk=body["id"])
    assert (case.first_tier, case.tier, case.complainant) == (tier, tier, cworld.alice)
    assert list(case.events.values_list("kind", "to_status")) == [("filed", "submitted")]


def test_the_routing_table_is_data(cworld):
    # given: staff move minor environment cases to the committee
    RoutingRule.objects.filter(category__code="environment", severity="minor").update(tier="committee")

    # when
    response = _file(cworld.alice)

    # then
    assert response.json()["tier"] == "committee"


@pytest.mark.parametrize(
    ("who", "overrides", "status", "code"),
    [
        ("carol", {}, HTTPStatus.NOT_FOUND, None),  # another compound's owner does not see it
        ("firm_a", {}, HTTPStatus.FORBIDDEN, "not_an_owner"),
        ("official_a", {}, HTTPStatus.FORBIDDEN, "not_an_owner"),
        ("alice", {"category": "nope"}, HTTPStatus.BAD_REQUEST, "invalid_category"),
        ("alice", {"kind": "praise", "category": "elevator"}, HTTPStatus.BAD_REQUEST, "invalid_category"),
        (
            "alice",
            {"location": {"unit_number": "370212001001GB00001F00050002"}},
            HTTPStatus.BAD_REQUEST,
            "unit_not_yours",
        ),
        ("alice", {"location": {"building": "0099"}}, HTTPStatus.BAD_REQUEST, "unknown_building"),
    ],
)
def test_filing_refusals_name_the_problem_and_store_nothing(cworld, who, overrides, status, code):
    # when
    response = _file(getattr(cworld, who), **overrides)

    # then
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
    assert Complaint.objects.count() == 0 and ComplaintEvent.objects.count() == 0


# ------------------------------------------------------------------------------------- who sees what


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("alice", HTTPStatus.OK),
        ("firm_a", HTTPStatus.OK),
        ("bob", HTTPStatus.OK),  # the committee reviews the butler's cases
        ("official_a", HTTPStatus.OK),
        ("official_district", HTTPStatus.OK),
        ("firm_b", HTTPStatus.NOT_FOUND),
        ("official_b", HTTPStatus.NOT_FOUND),
        ("carol", HTTPStatus.NOT_FOUND),
        ("bella", HTTPStatus.NOT_FOUND),  # another owner of the compound: not her case
    ],
)
def test_who_sees_a_butler_case(cworld, who, expected):
    # given
    case_id = _file(cworld.alice).json()["id"]

    # when
    response = api_as(getattr(cworld, who)).get(f"{COMPLAINTS}{case_id}/")

    # then
    assert response.status_code == expected


def test_a_case_about_the_firm_never_reaches_the_firm(cworld):
    # given
    case_id = _file(cworld.alice, kind="complaint", category="service", about="firm").json()["id"]

    # when
    detail = api_as(cworld.firm_a).get(f"{COMPLAINTS}{case_id}/")
    queue = api_as(cworld.firm_a).get(f"{COMPLAINTS}queue/")
    move = _move(cworld.firm_a, case_id, "accepted")

    # then
    assert detail.status_code == HTTPStatus.NOT_FOUND
    assert queue.json()["results"] == []
    assert move.status_code == HTTPStatus.NOT_FOUND
    assert _state(case_id)[0] == "submitted"


def test_the_firm_never_receives_the_complainants_identity_nor_the_flat_without_a_home_visit(cworld):
    # given: alice reports about her own flat without allowing a visit
    case_id = _file(
        cworld.alice, kind="repair", category="facility_repair", location={"unit_number": A_0101}
    ).json()["id"]

    # when
    as_firm = api_as(cworld.firm_a).get(f"{COMPLAINTS}{case_id}/").content.decode()
    as_alice = api_as(cworld.alice).get(f"{COMPLAINTS}{case_id}/").json()

    # then
    for secret in ("alice", "王丽", "13800138000", A_0101, "0101"):
        assert secret not in as_firm, secret
    assert as_alice["location"]["unit"] == "5号楼 1层 0101"


def test_a_home_visit_lets_the_handler_see_the_flat(cworld):
    # given
    case_id = _file(
        cworld.alice,
        kind="repair",
        category="facility_repair",
        location={"unit_number": A_0101},
        allow_home_visit=True,
    ).json()["id"]

    # when
    body = api_as(cworld.firm_a).get(f"{COMPLAINTS}{case_id}/").json()

    # then
    assert body["location"] == {"unit": "5号楼 1层 0101", "building": "5号楼", "area": None, "equipment": None}
    assert "complainant" not in body


# ------------------------------------------------------------------------------------------ workflow


def test_the_closed_loop_from_filing_to_rating(cworld):
    # given
    case_id = _file(cworld.alice).json()["id"]

    # when: the butler accepts, dispatches, works, notes internally, resolves; the committee verifies;
    # alice rates
    steps = [
        (cworld.firm_a, "accepted", "", True),
        (cworld.firm_a, "dispatched", "派保洁班组", True),
        (cworld.firm_a, "in_progress", "", True),
    ]
    for user, to, note, public in steps:
        assert _move(user, case_id, to, note, public).status_code == HTTPStatus.OK, (to,)
    internal = _move(
        cworld.firm_a, case_id, "waiting_complainant", "内部：清运车故障，等待维修", public=False
    )
    assert internal.status_code == HTTPStatus.OK
    assert _move(cworld.alice, case_id, "in_progress").status_code == HTTPStatus.OK  # she answered
    assert _move(cworld.firm_a, case_id, "resolved", "已清运并消毒").status_code == HTTPStatus.OK
    assert _move(cworld.bob, case_id, "verified").status_code == HTTPStatus.OK
    rated = api_as(cworld.alice).post(
        f"{COMPLAINTS}{case_id}/rating/", {"satisfaction": "satisfied", "solved": True}, format="json"
    )

    # then
    assert rated.status_code == HTTPStatus.OK
    body = rated.json()
    assert (body["status"], body["satisfaction"], body["solved"]) == ("closed", "satisfied", True)
    alice_sees = [(e["kind"], e["to_status"], e["role"]) for e in body["timeline"]]
    assert alice_sees == [
        ("filed", "submitted", "complainant"),
        ("transition", "accepted", "firm"),
        ("transition", "dispatched", "firm"),
        ("transition", "in_progress", "firm"),
        ("transition", "in_progress", "complainant"),
        ("transition", "resolved", "firm"),
        ("transition", "verified", "committee"),
        ("rating", "closed", "complainant"),
    ]
    firm_sees = api_as(cworld.firm_a).get(f"{COMPLAINTS}{case_id}/").json()["timeline"]
    assert [e["text"] for e in firm_sees if not e["public"]] == ["内部：清运车故障，等待维修"]


@pytest.mark.parametrize(
    ("who", "to", "note", "status", "code"),
    [
        ("alice", "accepted", "", HTTPStatus.FORBIDDEN, "forbidden"),  # the complainant does not accept
        ("bob", "accepted", "", HTTPStatus.FORBIDDEN, "forbidden"),  # the committee reviews, not handles
        ("firm_a", "resolved", "done", HTTPStatus.CONFLICT, "invalid_transition"),  # not from submitted
        ("firm_a", "rejected", "", HTTPStatus.BAD_REQUEST, "note_required"),
        ("firm_b", "accepted", "", HTTPStatus.NOT_FOUND, None),
        ("firm_a", "closed", "", HTTPStatus.CONFLICT, "invalid_transition"),
    ],
)
def test_refused_moves_change_nothing(cworld, who, to, note, status, code):
    # given
    case_id = _file(cworld.alice).json()["id"]
    before = _state(case_id)

    # when
    response = _move(getattr(cworld, who), case_id, to, note)

    # then
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
    assert _state(case_id) == before


def test_the_firm_cannot_verify_its_own_result(cworld):
    # given
    case_id = _file(cworld.alice).json()["id"]
    for to, note in (("accepted", ""), ("dispatched", ""), ("in_progress", ""), ("resolved", "已处理")):
        _move(cworld.firm_a, case_id, to, note)
    before = _state(case_id)

    # when
    response = _move(cworld.firm_a, case_id, "verified")

    # then
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert _state(case_id) == before
    # the reviewer may send it back instead
    assert _move(cworld.bob, case_id, "in_progress", "照片显示仍有垃圾").status_code == HTTPStatus.OK
    assert _state(case_id)[0] == "in_progress"


def test_two_bounces_raise_the_case_to_the_committee(cworld):
    # given
    case_id = _file(cworld.alice).json()["id"]
    _move(cworld.firm_a, case_id, "accepted")

    # when: the butler bounces it, it is re-dispatched, and bounced again
    first = _move(cworld.firm_a, case_id, "returned", "不属于物业服务范围")
    _move(cworld.firm_a, case_id, "dispatched")
    second = _move(cworld.firm_a, case_id, "returned", "仍不属于")

    # then
    assert first.json()["tier"] == "butler" and second.json()["tier"] == "committee"
    case = Complaint.objects.get(pk=case_id)
    assert (case.status, case.tier, case.first_tier, case.bounces) == ("returned", "committee", "butler", 0)
    assert case.events.filter(kind="escalation").count() == 1
    assert api_as(cworld.firm_a).get(f"{COMPLAINTS}queue/").json()["results"] == []
    assert [c["id"] for c in api_as(cworld.bob).get(f"{COMPLAINTS}queue/").json()["results"]] == [case_id]
    assert (
        api_as(cworld.firm_a).get(f"{COMPLAINTS}{case_id}/").status_code == HTTPStatus.OK
    )  # still accountable


def _to_verified(cworld, case_id):
    if Complaint.objects.get(pk=case_id).status != Status.IN_PROGRESS:
        assert _move(cworld.firm_a, case_id, "in_progress").status_code == HTTPStatus.OK
    assert _move(cworld.firm_a, case_id, "resolved", "已处理").status_code == HTTPStatus.OK
    assert _move(cworld.bob, case_id, "verified").status_code == HTTPStatus.OK


def test_rework_after_an_unsatisfied_rating_and_escalation_after_the_second(cworld):
    # given
    case_id = _file(cworld.alice).json()["id"]
    _move(cworld.firm_a, case_id, "accepted")
    _move(cworld.firm_a, case_id, "dispatched")
    _to_verified(cworld, case_id)
    rate = {"satisfaction": "unsatisfied", "solved": False}
    api_as(cworld.alice).post(f"{COMPLAINTS}{case_id}/rating/", rate, format="json")

    # when: she asks for rework, the butler redoes it, she is unsatisfied again
    rework = _move(cworld.alice, case_id, "in_progress", "仍未清运")
    _to_verified(cworld, case_id)
    second = api_as(cworld.alice).post(f"{COMPLAINTS}{case_id}/rating/", rate, format="json")

    # then
    assert rework.json()["round"] == 2
    assert (second.json()["status"], second.json()["tier"], second.json()["round"]) == (
        "closed",
        "committee",
        2,
    )


def test_only_the_complainant_rates_and_only_a_verified_result(cworld):
    # given
    case_id = _file(cworld.alice).json()["id"]
    rate = {"satisfaction": "satisfied", "solved": True}

    # when
    early = api_as(cworld.alice).post(f"{COMPLAINTS}{case_id}/rating/", rate, format="json")
    by_firm = api_as(cworld.firm_a).post(f"{COMPLAINTS}{case_id}/rating/", rate, format="json")

    # then
    assert (early.status_code, early.json()["code"]) == (HTTPStatus.CONFLICT, "invalid_transition")
    assert (by_firm.status_code, by_firm.json()["code"]) == (HTTPStatus.FORBIDDEN, "forbidden")
    assert _state(case_id)[0] == "submitted"


def test_merge_and_cancel(cworld):
    # given
    first = _file(cworld.alice).json()["id"]
    duplicate = _file(cworld.alice, description="垃圾桶又满了").json()["id"]

    # when
    merged = _move(cworld.firm_a, duplicate, "merged", merged_into=first)
    cancelled = _move(cworld.alice, first, "cancelled")

    # then
    assert merged.status_code == cancelled.status_code == HTTPStatus.OK
    assert Complaint.objects.get(pk=duplicate).merged_into_id == first
    assert Complaint.objects.get(pk=first).status == Status.CANCELLED


def test_appeal_after_rejection_goes_one_tier_up(cworld):
    # given
    case_id = _file(cworld.alice).json()["id"]
    _move(cworld.firm_a, case_id, "rejected", "属于市政道路，不在小区范围")

    # when
    appeal = _move(cworld.alice, case_id, "submitted", "垃圾桶在小区门内")

    # then
    assert (appeal.json()["status"], appeal.json()["tier"]) == ("submitted", "committee")


# ---------------------------------------------------------------------------------- queues and records


def test_queues_show_each_handler_their_tier_oldest_first_in_constant_queries(cworld):
    # given
    client = api_as(cworld.firm_a)
    first = _file(cworld.alice, description="第0件").json()["id"]
    client.get(f"{COMPLAINTS}queue/")
    with CaptureQueriesContext(connection) as one:
        client.get(f"{COMPLAINTS}queue/")
    ids = [first] + [_file(cworld.alice, description=f"第{i}件").json()["id"] for i in range(1, 4)]
    street = _file(cworld.alice, kind="complaint", category="illegal_construction").json()["id"]

    # when
    with CaptureQueriesContext(connection) as four:
        firm = client.get(f"{COMPLAINTS}queue/").json()["results"]
    official = api_as(cworld.official_a).get(f"{COMPLAINTS}queue/").json()["results"]

    # then: soonest due first (filed in order, so oldest first); as many queries for four cases as for one
    assert [c["id"] for c in firm] == ids
    assert [c["id"] for c in official] == [street]
    assert len(four.captured_queries) == len(one.captured_queries)


def test_mine_lists_only_the_complainants_cases(cworld):
    # given
    mine = _file(cworld.alice).json()["id"]
    _file(cworld.bob)

    # when
    response = api_as(cworld.alice).get(f"{COMPLAINTS}?mine=true")

    # then
    assert [c["id"] for c in response.json()["results"]] == [mine]


def test_the_timeline_is_append_only(cworld):
    # given
    case_id = _file(cworld.alice).json()["id"]

    # when / then
    with pytest.raises(DatabaseError), transaction.atomic():
        ComplaintEvent.objects.filter(complaint_id=case_id).update(text="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        ComplaintEvent.objects.filter(complaint_id=case_id).delete()


def test_categories_are_listed_with_their_kinds(cworld):
    # when
    body = api_as(None).get("/api/v1/complaint-categories/").json()

    # then
    codes = [c["code"] for c in body]
    assert codes[:3] == ["environment", "greening", "facility_repair"]
    assert len(codes) == Category.objects.filter(active=True).count() == 16
    assert body[0] == {
        "code": "environment",
        "name": "环境卫生",
        "kinds": ["complaint", "snap", "suggestion", "praise"],
        "default_severity": "minor",
    }


def test_a_case_names_a_piece_of_equipment_from_the_registry(cworld):
    # given: a lift of 逸景公馆's 5号楼 in the equipment register, and one of 海韵小区
    from registry.models import Building, Equipment, User
    from registry.services.equipment import equipment_register

    lift = equipment_register(
        actor=cworld.firm_a,
        compound=cworld.compound_a,
        category=Equipment.Category.LIFT,
        name="5号楼1单元电梯",
        maintenance_interval_days=15,
        building=Building.objects.get(compound=cworld.compound_a, number="0005"),
    )
    root = User.objects.create_superuser(username="root_equipment", password="Gongzhi-test-2026")
    other = equipment_register(
        actor=root,
        compound=cworld.compound_b,
        category=Equipment.Category.LIFT,
        name="乙电梯",
        maintenance_interval_days=15,
        common_area="东门",
    )

    # when
    filed = _file(cworld.alice, kind="repair", category="elevator", location={"equipment": lift.code})
    refused = _file(cworld.alice, kind="repair", category="elevator", location={"equipment": other.code})

    # then: the lift and its building are the place, for the handler (the committee: lifts are 一般事) too; another compound's equipment is refused
    assert filed.status_code == HTTPStatus.CREATED, filed.json()
    body = api_as(cworld.bob).get(f"{COMPLAINTS}{filed.json()['id']}/").json()  # the committee handles lifts
    assert body["location"]["equipment"] == {"code": lift.code, "name": "5号楼1单元电梯"}
    assert body["location"]["building"] == "5号楼"
    assert (refused.status_code, refused.json()["code"]) == (HTTPStatus.BAD_REQUEST, "unknown_equipment")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("firm_a", HTTPStatus.FORBIDDEN),
        ("bob", HTTPStatus.FORBIDDEN),
        ("alice", HTTPStatus.FORBIDDEN),
        ("official_b", HTTPStatus.NOT_FOUND),
    ],
)
def test_only_the_street_office_sees_who_filed_and_each_look_is_logged(cworld, who, status):
    # given
    from registry.models import AuditEvent

    case_id = _file(cworld.alice).json()["id"]
    url = f"{COMPLAINTS}{case_id}/complainant/"

    # when
    refused = api_as(getattr(cworld, who)).post(url, {"reason": "核实"}, format="json")
    no_reason = api_as(cworld.official_a).post(url, {"reason": ""}, format="json")
    looked = api_as(cworld.official_a).post(url, {"reason": "需要电话回访核实情况"}, format="json")

    # then: refused looks leave no trace and return nothing; the official's look is logged with its reason
    assert refused.status_code == status and "王丽" not in refused.content.decode()
    assert no_reason.status_code == HTTPStatus.BAD_REQUEST
    assert looked.status_code == HTTPStatus.OK
    assert looked.json() == {"username": "alice", "name": "王丽", "phone": "13800138000"}
    logs = AuditEvent.objects.filter(verb="complaint.complainant_view")
    assert [(e.actor, e.data) for e in logs] == [(cworld.official_a, {"reason": "需要电话回访核实情况"})]
