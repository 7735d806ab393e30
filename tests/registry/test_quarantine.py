"""Re-applying quarantined feed lines (`quarantine_reapply`): fixed lines apply through the feed consumer,
refused ones stay open with the new reason and change nothing else; only open lines, only officials over
the line's parcel (and superusers)."""

import json
from fractions import Fraction
from http import HTTPStatus

import pytest

from config.errors import ApplicationError, Forbidden, WrongState
from registry.models import (
    AuditEvent,
    Owner,
    Ownership,
    QuarantinedRecord,
    RegistrationEvent,
    SyncCursor,
    SyncRun,
    Unit,
    User,
)
from registry.services.quarantine import REAPPLY_SOURCE, quarantine_dismiss, quarantine_reapply
from registry.services.registration import registration_feed_apply
from tests.conftest import B_0101, IDS, PARCEL_A, PARCEL_B, PASSWORD, World, person, unit_number
from tests.factories import feed_line

SOURCE = "file:test-quarantine.jsonl"
A_0301 = unit_number(PARCEL_A, 5, "0301")
A_0401 = unit_number(PARCEL_A, 5, "0401")
B_0301 = unit_number(PARCEL_B, 1, "0301")


def quarantined(line: str) -> QuarantinedRecord:
    """Feed one line that the consumer refuses; returns its quarantine record."""
    registration_feed_apply(lines=[line], source=SOURCE)
    return QuarantinedRecord.objects.get(source=SOURCE, event_id=json.loads(line)["event_id"])


def shares_line(number: str, first: str = "1/3", second: str = "1/3") -> str:
    holders = [
        {**person("alice"), "share": first},
        {**person("bob"), "share": second, "certificate_holder": False},
    ]
    return feed_line(number, holders, co_ownership="shares")


def with_shares(record: QuarantinedRecord, *shares: str) -> str:
    """The record's stored line (identity numbers already hashed) with the holders' shares replaced."""
    event = json.loads(record.raw)
    for holder, share in zip(event["holders"], shares, strict=True):
        holder["share"] = share
    return json.dumps(event, ensure_ascii=False)


def registry_state() -> dict[str, int]:
    """Row counts of everything a re-apply could write."""
    return {
        "units": Unit.objects.count(),
        "owners": Owner.objects.count(),
        "ownerships": Ownership.objects.count(),
        "events": RegistrationEvent.objects.count(),
        "cursors": SyncCursor.objects.count(),
        "runs": SyncRun.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def current_holders(number: str) -> list[tuple[str, Fraction | None]]:
    rows = Ownership.objects.filter(unit__unit_number=number, valid_to__isnull=True).select_related("owner")
    return sorted(
        (o.owner.name, Fraction(o.share_numerator, o.share_denominator) if o.share_numerator else None)
        for o in rows
    )


# ------------------------------------------------------------------------------------------ success


def test_a_line_with_shares_not_summing_to_one_reapplies_once_fixed(world: World):
    # given
    record = quarantined(shares_line(A_0301))
    assert (record.code, Unit.objects.filter(unit_number=A_0301).exists()) == ("shares_not_one", False)

    # when
    result = quarantine_reapply(actor=world.official_a, record=record, raw=with_shares(record, "1/2", "1/2"))

    # then
    record.refresh_from_db()
    assert (result.pk, record.status) == (record.pk, QuarantinedRecord.Status.REAPPLIED)
    unit = Unit.objects.get(unit_number=A_0301)
    assert unit.compound == world.compound_a
    assert current_holders(A_0301) == [("张伟", Fraction(1, 2)), ("王丽", Fraction(1, 2))]
    assert json.loads(record.raw)["holders"][0]["share"] == "1/2"
    audit = AuditEvent.objects.get(verb="quarantine.reapply")
    assert (audit.actor, audit.target_type, audit.target_id) == (
        world.official_a,
        "registry.quarantinedrecord",
        str(record.pk),
    )
    assert audit.data == {
        "source": SOURCE,
        "code": "shares_not_one",
        "seq": record.seq,
        "event_id": record.event_id,
        "corrected": True,
    }
    assert RegistrationEvent.objects.filter(event_id=record.event_id).count() == 1
    assert not SyncRun.objects.filter(source=REAPPLY_SOURCE).exists()


def test_a_transfer_quarantined_before_its_create_reapplies_as_stored_after_the_create(world: World):
    # given: the TRANSFER arrives first and is refused, then the CREATE arrives
    record = quarantined(feed_line(A_0401, [person("carol")], event_type="TRANSFER"))
    registration_feed_apply(lines=[feed_line(A_0401, [person("alice")])], source=SOURCE)
    assert (record.code, current_holders(A_0401)) == ("unknown_unit", [("王丽", None)])
    raw_before = record.raw

    # when
    quarantine_reapply(actor=world.official_district, record=record)

    # then
    record.refresh_from_db()
    assert (record.status, record.raw) == (QuarantinedRecord.Status.REAPPLIED, raw_before)
    assert current_holders(A_0401) == [("刘洋", None)]
    ended = Ownership.objects.get(unit__unit_number=A_0401, valid_to__isnull=False)
    assert (ended.owner.name, str(ended.ended_by_event_id)) == ("王丽", record.event_id)
    assert AuditEvent.objects.get(verb="quarantine.reapply").data["corrected"] is False


def test_a_corrected_id_number_is_hashed_and_never_stored_in_plain(world: World):
    # given: a holder whose ID number fails its checksum
    bad = feed_line(A_0301, [{**person("dave"), "id_number": "110105194912310021"}])
    record = quarantined(bad)
    event = json.loads(record.raw)
    event["holders"][0] = person("dave")  # the staff member types the right number
    corrected = json.dumps(event, ensure_ascii=False, indent=2)

    # when
    quarantine_reapply(actor=world.official_a, record=record, raw=corrected)

    # then
    record.refresh_from_db()
    assert (record.code, record.status) == ("invalid_id_number", QuarantinedRecord.Status.REAPPLIED)
    assert IDS["dave"] not in record.raw
    stored = json.loads(record.raw)["holders"][0]
    assert "id_number" not in stored
    assert stored["id_masked"] == f"{IDS['dave'][:3]}***********{IDS['dave'][-4:]}"
    assert current_holders(A_0301) == [("陈静", None)]
    assert "\n" not in record.raw  # kept as one compact feed line


def test_a_superuser_reapplies_a_line_no_official_sees(world: World):
    # given: a line that names no parcel (malformed JSON) is outside every official's scope
    root = User.objects.create_superuser("root", password=PASSWORD)
    registration_feed_apply(lines=["{not json"], source=SOURCE)
    record = QuarantinedRecord.objects.get(source=SOURCE, code="malformed_json")

    # when
    quarantine_reapply(actor=root, record=record, raw=feed_line(A_0301, [person("dave")]))

    # then
    record.refresh_from_db()
    assert record.status == QuarantinedRecord.Status.REAPPLIED
    assert current_holders(A_0301) == [("陈静", None)]


# ------------------------------------------------------------------------------------------ refusal


def test_a_reapply_still_refused_keeps_the_record_open_with_the_new_reason_and_changes_nothing(world: World):
    # given
    record = quarantined(shares_line(A_0301))
    raw_before = record.raw
    state = registry_state()

    # when
    with pytest.raises(ApplicationError) as refused:
        quarantine_reapply(actor=world.official_a, record=record, raw=with_shares(record, "1/2", "1/3"))

    # then
    assert refused.value.code == "reapply_refused"
    assert refused.value.status == HTTPStatus.BAD_REQUEST
    assert refused.value.message == "重新应用被拒绝：份额合计为 5/6，不等于 1"
    assert refused.value.extra == {"reason_code": "shares_not_one"}
    record.refresh_from_db()
    assert (record.status, record.code, record.reason, record.raw) == (
        QuarantinedRecord.Status.OPEN,
        "shares_not_one",
        "份额合计为 5/6，不等于 1",
        raw_before,
    )
    assert registry_state() == state


def test_a_refusal_of_another_kind_replaces_the_code(world: World):
    # given
    record = quarantined(shares_line(A_0301))
    event = json.loads(with_shares(record, "1/2", "1/2")) | {"co_ownership": "sole"}
    state = registry_state()

    # when
    with pytest.raises(ApplicationError) as refused:
        quarantine_reapply(actor=world.official_a, record=record, raw=json.dumps(event, ensure_ascii=False))

    # then
    assert refused.value.message == "重新应用被拒绝：单独所有须恰有一名权利人且无份额"
    record.refresh_from_db()
    assert (record.status, record.code, record.reason) == (
        QuarantinedRecord.Status.OPEN,
        "invalid_co_ownership",
        "单独所有须恰有一名权利人且无份额",
    )
    assert registry_state() == state


def test_a_transfer_still_without_its_unit_leaves_no_cursor_behind(world: World):
    # given
    record = quarantined(feed_line(A_0401, [person("carol")], event_type="TRANSFER"))
    state = registry_state()

    # when
    with pytest.raises(ApplicationError) as refused:
        quarantine_reapply(actor=world.official_a, record=record)

    # then
    assert refused.value.message == f"重新应用被拒绝：单元 {A_0401} 尚未首次登记"
    record.refresh_from_db()
    assert (record.status, record.code) == (QuarantinedRecord.Status.OPEN, "unknown_unit")
    assert not SyncCursor.objects.filter(source=REAPPLY_SOURCE).exists()
    assert registry_state() == state


def test_an_event_applied_meanwhile_is_refused_as_already_applied(world: World):
    # given: the feed delivered the same TRANSFER again once its unit existed
    transfer = feed_line(A_0401, [person("carol")], event_type="TRANSFER")
    record = quarantined(transfer)
    registration_feed_apply(lines=[feed_line(A_0401, [person("alice")]), transfer], source=SOURCE)
    state = registry_state()

    # when
    with pytest.raises(ApplicationError) as refused:
        quarantine_reapply(actor=world.official_a, record=record)

    # then
    assert refused.value.extra == {"reason_code": "already_applied"}
    record.refresh_from_db()
    assert (record.status, record.code) == (QuarantinedRecord.Status.OPEN, "already_applied")
    assert registry_state() == state


def test_an_empty_correction_is_refused_before_anything_is_tried(world: World):
    # given
    record = quarantined(shares_line(A_0301))

    # when
    with pytest.raises(ApplicationError) as refused:
        quarantine_reapply(actor=world.official_a, record=record, raw="  \n ")

    # then
    assert refused.value.code == "invalid_raw"
    record.refresh_from_db()
    assert (record.status, record.code) == (QuarantinedRecord.Status.OPEN, "shares_not_one")


@pytest.mark.parametrize("status", ["dismissed", "reapplied"])
def test_only_open_records_can_be_reapplied(world: World, status: str):
    # given
    record = quarantined(shares_line(A_0301))
    fixed = with_shares(record, "1/2", "1/2")
    if status == "dismissed":
        quarantine_dismiss(actor=world.official_a, records=[record])
    else:
        quarantine_reapply(actor=world.official_a, record=record, raw=fixed)
    state = registry_state()

    # when
    with pytest.raises(WrongState) as refused:
        quarantine_reapply(actor=world.official_a, record=record, raw=fixed)

    # then
    assert (refused.value.status, refused.value.code) == (HTTPStatus.CONFLICT, "wrong_state")
    record.refresh_from_db()
    assert record.status == status
    assert registry_state() == state


# ------------------------------------------------------------------------------------------ permission


@pytest.mark.parametrize("who", ["official_b", "firm_a", "alice"])
def test_who_is_not_over_the_lines_parcel_cannot_reapply(world: World, who: str):
    # given
    record = quarantined(shares_line(A_0301))
    state = registry_state()

    # when
    with pytest.raises(Forbidden) as refused:
        quarantine_reapply(actor=getattr(world, who), record=record, raw=with_shares(record, "1/2", "1/2"))

    # then
    assert (refused.value.status, refused.value.code) == (HTTPStatus.FORBIDDEN, "forbidden")
    record.refresh_from_db()
    assert record.status == QuarantinedRecord.Status.OPEN
    assert registry_state() == state


def test_an_official_cannot_move_a_line_into_another_street(world: World):
    # given: official A fixes a line of their street into a unit of street B
    record = quarantined(shares_line(A_0301))
    moved = with_shares(record, "1/2", "1/2").replace(A_0301, B_0301)
    state = registry_state()

    # when
    with pytest.raises(Forbidden):
        quarantine_reapply(actor=world.official_a, record=record, raw=moved)

    # then
    record.refresh_from_db()
    assert record.status == QuarantinedRecord.Status.OPEN
    assert not Unit.objects.filter(unit_number=B_0301).exists()
    assert registry_state() == state


def _corrected(record: QuarantinedRecord, **changes) -> str:
    event = json.loads(with_shares(record, "1/2", "1/2"))
    event.update(changes)
    return json.dumps(event, ensure_ascii=False)


@pytest.mark.parametrize(
    "attack",
    [
        "unit_in_b_with_a_parcel_in_the_address",
        "unit_in_b_spelt_with_spaces_and_full_width_digits",
        "cancel_of_a_unit_in_b",
        "renumber_into_b",
        "another_event_id",
    ],
)
def test_a_corrected_line_must_name_only_units_of_ones_region_and_keep_its_event_id(
    world: World, attack: str
):
    """The issue's attack: the old check asked only whether one of the official's parcel codes appeared
    anywhere in the text. Now every unit number the consumer reads (normalised as it normalises them) must lie
    on a parcel of the official's region, and the event id stays the line's own."""
    # given
    record = quarantined(shares_line(A_0301))
    a_address = {"property": {**json.loads(record.raw)["property"], "address": f"坐落于宗地 {PARCEL_A}"}}
    spaced = " ".join([B_0101[:6], B_0101[6:12], B_0101[12:19], B_0101[19:]]).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    raw = {
        "unit_in_b_with_a_parcel_in_the_address": _corrected(record, unit_number=B_0301, **a_address),
        "unit_in_b_spelt_with_spaces_and_full_width_digits": _corrected(
            record, unit_number=spaced, **a_address
        ),
        "cancel_of_a_unit_in_b": _corrected(record, event_type="CANCEL", unit_number=B_0101, **a_address),
        "renumber_into_b": _corrected(
            record, event_type="UNIT_RENUMBER", from_unit_numbers=[A_0301], to_unit_numbers=[B_0301]
        ),
        "another_event_id": _corrected(record, event_id="00000000-0000-4000-8000-000000000001"),
    }[attack]
    state = registry_state()
    holders_b = current_holders(B_0101)
    # when
    with pytest.raises(Forbidden):
        quarantine_reapply(actor=world.official_a, record=record, raw=raw)
    # then
    record.refresh_from_db()
    assert record.status == QuarantinedRecord.Status.OPEN
    assert registry_state() == state
    assert current_holders(B_0101) == holders_b
    assert not Unit.objects.filter(unit_number=B_0301).exists()


def test_a_line_naming_parcels_of_two_streets_is_shown_but_left_to_those_over_both(world: World):
    # given: a renumbering from a unit of street A into street B
    line = feed_line(A_0301, [person("alice")], event_type="UNIT_RENUMBER", from_unit_numbers=[A_0301])
    line = json.dumps({**json.loads(line), "to_unit_numbers": [B_0301]}, ensure_ascii=False)
    registration_feed_apply(lines=[line], source=SOURCE)
    record = QuarantinedRecord.objects.get(source=SOURCE)
    # when / then
    assert record.parcel_codes == sorted([PARCEL_A, PARCEL_B])
    with pytest.raises(Forbidden):
        quarantine_reapply(actor=world.official_a, record=record)
    with pytest.raises(Forbidden):
        quarantine_dismiss(actor=world.official_a, records=[record])
    record.refresh_from_db()
    assert record.status == QuarantinedRecord.Status.OPEN
    assert quarantine_dismiss(actor=world.official_district, records=[record]) == 1


def test_the_admin_page_refuses_the_same_correction_and_changes_nothing(world: World):
    # given
    from django.test import Client
    from django.urls import reverse

    record = quarantined(shares_line(A_0301))
    client = Client()
    client.force_login(world.official_a)
    url = reverse("admin:registry_quarantinedrecord_reapply", args=[record.pk])
    state = registry_state()
    # when
    response = client.post(url, {"raw": _corrected(record, unit_number=B_0301), "_reapply": "1"})
    # then
    assert response.status_code == HTTPStatus.OK
    assert any("辖区" in str(m) for m in response.context["messages"])
    record.refresh_from_db()
    assert record.status == QuarantinedRecord.Status.OPEN
    assert registry_state() == state
