"""Parsing and validating registration-feed lines (registry.md): identity numbers leave as keyed hashes."""

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any
from uuid import UUID

import orjson

from config.logging import mask_text
from registry.identifiers import (
    IdentifierError,
    UnitNumber,
    mask_id_number,
    normalize_unit_number,
    validate_certificate_no,
    validate_unit_number,
)
from registry.models import Owner, Unit
from registry.personal_data import holder_identity_digest

EVENT_TYPES = frozenset(
    {
        "CREATE",
        "TRANSFER",
        "CHANGE",
        "CORRECTION",
        "CANCEL",
        "ENCUMBRANCE_SET",
        "ENCUMBRANCE_RELEASE",
        "UNIT_RENUMBER",
    }
)
# Django's `Choices.values` builds a new list on every call: look-ups on the hot path use these sets.
_HOLDER_TYPES = frozenset(Owner.HolderType.values)
_ID_TYPES = frozenset(Owner.IdType.values)
_USES = frozenset([None, *Unit.Use.values])

# Events that state who holds the unit: their holders are validated as a whole.
HOLDER_EVENT_TYPES = frozenset({"CREATE", "TRANSFER", "CORRECTION"})


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
    renumber: tuple[list[UnitNumber], list[UnitNumber]] | None
    attributes: dict[str, Any]  # unit fields stated by `property`, parsed (registry field names)
    payload: dict[str, Any]  # the event as stored: identity numbers replaced by their hash and mask


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


# The keys a holder object of the feed has; any other key naming an identity number ("idNumber", "证件号"…)
# keeps only a masked value wherever the line is stored.
_HOLDER_KEYS = frozenset(
    {"name", "holder_type", "id_type", "id_number", "id_hmac", "id_masked", "share", "certificate_holder"}
)
_ID_KEYS = frozenset(
    {
        "idnumber",
        "idno",
        "idnum",
        "idcard",
        "idcardno",
        "idcardnumber",
        "证件号",
        "证件号码",
        "身份证",
        "身份证号",
        "身份证号码",
        "证照号码",
    }
)
_KEY_NOISE = re.compile(r"[\s_\-.]+")


def _is_id_key(key: str) -> bool:
    """Whether a JSON key names an identity number, however it is spelled (`id_number`, `idNumber`, `证件号`)."""
    return _KEY_NOISE.sub("", unicodedata.normalize("NFKC", key)).lower() in _ID_KEYS


def _masked_id_value(value: Any) -> Any:
    # Scalars become their masked form; a structure under such a key is masked like any other text.
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return mask_id_number(str(value))
    return _masked_document(value)


def _holder(raw: dict[str, Any], index: int) -> tuple[Holder, dict[str, Any]]:
    name = str(raw.get("name") or "").strip()
    holder_type = raw.get("holder_type")
    id_type = raw.get("id_type")
    if not name:
        raise FeedRecordError("missing_field", f"holders[{index}].name 缺失")
    if holder_type not in _HOLDER_TYPES:
        raise FeedRecordError("invalid_holder", f"holders[{index}].holder_type {holder_type!r} 未知")
    if id_type not in _ID_TYPES:
        raise FeedRecordError("invalid_holder", f"holders[{index}].id_type {id_type!r} 未知")
    if raw.get("id_number"):
        try:
            digest = holder_identity_digest(id_type=id_type, id_number=str(raw["id_number"]))
        except IdentifierError as e:
            raise FeedRecordError("invalid_id_number", f"holders[{index}]: {e.message}") from e
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
    stored = {
        k: v if k in _HOLDER_KEYS or not _is_id_key(k) else _masked_id_value(v)
        for k, v in raw.items()
        if k != "id_number"
    } | {"id_hmac": id_hash, "id_masked": id_masked}
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


def unit_attributes(prop: dict[str, Any]) -> dict[str, Any]:
    """The unit fields a `property` object states, parsed and named as on Unit (only those present)."""
    found: dict[str, Any] = {}
    for key, field, size in (("address", "address", 255), ("floor", "floor", 8), ("room", "room", 32)):
        if prop.get(key) not in (None, ""):
            found[field] = str(prop[key])[:size]
    if prop.get("planned_use") not in (None, ""):
        found["planned_use"] = prop["planned_use"]
    for key, field in (
        ("building_area_m2", "registered_area"),
        ("surveyed_area_m2", "surveyed_area"),
        ("contract_area_m2", "contract_area"),
    ):
        if prop.get(key) not in (None, ""):
            found[field] = _area(prop[key], key)
    if "delivered" in prop:
        if not isinstance(prop["delivered"], bool):
            raise FeedRecordError("invalid_field", "delivered 须为 true 或 false")
        found["delivered"] = prop["delivered"]
    return found


def _encumbrances(raw: Any) -> dict[str, bool]:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict) or not set(raw) <= {"mortgage", "seizure"}:
        raise FeedRecordError("invalid_field", "encumbrances 只能包含 mortgage 和 seizure")
    return {k: bool(v) for k, v in raw.items()}


def _renumber(raw: dict[str, Any]) -> tuple[list[UnitNumber], list[UnitNumber]]:
    spec = raw.get("renumber") if isinstance(raw.get("renumber"), dict) else raw
    sides = []
    for key in ("from_unit_numbers", "to_unit_numbers"):
        numbers = spec.get(key)
        if not isinstance(numbers, list) or not numbers:
            raise FeedRecordError("missing_field", f"UNIT_RENUMBER 缺少 {key}")
        try:
            sides.append([validate_unit_number(str(n)) for n in numbers])
        except IdentifierError as e:
            raise FeedRecordError("invalid_unit_number", f"{key}: {e.message}") from e
    old, new = sides
    if len(old) != len(new):
        raise FeedRecordError(
            "renumber_shape", f"单元号变更须一一对应（{len(old)} 个原单元号，{len(new)} 个新单元号）"
        )
    if len({u.value for u in old}) != len(old) or len({u.value for u in new}) != len(new):
        raise FeedRecordError("renumber_shape", "单元号变更中有重复的单元号")
    return old, new


def parse_feed_line(line: str) -> FeedEvent:
    """Validate one JSON line of the feed (registry.md); raises FeedRecordError with a code and a reason."""
    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError as e:
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
    if event_type in HOLDER_EVENT_TYPES or holders:
        _check_co_ownership(co_ownership, holders)
    prop = raw.get("property") or {}
    if not isinstance(prop, dict):
        raise FeedRecordError("invalid_field", "property 须为对象")
    if prop.get("planned_use") not in _USES:
        raise FeedRecordError("invalid_field", f"planned_use {prop.get('planned_use')!r} 未知")
    attributes = unit_attributes(prop)
    renumber = _renumber(raw) if event_type == "UNIT_RENUMBER" else None
    if event_type == "CORRECTION" and not raw.get("corrects_event_id"):
        raise FeedRecordError("missing_field", "CORRECTION 事件缺少 corrects_event_id")
    if event_type in {"ENCUMBRANCE_SET", "ENCUMBRANCE_RELEASE"} and not raw.get("encumbrances"):
        raise FeedRecordError("missing_field", f"{event_type} 事件缺少 encumbrances")
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
        registered_at=_time(registration["registered_at"], "registered_at")
        if registration.get("registered_at")
        else None,
        prop=prop,
        co_ownership=co_ownership,
        holders=holders,
        encumbrances=_encumbrances(raw.get("encumbrances")),
        renumber=renumber,
        attributes=attributes,
        payload={**raw, "holders": stored_holders},
    )


_PARCEL_OF_UNIT = re.compile(r"([0-9]{12}[GJZ][ABSXCDEFGHWY][0-9]{5})[FLQW][0-9]{8}", re.ASCII)


def parcel_codes_named(text: str) -> list[str]:
    """The parcels (first 19 characters) of every unit number a line names: the fields the consumer reads
    (`unit_number`, `from_unit_numbers`, `to_unit_numbers`), normalised exactly as the consumer normalises
    them, and any unit number written elsewhere in the text. Who may see and re-apply a line follows from it."""
    found = {m.group(1) for m in _PARCEL_OF_UNIT.finditer(text.upper())}
    try:
        raw = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        raw = None
    if isinstance(raw, dict):
        numbers = [raw.get("unit_number")]
        for key in ("from_unit_numbers", "to_unit_numbers"):
            value = raw.get(key)
            numbers += value if isinstance(value, list) else [value]
        for number in numbers:
            if isinstance(number, str) and number.strip():
                found.add(normalize_unit_number(number)[:19])
    return sorted(found)


def _masked_document(value: Any) -> Any:
    """A parsed line with every identity number masked: values under ID-like keys, and anything that reads as a
    resident ID or a mobile number in any other string, key or integer (an integer becomes a masked string)."""
    if isinstance(value, dict):
        return {
            mask_text(str(k)): _masked_id_value(v) if _is_id_key(str(k)) else _masked_document(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked_document(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        masked = mask_text(str(value))
        return value if masked == str(value) else masked
    return value


# A `"key": value` pair in text that is not (or no longer) JSON: a string value (perhaps cut short) or a number.
_KEY_VALUE = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:\s*)("(?:[^"\\]|\\.)*"?|-?[0-9][0-9A-Za-z.]*)')


def _masked_broken_text(line: str) -> str:
    # The value may be cut short (a truncated line), so its mask keeps no character of it.
    def pair(m: re.Match[str]) -> str:
        if not _is_id_key(m.group(1)):
            return m.group(0)
        value = m.group(3)
        length = len(value[1:].removesuffix('"')) if value.startswith('"') else len(value)
        return f'"{m.group(1)}"{m.group(2)}"{"*" * length}"'

    return _KEY_VALUE.sub(pair, line)


def masked_line(line: str) -> str:
    """The line as it may be stored (quarantine, shown in the admin): no identity number in plain text.

    Each holder's `id_number` becomes its keyed hash and mask when its `id_type` is known and the number valid
    (the hash the registry matches on), else only its mask; values under other ID-like keys are masked; then
    the text as a whole goes through the log masking (`mask_text`: resident IDs, credit codes made of digits,
    mobile numbers — in addresses, other keys, free text). A line that is not JSON gets the values of its
    ID-like keys masked and the same final pass.
    """
    try:
        raw = json.loads(line)
    except (json.JSONDecodeError, TypeError):
        return mask_text(_masked_broken_text(line))
    holders = raw.get("holders") if isinstance(raw, dict) else None
    if isinstance(holders, list):
        for h in holders:
            if isinstance(h, dict) and h.get("id_number") not in (None, ""):
                number = str(h.pop("id_number"))
                try:
                    digest = holder_identity_digest(id_type=str(h.get("id_type") or ""), id_number=number)
                    h["id_hmac"], h["id_masked"] = digest.id_hmac, digest.id_masked
                except (IdentifierError, RuntimeError):
                    h["id_masked"] = mask_id_number(number)
    return mask_text(json.dumps(_masked_document(raw), ensure_ascii=False))
