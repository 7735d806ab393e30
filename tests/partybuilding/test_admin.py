"""The party-building admin pages: read-only, scoped by partybuilding.permissions like the API."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from partybuilding.models import Member, Organisation
from registry.models import User
from tests.conftest import PASSWORD, browser_as


def _rows(client: Client, model) -> list:
    response = client.get(reverse(f"admin:partybuilding_{model._meta.model_name}_changelist"))
    assert response.status_code == HTTPStatus.OK
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("who", "members", "organisations"),
    [
        ("official_a", ["alice", "bella", "firm_a"], ["DW-370212001", "QY-A", "ZB-0001"]),
        ("official_district", ["alice", "bella", "firm_a"], ["DW-370212001", "QY-A", "ZB-0001"]),
        ("official_b", [], []),
    ],
)
def test_officials_see_the_rolls_of_their_area_only(pworld, who, members, organisations):
    # given
    client = browser_as(User.objects.get(username=who))

    # when
    seen_members = sorted(m.user.username for m in _rows(client, Member))
    seen_orgs = sorted(o.code for o in _rows(client, Organisation))

    # then
    assert seen_members == members
    assert seen_orgs == organisations


def test_nobody_changes_a_roll_in_the_admin(pworld):
    # given
    root = Client()
    root.force_login(User.objects.create_superuser("root", password=PASSWORD))
    member = Member.objects.get(user=pworld.alice)
    url = reverse("admin:partybuilding_member_change", args=[member.pk])

    # when
    page = root.get(url)
    posted = root.post(url, {"joined": "2000-01-01"})

    # then
    assert page.status_code == HTTPStatus.OK
    assert posted.status_code == HTTPStatus.FORBIDDEN
    member.refresh_from_db()
    assert str(member.joined) == "2012-07-01"
    assert root.get(reverse("admin:partybuilding_member_add")).status_code == HTTPStatus.FORBIDDEN


def test_owners_and_firms_have_no_party_admin(pworld):
    # when
    owner = browser_as(pworld.alice).get(reverse("admin:partybuilding_member_changelist"))
    firm = browser_as(pworld.firm_a).get(reverse("admin:partybuilding_member_changelist"))

    # then
    assert owner.status_code == HTTPStatus.FOUND  # to the admin's sign-in: not staff
    assert firm.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.FOUND)
