"""The content of a disclosure record, checked and normalised per kind (disclosure.md, api.md "Disclosure").

Pure functions, no database: `content_parse(kind=, data=)` turns a client's JSON into the stored content (amounts
as strings with two places) or raises ApplicationError naming the field or line that breaks a rule —
`invalid_amount`, `totals_mismatch`, `share_mismatch`, `balance_mismatch`, `invalid`. The rules that need the
database (roll-forward, the fee cap, motions) are in disclosure.services."""

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from config.errors import ApplicationError
from disclosure.labels import Direction, FeeBasis, FeeUse, FundMovement, Kind, LineCategory

AMOUNT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")
CENT = Decimal("0.01")
MAX_TEXT = 500
MAX_ITEMS = 500


@dataclass
class Parsed:
    """Stored content, and for the kinds that roll forward their opening and closing balances and lines."""

    content: dict[str, Any]
    opening: Decimal | None = None
    closing: Decimal | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    motions: list[tuple[str, int]] = field(default_factory=list)  # (field, motion id) to check exist
    fees: list[tuple[str, str, str, Decimal]] = field(default_factory=list)  # (field, use, grade, price)


def money(value: Decimal) -> str:
    """A Decimal as the API's text: two places."""
    return f"{value.quantize(CENT)}"


def invalid(field_name: str, message: str | None = None) -> ApplicationError:
    return ApplicationError(
        message or _("字段 %(field)s 有误。") % {"field": field_name},
        code="invalid",
        extra={"field": field_name},
    )


def amount(value: Any, field_name: str) -> Decimal:
    """A non-negative amount with at most two places, given as a string; else `invalid_amount`."""
    if not isinstance(value, str) or not AMOUNT.match(value):
        raise ApplicationError(
            _("%(field)s 须为不小于零、最多两位小数的金额（字符串）。") % {"field": field_name},
            code="invalid_amount",
            extra={"field": field_name, "given": value if isinstance(value, str | int | float) else None},
        )
    return Decimal(value).quantize(CENT)


def text(value: Any, field_name: str, *, required: bool = True, max_length: int = MAX_TEXT) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > max_length or (required and not value.strip()):
        raise invalid(field_name)
    return value.strip()


def choice(value: Any, field_name: str, choices: type) -> str:
    if value not in choices.values:
        raise ApplicationError(
            _("字段 %(field)s 的取值无效。") % {"field": field_name},
            code="invalid",
            extra={"field": field_name, "allowed": list(choices.values)},
        )
    return str(value)


def date_text(value: Any, field_name: str, *, required: bool = True) -> str:
    if value in (None, "") and not required:
        return ""
    try:
        return dt.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise invalid(field_name) from None


def obj(value: Any, field_name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(field_name)
    return value


def items(value: Any, field_name: str, *, required: bool = True) -> list[Any]:
    if value is None and not required:
        return []
    if not isinstance(value, list) or len(value) > MAX_ITEMS or (required and not value):
        raise invalid(field_name)
    return value


def motion_id(value: Any, field_name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise invalid(field_name)
    return value


def mismatch(
    code: str, field_name: str, *, expected: Decimal, given: Decimal, **extra: Any
) -> ApplicationError:
    messages = {
        "totals_mismatch": _("%(field)s 与明细之和不符：应为 %(expected)s，填报 %(given)s。"),
        "share_mismatch": _("业主与企业分成之和须等于收入减支出：应为 %(expected)s，填报 %(given)s。"),
        "balance_mismatch": _("期末余额不符：应为 %(expected)s，填报 %(given)s。"),
        "not_rolled_forward": _("期初余额须等于上期公布的期末余额 %(expected)s，填报 %(given)s。"),
    }
    values = {"field": field_name, "expected": money(expected), "given": money(given)}
    return ApplicationError(messages[code] % values, code=code, extra=values | extra)


# ------------------------------------------------------------------------------ operating statement


def _operating_statement(data: dict[str, Any]) -> Parsed:
    opening = amount(data.get("opening_balance"), "opening_balance")
    lines = []
    for i, raw in enumerate(items(data.get("lines"), "lines", required=False)):
        where = f"lines[{i}]"
        line = obj(raw, where)
        lines.append(
            {
                "direction": choice(line.get("direction"), f"{where}.direction", Direction),
                "category": choice(line.get("category"), f"{where}.category", LineCategory),
                "amount": amount(line.get("amount"), f"{where}.amount"),
                "summary": text(line.get("summary"), f"{where}.summary", required=False, max_length=200),
            }
        )
    totals = obj(data.get("totals"), "totals")
    given = {d: amount(totals.get(d), f"totals.{d}") for d in (Direction.INCOME, Direction.EXPENSE)}
    owners = amount(data.get("owners_share"), "owners_share")
    firm = amount(data.get("firm_share"), "firm_share")
    to_fund = amount(data.get("to_maintenance_fund", "0.00"), "to_maintenance_fund")
    closing = amount(data.get("closing_balance"), "closing_balance")
    for d in (Direction.INCOME, Direction.EXPENSE):
        these = [i for i, line in enumerate(lines) if line["direction"] == d]
        expected = sum((lines[i]["amount"] for i in these), Decimal("0.00"))
        if expected != given[d]:
            raise mismatch(
                "totals_mismatch",
                f"totals.{d}",
                expected=expected,
                given=given[d],
                lines=[f"lines[{i}]" for i in these],
            )
    net = given[Direction.INCOME] - given[Direction.EXPENSE]
    if owners + firm != net:
        raise mismatch(
            "share_mismatch", "owners_share", expected=net, given=owners + firm, firm_share=money(firm)
        )
    expected_closing = opening + owners - to_fund
    if closing != expected_closing:
        raise mismatch("balance_mismatch", "closing_balance", expected=expected_closing, given=closing)
    content = {
        "opening_balance": money(opening),
        "lines": [line | {"amount": money(line["amount"])} for line in lines],
        "totals": {d: money(v) for d, v in given.items()},
        "owners_share": money(owners),
        "firm_share": money(firm),
        "to_maintenance_fund": money(to_fund),
        "closing_balance": money(closing),
        "note": text(data.get("note"), "note", required=False),
    }
    return Parsed(content=content, opening=opening, closing=closing, lines=lines)


# ------------------------------------------------------------------------------ maintenance fund


def _maintenance_fund(data: dict[str, Any]) -> Parsed:
    opening = amount(data.get("opening_balance"), "opening_balance")
    movements, motions = [], []
    for i, raw in enumerate(items(data.get("movements"), "movements", required=False)):
        where = f"movements[{i}]"
        m = obj(raw, where)
        kind = choice(m.get("kind"), f"{where}.kind", FundMovement)
        row: dict[str, Any] = {
            "kind": kind,
            "amount": amount(m.get("amount"), f"{where}.amount"),
            "summary": text(m.get("summary"), f"{where}.summary", max_length=200),
        }
        if kind == FundMovement.USE:
            motion = motion_id(m.get("motion"), f"{where}.motion")
            approvals = obj(m.get("approvals") or {}, f"{where}.approvals")
            emergency = m.get("emergency") is True
            if motion is None and not (emergency and approvals.get("committee") and approvals.get("street")):
                raise ApplicationError(
                    _("维修资金的每笔使用须关联批准它的表决事项，或标明应急使用并有业委会和街道的批准。"),
                    code="use_not_approved",
                    extra={"field": where},
                )
            row |= {"motion": motion, "emergency": emergency}
            if emergency:
                row["approvals"] = {"committee": True, "street": True}
            if motion is not None:
                motions.append((f"{where}.motion", motion))
        movements.append(row)
    totals = obj(data.get("totals"), "totals")
    names = {"deposits": FundMovement.DEPOSIT, "interest": FundMovement.INTEREST, "uses": FundMovement.USE}
    given = {name: amount(totals.get(name), f"totals.{name}") for name in names}
    for name, kind in names.items():
        these = [i for i, m in enumerate(movements) if m["kind"] == kind]
        expected = sum((movements[i]["amount"] for i in these), Decimal("0.00"))
        if expected != given[name]:
            raise mismatch(
                "totals_mismatch",
                f"totals.{name}",
                expected=expected,
                given=given[name],
                lines=[f"movements[{i}]" for i in these],
            )
    closing = amount(data.get("closing_balance"), "closing_balance")
    expected_closing = opening + given["deposits"] + given["interest"] - given["uses"]
    if closing != expected_closing:
        raise mismatch("balance_mismatch", "closing_balance", expected=expected_closing, given=closing)
    content = {
        "opening_balance": money(opening),
        "movements": [m | {"amount": money(m["amount"])} for m in movements],
        "totals": {k: money(v) for k, v in given.items()},
        "closing_balance": money(closing),
        "note": text(data.get("note"), "note", required=False),
    }
    return Parsed(content=content, opening=opening, closing=closing, motions=motions)


# ------------------------------------------------------------------------------ fee standards


def _fee_standard(data: dict[str, Any]) -> Parsed:
    rows, motions, fees = [], [], []
    for i, raw in enumerate(items(data.get("items"), "items")):
        where = f"items[{i}]"
        it = obj(raw, where)
        row = {
            "use": choice(it.get("use"), f"{where}.use", FeeUse),
            "grade": text(it.get("grade"), f"{where}.grade", max_length=16),
            "price": amount(it.get("price"), f"{where}.price"),
            "includes": text(it.get("includes"), f"{where}.includes", required=False),
            "effective_from": date_text(it.get("effective_from"), f"{where}.effective_from"),
            "effective_to": date_text(it.get("effective_to"), f"{where}.effective_to", required=False),
            "basis": choice(it.get("basis"), f"{where}.basis", FeeBasis),
            "motion": motion_id(it.get("motion"), f"{where}.motion"),
        }
        if row["basis"] == FeeBasis.ASSEMBLY and row["motion"] is None:
            raise invalid(f"{where}.motion", _("业主大会决定的收费标准须关联表决事项。"))
        if row["motion"] is not None:
            motions.append((f"{where}.motion", row["motion"]))
        fees.append((f"{where}.price", row["use"], row["grade"], row["price"]))
        rows.append(row | {"price": money(row["price"])})
    content = {"items": rows, "note": text(data.get("note"), "note", required=False)}
    return Parsed(content=content, motions=motions, fees=fees)


# ------------------------------------------------------------------------------ the other kinds

# kind → list name → (required keys, optional keys); every value is text.
LISTS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    Kind.SERVICE_ITEMS: {
        "items": (("name", "frequency"), ("standard", "note")),
        "contacts": (("role", "name", "phone"), ()),
    },
    Kind.CONTRACT: {
        "contracts": (("title", "party", "starts_on"), ("ends_on", "price", "summary")),
        "tenders": (("title", "published_on"), ("result", "summary")),
    },
    Kind.SELF_GOVERNANCE: {
        "members": (("name", "role"), ("term",)),
        "minutes": (("date", "title"), ("summary",)),
        "decisions": (("date", "title"), ("assembly", "summary")),
    },
    Kind.REGULATORS: {"entries": (("department", "duties", "phone"), ("note",))},
}


def _lists(kind: str, data: dict[str, Any]) -> Parsed:
    content: dict[str, Any] = {}
    unknown = set(data) - set(LISTS[kind]) - {"note"}
    if unknown:
        raise invalid(sorted(unknown)[0])
    for name, (required, optional) in LISTS[kind].items():
        rows = []
        for i, raw in enumerate(items(data.get(name), name, required=False)):
            where = f"{name}[{i}]"
            row = obj(raw, where)
            extra = set(row) - set(required) - set(optional)
            if extra:
                raise invalid(f"{where}.{sorted(extra)[0]}")
            out = {k: text(row.get(k), f"{where}.{k}") for k in required}
            out |= {k: text(row.get(k), f"{where}.{k}", required=False) for k in optional if k in row}
            if "price" in out and out["price"]:
                out["price"] = money(amount(out["price"], f"{where}.price"))
            rows.append(out)
        content[name] = rows
    if not any(content.values()):
        raise invalid(next(iter(LISTS[kind])), _("内容不能为空。"))
    content["note"] = text(data.get("note"), "note", required=False)
    return Parsed(content=content)


def content_parse(*, kind: str, data: Any) -> Parsed:
    """Check and normalise a record's content for its kind (the rules of the module docstring)."""
    data = obj(data, "content")
    if kind == Kind.OPERATING_STATEMENT:
        return _operating_statement(data)
    if kind == Kind.MAINTENANCE_FUND:
        return _maintenance_fund(data)
    if kind == Kind.FEE_STANDARD:
        return _fee_standard(data)
    if kind in LISTS:
        return _lists(kind, data)
    raise invalid("kind")


def content_hash(
    *,
    compound_code: str,
    kind: str,
    period: str,
    content: dict[str, Any],
    supersedes: int | None,
    reason: str,
) -> str:
    """ "sha256:<hex>" of the canonical JSON of what a published record says (sorted keys, no spaces)."""
    canonical = json.dumps(
        {
            "compound": compound_code,
            "kind": kind,
            "period": period,
            "content": content,
            "supersedes": supersedes,
            "reason": reason,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
