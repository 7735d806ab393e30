"""The one address parser and label (registry.addresses): worked examples of how people write a flat."""

import pytest

from registry.addresses import AddressQuery, flat_label, flat_sort_key, floor_label, parse_address


@pytest.mark.parametrize(
    ("written", "building_no", "entrance_no", "floor", "room"),
    [
        ("1号楼1单元1201", "0001", "1", "", "1201"),
        ("1栋1单元12层1201室", "0001", "1", "12", "1201"),
        ("1幢2门1201户", "0001", "2", "", "1201"),
        ("１号楼１单元１２０１", "0001", "1", "", "1201"),  # full-width digits
        ("1-1-1201", "0001", "1", "", "1201"),
        ("1—1—1201", "0001", "1", "", "1201"),
        ("1－1－1201", "0001", "1", "", "1201"),
        ("12 - 3 - 0502", "0012", "3", "", "0502"),
        ("1-1201", "0001", "", "", "1201"),
        ("1#1201", "0001", "", "", "1201"),
        ("1号楼1201", "0001", "", "", "1201"),
        ("1201", "", "", "", "1201"),
        ("1201室", "", "", "", "1201"),
        ("12号", "", "", "", "12"),  # a shop number, not a building
        ("b1-001", "", "", "", "B1-001"),
        ("麦岛小区3号楼2单元502", "0003", "2", "", "502"),
        ("1号楼1单元地下1层B101", "0001", "1", "-1", "B101"),
    ],
)
def test_parse_address_reads_the_ways_people_write_a_flat(written, building_no, entrance_no, floor, room):
    # when
    q = parse_address(written)

    # then
    assert (q.building_no, q.entrance_no, q.floor, q.room) == (building_no, entrance_no, floor, room)
    assert q.unit_number == q.unit_suffix == ""


def test_parse_address_takes_the_unit_number_and_its_end():
    # given
    number = "370212001002GB00901F00010002"

    # when / then
    assert parse_address(number) == AddressQuery(text=number, unit_number=number)
    assert parse_address(" " + number.lower() + " ").unit_number == number
    assert parse_address("F00010002").unit_suffix == "F00010002"
    assert parse_address("00010002").unit_suffix == "00010002"


def test_parse_address_takes_a_named_building():
    # when
    q = parse_address("地下车库B1-001")

    # then
    assert (q.building_name, q.room) == ("地下车库", "B1-001")


def test_empty_text_is_an_empty_query():
    assert parse_address("  ").empty
    assert not parse_address("1号楼").empty


def test_labels_name_building_entrance_floor_and_room():
    assert flat_label(building="1号楼", entrance="1单元", floor="12", room="1201") == "1号楼 1单元 12层 1201"
    assert flat_label(building="地下车库", floor="-1", room="B1-001") == "地下车库 地下1层 B1-001"
    assert flat_label(building="5号楼", floor="01", room="0101") == "5号楼 1层 0101"
    assert (floor_label(""), floor_label("3层"), floor_label("-2")) == ("", "3层", "地下2层")


def test_the_sort_key_compares_numbers_as_numbers_and_puts_basements_first():
    # given: (building no, entrance no, floor, room)
    flats = [
        ("0010", "1", "1", "101"),
        ("0001", "1", "12", "1201"),
        ("0001", "1", "9", "901"),
        ("0001", "2", "1", "101"),
        ("0001", "1", "-1", "B1-001"),
        ("0002", "1", "1", "101"),
    ]

    # when
    ordered = sorted(
        flats,
        key=lambda f: flat_sort_key(
            building_no=f[0], building="", entrance_no=f[1], floor=f[2], room=f[3], unit_number=""
        ),
    )

    # then
    assert ordered == [
        ("0001", "1", "-1", "B1-001"),
        ("0001", "1", "9", "901"),
        ("0001", "1", "12", "1201"),
        ("0001", "2", "1", "101"),
        ("0002", "1", "1", "101"),
        ("0010", "1", "1", "101"),
    ]


def test_the_unit_admin_finds_a_flat_by_its_written_address(db):
    # given: a street official over 地址小区
    from django.test import Client

    from registry.services.accounts import official_create
    from tests.factories import address_compound, address_number

    address_compound()
    official = official_create(
        username="street_units", password="Gongzhi-test-2026", region_code="370212001"
    ).user
    client = Client()
    client.force_login(official)

    def found(q: str) -> list[str]:
        response = client.get("/admin/registry/unit/", {"q": q})
        assert response.status_code == 200
        return sorted(u.unit_number for u in response.context["cl"].result_list)

    # when / then: each written form finds the flat(s) at that address, and only them
    assert found("1号楼1单元1201") == [address_number(0)]
    assert found("1-2-1201") == [address_number(4)]
    assert found("１０号楼１单元１２０１") == [address_number(5)]
    assert found("1#1201") == [address_number(0), address_number(4)]
    assert found(address_number(1)[-9:]) == [address_number(1)]
    assert found("地下车库B1-001") == [address_number(7)]
