"""Permission-scoped reads of disclosure records: a compound's records by kind and month, one record, the
version chain, the last published balance, and income and expense by month and category (SQL over lines)."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404

from disclosure.labels import Status
from disclosure.models import Cosign, Disclosure, FeeCap, StatementLine
from disclosure.permissions import disclosure_visible_q
from registry.models import Compound, Unit, User


def _with_related(qs: QuerySet[Disclosure]) -> QuerySet[Disclosure]:
    return qs.select_related("compound", "firm", "author").prefetch_related(
        "lines",
        Prefetch("cosigns", queryset=Cosign.objects.order_by("at")),
        Prefetch(
            "corrections", queryset=Disclosure.objects.exclude(status=Status.DRAFT).only("pk", "supersedes")
        ),
    )


def disclosure_list_for_compound(
    *, user: User, compound: Compound, kind: str = "", period: str = ""
) -> QuerySet[Disclosure]:
    """The records of a compound `user` may see (published, superseded, drafts per permissions), newest month
    and version first; filters `kind` and `period`."""
    qs = Disclosure.objects.filter(disclosure_visible_q(user=user), compound=compound)
    if kind:
        qs = qs.filter(kind=kind)
    if period:
        qs = qs.filter(period=period)
    return _with_related(qs).order_by("kind", "-period", "-pk")


def disclosure_get_visible(*, user: User, disclosure_id: int) -> Disclosure:
    """One record `user` may see, or Http404 (missing and not visible are the same)."""
    found = _with_related(
        Disclosure.objects.filter(disclosure_visible_q(user=user), pk=disclosure_id)
    ).first()
    if found is None:
        raise Http404(disclosure_id)
    return found


def disclosure_versions(*, user: User, disclosure: Disclosure) -> list[Disclosure]:
    """The record's chain of versions visible to `user`, oldest first (what it supersedes and what corrects it)."""
    visible = Disclosure.objects.filter(disclosure_visible_q(user=user))
    chain = [disclosure]
    current = disclosure
    while current.supersedes_id is not None:
        current = visible.filter(pk=current.supersedes_id).first()
        if current is None:
            break
        chain.insert(0, current)
    current = disclosure
    while True:
        nxt = visible.filter(supersedes_id=current.pk).exclude(status=Status.DRAFT).first()
        if nxt is None:
            break
        chain.append(nxt)
        current = nxt
    return chain


def previous_published(
    *, compound_id: int, kind: str, period: str, exclude_id: int | None = None
) -> Disclosure | None:
    """The compound's published record of that kind for the latest month before `period` (what this one rolls
    forward from); None for the compound's first."""
    qs = Disclosure.objects.filter(
        compound_id=compound_id, kind=kind, status=Status.PUBLISHED, period__lt=period
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.order_by("-period", "-pk").first()


def fee_cap_for(*, use: str, grade: str) -> FeeCap | None:
    """The guidance cap of a use and grade, if the city set one."""
    return FeeCap.objects.filter(use=use, grade=grade).first()


def operating_by_month(*, compound: Compound, first: str = "", last: str = "") -> dict[str, Any]:
    """Income and expense of the compound's published operating statements by month and category (one query):
    {"months": [...], "income": {category: [amount per month]}, "expense": {...}} with Decimals."""
    rows = StatementLine.objects.filter(
        disclosure__compound=compound,
        disclosure__kind="operating_statement",
        disclosure__status=Status.PUBLISHED,
    )
    if first:
        rows = rows.filter(disclosure__period__gte=first)
    if last:
        rows = rows.filter(disclosure__period__lte=last)
    totals = rows.values("disclosure__period", "direction", "category").annotate(total=Sum("amount"))
    months = sorted({r["disclosure__period"] for r in totals})
    out: dict[str, dict[str, list[Decimal]]] = {"income": defaultdict(list), "expense": defaultdict(list)}
    index = {m: i for i, m in enumerate(months)}
    for r in totals:
        series = out[r["direction"]].setdefault(r["category"], [Decimal("0.00")] * len(months))
        series[index[r["disclosure__period"]]] += r["total"]
    return {"months": months, "income": dict(out["income"]), "expense": dict(out["expense"])}


@dataclass(frozen=True)
class UnitShare:
    """An owner's unit and its share of the maintenance fund: area / compound area × balance."""

    unit_number: str
    room: str
    area: Decimal
    share: Decimal


def fund_latest(*, compound: Compound) -> Disclosure | None:
    """The compound's latest published maintenance-fund account."""
    return (
        Disclosure.objects.filter(compound=compound, kind="maintenance_fund", status=Status.PUBLISHED)
        .order_by("-period", "-pk")
        .first()
    )


def fund_shares_of(*, user: User, compound: Compound, fund: Disclosure | None) -> list[UnitShare]:
    """The user's own units in the compound with their share of the fund's closing balance (unit area / the
    compound's total area, rounded half up to the fen); empty without a published account or an area."""
    from django.db.models.functions import Coalesce

    from registry.permissions import jurisdiction
    from registry.selectors import compound_stats

    owned = jurisdiction(user).owned_units
    if fund is None or fund.closing_balance is None or not owned:
        return []
    total = compound_stats(compound=compound).area_total
    if not total:
        return []
    area = Coalesce("registered_area", "surveyed_area", "contract_area")
    units = (
        Unit.objects.filter(compound=compound, pk__in=sorted(owned)).annotate(a=area).order_by("unit_number")
    )
    return [
        UnitShare(
            unit_number=u.unit_number,
            room=u.room,
            area=u.a,
            share=(u.a * fund.closing_balance / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        )
        for u in units
        if u.a is not None
    ]
