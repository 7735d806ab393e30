import datetime as dt
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest

from registry.identifiers import mask_id_number
from registry.models import AuditEvent, Owner, Ownership
from registry.services.registration import registration_feed_apply
from tests.conftest import A_0101, A_0102, IDS, PARCEL_A, World, api_as, unit_number
from tests.factories import holder, resident_id
from tests.registry.apis.helpers import COMPOUND_A, client_for, unit_line

OK, NOT_FOUND, FORBIDDEN = HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN
REGISTERED_AT = "2025-03-02T10:15:00+08:00"
CERTIFICATE_NO = "鲁(2025)青岛市不动产权第0123456号"


def unit_url(number: str) -> str:
    return f"/api/v1/units/{number}/"


def voter_url(number: str) -> str:
    return f"/api/v1/units/{number}/designated-voter/"


# ---------------------------------------------------------------------------------------- detail


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", HTTPStatus.UNAUTHORIZED),
        ("alice", OK),
        ("bob", NOT_FOUND),
        ("carol", NOT_FOUND),
        ("firm_a", OK),
        ("firm_b", NOT_FOUND),
        ("official_b", NOT_FOUND),
        ("official_a", OK),
        ("official_district", OK),
    ],
)
def test_unit_detail_matrix(world: World, who: str, expected: HTTPStatus):
    # when
    response = client_for(world, who).get(unit_url(A_0101))

    # then
    assert response.status_code == expected


def test_unit_detail_fields(world: World):
    # when
    response = api_as(world.alice).get(unit_url(A_0101))

    # then
    holder_json = {
        "name": "王丽",
        "id_masked": mask_id_number(IDS["alice"]),
        "co_ownership": "sole",
        "share": None,
        "certificate_holder": True,
    }
    assert response.status_code == OK
    assert response.json() == {
        "unit_number": A_0101,
        "compound": {"code": COMPOUND_A, "name": "逸景公馆"},
        "building": {"number": "0005", "name": "5号楼"},
        "entrance": None,
        "floor": "01",
        "room": "0101",
        "planned_use": "residential",
        "registered_area": "100.00",
        "surveyed_area": None,
        "contract_area": None,
        "voting_area": "100.00",
        "area_source": "registered",
        "developer_held": False,
        "delivered": True,
        "mortgage": False,
        "seizure": False,
        "holders": [holder_json],
        "designated_voter": None,
        "voter": "王丽",
        "ownership_history": [
            {**holder_json, "certificate_no": CERTIFICATE_NO, "valid_from": REGISTERED_AT, "valid_to": None}
        ],
    }


def test_unit_detail_ownership_history_includes_ended_records(world: World):
    # given: dave held A_0101 until alice's registration (rows written directly: the feed's TRANSFER
    # handler is not there yet)
    unit = world.unit(A_0101)
    dave = Owner.objects.get(name="陈静")
    shanghai = ZoneInfo("Asia/Shanghai")
    Ownership.objects.create(
        unit=unit,
        owner=dave,
        co_ownership=Ownership.CoOwnership.SOLE,
        certificate_holder=True,
        certificate_no="鲁(2019)青岛市不动产权第0000042号",
        registered_at=dt.datetime(2019, 5, 6, 9, 0, tzinfo=shanghai),
        valid_from=dt.datetime(2019, 5, 6, 9, 0, tzinfo=shanghai),
        valid_to=dt.datetime(2025, 3, 2, 10, 15, tzinfo=shanghai),
    )

    # when
    response = api_as(world.official_a).get(unit_url(A_0101))

    # then: newest first, times with the +08:00 offset; only current holders under "holders"
    body = response.json()
    assert [h["name"] for h in body["holders"]] == ["王丽"]
    assert body["ownership_history"] == [
        {
            "name": "王丽",
            "id_masked": mask_id_number(IDS["alice"]),
            "co_ownership": "sole",
            "share": None,
            "certificate_holder": True,
            "certificate_no": CERTIFICATE_NO,
            "valid_from": REGISTERED_AT,
            "valid_to": None,
        },
        {
            "name": "陈静",
            "id_masked": mask_id_number(IDS["dave"]),
            "co_ownership": "sole",
            "share": None,
            "certificate_holder": True,
            "certificate_no": "鲁(2019)青岛市不动产权第0000042号",
            "valid_from": "2019-05-06T09:00:00+08:00",
            "valid_to": REGISTERED_AT,
        },
    ]


def test_unit_detail_shares(world: World):
    # given: a unit held by shares, given as a fraction and as a percentage
    number = unit_number(PARCEL_A, 5, "0401")
    holders = [
        holder("孙强", resident_id(201), share="2/3"),
        holder("周敏", resident_id(202), share="1/3", certificate_holder=False),
    ]
    other = unit_number(PARCEL_A, 5, "0402")
    halves = [
        holder("孙强", resident_id(201), share="50%"),
        holder("周敏", resident_id(202), share="0.5", certificate_holder=False),
    ]
    lines = [
        unit_line(number, holders, co_ownership="shares", building_area_m2="99.99"),
        unit_line(other, halves, co_ownership="shares", building_area_m2="60.00"),
    ]
    assert registration_feed_apply(lines=lines, source="test-shares").applied == 2

    # when
    thirds = api_as(world.official_a).get(unit_url(number)).json()["holders"]
    half = api_as(world.official_a).get(unit_url(other)).json()["holders"]

    # then
    assert [(h["name"], h["co_ownership"], h["share"], h["certificate_holder"]) for h in thirds] == [
        ("孙强", "shares", "2/3", True),
        ("周敏", "shares", "1/3", False),
    ]
    assert [h["share"] for h in half] == ["1/2", "1/2"]


@pytest.mark.parametrize(
    ("areas", "expected"),
    [
        (
            {"building_area_m2": "89.37", "surveyed_area_m2": "88.80", "contract_area_m2": "90.00"},
            ("89.37", "88.80", "90.00", "89.37", "registered"),
        ),
        (
            {"surveyed_area_m2": "88.80", "contract_area_m2": "90.00"},
            (None, "88.80", "90.00", "88.80", "surveyed"),
        ),
        ({"contract_area_m2": "90"}, (None, None, "90.00", "90.00", "contract")),
    ],
    ids=["registered", "surveyed", "contract"],
)
def test_unit_voting_area_and_source(world: World, areas: dict[str, str], expected: tuple):
    # given
    number = unit_number(PARCEL_A, 5, "0501")
    line = unit_line(number, [holder("孙强", resident_id(201))], co_ownership="sole", **areas)
    assert registration_feed_apply(lines=[line], source="test-areas").applied == 1

    # when
    body = api_as(world.official_a).get(unit_url(number)).json()

    # then: SPC art. 8 — registered area, else surveyed, else contract area
    fields = ("registered_area", "surveyed_area", "contract_area", "voting_area", "area_source")
    assert tuple(body[f] for f in fields) == expected


def test_unit_detail_normalises_the_number(world: World):
    # when
    response = api_as(world.alice).get(unit_url(A_0101.lower()))

    # then
    assert response.status_code == OK
    assert response.json()["unit_number"] == A_0101


def test_unit_detail_unknown_number(world: World):
    # when
    response = api_as(world.official_district).get(unit_url(unit_number(PARCEL_A, 9, "0909")))

    # then
    assert response.status_code == NOT_FOUND
    assert response.json()["code"] == "not_found"


def test_unit_detail_queries_are_bounded(world: World, django_assert_max_num_queries):
    # given
    client = api_as(world.official_a)

    # when
    with django_assert_max_num_queries(10):
        response = client.get(unit_url(A_0102))

    # then
    assert [h["name"] for h in response.json()["holders"]] == ["张伟", "李娜"]


# ------------------------------------------------------------------------------ designated voter


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", HTTPStatus.UNAUTHORIZED),
        ("alice", FORBIDDEN),
        ("carol", NOT_FOUND),
        ("firm_a", FORBIDDEN),
        ("firm_b", NOT_FOUND),
        ("official_b", NOT_FOUND),
        ("official_a", OK),
        ("official_district", OK),
    ],
)
def test_designated_voter_matrix(world: World, who: str, expected: HTTPStatus):
    # when
    response = client_for(world, who).post(voter_url(A_0101), {"username": "alice"}, format="json")

    # then
    assert response.status_code == expected
    recorded = world.unit(A_0101).designated_voter_id
    assert recorded == (Owner.objects.get(user=world.alice).pk if expected == OK else None)
    if expected == FORBIDDEN:
        assert response.json()["code"] == "forbidden"


def test_designated_voter_set_by_official(world: World):
    # given
    bella = Owner.objects.get(user=world.bella)

    # when
    response = api_as(world.official_a).post(voter_url(A_0102), {"username": "bella"}, format="json")

    # then
    assert response.status_code == OK
    body = response.json()
    assert body["unit_number"] == A_0102
    assert (body["designated_voter"], body["voter"]) == ("李娜", "李娜")
    assert [h["name"] for h in body["holders"]] == ["张伟", "李娜"]
    assert world.unit(A_0102).designated_voter_id == bella.pk
    event = AuditEvent.objects.get(verb="unit.designated_voter_set")
    assert (event.actor, event.target_id) == (world.official_a, str(world.unit(A_0102).pk))
    assert api_as(world.bob).get(unit_url(A_0102)).json()["designated_voter"] == "李娜"


def test_designated_voter_refused_to_a_co_owner(world: World):
    # when: bob, a holder of the unit, tries to name himself
    response = api_as(world.bob).post(voter_url(A_0102), {"username": "bob"}, format="json")

    # then
    assert response.status_code == FORBIDDEN
    assert response.json()["code"] == "forbidden"
    assert world.unit(A_0102).designated_voter_id is None
    assert not AuditEvent.objects.filter(verb="unit.designated_voter_set").exists()


@pytest.mark.parametrize("username", ["carol", "alice", "nobody", "official_a"])
def test_designated_voter_must_be_a_current_holder(world: World, username: str):
    # when
    response = api_as(world.official_a).post(voter_url(A_0102), {"username": username}, format="json")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert body["code"] == "not_current_holder"
    assert set(body) == {"code", "message", "extra"}
    assert world.unit(A_0102).designated_voter_id is None
    assert not AuditEvent.objects.filter(verb="unit.designated_voter_set").exists()


def test_designated_voter_needs_a_username(world: World):
    # when
    response = api_as(world.official_a).post(voter_url(A_0102), {}, format="json")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "invalid"
    assert list(response.json()["extra"]["fields"]) == ["username"]


def test_designated_voter_unknown_unit(world: World):
    # when
    response = api_as(world.official_a).post(
        voter_url(unit_number(PARCEL_A, 9, "0909")), {"username": "bob"}, format="json"
    )

    # then
    assert response.status_code == NOT_FOUND
    assert response.json()["code"] == "not_found"
