"""The XLSX import of a month's operating lines (admin): every row checked, every error reported with its row
and column, and nothing saved from a file that has any error. The statement is then drafted through
`disclosure_create`, with its totals, the owners' share at the contract's percentage and the balances computed
from the lines (so the same rules check it as any other draft)."""

import zipfile
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from config.errors import ApplicationError
from disclosure.content import AMOUNT, CENT, money
from disclosure.labels import Direction, Kind, LineCategory
from disclosure.models import Disclosure
from disclosure.selectors import previous_published
from disclosure.services.records import disclosure_create
from registry.models import Compound, User

MAX_ROWS = 1000
# Column headings (Chinese, as on the template, or the API's field names).
HEADINGS = {
    "收支": "direction",
    "direction": "direction",
    "项目": "category",
    "category": "category",
    "金额": "amount",
    "金额（元）": "amount",
    "amount": "amount",
    "摘要": "summary",
    "summary": "summary",
}
TEMPLATE_HEADINGS = ("收支", "项目", "金额（元）", "摘要")


def _lookup(choices: type) -> dict[str, str]:
    out = {str(v): str(v) for v in choices.values}
    out |= {str(label): str(v) for v, label in choices.choices}
    return out


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    if isinstance(value, float):
        text = repr(value)
        if text.endswith(".0"):
            text = text[:-2]
    if not AMOUNT.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def statement_lines_read(*, file: IO[bytes]) -> list[dict[str, str]]:
    """The lines of the first sheet (a heading row, then one line per row; blank rows skipped), or
    ApplicationError `import_errors` with every error as {"row", "column", "message"}."""
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ApplicationError(_("无法读取该文件，请上传 .xlsx 文件。"), code="invalid_file") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    heading = next(rows, None) or ()
    columns = {
        HEADINGS[str(h).strip()]: i
        for i, h in enumerate(heading)
        if h is not None and str(h).strip() in HEADINGS
    }
    missing = [name for name in ("direction", "category", "amount") if name not in columns]
    if missing:
        raise ApplicationError(
            _("第 1 行须为表头：收支、项目、金额（元）、摘要。"),
            code="import_errors",
            extra={"rows": [{"row": 1, "column": name, "message": _("缺少此列")} for name in missing]},
        )
    directions, categories = _lookup(Direction), _lookup(LineCategory)
    lines, errors = [], []

    def cell(row: tuple, name: str) -> Any:
        i = columns.get(name)
        return row[i] if i is not None and i < len(row) else None

    for number, row in enumerate(rows, start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        if len(lines) + len(errors) >= MAX_ROWS:
            errors.append(
                {"row": number, "column": "", "message": _("行数超过上限 %(n)s。") % {"n": MAX_ROWS}}
            )
            break
        direction = directions.get(str(cell(row, "direction") or "").strip())
        category = categories.get(str(cell(row, "category") or "").strip())
        amount = _amount(cell(row, "amount"))
        summary = cell(row, "summary")
        summary = "" if summary is None else str(summary).strip()
        problems = []
        if direction is None:
            problems.append(("direction", _("收支须为“收入”或“支出”")))
        if category is None:
            problems.append(
                (
                    "category",
                    _("项目须为：%(names)s") % {"names": "、".join(str(x) for x in LineCategory.labels)},
                )
            )
        if amount is None:
            problems.append(("amount", _("金额须为不小于零、最多两位小数的数")))
        if len(summary) > 200:
            problems.append(("summary", _("摘要不超过 200 字")))
        errors += [{"row": number, "column": column, "message": message} for column, message in problems]
        if not problems:
            lines.append(
                {"direction": direction, "category": category, "amount": money(amount), "summary": summary}
            )
    if errors:
        raise ApplicationError(
            _("文件中有 %(n)s 处错误，未导入任何内容。") % {"n": len(errors)},
            code="import_errors",
            extra={"rows": errors},
        )
    if not lines:
        raise ApplicationError(_("文件中没有收支明细。"), code="import_errors", extra={"rows": []})
    return lines


def statement_from_lines(
    *,
    compound: Compound,
    period: str,
    lines: list[dict[str, str]],
    owners_percent: Decimal,
    to_maintenance_fund: Decimal = Decimal("0.00"),
    opening_balance: Decimal | None = None,
) -> dict[str, Any]:
    """A statement's content from its lines: totals, the owners' share at `owners_percent` of the net (rounded
    half up to the fen, the firm gets the rest), the opening from the last published closing (unless given)."""
    income = sum((Decimal(x["amount"]) for x in lines if x["direction"] == Direction.INCOME), Decimal("0.00"))
    expense = sum(
        (Decimal(x["amount"]) for x in lines if x["direction"] == Direction.EXPENSE), Decimal("0.00")
    )
    net = income - expense
    owners = (net * owners_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    if opening_balance is None:
        previous = previous_published(compound_id=compound.pk, kind=Kind.OPERATING_STATEMENT, period=period)
        opening_balance = previous.closing_balance if previous is not None else Decimal("0.00")
    return {
        "opening_balance": money(opening_balance),
        "lines": lines,
        "totals": {"income": money(income), "expense": money(expense)},
        "owners_share": money(owners),
        "firm_share": money(net - owners),
        "to_maintenance_fund": money(to_maintenance_fund),
        "closing_balance": money(opening_balance + owners - to_maintenance_fund),
    }


def disclosure_import_statement(
    *,
    actor: User,
    compound: Compound,
    period: str,
    file: IO[bytes],
    owners_percent: Decimal,
    to_maintenance_fund: Decimal = Decimal("0.00"),
    opening_balance: Decimal | None = None,
) -> Disclosure:
    """Draft a month's operating statement from an XLSX file of lines (all or nothing); see the module."""
    lines = statement_lines_read(file=file)
    data = statement_from_lines(
        compound=compound,
        period=period,
        lines=lines,
        owners_percent=owners_percent,
        to_maintenance_fund=to_maintenance_fund,
        opening_balance=opening_balance,
    )
    return disclosure_create(
        actor=actor, compound=compound, kind=Kind.OPERATING_STATEMENT, period=period, data=data
    )
