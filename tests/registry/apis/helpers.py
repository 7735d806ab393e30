"""Shared pieces of the registry API tests: the callers of the permission matrix and extra registry rows."""

import json
from typing import Any

from rest_framework.test import APIClient

from registry.services.places import master_data_load
from registry.services.registration import registration_feed_apply
from tests.conftest import DEVELOPER, FIRM_A, PARCEL_A, World, api_as, unit_number
from tests.factories import feed_line, holder, resident_id

# The permission matrix of every endpoint (STYLE.md, rule 10), in this order.
CALLERS = ["anonymous", "alice", "carol", "firm_a", "firm_b", "official_b", "official_a", "official_district"]

COMPOUND_A = "QD-370212-0001"
COMPOUND_B = "QD-370212-0002"


def client_for(world: World, who: str) -> APIClient:
    """An API client authenticated with a token as `who` (a World attribute), or anonymous."""
    return api_as(None if who == "anonymous" else getattr(world, who))


def add_units(count: int, *, first: int = 1) -> list[str]:
    """Add `count` units to compound A (building 5, households 03xx), each with its own holder, via the feed."""
    numbers = [unit_number(PARCEL_A, 5, f"03{first + i:02d}") for i in range(count)]
    lines = [
        feed_line(number, [holder(f"业主{i}", resident_id(100 + first + i))], room=number[-4:], area="75.00")
        for i, number in enumerate(numbers)
    ]
    report = registration_feed_apply(lines=lines, source="test-extra-units")
    assert report.applied == count
    return numbers


def add_compounds(count: int) -> list[str]:
    """Add `count` compounds to 海尔路社区 (street of official_a), served by firm A, via the master-data loader."""
    codes = [f"QD-370212-{9000 + i:04d}" for i in range(count)]
    doc = {
        "compounds": [
            {
                "code": code,
                "name": f"加建小区{i}",
                "community": "370212001001",
                "parcels": [f"370212001002GB{70000 + i:05d}"],
                "developer": DEVELOPER,
                "property_firm": FIRM_A,
                "address": f"青岛市崂山区测试路{i}号",
            }
            for i, code in enumerate(codes)
        ]
    }
    master_data_load(doc=doc)
    return codes


def unit_line(number: str, holders: list[dict[str, Any]], *, co_ownership: str, **areas: str) -> str:
    """A CREATE feed line whose property carries exactly the given areas (`building_area_m2`, ...)."""
    line = json.loads(feed_line(number, holders, co_ownership=co_ownership, room=number[-4:]))
    line["property"] = {
        "address": "青岛市崂山区测试路9号",
        "planned_use": "residential",
        "floor": "9",
        "room": number[-4:],
        "delivered": True,
        **areas,
    }
    return json.dumps(line, ensure_ascii=False)
