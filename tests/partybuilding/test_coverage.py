"""Cross-appointment and coverage on a hand-built district (市北区 370203):

    street 370203001 ─ community 370203001001 ─ C1 (firm F1): compound branch, project branch; committee 3 of 4
                     │                        └ C2 (firm F1): no branches; committee 2 of 4 (exactly half)
                     └ community 370203001002 ─ C3 (firm F2, not organised): compound branch; no committee
    street 370203002 ─ community 370203002001 ─ C4 (no firm): no branch; committee 2 of 3

F1 has a firm organisation; F2 has none. Expected for the district: firms 1/2 (F2 short), projects 1/3 (C2, C3),
compounds with a branch 2/4 (C2, C4), committees above half 2/3 (C2: exactly half is not more than half).
The `district` fixture is in tests/partybuilding/conftest.py.
"""

from http import HTTPStatus

from partybuilding.coverage import compound_party_status, region_coverage
from registry.models import Region, User
from tests.conftest import api_as
from tests.partybuilding.conftest import F1, F2


def test_exactly_half_party_members_is_flagged_and_more_than_half_is_not(district):
    # when
    c1 = compound_party_status(compound=district["c1"])
    c2 = compound_party_status(compound=district["c2"])

    # then
    assert c1["committee"] == {"seats": 4, "party_seats": 3, "above_half": True}
    assert c1["has_branch"] is True
    assert c1["project_branch"] is True
    assert c1["firm_organised"] is True
    assert c1["short"] == []
    assert c2["committee"] == {"seats": 4, "party_seats": 2, "above_half": False}
    assert c2["short"] == ["compound_without_branch", "project_without_branch", "committee_not_majority"]


def test_compound_without_committee_or_firm(district):
    # when
    c3 = compound_party_status(compound=district["c3"])
    c4 = compound_party_status(compound=district["c4"])

    # then
    assert c3["committee"] is None
    assert c3["short"] == ["project_without_branch", "firm_without_organisation"]
    assert c4["committee"] == {"seats": 3, "party_seats": 2, "above_half": True}
    assert c4["project_branch"] is None
    assert c4["short"] == ["compound_without_branch"]


def test_district_coverage_numerators_denominators_and_what_falls_short(
    district, django_assert_max_num_queries
):
    # given
    district_region = Region.objects.get(code="370203")

    # when: the children, the totals, the children's totals, the rows that fall short
    with django_assert_max_num_queries(4):
        body = region_coverage(region=district_region)

    # then
    d = body["region"]
    assert (d["code"], d["level"]) == ("370203", "district")
    assert d["firms_with_organisation"] == {
        "numerator": 1,
        "denominator": 2,
        "short": [{"uscc": F2, "name": "二号物业"}],
    }
    assert d["projects_with_organisation"] == {
        "numerator": 1,
        "denominator": 3,
        "short": [
            {"compound": "QD-370203-0002", "name": "二号院", "firm": F1},
            {"compound": "QD-370203-0003", "name": "三号院", "firm": F2},
        ],
    }
    assert d["compounds_with_branch"] == {
        "numerator": 2,
        "denominator": 4,
        "short": [
            {"compound": "QD-370203-0002", "name": "二号院"},
            {"compound": "QD-370203-0004", "name": "四号院"},
        ],
    }
    assert d["committees_above_half"] == {
        "numerator": 2,
        "denominator": 3,
        "short": [{"compound": "QD-370203-0002", "name": "二号院", "seats": 4, "party_seats": 2}],
    }
    street1, street2 = body["children"]
    assert street1["code"] == "370203001"
    assert [
        street1[k]["numerator"]
        for k in (
            "firms_with_organisation",
            "projects_with_organisation",
            "compounds_with_branch",
            "committees_above_half",
        )
    ] == [1, 1, 2, 1]
    assert [
        street1[k]["denominator"]
        for k in (
            "firms_with_organisation",
            "projects_with_organisation",
            "compounds_with_branch",
            "committees_above_half",
        )
    ] == [2, 3, 3, 2]
    assert street2["code"] == "370203002"
    assert [
        (street2[k]["numerator"], street2[k]["denominator"])
        for k in (
            "firms_with_organisation",
            "projects_with_organisation",
            "compounds_with_branch",
            "committees_above_half",
        )
    ] == [(0, 0), (0, 0), (0, 1), (1, 1)]
    assert street2["compounds_with_branch"]["short"] == [{"compound": "QD-370203-0004", "name": "四号院"}]


def test_coverage_api_for_officials_only_and_scoped_to_their_region(district):
    # when
    own = api_as(User.objects.get(username="official_district")).get(
        "/api/v1/stats/party-coverage/?region=370203"
    )
    default = api_as(User.objects.get(username="official_street2")).get("/api/v1/stats/party-coverage/")
    above = api_as(User.objects.get(username="official_street2")).get(
        "/api/v1/stats/party-coverage/?region=370203"
    )
    owner = api_as(User.objects.get(username="o1")).get("/api/v1/stats/party-coverage/?region=370203")
    anonymous = api_as(None).get("/api/v1/stats/party-coverage/?region=370203")

    # then
    assert own.status_code == HTTPStatus.OK
    assert own.json()["region"]["committees_above_half"]["numerator"] == 2
    assert [c["code"] for c in own.json()["children"]] == ["370203001", "370203002"]
    assert default.status_code == HTTPStatus.OK
    assert default.json()["region"]["code"] == "370203002"
    assert default.json()["children"] == [
        {
            "code": "370203002001",
            "name": "三社区",
            "level": "community",
            "firms_with_organisation": {"numerator": 0, "denominator": 0, "short": []},
            "projects_with_organisation": {"numerator": 0, "denominator": 0, "short": []},
            "compounds_with_branch": {
                "numerator": 0,
                "denominator": 1,
                "short": [{"compound": "QD-370203-0004", "name": "四号院"}],
            },
            "committees_above_half": {"numerator": 1, "denominator": 1, "short": []},
        }
    ]
    assert above.status_code == HTTPStatus.NOT_FOUND
    assert owner.status_code == HTTPStatus.FORBIDDEN
    assert owner.json()["code"] == "forbidden"
    assert anonymous.status_code in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN)
