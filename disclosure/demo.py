"""The demo's year of disclosures, seeded through the real services on a moving clock so that `scripts/run`
opens on full charts and rates: for the demo compounds with a serving firm (at most MAX_COMPOUNDS; each drafted
by its firm's demo account), twelve monthly
operating statements up to last month — most published a few days into the next month, some late (after the
due day), the month before last missing in one compound — and one statement corrected a few days after publication (the
months after it roll forward from the correction). The first compound also gets its fee standards (with the
guidance caps the demo city sets), service items, regulators and hotlines, and last month's maintenance-fund
account co-signed by its committee. A last pass of the overdue job at `now` flags what is missing.
Idempotent: nothing is done when the compounds already hold disclosures."""

import datetime as dt
import random
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from unittest import mock

from django.db import transaction
from django.utils import timezone

from complaints.figures import next_month, previous_month
from disclosure.content import money
from disclosure.figures import period_of
from disclosure.labels import Kind
from disclosure.models import Disclosure, FeeCap
from disclosure.services.deadlines import disclosure_flag_overdue
from disclosure.services.records import (
    disclosure_correct,
    disclosure_cosign,
    disclosure_create,
    disclosure_publish,
)
from registry.models import Compound, User

MONTHS = 12
MAX_COMPOUNDS = 6
OWNERS_PERCENT = Decimal("70")
CAPS = [("一级", "2.80"), ("二级", "2.20"), ("三级", "1.60"), ("四级", "1.20"), ("五级", "0.80")]

# category → (low, high) yuan per month, and what the line says
INCOME = {
    "advertising": (1800, 4200, "电梯轿厢及道闸广告"),
    "parking": (3500, 7200, "地面临时停车"),
    "venue_rental": (0, 1500, "会所及广场场地租赁"),
    "lockers": (150, 420, "快递柜场地使用费"),
    "charging_piles": (260, 980, "充电桩场地使用费"),
}
EXPENSE = {"other": (300, 900, "公共收益经营管理支出（广告位维护等）")}


def _at(month: dt.date, day: int, hour: int = 10) -> dt.datetime:
    following = next_month(month)
    return dt.datetime(following.year, following.month, day, hour, tzinfo=timezone.get_default_timezone())


def _lines(rng: random.Random, month: dt.date) -> list[dict[str, str]]:
    lines = []
    for table, direction in ((INCOME, "income"), (EXPENSE, "expense")):
        for category, (low, high, summary) in table.items():
            amount = Decimal(rng.randint(low * 100, high * 100)) / 100
            if amount:
                lines.append(
                    {
                        "direction": direction,
                        "category": category,
                        "amount": money(amount),
                        "summary": f"{summary} {month.month}月",
                    }
                )
    return lines


def statement_content(*, lines: list[dict[str, str]], opening: Decimal) -> dict[str, Any]:
    """A statement whose totals, 70/30 shares and closing follow from its lines and opening."""
    income = sum((Decimal(x["amount"]) for x in lines if x["direction"] == "income"), Decimal("0.00"))
    expense = sum((Decimal(x["amount"]) for x in lines if x["direction"] == "expense"), Decimal("0.00"))
    owners = ((income - expense) * OWNERS_PERCENT / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {
        "opening_balance": money(opening),
        "lines": lines,
        "totals": {"income": money(income), "expense": money(expense)},
        "owners_share": money(owners),
        "firm_share": money(income - expense - owners),
        "to_maintenance_fund": "0.00",
        "closing_balance": money(opening + owners),
    }


def _publish_at(
    actor: User,
    compound: Compound,
    kind: str,
    period: str,
    data: dict[str, Any],
    at: dt.datetime,
) -> Disclosure:
    with mock.patch("django.utils.timezone.now", return_value=at):
        d = disclosure_create(actor=actor, compound=compound, kind=kind, period=period, data=data)
        return disclosure_publish(actor=actor, disclosure=d, now=at)


def _the_rest(
    *, compound: Compound, firm: User, committee: User | None, last: dt.date, at: dt.datetime
) -> None:
    for grade, cap in CAPS:
        FeeCap.objects.get_or_create(use="residential", grade=grade, defaults={"cap": Decimal(cap)})
    FeeCap.objects.get_or_create(use="commercial", grade="一级", defaults={"cap": Decimal("4.50")})
    fees = {
        "items": [
            {
                "use": "residential",
                "grade": "二级",
                "price": "2.10",
                "includes": "含电梯运行费、公共区域电费",
                "effective_from": "2025-01-01",
                "basis": "contract",
            },
            {
                "use": "commercial",
                "grade": "一级",
                "price": "4.20",
                "includes": "含公共区域电费",
                "effective_from": "2025-01-01",
                "basis": "contract",
            },
        ]
    }
    service = {
        "items": [
            {"name": "公共区域保洁", "frequency": "每日两次", "standard": "楼道、电梯轿厢无垃圾、无积尘"},
            {"name": "秩序维护巡逻", "frequency": "24小时，每2小时一次", "standard": "巡更记录可查"},
            {"name": "绿化养护", "frequency": "每周", "standard": "修剪、浇灌、病虫害防治"},
            {"name": "电梯维保", "frequency": "每15日", "standard": "按 TSG T5002 维保"},
        ],
        "contacts": [
            {"role": "项目经理", "name": "王经理", "phone": "0532-88880001"},
            {"role": "管家", "name": "李管家", "phone": "0532-88880002"},
        ],
    }
    regulators = {
        "entries": [
            {
                "department": "街道办事处",
                "duties": "业主大会、业委会的指导监督，物业纠纷调处",
                "phone": "0532-12345",
            },
            {
                "department": "区住房和城乡建设局",
                "duties": "物业服务企业监管、维修资金监管",
                "phone": "0532-88990000",
            },
            {"department": "市场监督管理局", "duties": "物业收费价格监督", "phone": "12315"},
        ]
    }
    for kind, data in (
        (Kind.FEE_STANDARD, fees),
        (Kind.SERVICE_ITEMS, service),
        (Kind.REGULATORS, regulators),
    ):
        _publish_at(firm, compound, kind, "", data, at)
    fund = {
        "opening_balance": "1268000.00",
        "movements": [
            {"kind": "deposit", "amount": "36400.00", "summary": "新交付房屋首期缴存"},
            {"kind": "interest", "amount": "3170.00", "summary": "季度结息"},
            {
                "kind": "use",
                "amount": "18600.00",
                "summary": "5号楼电梯曳引机应急维修",
                "emergency": True,
                "approvals": {"committee": True, "street": True},
            },
        ],
        "totals": {"deposits": "36400.00", "interest": "3170.00", "uses": "18600.00"},
        "closing_balance": "1288970.00",
    }
    with mock.patch("django.utils.timezone.now", return_value=at):
        d = disclosure_create(
            actor=firm, compound=compound, kind=Kind.MAINTENANCE_FUND, period=period_of(last), data=fund
        )
        if committee is not None:
            disclosure_cosign(actor=committee, disclosure=d)
        disclosure_publish(actor=firm, disclosure=d, now=at)


def _actors(compounds: list[Compound], firm: User, password: str) -> dict[int, User]:
    """The account that drafts for each compound: the demo firm's, or a demo account of the compound's firm
    (firm_demo2, firm_demo3, … with the demo password)."""
    from registry.models import FirmStaff
    from registry.services.accounts import firm_user_create

    by_firm: dict[int, User] = {firm.firm_staff.firm_id: firm}
    for staff in FirmStaff.objects.filter(user__username__startswith="firm_demo").select_related("user"):
        by_firm.setdefault(staff.firm_id, staff.user)
    for compound in compounds:
        if compound.property_firm_id not in by_firm:
            username = f"firm_demo{len(by_firm) + 1}"
            by_firm[compound.property_firm_id] = firm_user_create(
                username=username, password=password, firm_uscc=compound.property_firm.uscc
            ).user
    return {c.pk: by_firm[c.property_firm_id] for c in compounds}


def demo_disclosure_seed(
    *,
    compounds: Sequence[Compound],
    now: dt.datetime,
    firm: User,
    committee: User | None,
    seed: int,
    password: str,
) -> int:
    """Seed a year of disclosures up to last month for (at most MAX_COMPOUNDS of) `compounds` with a serving
    firm, the first being the demo firm's (see the module); returns how many records were published (0 when
    they already hold disclosures)."""
    own = firm.firm_staff.firm_id
    served = [c for c in compounds if c.property_firm_id is not None]
    served = sorted(served, key=lambda c: c.property_firm_id != own)[:MAX_COMPOUNDS]  # the demo firm's first
    if not served or Disclosure.objects.filter(compound__in=served).exists():
        return 0
    actors = _actors(served, firm, password)
    rng = random.Random(f"disclosure:{seed}")  # noqa: S311 - a deterministic demo, not a secret
    this_month = timezone.localtime(now).date().replace(day=1)
    months = [this_month]
    for _ in range(MONTHS):
        months.insert(0, previous_month(months[0]))
    months = months[:-1]  # up to last month
    published = 0
    with transaction.atomic():
        for i, compound in enumerate(served):
            opening = Decimal(rng.randint(800_000, 2_400_000)) / 100
            for m, month in enumerate(months):
                if i == 1 and m == len(months) - 2:
                    continue  # one compound never published the month before last
                late = (i + m) % 5 == 3
                at = _at(month, rng.randint(18, 26) if late else rng.randint(3, 13))
                if at > now:
                    continue  # still within (or after) its month: not yet published
                data = statement_content(lines=_lines(rng, month), opening=opening)
                d = _publish_at(
                    actors[compound.pk], compound, Kind.OPERATING_STATEMENT, period_of(month), data, at
                )
                published += 1
                if i == 0 and m == len(months) - 3:
                    # a forgotten parking line, corrected three days later
                    lines = [
                        *data["lines"],
                        {
                            "direction": "income",
                            "category": "parking",
                            "amount": "860.00",
                            "summary": f"月租车位补记 {month.month}月",
                        },
                    ]
                    fixed = statement_content(lines=lines, opening=opening)
                    fix_at = at + dt.timedelta(days=3)
                    with mock.patch("django.utils.timezone.now", return_value=fix_at):
                        fix = disclosure_correct(
                            actor=actors[compound.pk],
                            disclosure=d,
                            reason="漏记月租车位收入 860.00 元",
                            data=fixed,
                        )
                        disclosure_publish(actor=actors[compound.pk], disclosure=fix, now=fix_at)
                    published += 1
                    data = fixed
                opening = Decimal(data["closing_balance"])
        _the_rest(
            compound=served[0],
            firm=actors[served[0].pk],
            committee=committee,
            last=months[-1],
            at=_at(months[-1], 5, 9),
        )
        published += 4
    for month in months[-2:]:
        disclosure_flag_overdue(now=now, period=period_of(month))
    return published
