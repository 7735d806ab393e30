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
from registry.models import CommitteeMember, Compound, Firm, Owner, OwnersCommittee, Region, User
from registry.services.accounts import official_create
from registry.services.places import master_data_load
from tests.conftest import FIRM_A, PASSWORD
from tests.factories import CompoundFactory, uscc

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


# ------------------------------------------------------------------------------ a hand-built district
# Cross-appointment and coverage on a hand-built district (市北区 370203):
#
#     street 370203001 ─ community 370203001001 ─ C1 (firm F1): compound branch, project branch; committee 3 of 4
#                      │                        └ C2 (firm F1): no branches; committee 2 of 4 (exactly half)
#                      └ community 370203001002 ─ C3 (firm F2, not organised): compound branch; no committee
#     street 370203002 ─ community 370203002001 ─ C4 (no firm): no branch; committee 2 of 3
#
# F1 has a firm organisation; F2 has none. Expected for the district: firms 1/2 (F2 short), projects 1/3 (C2, C3),
# compounds with a branch 2/4 (C2, C4), committees above half 2/3 (C2: exactly half is not more than half).


F1, F2 = uscc(801), uscc(802)


def _owner(n: int) -> User:
    user = User.objects.create_user(username=f"o{n}", password=PASSWORD)
    Owner.objects.create(
        holder_type="person",
        name=f"业主{n}",
        id_type="resident_id",
        id_hmac=f"{n:064x}",
        id_masked="*",
        user=user,
    )
    return user


def _committee(compound: Compound, users: list[User], **term) -> OwnersCommittee:
    today = timezone.localdate()
    c = OwnersCommittee.objects.create(
        compound=compound,
        term_starts_on=term.get("starts", today - dt.timedelta(days=30)),
        term_ends_on=term.get("ends", today + dt.timedelta(days=1000)),
        filing_status=term.get("status", OwnersCommittee.Filing.PREPARING),
    )
    for i, u in enumerate(users):
        role = CommitteeMember.Role.DIRECTOR if i == 0 else CommitteeMember.Role.MEMBER
        CommitteeMember.objects.create(committee=c, owner=u.owner, role=role)
    return c


@pytest.fixture
def district(db):
    master_data_load(
        doc={
            "regions": [
                {"code": "370203", "name": "市北区", "level": "district", "parent": "370200"},
                {"code": "370203001", "name": "甲街道", "level": "street", "parent": "370203"},
                {"code": "370203001001", "name": "一社区", "level": "community", "parent": "370203001"},
                {"code": "370203001002", "name": "二社区", "level": "community", "parent": "370203001"},
                {"code": "370203002", "name": "乙街道", "level": "street", "parent": "370203"},
                {"code": "370203002001", "name": "三社区", "level": "community", "parent": "370203002"},
            ],
            "firms": [
                {"uscc": F1, "name": "一号物业", "kind": "property_firm"},
                {"uscc": F2, "name": "二号物业", "kind": "property_firm"},
            ],
        }
    )
    region, firm = Region.objects.get, Firm.objects.get
    c1 = CompoundFactory(
        code="QD-370203-0001",
        name="一号院",
        community=region(code="370203001001"),
        property_firm=firm(uscc=F1),
    )
    c2 = CompoundFactory(
        code="QD-370203-0002",
        name="二号院",
        community=region(code="370203001001"),
        property_firm=firm(uscc=F1),
    )
    c3 = CompoundFactory(
        code="QD-370203-0003",
        name="三号院",
        community=region(code="370203001002"),
        property_firm=firm(uscc=F2),
    )
    c4 = CompoundFactory(code="QD-370203-0004", name="四号院", community=region(code="370203002001"))
    owners = [_owner(n) for n in range(1, 12)]
    _committee(c1, owners[0:4])
    _committee(c2, owners[4:8])
    _committee(c4, owners[8:11])
    # an old, dissolved term of C2 full of party members never counts
    _committee(
        c2,
        owners[4:8],
        starts=timezone.localdate() - dt.timedelta(days=2000),
        ends=timezone.localdate() - dt.timedelta(days=1000),
        status=OwnersCommittee.Filing.DISSOLVED,
    )
    party = {1, 2, 3, 5, 6, 9, 10}  # C1: o1-o3 of o1-o4; C2: o5, o6 of o5-o8; C4: o9, o10 of o9-o11
    party_document_load(
        doc={
            "organisations": [
                {
                    "code": "DW",
                    "name": "市北区物业行业党委",
                    "kind": "industry_committee",
                    "parent": None,
                    "covers": {"street": "370203001"},
                },
                {
                    "code": "ZB1",
                    "name": "一号院党支部",
                    "kind": "compound_branch",
                    "parent": "DW",
                    "covers": {"compound": c1.code},
                },
                {
                    "code": "XM1",
                    "name": "一号物业一号院项目党支部",
                    "kind": "project_branch",
                    "parent": "QY1",
                    "covers": {"compound": c1.code},
                },
                {
                    "code": "QY1",
                    "name": "一号物业党支部",
                    "kind": "firm_organisation",
                    "parent": "DW",
                    "covers": {"firm": F1},
                },
                {
                    "code": "ZB3",
                    "name": "三号院党支部",
                    "kind": "compound_branch",
                    "parent": "DW",
                    "covers": {"compound": c3.code},
                },
            ],
            "members": [
                {
                    "username": f"o{n}",
                    "organisation": "ZB1",
                    "posts": [{"body": "committee", "compound": c1.code, "title": "委员"}],
                }
                for n in sorted(party)
            ],
        }
    )
    official_create(username="official_district", password=PASSWORD, region_code="370203")
    official_create(username="official_street2", password=PASSWORD, region_code="370203002")
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4}
