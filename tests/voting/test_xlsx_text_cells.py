"""XLSX exports store user text as text: a motion title or a candidate's name that looks like a formula comes
back from the file as a plain string (config.spreadsheets.xlsx_put), never as a formula."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from config.spreadsheets import xlsx_put
from tests.voting.conftest import close, open_assembly
from tests.voting.views.helpers import browser
from voting.services.assemblies import MotionSpec, assembly_publish
from voting.services.ballots import ballot_cast
from voting.services.tally import assembly_tally

HYPERLINK = '=HYPERLINK("http://x","y")'
SUM = "@SUM(1)"


def _reopened(wb: Workbook):
    buffer = io.BytesIO()
    wb.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue())).active


@pytest.mark.parametrize("text", [HYPERLINK, SUM, "+1+1", "-1-1", "\t=1+1", "\r=1+1", "=1+1"])
def test_text_that_looks_like_a_formula_is_stored_as_quoted_text(text: str):
    # given
    wb = Workbook()

    # when
    xlsx_put(wb.active, row=1, column=1, value=text)
    cell = _reopened(wb)["A1"]

    # then (XML reads a carriage return back as a line feed)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text.replace("\r", "\n"), "s", True)


@pytest.mark.parametrize(("value", "data_type"), [("选聘物业服务企业", "s"), (7, "n"), (1.5, "n")])
def test_other_values_keep_their_type(value, data_type: str):
    # given
    wb = Workbook()

    # when
    xlsx_put(wb.active, row=1, column=1, value=value)
    cell = _reopened(wb)["A1"]

    # then
    assert (cell.value, cell.data_type, cell.quotePrefix) == (value, data_type, False)


def test_the_certificate_keeps_formula_like_titles_and_names_as_text(electorate):
    # given: a motion titled like a formula and an election whose candidates are named like formulas
    e = electorate(["100.00"] * 3)
    a = open_assembly(
        e,
        [
            MotionSpec(title=HYPERLINK, category=4),
            MotionSpec(title="选举业主委员会委员", category=3, seats=1, candidates=(SUM, "-2+3")),
        ],
    )
    matter, election = a.motions.order_by("position")
    choices = {
        str(matter.pk): "for",
        str(election.pk): {str(c.pk): "for" for c in election.candidates.all()},
    }
    for user in e.owners:
        ballot_cast(actor=user, assembly=a, choices=choices)
    close(e, a)
    assembly_tally(assembly=a)
    assembly_publish(actor=e.official, assembly=a)

    # when
    response = browser(e.owners[0]).get(f"/voting/{a.pk}/certificate.xlsx")
    ws = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in ws.iter_rows() for cell in row if cell.value is not None]

    # then: no formula anywhere; each user string is back as a plain, quote-prefixed string
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    for text in (HYPERLINK, SUM, "-2+3"):
        found = [c for c in cells if c.value == text]
        assert found, text
        assert {(c.data_type, c.quotePrefix) for c in found} == {("s", True)}
    assert all(isinstance(c.value, str) for c in cells if c.data_type == "s")
