"""Flats on the roll are named and found as people write them: building, entrance, floor and room, natural
order, one parser ("1号楼1单元1201", "1-1-1201", "1#1201", full-width digits, the unit number)."""

import datetime as dt

import pytest
from django.utils import timezone

from registry.services.accounts import official_create
from tests.factories import address_compound, address_number
from tests.voting.conftest import PASSWORD
from voting.models import RollPart
from voting.selectors import participation, roll_search
from voting.services.assemblies import MotionSpec, assembly_announce, assembly_create


@pytest.fixture
def roll(db):
    compound = address_compound()
    official = official_create(username="street_addr", password=PASSWORD, region_code="370212001").user
    now = timezone.now()
    a = assembly_create(
        actor=official,
        compound=compound,
        title="地址测试大会",
        opens_at=now + dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=26),
        motions=[MotionSpec(title="选聘物业", category=4)],
        policy={"parking_in_area": True},
    )
    assembly_announce(actor=official, assembly=a, now=now)
    a.official = official
    return a


def _labels(rows):
    return [r["label"] for r in rows]


def test_the_roll_names_each_flat_with_building_entrance_floor_and_room_in_natural_order(roll):
    # when
    rows = participation(assembly=roll)

    # then: 1号楼 before 2号楼 before 10号楼; 101 < 901 < 1001 < 1201 within an entrance; the basement named
    assert _labels(rows) == [
        "1号楼 1单元 1层 101",
        "1号楼 1单元 9层 901",
        "1号楼 1单元 10层 1001",
        "1号楼 1单元 12层 1201",
        "1号楼 2单元 12层 1201",
        "2号楼 1单元 12层 1201",
        "10号楼 1单元 12层 1201",
        "地下车库 地下1层 B1-001",
    ]
    assert [(r["entrance"], r["floor"]) for r in rows[:2]] == [("1单元", "1"), ("1单元", "9")]
    assert str(RollPart.objects.get(assembly=roll, room="901")) == "1号楼 1单元 9层 901"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1号楼1单元1201", ["1号楼 1单元 12层 1201"]),
        ("1-1-1201", ["1号楼 1单元 12层 1201"]),
        ("１－１－１２０１", ["1号楼 1单元 12层 1201"]),
        ("1栋2单元1201室", ["1号楼 2单元 12层 1201"]),
        ("1号楼 1单元 12层 1201", ["1号楼 1单元 12层 1201"]),
        ("地址小区10号楼1单元1201", ["10号楼 1单元 12层 1201"]),
        ("1#1201", ["1号楼 1单元 12层 1201", "1号楼 2单元 12层 1201"]),
        ("1-1201", ["1号楼 1单元 12层 1201", "1号楼 2单元 12层 1201"]),
        (
            "1201",
            [
                "1号楼 1单元 12层 1201",
                "1号楼 2单元 12层 1201",
                "2号楼 1单元 12层 1201",
                "10号楼 1单元 12层 1201",
            ],
        ),
        ("b1-001", ["地下车库 地下1层 B1-001"]),
        ("地下车库B1-001", ["地下车库 地下1层 B1-001"]),
        ("3号楼1单元1201", []),
        ("", []),
    ],
)
def test_roll_search_reads_addresses_as_people_write_them(roll, written, expected):
    # when
    rows = roll_search(assembly=roll, q=written)

    # then: an ambiguous address lists every candidate with its full address
    assert _labels(rows) == expected


def test_roll_search_finds_the_unit_number_and_its_last_digits(roll):
    # given
    number = address_number(1)

    # when
    whole, tail = roll_search(assembly=roll, q=number), roll_search(assembly=roll, q=number[-9:])

    # then
    assert _labels(whole) == _labels(tail) == ["1号楼 1单元 9层 901"]
    assert whole[0]["unit_number"] == number


def test_the_migration_fills_in_rolls_frozen_before_addresses(roll):
    # given: a roll frozen before parts carried their entrance, floor, label and sort key
    import importlib

    from django.apps import apps

    migration = importlib.import_module("voting.migrations.0005_roll_part_address")
    before = list(RollPart.objects.filter(assembly=roll).order_by("pk").values_list("label", "sort_key"))
    RollPart.objects.filter(assembly=roll).update(
        building_no="", entrance="", entrance_no="", floor="", label="", sort_key=""
    )

    # when
    migration.backfill(apps, None)

    # then
    after = list(RollPart.objects.filter(assembly=roll).order_by("pk").values_list("label", "sort_key"))
    assert after == before
    assert "1号楼 1单元 12层 1201" in [label for label, _ in after]


def test_the_paper_ballot_page_lists_every_flat_an_ambiguous_address_may_mean(roll):
    # given
    from django.test import Client

    client = Client()
    client.force_login(roll.official)
    page = f"/admin/voting/assembly/{roll.pk}/paper-ballot/"

    # when
    ambiguous = client.get(page, {"q": "1#1201"}).content.decode()
    exact = client.get(page, {"q": "1-1-1201"}).content.decode()

    # then: two candidates, each with its full address, and a prompt to check it; one match, no prompt
    assert "1号楼 1单元 12层 1201" in ambiguous and "1号楼 2单元 12层 1201" in ambiguous
    assert 'id="roll-search-ambiguous"' in ambiguous
    assert "1号楼 1单元 12层 1201" in exact and "1号楼 2单元 12层 1201" not in exact
    assert 'id="roll-search-ambiguous"' not in exact
