"""Builders for voting tests: a fresh compound whose units, owners and accounts come from the real services."""

import datetime as dt
import itertools
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from registry.models import Compound, User
from registry.services.accounts import official_create, owner_signup
from registry.services.places import master_data_load
from registry.services.registration import registration_feed_apply
from tests.factories import feed_line, holder, resident_id
from voting.models import Assembly
from voting.services.assemblies import (
    MotionSpec,
    assembly_announce,
    assembly_close,
    assembly_create,
    assembly_open,
)

PASSWORD = "Gongzhi-test-2026"
PARCEL = "370212001002GB00777"
_compounds = itertools.count(1)
_people = itertools.count(1)


@dataclass
class Electorate:
    compound: Compound
    official: User
    owners: list[User] = field(default_factory=list)  # owners[i] holds unit i (see `build`)
    numbers: list[str] = field(default_factory=list)


def build_electorate(areas: list[str], *, holders_of: dict[int, list[int]] | None = None) -> Electorate:
    """One unit per area; unit i is held by person i unless `holders_of` maps it to other people (indexes)."""
    n = next(_compounds)
    parcel = f"370212001002GB{n + 700:05d}"
    master_data_load(
        doc={
            "regions": [
                {"code": "370212", "name": "崂山区", "level": "district", "parent": "370200"},
                {"code": "370212001", "name": "中韩街道", "level": "street", "parent": "370212"},
                {"code": "370212001001", "name": "海尔路社区", "level": "community", "parent": "370212001"},
            ],
            "compounds": [
                {
                    "code": f"QD-370212-{n + 7000:04d}",
                    "name": f"表决小区{n}",
                    "community": "370212001001",
                    "parcels": [parcel],
                }
            ],
        }
    )
    compound = Compound.objects.get(parcels__code=parcel)
    holders_of = holders_of or {}
    base = next(_people) * 100
    people = {}
    lines, numbers = [], []
    for i, area in enumerate(areas):
        number = f"{parcel}F0001{i + 1:04d}"
        numbers.append(number)
        idxs = holders_of.get(i, [i])
        hs = []
        for j, k in enumerate(idxs):
            people.setdefault(k, (f"业主{base + k}", resident_id(base + k, birth="19750505")))
            name, idn = people[k]
            hs.append(holder(name, idn, certificate_holder=j == 0))
        lines.append(feed_line(number, hs, area=area, co_ownership="joint" if len(hs) > 1 else None))
    registration_feed_apply(lines=lines, source=f"voting-{n}")
    owners = []
    for k in sorted(people):
        name, idn = people[k]
        owners.append(
            owner_signup(
                username=f"o{base + k}",
                password=PASSWORD,
                name=name,
                id_number=idn,
                phone="13800138000",
                ip_address=None,
            ).user
        )
    official = (
        User.objects.filter(official__region__code="370212001").first()
        or official_create(username=f"street{n}", password=PASSWORD, region_code="370212001").user
    )
    return Electorate(compound=compound, official=official, owners=owners, numbers=numbers)


def open_assembly(e: Electorate, motions: list[MotionSpec], **policy) -> Assembly:
    """Create, announce (20 days before opening), and open an assembly that is open now for an hour."""
    now = timezone.now()
    opens, closes = now - dt.timedelta(minutes=1), now + dt.timedelta(days=6)
    a = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="测试业主大会",
        opens_at=opens,
        closes_at=closes,
        motions=motions,
        policy=policy,
    )
    assembly_announce(actor=e.official, assembly=a, now=opens - dt.timedelta(days=20))
    return assembly_open(actor=e.official, assembly=a)


def close(e: Electorate, a: Assembly) -> Assembly:
    return assembly_close(actor=e.official, assembly=a, now=a.closes_at)


@pytest.fixture
def electorate(db):
    return build_electorate
