"""CREATE (first registration) at bulk speed: a run of CREATE events becomes a handful of COPY statements."""

import orjson
from django.utils import timezone

from registry.models import Unit
from registry.services.registration.parsing import FeedEvent, FeedRecordError
from registry.services.registration.store import (
    Placement,
    copy_rows,
    ensure_buildings,
    ensure_entrances,
    ensure_owners,
    raw_cursor,
    reserve_ids,
)

UNIT_COLUMNS = (
    "id",
    "compound_id",
    "building_id",
    "entrance_id",
    "unit_number",
    "parcel_code",
    "floor",
    "room",
    "address",
    "planned_use",
    "registered_area",
    "surveyed_area",
    "contract_area",
    "developer_held",
    "delivered",
    "mortgage",
    "seizure",
    "designated_voter_id",
    "created_at",
    "updated_at",
)
OWNERSHIP_COLUMNS = (
    "unit_id",
    "owner_id",
    "co_ownership",
    "share_numerator",
    "share_denominator",
    "certificate_holder",
    "certificate_no",
    "business_no",
    "registered_at",
    "valid_from",
    "valid_to",
    "source_event_id",
    "ended_by_event_id",
)
VERSION_COLUMNS = ("unit_id", "unit_number", "valid_from", "valid_to", "source_event_id")
EVENT_COLUMNS = (
    "event_id",
    "seq",
    "event_type",
    "unit_id",
    "unit_number",
    "occurred_at",
    "applied_at",
    "payload",
)


def event_row(e: FeedEvent, unit_id: int | None, now) -> tuple:  # noqa: ANN001 - datetime
    """The RegistrationEvent row of an applied event (payload already free of identity numbers)."""
    return (
        e.event_id,
        e.seq,
        e.event_type,
        unit_id,
        e.unit.value if e.unit else "",
        e.occurred_at,
        now,
        orjson.dumps(e.payload).decode(),
    )


def ownership_rows(
    e: FeedEvent, unit_id: int, owners: dict[tuple[str, str], int], *, valid_from=None
) -> list[tuple]:  # noqa: ANN001
    """Ownership rows of an event's holders; exactly one certificate holder (the flagged one, else the first)."""
    at = valid_from or e.registered_at or e.occurred_at
    flagged = [h for h in e.holders if h.certificate_holder]
    cert = flagged[0] if flagged else (e.holders[0] if e.holders else None)
    return [
        (
            unit_id,
            owners[(h.id_type, h.id_hmac)],
            e.co_ownership,
            h.share.numerator if h.share is not None else None,
            h.share.denominator if h.share is not None else None,
            h is cert,
            e.certificate_no,
            e.business_no,
            at,
            at,
            None,
            e.event_id,
            None,
        )
        for h in e.holders
    ]


def apply_creates(events: list[FeedEvent], placement: Placement) -> list[tuple[FeedEvent, FeedRecordError]]:
    """Insert units, number versions, owners, ownerships and event rows of CREATE events; returns the refused."""
    refused: list[tuple[FeedEvent, FeedRecordError]] = []
    numbers = [e.unit.value for e in events if e.unit]
    with raw_cursor() as cur:
        cur.execute("SELECT unit_number FROM registry_unit WHERE unit_number = ANY(%s)", [numbers])
        taken = {r[0] for r in cur.fetchall()}
    fresh: list[FeedEvent] = []
    for e in events:
        assert e.unit is not None
        if e.unit.value in taken:
            refused.append(
                (e, FeedRecordError("unit_exists", f"单元 {e.unit.value} 已登记，首次登记不能重复"))
            )
            continue
        taken.add(e.unit.value)
        fresh.append(e)
    if not fresh:
        return refused

    building_keys = set()
    for e in fresh:
        assert e.unit is not None
        compound_id = placement.compound_of(e.unit)
        if compound_id is not None and e.unit.building_no != "0000":
            building_keys.add((compound_id, e.unit.building_no))
    buildings = ensure_buildings(building_keys)
    entrance_keys = set()
    for e in fresh:
        assert e.unit is not None
        b = buildings.get((placement.compound_of(e.unit) or 0, e.unit.building_no))
        if b is not None and e.prop.get("entrance"):
            entrance_keys.add((b, str(e.prop["entrance"])))
    entrances = ensure_entrances(entrance_keys)
    owners = ensure_owners(h for e in fresh for h in e.holders)

    now = timezone.now()
    ids = reserve_ids("registry_unit", len(fresh))
    unit_rows, version_rows, own_rows, event_rows = [], [], [], []
    for e, unit_id in zip(fresh, ids, strict=True):
        assert e.unit is not None
        attrs = e.attributes
        compound_id = placement.compound_of(e.unit)
        building_id = buildings.get((compound_id or 0, e.unit.building_no))
        entrance_id = entrances.get((building_id or 0, str(e.prop.get("entrance", ""))))
        unit_rows.append(
            (
                unit_id,
                compound_id,
                building_id,
                entrance_id,
                e.unit.value,
                e.unit.parcel_code,
                attrs.get("floor", ""),
                attrs.get("room", ""),
                attrs.get("address", ""),
                attrs.get("planned_use", Unit.Use.RESIDENTIAL),
                attrs.get("registered_area"),
                attrs.get("surveyed_area"),
                attrs.get("contract_area"),
                placement.developer_holds(compound_id, e.holders),
                attrs.get("delivered", True),
                e.encumbrances.get("mortgage", False),
                e.encumbrances.get("seizure", False),
                None,
                now,
                now,
            )
        )
        at = e.registered_at or e.occurred_at
        version_rows.append((unit_id, e.unit.value, at, None, e.event_id))
        own_rows.extend(ownership_rows(e, unit_id, owners))
        event_rows.append(event_row(e, unit_id, now))
    copy_rows("registry_unit", UNIT_COLUMNS, unit_rows)
    copy_rows("registry_unitnumberversion", VERSION_COLUMNS, version_rows)
    copy_rows("registry_ownership", OWNERSHIP_COLUMNS, own_rows)
    copy_rows("registry_registrationevent", EVENT_COLUMNS, event_rows)
    return refused
