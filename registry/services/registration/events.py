"""Handlers of the events that change an existing unit: TRANSFER, CHANGE, CORRECTION, CANCEL,
ENCUMBRANCE_SET / ENCUMBRANCE_RELEASE and UNIT_RENUMBER (registry.md, "Registration sync").

Each handler runs inside a savepoint of its batch's transaction and raises FeedRecordError to send the
event to quarantine with nothing applied. Every change is traceable: ownership rows carry the event that
started and ended them, unit-number versions carry their event, and other attribute changes are written as
UnitChange rows (old → new).
"""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from registry.models import Ownership, RegistrationEvent, Unit, UnitChange, UnitNumberVersion
from registry.services.registration.creates import EVENT_COLUMNS, OWNERSHIP_COLUMNS, event_row, ownership_rows
from registry.services.registration.parsing import FeedEvent, FeedRecordError
from registry.services.registration.store import Placement, copy_rows, ensure_buildings, ensure_owners


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _locked_unit(number: str) -> Unit:
    unit = Unit.objects.select_for_update().filter(unit_number=number).first()
    if unit is None:
        raise FeedRecordError("unknown_unit", f"单元 {number} 尚未首次登记")
    return unit


def _set_fields(unit: Unit, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Assign changed fields on the unit; returns {field: [old, new]} of what actually changed."""
    changed = {}
    for field, new in values.items():
        old = getattr(unit, field)
        if old != new:
            changed[field] = [_json_value(old), _json_value(new)]
            setattr(unit, field, new)
    return changed


_FIELD_OF_ATTNAME = {f.attname: f.name for f in Unit._meta.concrete_fields}


def _save_changes(unit: Unit, e: FeedEvent, changed: dict[str, list[Any]]) -> None:
    """Save the changed unit fields and one UnitChange row (which may also carry notes that are not fields)."""
    if not changed:
        return
    fields = [_FIELD_OF_ATTNAME[f] for f in changed if f in _FIELD_OF_ATTNAME]
    if fields:
        unit.save(update_fields=[*fields, "updated_at"])
    UnitChange.objects.create(unit=unit, event_id=e.event_id, event_type=e.event_type, changes=changed)


def _current(unit: Unit) -> list[Ownership]:
    current = Ownership.objects.filter(unit=unit, valid_to__isnull=True).select_related("owner")
    return list(current.select_for_update(of=("self",)).order_by("pk"))


def _end(ownerships: list[Ownership], *, at: dt.datetime, e: FeedEvent) -> None:
    latest_start = max((o.valid_from for o in ownerships), default=None)
    if latest_start is not None and at < latest_start:
        raise FeedRecordError(
            "out_of_order", f"登记时间 {at.isoformat()} 早于现有产权起始时间 {latest_start.isoformat()}"
        )
    Ownership.objects.filter(pk__in=[o.pk for o in ownerships]).update(
        valid_to=at, ended_by_event_id=e.event_id
    )


def _start(unit: Unit, e: FeedEvent, *, valid_from: dt.datetime | None = None) -> None:
    owners = ensure_owners(e.holders)
    copy_rows(
        "registry_ownership", OWNERSHIP_COLUMNS, ownership_rows(e, unit.pk, owners, valid_from=valid_from)
    )


def _holder_state(ownerships: list[Ownership]) -> set[tuple]:
    return {
        (
            o.owner.id_type,
            o.owner.id_hmac,
            o.co_ownership,
            o.share_numerator,
            o.share_denominator,
            o.certificate_no,
        )
        for o in ownerships
    }


def _event_state(e: FeedEvent) -> set[tuple]:
    return {
        (
            h.id_type,
            h.id_hmac,
            e.co_ownership,
            h.share.numerator if h.share else None,
            h.share.denominator if h.share else None,
            e.certificate_no,
        )
        for h in e.holders
    }


def _after_holders_change(unit: Unit, e: FeedEvent, placement: Placement) -> dict[str, list[Any]]:
    """Developer-held follows the new holders; a designated voter who no longer holds the unit is cleared."""
    values: dict[str, Any] = {"developer_held": placement.developer_holds(unit.compound_id, e.holders)}
    if unit.designated_voter_id is not None:
        still = Ownership.objects.filter(
            unit=unit, owner_id=unit.designated_voter_id, valid_to__isnull=True
        ).exists()
        if not still:
            values["designated_voter_id"] = None
    return _set_fields(unit, values)


def apply_transfer(e: FeedEvent, placement: Placement) -> Unit:
    """New holders: the current ownership records end at registration time and new ones start."""
    assert e.unit is not None
    unit = _locked_unit(e.unit.value)
    at = e.registered_at or e.occurred_at
    _end(_current(unit), at=at, e=e)
    _start(unit, e)
    changed = _set_fields(unit, e.attributes)
    if e.encumbrances:
        changed |= _set_fields(unit, e.encumbrances)
    changed |= _after_holders_change(unit, e, placement)
    _save_changes(unit, e, changed)
    return unit


def apply_change(e: FeedEvent, placement: Placement) -> Unit:
    """Same holders, attributes changed; changed shares or certificate renew the ownership records."""
    assert e.unit is not None
    unit = _locked_unit(e.unit.value)
    current = _current(unit)
    changed = _set_fields(unit, e.attributes)
    if e.encumbrances:
        changed |= _set_fields(unit, e.encumbrances)
    if e.holders:
        now_holders = {(o.owner.id_type, o.owner.id_hmac) for o in current}
        if now_holders != {(h.id_type, h.id_hmac) for h in e.holders}:
            raise FeedRecordError("holders_differ", "CHANGE 事件的权利人与现有权利人不一致（应为 TRANSFER）")
        if _holder_state(current) != _event_state(e):
            _end(current, at=e.registered_at or e.occurred_at, e=e)
            _start(unit, e)
    _save_changes(unit, e, changed)
    return unit


def apply_correction(e: FeedEvent, placement: Placement) -> Unit:
    """The full corrected state of an earlier event: its ownership records are voided (ended at their own
    start, so they never counted) and replaced from the same start; attributes are set as corrected."""
    assert e.unit is not None and e.corrects_event_id is not None
    target = RegistrationEvent.objects.filter(event_id=e.corrects_event_id).select_related("unit").first()
    if target is None:
        raise FeedRecordError("unknown_corrected_event", f"被更正的事件 {e.corrects_event_id} 未曾应用")
    if target.unit_id is None:
        raise FeedRecordError("correction_not_supported", f"{target.event_type} 事件不能以 CORRECTION 更正")
    unit = Unit.objects.select_for_update().get(pk=target.unit_id)
    if unit.unit_number != e.unit.value:
        raise FeedRecordError(
            "correction_unit_mismatch", f"更正事件的单元号与原事件的单元 {unit.unit_number} 不一致"
        )
    created = list(
        Ownership.objects.select_for_update().filter(source_event_id=target.event_id).order_by("pk")
    )
    if any(o.valid_to is not None for o in created):
        raise FeedRecordError(
            "correction_superseded", "被更正事件的产权记录已被后续登记终止，请人工核对后处理"
        )
    if created:
        for o in created:
            Ownership.objects.filter(pk=o.pk).update(valid_to=o.valid_from, ended_by_event_id=e.event_id)
        _start(unit, e, valid_from=created[0].valid_from)
    changed = _set_fields(unit, e.attributes)
    if e.encumbrances:
        changed |= _set_fields(unit, e.encumbrances)
    if created:
        changed |= _after_holders_change(unit, e, placement)
    _save_changes(unit, e, changed | {"corrects_event_id": [None, str(target.event_id)]})
    return unit


def apply_cancel(e: FeedEvent, placement: Placement) -> Unit:
    """The right ends: every current ownership record ends; the unit stays with no current holder."""
    assert e.unit is not None
    unit = _locked_unit(e.unit.value)
    current = _current(unit)
    if not current:
        raise FeedRecordError("no_current_right", f"单元 {unit.unit_number} 没有现存的产权可注销")
    _end(current, at=e.registered_at or e.occurred_at, e=e)
    changed = _set_fields(unit, {"developer_held": False, "designated_voter_id": None})
    _save_changes(unit, e, changed | {"cancelled": [False, True]})
    return unit


def apply_encumbrance(e: FeedEvent, placement: Placement) -> Unit:
    """SET raises the flags given as true; RELEASE clears the flags given as true."""
    assert e.unit is not None
    unit = _locked_unit(e.unit.value)
    value = e.event_type == "ENCUMBRANCE_SET"
    flags = {k: value for k, on in e.encumbrances.items() if on}
    if not flags:
        raise FeedRecordError("missing_field", f"{e.event_type} 未指明抵押或查封")
    _save_changes(unit, e, _set_fields(unit, flags))
    return unit


def apply_renumber(e: FeedEvent, placement: Placement) -> Unit:
    """Parcel merges and splits: each unit takes its new number (one to one), is placed again by the new
    parcel and building number, and its number history gains a version."""
    assert e.renumber is not None
    old, new = e.renumber
    units = {
        u.unit_number: u
        for u in Unit.objects.select_for_update().filter(unit_number__in=[n.value for n in old])
    }
    missing = [n.value for n in old if n.value not in units]
    if missing:
        raise FeedRecordError("unknown_unit", f"单元 {', '.join(missing)} 尚未首次登记")
    moving = {n.value for n in old}
    clash = Unit.objects.filter(unit_number__in=[n.value for n in new]).exclude(unit_number__in=moving)
    if clash.exists() or moving & {n.value for n in new}:
        raise FeedRecordError("renumber_conflict", "新单元号已被其他单元使用（或与原单元号交叉），需人工处理")
    at = e.registered_at or e.occurred_at
    buildings = ensure_buildings(
        {
            (c, n.building_no)
            for n in new
            if (c := placement.compound_of(n)) is not None and n.building_no != "0000"
        }
    )
    first = None
    for before, after in zip(old, new, strict=True):
        unit = units[before.value]
        first = first or unit
        compound_id = placement.compound_of(after)
        building_id = buildings.get((compound_id or 0, after.building_no))
        values = {
            "unit_number": after.value,
            "parcel_code": after.parcel_code,
            "compound_id": compound_id,
            "building_id": building_id,
        }
        if building_id != unit.building_id:
            values["entrance_id"] = None
        changed = _set_fields(unit, values)
        UnitNumberVersion.objects.filter(unit=unit, valid_to__isnull=True).update(valid_to=at)
        UnitNumberVersion.objects.create(
            unit=unit, unit_number=after.value, valid_from=at, source_event_id=e.event_id
        )
        _save_changes(unit, e, changed)
    assert first is not None
    return first


HANDLERS: dict[str, Callable[[FeedEvent, Placement], Unit]] = {
    "TRANSFER": apply_transfer,
    "CHANGE": apply_change,
    "CORRECTION": apply_correction,
    "CANCEL": apply_cancel,
    "ENCUMBRANCE_SET": apply_encumbrance,
    "ENCUMBRANCE_RELEASE": apply_encumbrance,
    "UNIT_RENUMBER": apply_renumber,
}


def apply_one(e: FeedEvent, placement: Placement) -> None:
    """Apply one non-CREATE event and record it as applied."""
    unit = HANDLERS[e.event_type](e, placement)
    copy_rows("registry_registrationevent", EVENT_COLUMNS, [event_row(e, unit.pk, timezone.now())])
