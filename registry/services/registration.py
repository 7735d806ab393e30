"""The registration feed (不动产登记) consumer: parse, validate, quarantine, apply in set-based batches.

One code path serves the Celery task, `manage.py sync_registration --file` and the demo loader. Each batch
is one transaction holding the changes, the applied-event rows and the source's high-water mark, so a
crash resumes without loss or duplication; an `event_id` seen before changes nothing.

Event types applied here: CREATE. The other types of registry.md are recognised and, until the
"Registration sync" issue lands their handlers, quarantined with code `event_type_not_supported` so that
nothing is silently dropped.
"""

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any
from uuid import UUID

from django.db import transaction

from config.logging import mask_text
from registry.identifiers import (
    IdentifierError,
    UnitNumber,
    validate_certificate_no,
    validate_resident_id,
    validate_unit_number,
    validate_uscc,
)
from registry.models import (
    Building,
    Entrance,
    Firm,
    Owner,
    Ownership,
    Parcel,
    QuarantinedRecord,
    RegistrationEvent,
    SyncCursor,
    Unit,
    UnitNumberVersion,
)
from registry.personal_data import identity_digest

EVENT_TYPES = frozenset(
    {"CREATE", "TRANSFER", "CHANGE", "CORRECTION", "CANCEL", "ENCUMBRANCE_SET", "ENCUMBRANCE_RELEASE", "UNIT_RENUMBER"}
)
SUPPORTED_EVENT_TYPES = frozenset({"CREATE"})


class FeedRecordError(Exception):
    """A feed line that cannot be applied; it goes to quarantine with `code` and `reason`."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Holder:
    name: str
    holder_type: str
    id_type: str
    id_hmac: str
    id_masked: str
    share: Fraction | None
    certificate_holder: bool


@dataclass(slots=True)
class FeedEvent:
    """A validated feed event; identity numbers are already reduced to keyed hashes."""

    seq: int
    event_id: UUID
    event_type: str
    occurred_at: dt.datetime
    unit: UnitNumber | None
    corrects_event_id: UUID | None
    business_no: str
    certificate_no: str
    registered_at: dt.datetime | None
    prop: dict[str, Any]
    co_ownership: str
    holders: list[Holder]
    encumbrances: dict[str, bool]
    payload: dict[str, Any]  # the event as stored: identity numbers replaced by their hash and mask


@dataclass
class SyncReport:
    """Counts of one feed run."""

    applied: int = 0
    skipped: int = 0
    quarantined: int = 0
    last_seq: int = 0
    seconds: float = 0.0
    quarantine_codes: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.applied + self.skipped + self.quarantined

    @property
    def rate(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0


# ----------------------------------------------------------------------------------------- parsing


def parse_share(raw: Any) -> Fraction:
    """`1/2`, `50%` and `0.5` as an exact fraction in (0, 1]."""
    text = str(raw).strip()
    try:
        if text.endswith("%"):
            value = Fraction(Decimal(text[:-1])) / 100
        elif "/" in text:
            num, den = text.split("/", 1)
            value = Fraction(int(num), int(den))
        else:
            value = Fraction(Decimal(text))
    except (ValueError, ZeroDivisionError, InvalidOperation) as e:
        raise FeedRecordError("invalid_share", f"份额 {text!r} 无法识别") from e
    if not 0 < value <= 1:
        raise FeedRecordError("invalid_share", f"份额 {text!r} 不在 (0, 1] 之内")
    return value


def _time(raw: Any, name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(str(raw))
    except ValueError as e:
        raise FeedRecordError("invalid_time", f"{name} 不是 RFC 3339 时间") from e
    if value.tzinfo is None:
        raise FeedRecordError("invalid_time", f"{name} 缺少时区偏移")
    return value


def _area(raw: Any, name: str) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation as e:
        raise FeedRecordError("invalid_area", f"{name} {raw!r} 不是数值") from e
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise FeedRecordError("invalid_area", f"{name} {raw!r} 须为正数且至多两位小数")
    return value.quantize(Decimal("0.01"))


def _holder(raw: dict[str, Any], index: int) -> tuple[Holder, dict[str, Any]]:
    name = str(raw.get("name") or "").strip()
    holder_type = raw.get("holder_type")
    id_type = raw.get("id_type")
    if not name:
        raise FeedRecordError("missing_field", f"holders[{index}].name 缺失")
    if holder_type not in Owner.HolderType.values:
        raise FeedRecordError("invalid_holder", f"holders[{index}].holder_type {holder_type!r} 未知")
    if id_type not in Owner.IdType.values:
        raise FeedRecordError("invalid_holder", f"holders[{index}].id_type {id_type!r} 未知")
    if raw.get("id_number"):
        number = str(raw["id_number"])
        try:
            if id_type == "resident_id":
                number = validate_resident_id(number)
            elif id_type == "uscc":
                number = validate_uscc(number)
        except IdentifierError as e:
            raise FeedRecordError("invalid_id_number", f"holders[{index}]: {e.message}") from e
        digest = identity_digest(id_type=id_type, id_number=number)
        id_hash, id_masked = digest.id_hmac, digest.id_masked
    elif raw.get("id_hmac"):
        id_hash = str(raw["id_hmac"]).lower()
        if len(id_hash) != 64 or any(ch not in "0123456789abcdef" for ch in id_hash):
            raise FeedRecordError("invalid_id_number", f"holders[{index}].id_hmac 不是 SHA-256 十六进制摘要")
        id_masked = str(raw.get("id_masked") or "")
    else:
        raise FeedRecordError("missing_field", f"holders[{index}] 缺少 id_number 或 id_hmac")
    share = parse_share(raw["share"]) if raw.get("share") not in (None, "") else None
    holder = Holder(
        name=name,
        holder_type=holder_type,
        id_type=id_type,
        id_hmac=id_hash,
        id_masked=id_masked,
        share=share,
        certificate_holder=bool(raw.get("certificate_holder")),
    )
    stored = {k: v for k, v in raw.items() if k != "id_number"} | {"id_hmac": id_hash, "id_masked": id_masked}
    return holder, stored


def _check_co_ownership(kind: str, holders: list[Holder]) -> None:
    if kind == "sole":
        if len(holders) != 1 or holders[0].share is not None:
            raise FeedRecordError("invalid_co_ownership", "单独所有须恰有一名权利人且无份额")
    elif kind == "joint":
        if len(holders) < 2 or any(h.share is not None for h in holders):
            raise FeedRecordError("invalid_co_ownership", "共同共有须有两名以上权利人且无份额")
    elif kind == "shares":
        if len(holders) < 2 or any(h.share is None for h in holders):
            raise FeedRecordError("invalid_co_ownership", "按份共有须有两名以上权利人且各有份额")
        total = sum((h.share for h in holders if h.share is not None), Fraction(0))
        if total != 1:
            raise FeedRecordError("shares_not_one", f"份额合计为 {total}，不等于 1")
    else:
        raise FeedRecordError("invalid_co_ownership", f"共有方式 {kind!r} 未知")
    if len({(h.id_type, h.id_hmac) for h in holders}) != len(holders):
        raise FeedRecordError("invalid_co_ownership", "同一权利人重复出现")


def parse_feed_line(line: str) -> FeedEvent:
    """Validate one JSON line of the feed (registry.md); raises FeedRecordError with a code and a reason."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as e:
        raise FeedRecordError("malformed_json", f"JSON 解析失败：{e.msg}（第 {e.pos} 个字符）") from e
    if not isinstance(raw, dict):
        raise FeedRecordError("malformed_json", "每行须为一个 JSON 对象")
    for key in ("seq", "event_id", "event_type", "occurred_at"):
        if raw.get(key) in (None, ""):
            raise FeedRecordError("missing_field", f"缺少字段 {key}")
    try:
        seq = int(raw["seq"])
        event_id = UUID(str(raw["event_id"]))
    except (TypeError, ValueError) as e:
        raise FeedRecordError("invalid_field", "seq 须为整数，event_id 须为 UUID") from e
    event_type = raw["event_type"]
    if event_type not in EVENT_TYPES:
        raise FeedRecordError("unknown_event_type", f"未知事件类型 {event_type!r}")
    occurred_at = _time(raw["occurred_at"], "occurred_at")
    unit = None
    if raw.get("unit_number"):
        try:
            unit = validate_unit_number(str(raw["unit_number"]))
        except IdentifierError as e:
            raise FeedRecordError("invalid_unit_number", e.message) from e
    elif event_type != "UNIT_RENUMBER":
        raise FeedRecordError("missing_field", "缺少字段 unit_number")
    registration = raw.get("registration") or {}
    certificate_no = str(registration.get("certificate_no") or "")
    if certificate_no:
        try:
            certificate_no = validate_certificate_no(certificate_no)
        except IdentifierError as e:
            raise FeedRecordError("invalid_certificate_no", e.message) from e
    holders: list[Holder] = []
    stored_holders: list[dict[str, Any]] = []
    for i, h in enumerate(raw.get("holders") or []):
        if not isinstance(h, dict):
            raise FeedRecordError("invalid_holder", f"holders[{i}] 须为对象")
        holder, stored = _holder(h, i)
        holders.append(holder)
        stored_holders.append(stored)
    co_ownership = raw.get("co_ownership") or ("sole" if len(holders) == 1 else "")
    if event_type in {"CREATE", "TRANSFER", "CORRECTION"} or holders:
        _check_co_ownership(co_ownership, holders)
    prop = raw.get("property") or {}
    if not isinstance(prop, dict):
        raise FeedRecordError("invalid_field", "property 须为对象")
    if prop.get("planned_use") not in (None, *Unit.Use.values):
        raise FeedRecordError("invalid_field", f"planned_use {prop.get('planned_use')!r} 未知")
    for key in ("building_area_m2", "surveyed_area_m2", "contract_area_m2"):
        _area(prop.get(key), key)
    corrects = raw.get("corrects_event_id")
    try:
        corrects_id = UUID(str(corrects)) if corrects else None
    except ValueError as e:
        raise FeedRecordError("invalid_field", "corrects_event_id 须为 UUID") from e
    return FeedEvent(
        seq=seq,
        event_id=event_id,
        event_type=event_type,
        occurred_at=occurred_at,
        unit=unit,
        corrects_event_id=corrects_id,
        business_no=str(registration.get("business_no") or ""),
        certificate_no=certificate_no,
        registered_at=_time(registration["registered_at"], "registered_at") if registration.get("registered_at") else None,
        prop=prop,
        co_ownership=co_ownership,
        holders=holders,
        encumbrances={k: bool(v) for k, v in (raw.get("encumbrances") or {}).items()},
        payload={**raw, "holders": stored_holders},
    )


def masked_line(line: str) -> str:
    """The line as it may be stored: identity numbers hashed (if it parses) or masked (if not)."""
    try:
        raw = json.loads(line)
        holders = raw.get("holders") if isinstance(raw, dict) else None
        if isinstance(holders, list):
            for h in holders:
                if isinstance(h, dict) and h.get("id_number") and h.get("id_type"):
                    number = str(h.pop("id_number"))
                    try:
                        digest = identity_digest(id_type=str(h["id_type"]), id_number=number)
                        h["id_hmac"], h["id_masked"] = digest.id_hmac, digest.id_masked
                    except (RuntimeError, ValueError):
                        h["id_masked"] = mask_text(number)
            return json.dumps(raw, ensure_ascii=False)
    except (json.JSONDecodeError, TypeError, AttributeError):
        pass
    return mask_text(line)


# ----------------------------------------------------------------------------------------- applying


@dataclass
class _Batch:
    events: list[tuple[int | None, str, FeedEvent]] = field(default_factory=list)  # (line_no, raw, event)
    bad: list[tuple[int | None, str, FeedRecordError]] = field(default_factory=list)


class _Placement:
    """Parcel → compound lookup, and the developer of each compound as a keyed hash (loaded once per run)."""

    def __init__(self) -> None:
        self.compound_by_parcel = dict(Parcel.objects.values_list("code", "compound_id"))
        self.developer_hash: dict[int, str] = {}
        for compound_id, uscc in Firm.objects.filter(developed_compounds__isnull=False).values_list(
            "developed_compounds__id", "uscc"
        ):
            self.developer_hash[compound_id] = identity_digest(id_type="uscc", id_number=uscc).id_hmac


def _quarantine(source: str, items: list[tuple[int | None, str, FeedRecordError]]) -> None:
    """Store refused lines; a replayed feed does not quarantine the same event twice."""
    rows: list[QuarantinedRecord] = []
    for line_no, raw, err in items:
        event_id, seq = "", None
        try:
            parsed = json.loads(raw)
            if isinstance(parsed, dict):
                event_id = str(parsed.get("event_id", ""))[:64]
                seq = parsed.get("seq") if isinstance(parsed.get("seq"), int) else None
        except json.JSONDecodeError:
            pass
        rows.append(
            QuarantinedRecord(
                source=source,
                line_no=line_no,
                seq=seq,
                event_id=event_id,
                raw=masked_line(raw),
                code=err.code,
                reason=err.reason[:500],
            )
        )
    known = set(
        QuarantinedRecord.objects.filter(
            source=source, status=QuarantinedRecord.Status.OPEN, event_id__in=[r.event_id for r in rows if r.event_id]
        ).values_list("event_id", "code")
    )
    QuarantinedRecord.objects.bulk_create([r for r in rows if not r.event_id or (r.event_id, r.code) not in known])


def _ensure_buildings(keys: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    if not keys:
        return {}
    compounds = {c for c, _ in keys}
    existing = {
        (c, n): pk
        for pk, c, n in Building.objects.filter(compound_id__in=compounds).values_list("pk", "compound_id", "number")
    }
    missing = [Building(compound_id=c, number=n, name=f"{int(n)}号楼") for (c, n) in keys - existing.keys()]
    if missing:
        Building.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {
            (c, n): pk
            for pk, c, n in Building.objects.filter(compound_id__in=compounds).values_list("pk", "compound_id", "number")
        }
    return existing


def _ensure_entrances(keys: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    if not keys:
        return {}
    buildings = {b for b, _ in keys}

    def fetch() -> dict[tuple[int, str], int]:
        rows = Entrance.objects.filter(building_id__in=buildings).values_list("pk", "building_id", "number")
        return {(b, n): pk for pk, b, n in rows}

    existing = fetch()
    missing = [Entrance(building_id=b, number=n, name=f"{n}单元") for (b, n) in keys - existing.keys()]
    if missing:
        Entrance.objects.bulk_create(missing, ignore_conflicts=True)
        existing = fetch()
    return existing


def _ensure_owners(holders: Iterable[Holder]) -> dict[tuple[str, str], int]:
    wanted = {(h.id_type, h.id_hmac): h for h in holders}
    if not wanted:
        return {}
    hashes = {k[1] for k in wanted}

    def fetch() -> dict[tuple[str, str], int]:
        rows = Owner.objects.filter(id_hmac__in=hashes).values_list("pk", "id_type", "id_hmac")
        return {(t, h): pk for pk, t, h in rows}

    existing = fetch()
    missing = [
        Owner(holder_type=h.holder_type, name=h.name, id_type=h.id_type, id_hmac=h.id_hmac, id_masked=h.id_masked)
        for key, h in wanted.items()
        if key not in existing
    ]
    if missing:
        Owner.objects.bulk_create(missing, ignore_conflicts=True)
        existing = fetch()
    return existing


def _apply_creates(events: list[FeedEvent], placement: _Placement) -> list[tuple[FeedEvent, FeedRecordError]]:
    """Insert the units, owners and ownerships of CREATE events in a few set-based statements."""
    refused: list[tuple[FeedEvent, FeedRecordError]] = []
    numbers = [e.unit.value for e in events if e.unit]
    taken = set(Unit.objects.filter(unit_number__in=numbers).values_list("unit_number", flat=True))
    fresh: list[FeedEvent] = []
    for e in events:
        assert e.unit is not None
        if e.unit.value in taken:
            refused.append((e, FeedRecordError("unit_exists", f"单元 {e.unit.value} 已登记，首次登记不能重复")))
            continue
        taken.add(e.unit.value)
        fresh.append(e)
    if not fresh:
        return refused

    building_keys: set[tuple[int, str]] = set()
    for e in fresh:
        assert e.unit is not None
        compound_id = placement.compound_by_parcel.get(e.unit.parcel_code)
        if compound_id is not None and e.unit.building_no != "0000":
            building_keys.add((compound_id, e.unit.building_no))
    buildings = _ensure_buildings(building_keys)
    entrance_keys = set()
    for e in fresh:
        assert e.unit is not None
        b = buildings.get((placement.compound_by_parcel.get(e.unit.parcel_code, 0), e.unit.building_no))
        if b is not None and e.prop.get("entrance"):
            entrance_keys.add((b, str(e.prop["entrance"])))
    entrances = _ensure_entrances(entrance_keys)
    owners = _ensure_owners(h for e in fresh for h in e.holders)

    units = []
    for e in fresh:
        assert e.unit is not None
        compound_id = placement.compound_by_parcel.get(e.unit.parcel_code)
        building_id = buildings.get((compound_id or 0, e.unit.building_no))
        entrance_id = entrances.get((building_id or 0, str(e.prop.get("entrance", ""))))
        developer = placement.developer_hash.get(compound_id or 0)
        units.append(
            Unit(
                compound_id=compound_id,
                building_id=building_id,
                entrance_id=entrance_id,
                unit_number=e.unit.value,
                parcel_code=e.unit.parcel_code,
                floor=str(e.prop.get("floor") or "")[:8],
                room=str(e.prop.get("room") or "")[:32],
                address=str(e.prop.get("address") or "")[:255],
                planned_use=e.prop.get("planned_use") or Unit.Use.RESIDENTIAL,
                registered_area=_area(e.prop.get("building_area_m2"), "building_area_m2"),
                surveyed_area=_area(e.prop.get("surveyed_area_m2"), "surveyed_area_m2"),
                contract_area=_area(e.prop.get("contract_area_m2"), "contract_area_m2"),
                developer_held=developer is not None and any(h.id_hmac == developer for h in e.holders),
                delivered=bool(e.prop.get("delivered", True)),
                mortgage=e.encumbrances.get("mortgage", False),
                seizure=e.encumbrances.get("seizure", False),
            )
        )
    Unit.objects.bulk_create(units)
    versions, ownerships, applied = [], [], []
    for e, unit in zip(fresh, units, strict=True):
        at = e.registered_at or e.occurred_at
        versions.append(UnitNumberVersion(unit=unit, unit_number=unit.unit_number, valid_from=at, source_event_id=e.event_id))
        certificate_holders = [h for h in e.holders if h.certificate_holder] or e.holders[:1]
        for h in e.holders:
            ownerships.append(
                Ownership(
                    unit=unit,
                    owner_id=owners[(h.id_type, h.id_hmac)],
                    co_ownership=e.co_ownership,
                    share_numerator=h.share.numerator if h.share is not None else None,
                    share_denominator=h.share.denominator if h.share is not None else None,
                    certificate_holder=h is certificate_holders[0],
                    certificate_no=e.certificate_no,
                    business_no=e.business_no,
                    registered_at=at,
                    valid_from=at,
                    source_event_id=e.event_id,
                )
            )
        applied.append(_event_row(e, unit))
    UnitNumberVersion.objects.bulk_create(versions)
    Ownership.objects.bulk_create(ownerships)
    RegistrationEvent.objects.bulk_create(applied)
    return refused


def _event_row(e: FeedEvent, unit: Unit | None) -> RegistrationEvent:
    return RegistrationEvent(
        event_id=e.event_id,
        seq=e.seq,
        event_type=e.event_type,
        unit=unit,
        unit_number=e.unit.value if e.unit else "",
        occurred_at=e.occurred_at,
        payload=e.payload,
    )


def _apply_batch(batch: _Batch, *, source: str, placement: _Placement, report: SyncReport) -> None:
    """One transaction: skip seen events, apply the rest, quarantine the refused, advance the cursor."""
    with transaction.atomic():
        cursor, _ = SyncCursor.objects.select_for_update().get_or_create(source=source)
        ids = [e.event_id for _, _, e in batch.events]
        seen = set(RegistrationEvent.objects.filter(event_id__in=ids).values_list("event_id", flat=True))
        bad = list(batch.bad)
        creates: list[FeedEvent] = []
        raw_by_event: dict[UUID, tuple[int | None, str]] = {}
        for line_no, raw, e in batch.events:
            if e.event_id in seen:
                report.skipped += 1
                continue
            seen.add(e.event_id)
            raw_by_event[e.event_id] = (line_no, raw)
            if e.event_type == "CREATE":
                creates.append(e)
            else:
                bad.append(
                    (line_no, raw, FeedRecordError("event_type_not_supported", f"{e.event_type} 事件尚未支持，已隔离待处理"))
                )
        refused = _apply_creates(creates, placement)
        for e, err in refused:
            line_no, raw = raw_by_event[e.event_id]
            bad.append((line_no, raw, err))
        report.applied += len(creates) - len(refused)
        _quarantine(source, bad)
        report.quarantined += len(bad)
        for err in (x for *_, x in bad):
            report.quarantine_codes[err.code] = report.quarantine_codes.get(err.code, 0) + 1
        top = max((e.seq for _, _, e in batch.events), default=cursor.last_seq)
        if top > cursor.last_seq:
            cursor.last_seq = top
            cursor.save(update_fields=["last_seq", "updated_at"])
        report.last_seq = cursor.last_seq


def _batches(lines: Iterable[str], size: int) -> Iterator[_Batch]:
    batch = _Batch()
    for line_no, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        try:
            batch.events.append((line_no, text, parse_feed_line(text)))
        except FeedRecordError as err:
            batch.bad.append((line_no, text, err))
        if len(batch.events) + len(batch.bad) >= size:
            yield batch
            batch = _Batch()
    if batch.events or batch.bad:
        yield batch


def registration_feed_apply(
    *,
    lines: Iterable[str],
    source: str,
    batch_size: int = 1000,
    progress: Callable[[SyncReport], None] | None = None,
) -> SyncReport:
    """Apply a stream of feed lines: writes units, owners, ownerships, applied events, quarantine and the cursor."""
    report = SyncReport()
    started = time.monotonic()
    placement = _Placement()
    for batch in _batches(lines, batch_size):
        _apply_batch(batch, source=source, placement=placement, report=report)
        report.seconds = time.monotonic() - started
        if progress is not None:
            progress(report)
    report.seconds = time.monotonic() - started
    return report


