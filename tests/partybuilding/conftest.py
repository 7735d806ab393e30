"""The party-building world: tests.conftest's world (alice owns 0101 in 逸景公馆 QD-370212-0001, served by
firm A; bob and bella co-own 0102; carol lives in 海韵小区 QD-370212-0002, firm B) with a current owners'
committee of 逸景公馆 (bob director, alice member) and a roll loaded through the real service:

    DW-370212001  中韩街道物业行业党委 (street 370212001), secretary official_a
    ├── ZB-0001   逸景公馆小区党支部 (compound A), secretary alice
    └── QY-A      甲物业党支部 (firm A)
    members: alice (ZB-0001, volunteers in A showing name + skills), bella (ZB-0001, volunteers in A showing
    building + post, a committee post), firm_a's account (QY-A)
"""

import datetime as dt

import pytest
from django.utils import timezone

from partybuilding.services.loading import party_document_load
from registry.models import CommitteeMember, Owner, OwnersCommittee
from tests.conftest import FIRM_A

A = "QD-370212-0001"
B = "QD-370212-0002"


def roll() -> dict:
    return {
        "organisations": [
            {
                "code": "DW-370212001",
                "name": "中韩街道物业行业党委",
                "kind": "street_alliance",
                "parent": None,
                "covers": {"street": "370212001"},
                "secretary": "official_a",
            },
            {
                "code": "ZB-0001",
                "name": "逸景公馆小区党支部",
                "kind": "compound_branch",
                "parent": "DW-370212001",
                "covers": {"compound": A},
                "secretary": "alice",
            },
            {
                "code": "QY-A",
                "name": "甲物业党支部",
                "kind": "firm_organisation",
                "parent": "DW-370212001",
                "covers": {"firm": FIRM_A},
            },
        ],
        "members": [
            {
                "username": "alice",
                "organisation": "ZB-0001",
                "joined": "2012-07-01",
                "registered_community": "370212001001",
                "volunteer": {"compounds": [A], "show": ["name", "skills"], "skills": "调解、助老"},
            },
            {
                "username": "bella",
                "organisation": "ZB-0001",
                "joined": "2015-06-30",
                "posts": [{"body": "committee", "compound": A, "title": "业委会委员"}],
                "volunteer": {"compounds": [A], "show": ["building", "post"], "skills": "水电维修"},
            },
            {"username": "firm_a", "organisation": "QY-A"},
        ],
    }


def committee(compound, owners_and_roles) -> OwnersCommittee:
    today = timezone.localdate()
    c = OwnersCommittee.objects.create(
        compound=compound,
        term_starts_on=today - dt.timedelta(days=100),
        term_ends_on=today + dt.timedelta(days=900),
    )
    for user, role in owners_and_roles:
        CommitteeMember.objects.create(committee=c, owner=Owner.objects.get(user=user), role=role)
    return c


@pytest.fixture
def pworld(world, migration_data):
    committee(
        world.compound_a,
        [(world.bob, CommitteeMember.Role.DIRECTOR), (world.alice, CommitteeMember.Role.MEMBER)],
    )
    party_document_load(doc=roll())
    return world
