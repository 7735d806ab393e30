"""Every event type of the registration feed, applied through `registration_feed_apply`."""

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

import pytest

from registry.models import (
    Ownership,
    QuarantinedRecord,
    RegistrationEvent,
    SyncCursor,
    SyncRun,
    Unit,
    UnitChange,
    UnitNumberVersion,
)
from registry.permissions import visible_q
from registry.services.ownership import unit_designated_voter_set
from registry.services.registration import registration_feed_apply
from tests.conftest import A_0101, A_0102, A_0201, B_0101, IDS, PARCEL_A, PARCEL_B, World, person
from tests.factories import feed_line, holder, resident_id

LATER = "2025-06-01T09:00:00+08:00"


def _event(unit_number: str, holders: list, event_type: str, **extra) -> str:
    data = json.loads(feed_line(unit_number, holders, event_type=event_type, **extra))
    data["registration"]["registered_at"] = data["occurred_at"] = LATER
    return json.dumps(data, ensure_ascii=False)


def _apply(*lines: str, source: str = "events"):
    return registration_feed_apply(lines=list(lines), source=source)


def _current(number: str) -> list[tuple[str, bool, Fraction | None]]:
    rows = Ownership.objects.filter(unit__unit_number=number, valid_to__isnull=True).select_related("owner")
    return sorted((o.owner.name, o.certificate_holder, o.share) for o in rows)


def _event_id(line: str) -> str:
    return json.loads(line)["event_id"]


def test_transfer_ends_old_record_starts_new_and_moves_visibility_at_once(world: World):
    # given: alice sees her unit; carol does not
    unit = Unit.objects.get(unit_number=A_0101)
    assert Unit.objects.filter(visible_q(Unit, world.alice), pk=unit.pk).exists()
    line = _event(A_0101, [person("carol")], "TRANSFER")
    # when
    report = _apply(line)
    # then
    assert report.applied == 1
    assert _current(A_0101) == [("刘洋", True, None)]
    ended = Ownership.objects.get(unit=unit, owner__name="王丽")
    assert ended.valid_to == dt.datetime.fromisoformat(LATER)
    assert str(ended.ended_by_event_id) == _event_id(line)
    assert not Unit.objects.filter(visible_q(Unit, world.alice), pk=unit.pk).exists()
    assert Unit.objects.filter(visible_q(Unit, world.carol), pk=unit.pk).exists()


def test_transfer_clears_a_designated_voter_who_no_longer_holds(world: World):
    # given
    unit = Unit.objects.get(unit_number=A_0102)
    unit_designated_voter_set(actor=world.official_a, unit=unit, username="bella")
    # when
    _apply(_event(A_0102, [person("bob")], "TRANSFER"))
    # then
    unit.refresh_from_db()
    assert unit.designated_voter_id is None
    change = UnitChange.objects.get(unit=unit, event_type="TRANSFER")
    assert change.changes["designated_voter_id"][1] is None


def test_developer_sale_clears_developer_held(world: World):
    # given
    assert Unit.objects.get(unit_number=A_0201).developer_held is True
    # when
    _apply(_event(A_0201, [holder("新业主", resident_id(301))], "TRANSFER"))
    # then
    assert Unit.objects.get(unit_number=A_0201).developer_held is False


def test_change_updates_areas_and_keeps_history(world: World):
    # given
    line = _event(A_0101, [person("alice")], "CHANGE", area="101.37")
    # when
    _apply(line)
    # then
    unit = Unit.objects.get(unit_number=A_0101)
    assert unit.registered_area == Decimal("101.37")
    change = UnitChange.objects.get(unit=unit)
    assert change.changes["registered_area"] == ["100.00", "101.37"]
    assert str(change.event_id) == _event_id(line)
    assert _current(A_0101) == [("王丽", True, None)]  # same holder, same record
    assert Ownership.objects.filter(unit=unit).count() == 1


def test_change_of_shares_renews_the_records_of_the_same_holders(world: World):
    # given
    number = f"{PARCEL_A}F00150101"
    a, b = (
        holder("甲", resident_id(311), share="1/2"),
        holder("乙", resident_id(312), share="1/2", certificate_holder=False),
    )
    _apply(feed_line(number, [a, b], co_ownership="shares"))
    # when
    _apply(_event(number, [{**a, "share": "2/3"}, {**b, "share": "1/3"}], "CHANGE", co_ownership="shares"))
    # then
    assert _current(number) == [("乙", False, Fraction(1, 3)), ("甲", True, Fraction(2, 3))]
    assert Ownership.objects.filter(unit__unit_number=number, valid_to__isnull=False).count() == 2


def test_change_with_other_holders_is_quarantined(world: World):
    report = _apply(_event(A_0101, [person("carol")], "CHANGE"))
    assert report.quarantine_codes == {"holders_differ": 1}
    assert _current(A_0101) == [("王丽", True, None)]


def test_correction_voids_the_wrong_record_and_replaces_it_from_the_same_start(world: World):
    # given: a CREATE that named the wrong person and area
    number = f"{PARCEL_A}F00160101"
    create = feed_line(number, [holder("错名", resident_id(321))], area="88.00")
    _apply(create)
    wrong = Ownership.objects.get(unit__unit_number=number)
    # when
    correction = _event(
        number,
        [holder("对名", resident_id(322))],
        "CORRECTION",
        area="86.50",
        corrects_event_id=_event_id(create),
    )
    report = _apply(correction)
    # then
    assert report.applied == 1
    wrong.refresh_from_db()
    assert (wrong.valid_to, str(wrong.ended_by_event_id)) == (wrong.valid_from, _event_id(correction))
    fixed = Ownership.objects.get(unit__unit_number=number, valid_to__isnull=True)
    assert (fixed.owner.name, fixed.valid_from) == ("对名", wrong.valid_from)
    assert Unit.objects.get(unit_number=number).registered_area == Decimal("86.50")


@pytest.mark.parametrize(
    ("corrects", "code"),
    [("00000000-0000-4000-8000-000000000000", "unknown_corrected_event")],
)
def test_correction_of_an_unknown_event_is_quarantined(world: World, corrects, code):
    report = _apply(_event(A_0101, [person("alice")], "CORRECTION", corrects_event_id=corrects))
    assert report.quarantine_codes == {code: 1}


def test_correction_after_a_later_transfer_is_left_for_staff(world: World):
    # given
    number = f"{PARCEL_A}F00170101"
    create = feed_line(number, [holder("甲", resident_id(331))])
    _apply(create, _event(number, [holder("乙", resident_id(332))], "TRANSFER"))
    # when
    report = _apply(
        _event(number, [holder("丙", resident_id(333))], "CORRECTION", corrects_event_id=_event_id(create))
    )
    # then
    assert report.quarantine_codes == {"correction_superseded": 1}
    assert _current(number) == [("乙", True, None)]


def test_cancel_leaves_no_current_holder(world: World):
    # when
    report = _apply(_event(A_0101, [], "CANCEL"), _event(A_0101, [], "CANCEL"))
    # then
    assert (report.applied, report.quarantine_codes) == (1, {"no_current_right": 1})
    assert _current(A_0101) == []
    assert Ownership.objects.filter(unit__unit_number=A_0101).count() == 1


def test_encumbrance_set_and_release(world: World):
    # when
    _apply(_event(A_0101, [], "ENCUMBRANCE_SET", encumbrances={"mortgage": True, "seizure": True}))
    _apply(_event(A_0101, [], "ENCUMBRANCE_RELEASE", encumbrances={"seizure": True}))
    # then
    unit = Unit.objects.get(unit_number=A_0101)
    assert (unit.mortgage, unit.seizure) == (True, False)
    assert [c.changes for c in UnitChange.objects.filter(unit=unit).order_by("pk")] == [
        {"mortgage": [False, True], "seizure": [False, True]},
        {"seizure": [True, False]},
    ]


def test_renumber_moves_the_number_and_keeps_its_history(world: World):
    # given: the parcel of compound A is merged into compound B's parcel
    new_number = f"{PARCEL_B}F00020101"
    line = _event(A_0101, [], "UNIT_RENUMBER", from_unit_numbers=[A_0101], to_unit_numbers=[new_number])
    unit = Unit.objects.get(unit_number=A_0101)
    # when
    report = _apply(line)
    # then
    assert report.applied == 1
    unit.refresh_from_db()
    assert (unit.unit_number, unit.compound, unit.building.number) == (new_number, world.compound_b, "0002")
    versions = list(
        UnitNumberVersion.objects.filter(unit=unit)
        .order_by("valid_from")
        .values_list("unit_number", "valid_to")
    )
    assert [v[0] for v in versions] == [A_0101, new_number]
    assert versions[0][1] == dt.datetime.fromisoformat(LATER) and versions[1][1] is None
    assert _current(new_number) == [("王丽", True, None)]


def test_renumber_onto_a_taken_number_is_quarantined(world: World):
    line = _event(A_0101, [], "UNIT_RENUMBER", from_unit_numbers=[A_0101], to_unit_numbers=[B_0101])
    assert _apply(line).quarantine_codes == {"renumber_conflict": 1}


def test_events_of_one_batch_apply_in_feed_order(world: World):
    # given: create, transfer and encumbrance of one new unit in a single batch
    number = f"{PARCEL_A}F00180101"
    lines = [
        feed_line(number, [holder("甲", resident_id(341))]),
        _event(number, [holder("乙", resident_id(342))], "TRANSFER"),
        _event(number, [], "ENCUMBRANCE_SET", encumbrances={"mortgage": True}),
    ]
    # when
    report = _apply(*lines)
    # then
    assert report.applied == 3
    assert _current(number) == [("乙", True, None)]
    assert Unit.objects.get(unit_number=number).mortgage is True


def test_transfer_of_an_unknown_unit_is_quarantined_and_reason_has_no_id(world: World):
    report = _apply(_event(f"{PARCEL_A}F00990101", [person("carol")], "TRANSFER"))
    record = QuarantinedRecord.objects.get()
    assert report.quarantine_codes == {"unknown_unit": 1}
    assert IDS["carol"] not in record.raw


def test_every_applied_event_is_recorded_and_the_run_is_kept(world: World):
    # when
    report = _apply(_event(A_0101, [person("carol")], "TRANSFER"), source="runs")
    # then
    run = SyncRun.objects.get(pk=report.run_id)
    assert (run.status, run.applied, run.quarantined, run.last_seq) == ("finished", 1, 0, report.last_seq)
    assert SyncCursor.objects.get(source="runs").last_seq == report.last_seq
    assert RegistrationEvent.objects.filter(event_type="TRANSFER").count() == 1
