"""The disclosure world: tests.conftest's world (逸景公馆 QD-370212-0001 served by firm_a, alice and bob owning
there; 海韵小区 QD-370212-0002 served by firm_b, carol owning there), with bob director of 逸景公馆's owners'
committee, and api.md's worked operating statement for October 2026."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from disclosure.models import FeeCap
from registry.models import CommitteeMember, Owner, OwnersCommittee

COMPOUND_A = "QD-370212-0001"
COMPOUND_B = "QD-370212-0002"


@pytest.fixture(autouse=True)
def _seeded(migration_data):
    """Complaint categories (objections file complaints) whatever an earlier transactional test flushed."""


@pytest.fixture
def dworld(world):
    today = timezone.localdate()
    committee = OwnersCommittee.objects.create(
        compound=world.compound_a,
        term_starts_on=today - dt.timedelta(days=100),
        term_ends_on=today + dt.timedelta(days=900),
    )
    CommitteeMember.objects.create(
        committee=committee, owner=Owner.objects.get(user=world.bob), role=CommitteeMember.Role.DIRECTOR
    )
    FeeCap.objects.update_or_create(use="residential", grade="一级", defaults={"cap": Decimal("2.80")})
    FeeCap.objects.update_or_create(use="residential", grade="二级", defaults={"cap": Decimal("2.20")})
    return world


def statement(
    *,
    period: str = "2026-10",
    opening: str = "12000.00",
    lines: list[tuple[str, str, str, str]] | None = None,
    income: str = "8200.00",
    expense: str = "800.00",
    owners: str = "5180.00",
    firm: str = "2220.00",
    to_fund: str = "0.00",
    closing: str = "17180.00",
    compound: str = COMPOUND_A,
) -> dict:
    """api.md's example (3000 + 5200 income, 800 expense, 70/30 → 5180/2220, closing 17180), field by field."""
    if lines is None:
        lines = [
            ("income", "advertising", "3000.00", "电梯广告 10月"),
            ("income", "parking", "5200.00", "地面临时停车"),
            ("expense", "other", "800.00", "广告位维护"),
        ]
    return {
        "compound": compound,
        "kind": "operating_statement",
        "period": period,
        "opening_balance": opening,
        "lines": [{"direction": d, "category": c, "amount": a, "summary": s} for d, c, a, s in lines],
        "totals": {"income": income, "expense": expense},
        "owners_share": owners,
        "firm_share": firm,
        "to_maintenance_fund": to_fund,
        "closing_balance": closing,
    }


def content_of(payload: dict) -> dict:
    """The record's content: the payload without its envelope."""
    return {k: v for k, v in payload.items() if k not in ("compound", "kind", "period", "reason")}
