"""The registration-feed consumer as far as the foundation needs it: CREATE, idempotence, quarantine."""

import json
from fractions import Fraction

import pytest

from registry.models import (
    Owner,
    Ownership,
    QuarantinedRecord,
    RegistrationEvent,
    SyncCursor,
    Unit,
    UnitNumberVersion,
)
from registry.services.registration import (
    FeedRecordError,
    parse_feed_line,
    parse_share,
    registration_feed_apply,
)
from tests.conftest import A_0101, A_0102, IDS, PARCEL_A, World, person, unit_number
from tests.factories import feed_line, holder, resident_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1/2", Fraction(1, 2)),
        ("50%", Fraction(1, 2)),
        ("0.5", Fraction(1, 2)),
        ("1/3", Fraction(1, 3)),
        ("33.5%", Fraction(67, 200)),
        ("1", Fraction(1)),
    ],
)
def test_parse_share_accepts_the_three_notations_exactly(raw, expected):
    assert parse_share(raw) == expected


@pytest.mark.parametrize("raw", ["0", "0/3", "3/2", "150%", "abc", "1/0", "-0.5"])
def test_parse_share_refuses_out_of_range_or_garbage(raw):
    with pytest.raises(FeedRecordError) as e:
        parse_share(raw)
    assert e.value.code == "invalid_share"


def test_create_places_unit_on_compound_and_building_by_unit_number(world: World):
    # given
    number = unit_number(PARCEL_A, 7, "1203")
    # when
    report = registration_feed_apply(
        lines=[feed_line(number, [holder("赵敏", resident_id(77))], room="1203")], source="t"
    )
    # then
    unit = Unit.objects.select_related("building").get(unit_number=number)
    assert report.applied == 1 and report.quarantined == 0
    assert unit.compound == world.compound_a
    assert (unit.building.number, unit.building.name) == ("0007", "7号楼")
    assert unit.parcel_code == PARCEL_A
    assert str(unit.registered_area) == "100.00"
    assert UnitNumberVersion.objects.filter(unit=unit, valid_to__isnull=True).get().unit_number == number
    assert RegistrationEvent.objects.filter(unit=unit, event_type="CREATE").count() == 1


def test_create_with_shares_keeps_exact_fractions_and_certificate_holder(world: World):
    # given
    number = unit_number(PARCEL_A, 5, "0901")
    holders = [
        holder("甲", resident_id(81), share="1/3", certificate_holder=False),
        holder("乙", resident_id(82), share="2/3", certificate_holder=True),
    ]
    # when
    registration_feed_apply(lines=[feed_line(number, holders, co_ownership="shares")], source="t")
    # then
    rows = {
        o.owner.name: o for o in Ownership.objects.filter(unit__unit_number=number).select_related("owner")
    }
    assert rows["甲"].share == Fraction(1, 3)
    assert rows["乙"].share == Fraction(2, 3)
    assert [rows["甲"].certificate_holder, rows["乙"].certificate_holder] == [False, True]


def test_one_buyer_of_several_units_is_one_owner_row(world: World):
    # given
    lines = [
        feed_line(unit_number(PARCEL_A, 8, f"010{i}"), [holder("孙强", resident_id(90))]) for i in range(1, 4)
    ]
    # when
    registration_feed_apply(lines=lines, source="t")
    # then
    owner = Owner.objects.get(name="孙强")
    assert Ownership.objects.filter(owner=owner, valid_to__isnull=True).count() == 3


def test_unit_on_unknown_parcel_is_held_unplaced_not_dropped(world: World):
    # given
    number = "370212009009GB00999F00010101"
    # when
    report = registration_feed_apply(lines=[feed_line(number, [holder("周杰", resident_id(95))])], source="t")
    # then
    unit = Unit.objects.get(unit_number=number)
    assert report.applied == 1
    assert (unit.compound_id, unit.building_id) == (None, None)


def test_replaying_a_feed_changes_nothing(world: World):
    # given
    lines = [
        feed_line(unit_number(PARCEL_A, 9, f"020{i}"), [holder(f"业主{i}", resident_id(100 + i))])
        for i in range(5)
    ]
    first = registration_feed_apply(lines=lines, source="replay")
    counts = (
        Unit.objects.count(),
        Owner.objects.count(),
        Ownership.objects.count(),
        RegistrationEvent.objects.count(),
    )
    # when
    again = registration_feed_apply(lines=lines, source="replay")
    # then
    assert (first.applied, again.applied, again.skipped) == (5, 0, 5)
    assert counts == (
        Unit.objects.count(),
        Owner.objects.count(),
        Ownership.objects.count(),
        RegistrationEvent.objects.count(),
    )
    assert SyncCursor.objects.get(source="replay").last_seq == max(json.loads(line)["seq"] for line in lines)


def test_bad_lines_are_quarantined_with_reason_and_the_rest_applies(world: World):
    # given
    good = feed_line(unit_number(PARCEL_A, 10, "0101"), [holder("好人", resident_id(120))])
    bad_shares = feed_line(
        unit_number(PARCEL_A, 10, "0102"),
        [holder("甲", resident_id(121), share="1/2"), holder("乙", resident_id(122), share="1/3")],
        co_ownership="shares",
    )
    bad_id = feed_line(unit_number(PARCEL_A, 10, "0103"), [holder("丙", "110105194912310021")])
    bad_unit = feed_line("340123002004XB00011F00010001", [holder("丁", resident_id(123))])
    duplicate = feed_line(A_0101, [holder("戊", resident_id(124))])
    unknown = json.dumps(
        {**json.loads(good), "event_type": "MERGE", "event_id": "6f1d2b6e-9c4f-4a70-8f59-0e1b2c3d4e5f"}
    )
    bad_certificate = json.loads(
        feed_line(unit_number(PARCEL_A, 10, "0104"), [holder("己", resident_id(125))])
    )
    bad_certificate["registration"]["certificate_no"] = "鲁(2023)青岛市不动产权第12345号"
    lines = [good, "{not json", bad_shares, bad_id, bad_unit, duplicate, unknown, json.dumps(bad_certificate)]
    # when
    report = registration_feed_apply(lines=lines, source="bad")
    # then
    assert (report.applied, report.quarantined) == (1, 7)
    codes = sorted(QuarantinedRecord.objects.filter(source="bad").values_list("code", flat=True))
    assert codes == sorted(
        [
            "malformed_json",
            "shares_not_one",
            "invalid_id_number",
            "invalid_unit_number",
            "unit_exists",
            "unknown_event_type",
            "invalid_certificate_no",
        ]
    )
    assert QuarantinedRecord.objects.get(code="shares_not_one").reason == "份额合计为 5/6，不等于 1"
    assert QuarantinedRecord.objects.get(code="invalid_id_number").line_no == 4


def test_quarantined_raw_line_holds_no_plain_id_number(world: World):
    # given
    line = feed_line(
        unit_number(PARCEL_A, 11, "0101"),
        [holder("甲", resident_id(131), share="1/2"), holder("乙", resident_id(132), share="1/4")],
        co_ownership="shares",
    )
    # when
    registration_feed_apply(lines=[line, "{broken " + resident_id(133)], source="pii")
    # then
    raws = " ".join(QuarantinedRecord.objects.filter(source="pii").values_list("raw", flat=True))
    for n in (131, 132, 133):
        assert resident_id(n) not in raws
    assert "id_hmac" in raws


def test_parse_keeps_only_hash_and_mask_of_ids():
    # given
    line = feed_line(A_0102, [person("bob")])
    # when
    event = parse_feed_line(line)
    # then
    assert IDS["bob"] not in json.dumps(event.payload, ensure_ascii=False)
    assert event.holders[0].id_masked == IDS["bob"][:3] + "*" * 11 + IDS["bob"][-4:]


def _numbered_lines(n: int, building: int = 9) -> list[str]:
    return [
        feed_line(unit_number(PARCEL_A, building, f"{i + 1:04d}"), [holder(f"业主{i}", resident_id(500 + i))])
        for i in range(n)
    ]


def test_a_source_failing_midway_keeps_the_batches_before_it(world: World):
    # given: a source that hands over five lines, then loses its connection
    lines = _numbered_lines(5)

    def source():
        yield from lines
        raise ConnectionError("feed connection lost")

    # when
    with pytest.raises(ConnectionError):
        registration_feed_apply(lines=source(), source="flaky", batch_size=2)

    # then: the two whole batches before the failure committed with their cursor; the fifth line did not
    applied = set(Unit.objects.filter(building__number="0009").values_list("unit_number", flat=True))
    assert applied == {json.loads(line)["unit_number"] for line in lines[:4]}
    assert SyncCursor.objects.get(source="flaky").last_seq == json.loads(lines[3])["seq"]


def test_lines_are_read_at_most_a_few_batches_ahead_of_what_is_applied(world: World):
    # given: 60 lines read through a counter, in batches of 5
    lines, read, gaps = _numbered_lines(60, building=10), [0], []

    def source():
        for line in lines:
            read[0] += 1
            yield line

    # when: after every batch, how far reading has run ahead of applying
    report = registration_feed_apply(
        lines=source(), source="ahead", batch_size=5, progress=lambda r: gaps.append(read[0] - r.total)
    )

    # then: everything applied; the parser never held more than the queue (2 batches), the one it was
    # handing over and the one being read
    assert report.applied == 60 and len(gaps) == 12
    assert max(gaps) <= 4 * 5
