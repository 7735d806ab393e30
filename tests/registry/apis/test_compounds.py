import datetime as dt
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.identifiers import mask_id_number
from registry.models import CommitteeMember, Compound, Owner, OwnersCommittee, Region
from tests.conftest import A_0101, A_0102, A_0201, A_0202, DEVELOPER, FIRM_A, FIRM_B, IDS, World, api_as
from tests.factories import CompoundFactory
from tests.registry.apis.helpers import COMPOUND_A, COMPOUND_B, add_compounds, add_units, client_for

LIST_URL = "/api/v1/compounds/"
DETAIL_A = f"/api/v1/compounds/{COMPOUND_A}/"
UNITS_A = f"/api/v1/compounds/{COMPOUND_A}/units/"

OK, NOT_FOUND = HTTPStatus.OK, HTTPStatus.NOT_FOUND

COMPOUND_A_JSON = {
    "code": COMPOUND_A,
    "name": "逸景公馆",
    "community": {"code": "370212001001", "name": "海尔路社区"},
    "street": {"code": "370212001", "name": "中韩街道"},
    "district": {"code": "370212", "name": "崂山区"},
    "address": "青岛市崂山区海尔路1号",
    "lat": "36.106000",
    "lng": "120.469000",
    "property_firm": {"uscc": FIRM_A, "name": "青岛甲物业服务有限公司"},
    "developer": {"uscc": DEVELOPER, "name": "某置业有限公司"},
}
COMPOUND_B_JSON = {
    "code": COMPOUND_B,
    "name": "海韵小区",
    "community": {"code": "370212002001", "name": "沙子口社区"},
    "street": {"code": "370212002", "name": "沙子口街道"},
    "district": {"code": "370212", "name": "崂山区"},
    "address": "青岛市崂山区沙子口路2号",
    "lat": None,
    "lng": None,
    "property_firm": {"uscc": FIRM_B, "name": "青岛乙物业服务有限公司"},
    "developer": None,
}


def codes(response) -> list[str]:
    return [c["code"] for c in response.json()["results"]]


# ------------------------------------------------------------------------------------------ list


@pytest.mark.parametrize(
    ("who", "expected", "visible"),
    [
        ("anonymous", HTTPStatus.UNAUTHORIZED, None),
        ("alice", OK, [COMPOUND_A]),
        ("carol", OK, [COMPOUND_B]),
        ("firm_a", OK, [COMPOUND_A]),
        ("firm_b", OK, [COMPOUND_B]),
        ("official_b", OK, [COMPOUND_B]),
        ("official_a", OK, [COMPOUND_A]),
        ("official_district", OK, [COMPOUND_A, COMPOUND_B]),
    ],
)
def test_compound_list_matrix(world: World, who: str, expected: HTTPStatus, visible: list[str] | None):
    # when
    response = client_for(world, who).get(LIST_URL)

    # then
    assert response.status_code == expected
    if visible is not None:
        assert codes(response) == visible
        assert response.json()["count"] == len(visible)


def test_compound_list_fields(world: World):
    # when
    response = api_as(world.official_district).get(LIST_URL)

    # then
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [COMPOUND_A_JSON, COMPOUND_B_JSON],
    }


@pytest.mark.parametrize(
    ("query", "visible"),
    [
        ({"community": "370212002001"}, [COMPOUND_B]),
        ({"community": "370212001001"}, [COMPOUND_A]),
        ({"community": "370212001"}, []),
        ({"q": "逸景"}, [COMPOUND_A]),
        ({"q": "海韵"}, [COMPOUND_B]),
        ({"q": "不存在"}, []),
        ({"q": ""}, [COMPOUND_A, COMPOUND_B]),
        ({"community": "370212001001", "q": "海韵"}, []),
    ],
)
def test_compound_list_filters(world: World, query: dict[str, str], visible: list[str]):
    # when
    response = api_as(world.official_district).get(LIST_URL, query)

    # then
    assert response.status_code == OK
    assert codes(response) == visible


def test_compound_list_filters_stay_within_scope(world: World):
    # when: official_a asks for the community of the other street
    response = api_as(world.official_a).get(LIST_URL, {"community": "370212002001"})

    # then
    assert response.status_code == OK
    assert codes(response) == []


def test_compound_list_pagination(world: World):
    # given
    client = api_as(world.official_district)

    # when
    first = client.get(LIST_URL, {"page_size": 1})
    second = client.get(LIST_URL, {"page_size": 1, "page": 2})

    # then
    assert first.json()["count"] == 2
    assert codes(first) == [COMPOUND_A]
    assert first.json()["next"] == "http://testserver/api/v1/compounds/?page=2&page_size=1"
    assert first.json()["previous"] is None
    assert codes(second) == [COMPOUND_B]
    assert second.json()["next"] is None


def test_compound_list_page_size_is_capped_at_500(world: World):
    # given: 501 more compounds in official_a's community (plain rows)
    community = Region.objects.get(code="370212001001")
    Compound.objects.bulk_create(CompoundFactory.build_batch(501, community=community))

    # when
    response = api_as(world.official_district).get(LIST_URL, {"page_size": 1000})

    # then
    assert response.json()["count"] == 503
    assert len(response.json()["results"]) == 500
    assert response.json()["next"] == "http://testserver/api/v1/compounds/?page=2&page_size=1000"


def test_compound_list_page_out_of_range(world: World):
    # when
    response = api_as(world.official_district).get(LIST_URL, {"page": 9})

    # then
    assert response.status_code == NOT_FOUND
    assert response.json()["code"] == "not_found"


def test_compound_list_queries_do_not_grow_with_rows(world: World, django_assert_max_num_queries):
    # given
    client = api_as(world.official_district)
    with CaptureQueriesContext(connection) as before:
        client.get(LIST_URL)
    add_compounds(5)

    # when
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as after:
        response = client.get(LIST_URL)

    # then
    assert response.json()["count"] == 7
    assert len(after.captured_queries) == len(before.captured_queries)


# ---------------------------------------------------------------------------------------- detail


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", HTTPStatus.UNAUTHORIZED),
        ("alice", OK),
        ("carol", NOT_FOUND),
        ("firm_a", OK),
        ("firm_b", NOT_FOUND),
        ("official_b", NOT_FOUND),
        ("official_a", OK),
        ("official_district", OK),
    ],
)
def test_compound_detail_matrix(world: World, who: str, expected: HTTPStatus):
    # when
    response = client_for(world, who).get(DETAIL_A)

    # then
    assert response.status_code == expected
    if expected == NOT_FOUND:
        assert response.json() == {"code": "not_found", "message": response.json()["message"], "extra": {}}


def test_compound_detail_counts(world: World):
    # when
    response = api_as(world.official_a).get(DETAIL_A)

    # then: buildings 0005 and 0006; 100.00 + 120.50 + 90.00 + 80.25; alice, bob, bella, dave and the
    # developer hold units, of whom alice, bob and bella have accounts
    assert response.status_code == OK
    assert response.json() == {
        **COMPOUND_A_JSON,
        "buildings": 2,
        "units": 4,
        "area_total": "390.75",
        "owners": 5,
        "owners_registered": 3,
        "committee": None,
    }


def test_compound_detail_counts_follow_new_units_and_signups(world: World):
    # given
    add_units(2)

    # when
    response = api_as(world.official_a).get(DETAIL_A)

    # then: two more units of 75.00 each, two more holders without accounts
    body = response.json()
    assert (body["units"], body["area_total"], body["owners"], body["owners_registered"]) == (
        6,
        "540.75",
        7,
        3,
    )


def test_compound_detail_unknown_code(world: World):
    # when
    response = api_as(world.official_district).get("/api/v1/compounds/QD-370212-9999/")

    # then
    assert response.status_code == NOT_FOUND
    assert response.json()["code"] == "not_found"


def test_compound_detail_current_committee(world: World):
    # given: a dissolved old committee and the current filed one (plain rows: no committee service yet)
    compound = world.compound_a
    bob, alice = Owner.objects.get(user=world.bob), Owner.objects.get(user=world.alice)
    old = OwnersCommittee.objects.create(
        compound=compound,
        term_starts_on=dt.date(2018, 1, 1),
        term_ends_on=dt.date(2023, 1, 1),
        filing_status=OwnersCommittee.Filing.DISSOLVED,
    )
    CommitteeMember.objects.create(committee=old, owner=alice, role=CommitteeMember.Role.DIRECTOR)
    today = dt.date.today()
    current = OwnersCommittee.objects.create(
        compound=compound,
        term_starts_on=today - dt.timedelta(days=30),
        term_ends_on=today + dt.timedelta(days=5 * 365),
        filing_status=OwnersCommittee.Filing.FILED,
        filed_on=today - dt.timedelta(days=10),
        filing_no="崂备2026-001",
    )
    CommitteeMember.objects.create(committee=current, owner=alice, role=CommitteeMember.Role.MEMBER)
    CommitteeMember.objects.create(committee=current, owner=bob, role=CommitteeMember.Role.DIRECTOR)

    # when
    response = api_as(world.alice).get(DETAIL_A)

    # then: members are public roles (names shown, director first), never their identifiers
    assert response.json()["committee"] == {
        "term": {
            "starts_on": (today - dt.timedelta(days=30)).isoformat(),
            "ends_on": (today + dt.timedelta(days=5 * 365)).isoformat(),
        },
        "filing_status": "filed",
        "filed_on": (today - dt.timedelta(days=10)).isoformat(),
        "filing_no": "崂备2026-001",
        "members": [{"name": "张伟", "role": "director"}, {"name": "王丽", "role": "member"}],
    }


# ----------------------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("who", "expected", "visible"),
    [
        ("anonymous", HTTPStatus.UNAUTHORIZED, None),
        ("alice", OK, [A_0101]),
        ("bob", OK, [A_0102]),
        ("carol", NOT_FOUND, None),
        ("firm_a", OK, [A_0101, A_0102, A_0201, A_0202]),
        ("firm_b", NOT_FOUND, None),
        ("official_b", NOT_FOUND, None),
        ("official_a", OK, [A_0101, A_0102, A_0201, A_0202]),
        ("official_district", OK, [A_0101, A_0102, A_0201, A_0202]),
    ],
)
def test_compound_units_matrix(world: World, who: str, expected: HTTPStatus, visible: list[str] | None):
    # when
    response = client_for(world, who).get(UNITS_A)

    # then
    assert response.status_code == expected
    if visible is not None:
        assert [u["unit_number"] for u in response.json()["results"]] == visible


def test_compound_units_fields(world: World):
    # when
    response = api_as(world.firm_a).get(UNITS_A)

    # then
    units = {u["unit_number"]: u for u in response.json()["results"]}
    assert units[A_0102] == {
        "unit_number": A_0102,
        "building": {"number": "0005", "name": "5号楼"},
        "entrance": None,
        "floor": "01",
        "room": "0102",
        "planned_use": "residential",
        "registered_area": "120.50",
        "surveyed_area": None,
        "contract_area": None,
        "voting_area": "120.50",
        "area_source": "registered",
        "developer_held": False,
        "delivered": True,
        "mortgage": False,
        "seizure": False,
        "holders": [
            {
                "name": "张伟",
                "id_masked": mask_id_number(IDS["bob"]),
                "co_ownership": "joint",
                "share": None,
                "certificate_holder": True,
            },
            {
                "name": "李娜",
                "id_masked": mask_id_number(IDS["bella"]),
                "co_ownership": "joint",
                "share": None,
                "certificate_holder": False,
            },
        ],
        "designated_voter": None,
        "voter": "张伟",
    }
    assert (units[A_0201]["developer_held"], units[A_0201]["delivered"]) == (True, False)
    assert units[A_0201]["holders"] == [
        {
            "name": "某置业有限公司",
            "id_masked": DEVELOPER[:3] + "*" * 11 + DEVELOPER[-4:],
            "co_ownership": "sole",
            "share": None,
            "certificate_holder": True,
        }
    ]
    assert units[A_0202]["building"] == {"number": "0006", "name": units[A_0202]["building"]["name"]}
    assert [units[n]["voting_area"] for n in (A_0101, A_0102, A_0201, A_0202)] == [
        "100.00",
        "120.50",
        "90.00",
        "80.25",
    ]


def test_compound_units_building_filter(world: World):
    # when
    response = api_as(world.official_a).get(UNITS_A, {"building": "0006"})
    invalid = api_as(world.official_a).get(UNITS_A, {"building": "6"})

    # then
    assert [u["unit_number"] for u in response.json()["results"]] == [A_0202]
    assert invalid.status_code == HTTPStatus.BAD_REQUEST
    assert list(invalid.json()["extra"]["fields"]) == ["building"]


def test_compound_units_page_size(world: World):
    # when
    response = api_as(world.official_a).get(UNITS_A, {"page_size": 3, "page": 2})

    # then
    assert response.json()["count"] == 4
    assert [u["unit_number"] for u in response.json()["results"]] == [A_0202]


@pytest.mark.parametrize("who", ["firm_a", "official_district"])
def test_compound_units_queries_do_not_grow_with_rows(world: World, who: str, django_assert_max_num_queries):
    # given: one request first, so per-process caches (content types, the token's user) are warm either way
    client = client_for(world, who)
    client.get(UNITS_A)
    with CaptureQueriesContext(connection) as before:
        client.get(UNITS_A)
    add_units(6)

    # when
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as after:
        response = client.get(UNITS_A)

    # then
    assert response.json()["count"] == 10
    assert len(after.captured_queries) == len(before.captured_queries)
