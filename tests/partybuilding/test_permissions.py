"""Membership data only to the member, their organisation's secretary and officials over its area; owners see
volunteers only through the fields each chose to show."""

from http import HTTPStatus

import pytest

from partybuilding.models import Member, Organisation
from partybuilding.permissions import member_visible_q, organisation_visible_q, task_poster_role
from registry.models import User
from tests.conftest import api_as


def _seen_members(user) -> list[str]:
    return sorted(Member.objects.filter(member_visible_q(user=user)).values_list("user__username", flat=True))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("alice", ["alice", "bella"]),  # a member, and secretary of 逸景公馆小区党支部
        ("bella", ["bella"]),  # a member: her own record only
        ("firm_a", ["firm_a"]),
        ("bob", []),  # an owner, no member
        ("carol", []),
        ("official_a", ["alice", "bella", "firm_a"]),  # the street over every organisation's area
        ("official_district", ["alice", "bella", "firm_a"]),
        ("official_b", []),  # another street
    ],
)
def test_membership_data_is_seen_by_the_member_the_secretary_and_officials_over_the_area(
    pworld, who, expected
):
    # when
    seen = _seen_members(User.objects.get(username=who))

    # then
    assert seen == expected


def test_anonymous_sees_no_membership_data(pworld):
    # given
    from django.contrib.auth.models import AnonymousUser

    # when / then
    assert Member.objects.filter(member_visible_q(user=AnonymousUser())).count() == 0
    assert Organisation.objects.filter(organisation_visible_q(user=AnonymousUser())).count() == 0


def test_organisations_seen_by_officials_over_their_area_and_their_people(pworld):
    # when
    def seen(name):
        user = User.objects.get(username=name)
        return sorted(
            set(Organisation.objects.filter(organisation_visible_q(user=user)).values_list("code", flat=True))
        )

    # then
    assert seen("official_a") == ["DW-370212001", "QY-A", "ZB-0001"]
    assert seen("official_b") == []
    assert seen("alice") == ["ZB-0001"]
    assert seen("firm_a") == ["QY-A"]
    assert seen("bob") == []


@pytest.mark.parametrize(
    ("who", "compound", "role"),
    [
        ("bella", "a", "owner"),
        ("alice", "a", "committee"),  # a member of the current committee too
        ("bob", "a", "committee"),  # its director
        ("official_a", "a", "community"),
        ("official_district", "a", "community"),
        ("official_b", "a", None),
        ("carol", "a", None),
        ("firm_a", "a", None),
        ("carol", "b", "owner"),
    ],
)
def test_who_may_post_a_task(pworld, who, compound, role):
    # when
    found = task_poster_role(
        user=User.objects.get(username=who),
        compound=pworld.compound_a if compound == "a" else pworld.compound_b,
    )

    # then
    assert found == role


def test_task_figures_show_only_the_members_one_sees(pworld):
    # when
    as_bella = api_as(pworld.bella).get("/api/v1/stats/party-tasks/")
    as_official_b = api_as(pworld.official_b).get("/api/v1/stats/party-tasks/")
    as_official_a = api_as(pworld.official_a).get("/api/v1/stats/party-tasks/")

    # then
    assert as_bella.status_code == HTTPStatus.OK
    assert [m["organisation"] for m in as_bella.json()["members"]] == ["ZB-0001"]
    assert as_official_b.json() == {"members": [], "organisations": []}
    assert len(as_official_a.json()["members"]) == 3
    assert [o["code"] for o in as_official_a.json()["organisations"]] == ["DW-370212001", "QY-A", "ZB-0001"]
