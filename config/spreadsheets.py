"""Writing cells of XLSX exports (openpyxl) so that text is always text.

openpyxl stores a string that starts with "=" as a formula, and a spreadsheet program may treat text starting
with "+", "-", "@", a tab or a carriage return as one when it is edited or exported again (CSV/formula
injection: `=HYPERLINK(...)` in a motion title or a candidate's name). Every writer puts cells through
`xlsx_put`: a string is stored as an inline string (data type "s", never "f"), and one that starts with such a
character also gets Excel's quote prefix (the "'" a person would type), so it stays text when edited.
"""

from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def xlsx_put(ws: Worksheet, *, row: int, column: int, value: Any) -> Cell:
    """Write `value` to the cell; text is stored as text, never as a formula."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # after the value: openpyxl has just guessed "f" for "=…"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    return cell
