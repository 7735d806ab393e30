"""The money rules of api.md, each refusal with its code and the field or line that breaks it, worked on api.md's
example: income 3000.00 + 5200.00 = 8200.00, expense 800.00, net 7400.00 split 70/30 → owners 5180.00, firm
2220.00; closing 12000.00 + 5180.00 − 0.00 = 17180.00."""

from decimal import Decimal

import pytest

from config.errors import ApplicationError
from disclosure.labels import Status
from disclosure.models import Disclosure, StatementLine
from disclosure.services.records import disclosure_create, disclosure_publish
from tests.disclosure.conftest import content_of, statement


def _create(world, payload, *, actor=None):
    return disclosure_create(
        actor=actor or world.firm_a,
        compound=world.compound_a,
        kind=payload["kind"],
        period=payload["period"],
        data=content_of(payload),
    )


def _refused(world, payload) -> ApplicationError:
    with pytest.raises(ApplicationError) as e:
        _create(world, payload)
    assert Disclosure.objects.count() == 0
    assert StatementLine.objects.count() == 0
    return e.value


def test_the_worked_example_is_accepted_with_its_lines_as_rows(dworld):
    # when
    d = _create(dworld, statement())
    # then
    assert d.status == Status.DRAFT
    assert d.opening_balance == Decimal("12000.00")
    assert d.closing_balance == Decimal("17180.00")
    assert d.content["owners_share"] == "5180.00"
    assert d.content["totals"] == {"income": "8200.00", "expense": "800.00"}
    rows = list(
        StatementLine.objects.filter(disclosure=d).values_list("position", "direction", "category", "amount")
    )
    assert rows == [
        (1, "income", "advertising", Decimal("3000.00")),
        (2, "income", "parking", Decimal("5200.00")),
        (3, "expense", "other", Decimal("800.00")),
    ]


def test_income_total_not_the_sum_of_its_lines_is_totals_mismatch(dworld):
    # given: 3000 + 5200 = 8200, but 8100 is stated
    e = _refused(dworld, statement(income="8100.00"))
    # then
    assert e.code == "totals_mismatch"
    assert e.extra["field"] == "totals.income"
    assert e.extra["expected"] == "8200.00"
    assert e.extra["given"] == "8100.00"
    assert e.extra["lines"] == ["lines[0]", "lines[1]"]


def test_expense_total_not_the_sum_of_its_lines_is_totals_mismatch(dworld):
    e = _refused(dworld, statement(expense="900.00"))
    assert (e.code, e.extra["field"], e.extra["expected"], e.extra["lines"]) == (
        "totals_mismatch",
        "totals.expense",
        "800.00",
        ["lines[2]"],
    )


def test_shares_not_adding_up_to_the_net_is_share_mismatch(dworld):
    # given: 5180 + 2200 = 7380 ≠ 8200 − 800 = 7400
    e = _refused(dworld, statement(firm="2200.00"))
    assert e.code == "share_mismatch"
    assert e.extra["field"] == "owners_share"
    assert e.extra["expected"] == "7400.00"
    assert e.extra["given"] == "7380.00"


def test_closing_not_opening_plus_share_minus_transfer_is_balance_mismatch(dworld):
    # given: 12000 + 5180 − 1000 = 16180, but 17180 is stated
    e = _refused(dworld, statement(to_fund="1000.00"))
    assert e.code == "balance_mismatch"
    assert e.extra == {"field": "closing_balance", "expected": "16180.00", "given": "17180.00"}


def test_a_transfer_to_the_maintenance_fund_is_taken_from_the_closing(dworld):
    d = _create(dworld, statement(to_fund="1000.00", closing="16180.00"))
    assert d.closing_balance == Decimal("16180.00")
    assert d.content["to_maintenance_fund"] == "1000.00"


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("-5.00", "lines[1].amount"),
        ("5200.001", "lines[1].amount"),
        ("5,200.00", "lines[1].amount"),
        (5200, "lines[1].amount"),
        ("abc", "lines[1].amount"),
    ],
)
def test_an_amount_negative_with_three_places_or_not_a_string_is_invalid_amount(dworld, value, field):
    payload = statement()
    payload["lines"][1]["amount"] = value
    e = _refused(dworld, payload)
    assert e.code == "invalid_amount"
    assert e.extra["field"] == field


def test_an_invalid_opening_balance_names_the_field(dworld):
    e = _refused(dworld, statement(opening="12000.5.0"))
    assert (e.code, e.extra["field"]) == ("invalid_amount", "opening_balance")


def test_one_decimal_place_is_accepted_and_stored_with_two(dworld):
    payload = statement(income="8200.0")
    payload["lines"][0]["amount"] = "3000"
    d = _create(dworld, payload)
    assert d.content["lines"][0]["amount"] == "3000.00"
    assert d.content["totals"]["income"] == "8200.00"


def test_an_unknown_category_is_invalid_with_its_line(dworld):
    payload = statement()
    payload["lines"][2]["category"] = "lottery"
    e = _refused(dworld, payload)
    assert e.code == "invalid"
    assert e.extra["field"] == "lines[2].category"


def test_the_first_statement_of_a_compound_rolls_from_nothing(dworld):
    # given: no published statement; any opening is accepted
    d = _create(dworld, statement(opening="0.00", closing="5180.00"))
    assert d.opening_balance == Decimal("0.00")


def test_next_month_must_open_with_the_last_published_closing(dworld):
    # given: October published, closing 17180.00
    october = _create(dworld, statement())
    disclosure_publish(actor=dworld.firm_a, disclosure=october)
    # when: November opens at 17000.00
    november = statement(period="2026-11", opening="17000.00", closing="22180.00")
    with pytest.raises(ApplicationError) as e:
        _create(dworld, november)
    # then
    assert e.value.code == "not_rolled_forward"
    assert e.value.extra["field"] == "opening_balance"
    assert e.value.extra["expected"] == "17180.00"
    assert e.value.extra["previous"] == {"id": october.pk, "period": "2026-10"}
    assert Disclosure.objects.count() == 1
    # and: opening at 17180.00 → closing 17180 + 5180 = 22360.00
    ok = _create(dworld, statement(period="2026-11", opening="17180.00", closing="22360.00"))
    assert ok.closing_balance == Decimal("22360.00")


def test_a_draft_of_the_previous_month_does_not_count_for_the_roll_forward(dworld):
    # given: October only drafted
    _create(dworld, statement())
    # when: November opens at anything
    d = _create(dworld, statement(period="2026-11", opening="1.00", closing="5181.00"))
    # then
    assert d.opening_balance == Decimal("1.00")


def test_publishing_checks_the_roll_forward_again(dworld):
    # given: November drafted before October was published, opening 1.00
    october = _create(dworld, statement())
    november = _create(dworld, statement(period="2026-11", opening="1.00", closing="5181.00"))
    disclosure_publish(actor=dworld.firm_a, disclosure=october)
    # when
    with pytest.raises(ApplicationError) as e:
        disclosure_publish(actor=dworld.firm_a, disclosure=november)
    # then
    assert e.value.code == "not_rolled_forward"
    november.refresh_from_db()
    assert november.status == Status.DRAFT
    assert november.published_at is None


def test_another_compounds_statements_do_not_count_for_the_roll_forward(dworld):
    b = disclosure_create(
        actor=dworld.firm_b,
        compound=dworld.compound_b,
        kind="operating_statement",
        period="2026-10",
        data=content_of(statement(opening="0.00", closing="5180.00")),
    )
    disclosure_publish(actor=dworld.firm_b, disclosure=b)
    d = _create(dworld, statement(period="2026-11"))
    assert d.opening_balance == Decimal("12000.00")


def test_a_month_in_the_future_is_refused(dworld):
    e = _refused(dworld, statement(period="2099-01"))
    assert (e.code, e.extra["field"]) == ("invalid", "period")


def test_a_statement_needs_its_month(dworld):
    e = _refused(dworld, statement(period=""))
    assert (e.code, e.extra["field"]) == ("invalid", "period")


# ---------------------------------------------------------------------------------------------- fee standards


def _fees(price: str, grade: str = "一级", **extra) -> dict:
    item = {
        "use": "residential",
        "grade": grade,
        "price": price,
        "includes": "含电梯运行费、公共区域电费",
        "effective_from": "2026-01-01",
        "basis": "contract",
    } | extra
    return {"compound": "QD-370212-0001", "kind": "fee_standard", "period": "", "items": [item]}


def test_a_fee_at_the_cap_is_accepted(dworld):
    d = _create(dworld, _fees("2.80"))
    assert d.content["items"][0]["price"] == "2.80"


def test_a_fee_above_the_cap_for_its_grade_is_above_cap(dworld):
    # given: 二级 is capped at 2.20
    e = _refused(dworld, _fees("2.50", grade="二级"))
    # then
    assert e.code == "above_cap"
    assert e.extra == {
        "field": "items[0].price",
        "cap": "2.20",
        "given": "2.50",
        "use": "residential",
        "grade": "二级",
    }


def test_the_cap_is_data_read_when_checked(dworld):
    from disclosure.models import FeeCap

    FeeCap.objects.filter(use="residential", grade="二级").update(cap=Decimal("2.60"))
    d = _create(dworld, _fees("2.50", grade="二级"))
    assert d.content["items"][0]["grade"] == "二级"


def test_a_fee_adopted_by_the_assembly_must_name_an_existing_motion_of_the_compound(dworld):
    e = _refused(dworld, _fees("2.00", basis="assembly"))
    assert (e.code, e.extra["field"]) == ("invalid", "items[0].motion")
    e = _refused(dworld, _fees("2.00", basis="assembly", motion=999999))
    assert (e.code, e.extra["field"]) == ("unknown_motion", "items[0].motion")


# ---------------------------------------------------------------------------------------------- maintenance fund


def _fund(**over) -> dict:
    body = {
        "compound": "QD-370212-0001",
        "kind": "maintenance_fund",
        "period": "2026-10",
        "opening_balance": "500000.00",
        "movements": [
            {"kind": "deposit", "amount": "20000.00", "summary": "新交房缴存"},
            {"kind": "interest", "amount": "1250.50", "summary": "季度利息"},
            {
                "kind": "use",
                "amount": "8000.00",
                "summary": "5号楼电梯应急维修",
                "emergency": True,
                "approvals": {"committee": True, "street": True},
            },
        ],
        "totals": {"deposits": "20000.00", "interest": "1250.50", "uses": "8000.00"},
        "closing_balance": "513250.50",
    }
    return body | over


def test_the_fund_account_balances_opening_plus_deposits_and_interest_minus_uses(dworld):
    # 500000.00 + 20000.00 + 1250.50 − 8000.00 = 513250.50
    d = _create(dworld, _fund())
    assert d.closing_balance == Decimal("513250.50")


def test_a_fund_closing_that_does_not_balance_is_balance_mismatch(dworld):
    e = _refused(dworld, _fund(closing_balance="513000.00"))
    assert e.code == "balance_mismatch"
    assert e.extra["expected"] == "513250.50"


def test_a_fund_use_without_a_motion_or_emergency_approvals_is_refused(dworld):
    payload = _fund()
    payload["movements"][2] = {"kind": "use", "amount": "8000.00", "summary": "外墙修缮"}
    e = _refused(dworld, payload)
    assert (e.code, e.extra["field"]) == ("use_not_approved", "movements[2]")
