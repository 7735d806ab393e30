"""Civil Code art. 278 arithmetic, exact: cross-multiplication on Decimal areas and integer heads.

"以上" includes the bound (art. 1259): exactly 2/3 or 3/4 passes; "过半数" is strict: exactly 1/2 fails.
Displayed percentages are rounded down, never up.
"""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

ADOPTED, REJECTED, QUORUM_NOT_MET = "adopted", "rejected", "quorum_not_met"


@dataclass(frozen=True)
class Count:
    """Participation and votes on one matter: area (m², Decimal) and heads (subjects)."""

    area_total: Decimal
    heads_total: int
    area_for: Decimal = Decimal("0")
    area_against: Decimal = Decimal("0")
    area_abstain: Decimal = Decimal("0")
    heads_for: int = 0
    heads_against: int = 0
    heads_abstain: int = 0

    @property
    def area_participating(self) -> Decimal:
        return self.area_for + self.area_against + self.area_abstain

    @property
    def heads_participating(self) -> int:
        return self.heads_for + self.heads_against + self.heads_abstain


def quorum_met(c: Count) -> bool:
    """A_part ≥ 2/3 A_total and N_part ≥ 2/3 N_total (bound included)."""
    return c.area_participating * 3 >= c.area_total * 2 and c.heads_participating * 3 >= c.heads_total * 2


def approved(c: Count, *, major: bool) -> bool:
    """Major (items 6–8): for ≥ 3/4 of participants on both; ordinary: for > 1/2 of participants on both."""
    if major:
        return c.area_for * 4 >= c.area_participating * 3 and c.heads_for * 4 >= c.heads_participating * 3
    return c.area_for * 2 > c.area_participating and c.heads_for * 2 > c.heads_participating


def outcome(c: Count, *, major: bool) -> str:
    """`quorum_not_met`, `rejected` or `adopted`."""
    if not quorum_met(c):
        return QUORUM_NOT_MET
    return ADOPTED if approved(c, major=major) else REJECTED


def percent_down(part: Decimal | int, whole: Decimal | int) -> str:
    """part/whole as a percentage with two decimals, rounded down (66.666…% shows as 66.66%)."""
    if not whole:
        return "0.00%"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return f"{value}%"


def inequalities(c: Count, *, major: bool) -> list[dict[str, object]]:
    """Every inequality checked for a matter, stated with its numbers (for the certificate)."""
    rows = [
        (
            "quorum_area",
            f"{c.area_participating} × 3 ≥ {c.area_total} × 2",
            c.area_participating * 3 >= c.area_total * 2,
        ),
        (
            "quorum_heads",
            f"{c.heads_participating} × 3 ≥ {c.heads_total} × 2",
            c.heads_participating * 3 >= c.heads_total * 2,
        ),
    ]
    if major:
        rows += [
            (
                "approval_area",
                f"{c.area_for} × 4 ≥ {c.area_participating} × 3",
                c.area_for * 4 >= c.area_participating * 3,
            ),
            (
                "approval_heads",
                f"{c.heads_for} × 4 ≥ {c.heads_participating} × 3",
                c.heads_for * 4 >= c.heads_participating * 3,
            ),
        ]
    else:
        rows += [
            (
                "approval_area",
                f"{c.area_for} × 2 > {c.area_participating}",
                c.area_for * 2 > c.area_participating,
            ),
            (
                "approval_heads",
                f"{c.heads_for} × 2 > {c.heads_participating}",
                c.heads_for * 2 > c.heads_participating,
            ),
        ]
    return [{"name": name, "expression": text, "holds": bool(holds)} for name, text, holds in rows]
