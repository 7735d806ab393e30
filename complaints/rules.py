"""The case workflow of complaints.md as data: which state may follow which, and which role may move it.

Roles are relative to the case: `complainant`; `handler` — whoever holds its current tier (the firm serving
the compound for 管家, the compound's owners' committee, the street office); `reviewer` — checks a result
before the complainant sees it (the street office; the committee too while the firm handles the case);
`supervisor` — the street office over the compound, who may act for any tier. Who holds a role is decided in
complaints.permissions; this table only says which roles a move needs.
"""

from dataclasses import dataclass

from complaints.labels import TIER_ORDER, Tier
from complaints.labels import Status as S


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    roles: frozenset[str]
    needs_note: bool = False  # a reason is required (rejections, bounces, sending a result back)


def _m(sources: set[str], roles: set[str], needs_note: bool = False) -> Move:
    return Move(frozenset(sources), frozenset(roles), needs_note)


HANDLERS = {"handler", "supervisor"}

# target state → the move that reaches it
MOVES: dict[str, Move] = {
    S.ACCEPTED: _m({S.SUBMITTED}, HANDLERS),
    S.DISPATCHED: _m({S.ACCEPTED, S.RETURNED}, HANDLERS),
    S.IN_PROGRESS: _m({S.DISPATCHED, S.WAITING}, HANDLERS | {"complainant"}),
    S.WAITING: _m({S.IN_PROGRESS}, HANDLERS, needs_note=True),
    S.RETURNED: _m({S.ACCEPTED, S.DISPATCHED}, HANDLERS, needs_note=True),
    S.RESOLVED: _m({S.IN_PROGRESS}, HANDLERS, needs_note=True),
    S.VERIFIED: _m({S.RESOLVED}, {"reviewer", "supervisor"}),
    S.REJECTED: _m({S.SUBMITTED, S.ACCEPTED}, HANDLERS, needs_note=True),
    S.MERGED: _m({S.SUBMITTED, S.ACCEPTED}, HANDLERS),
    S.CANCELLED: _m(
        {S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, S.RETURNED, S.IN_PROGRESS, S.WAITING}, {"complainant"}
    ),
}
# Moves back along the way, which the table above cannot key by target alone.
SEND_BACK = _m({S.RESOLVED}, {"reviewer", "supervisor"}, needs_note=True)  # resolved → in_progress
REWORK = _m({S.CLOSED}, {"complainant"}, needs_note=True)  # closed → in_progress, round + 1
APPEAL = _m({S.REJECTED}, {"complainant"}, needs_note=True)  # rejected → submitted, one tier up

# Only the complainant's `in_progress` from `waiting_complainant` is theirs (they answered); from
# `dispatched` it is the handler's.
COMPLAINANT_RESUMES_FROM = {S.WAITING}

BOUNCES_BEFORE_ESCALATION = 2


def move_for(*, source: str, target: str) -> Move | None:
    """The move from `source` to `target`, or None when the workflow has no such step."""
    if target == S.IN_PROGRESS and source == S.RESOLVED:
        return SEND_BACK
    if target == S.IN_PROGRESS and source == S.CLOSED:
        return REWORK
    if target == S.SUBMITTED and source == S.REJECTED:
        return APPEAL
    move = MOVES.get(target)
    return move if move is not None and source in move.sources else None


def roles_allowed(*, move: Move, source: str, roles: set[str]) -> frozenset[str]:
    """The roles among `roles` that may make `move` from `source` (empty: refused). The complainant's
    `in_progress` counts only when they answer from `waiting_complainant`."""
    allowed = move.roles & roles
    if move is MOVES[S.IN_PROGRESS] and source not in COMPLAINANT_RESUMES_FROM:
        allowed = allowed - {"complainant"}
    return allowed


def tier_above(tier: str) -> str:
    """The next tier up (the street office is the top)."""
    i = TIER_ORDER.index(Tier(tier))
    return TIER_ORDER[min(i + 1, len(TIER_ORDER) - 1)]


def at_least(tier: str, floor: str) -> str:
    """`tier`, raised to `floor` when it is below it (a tier is raised, never lowered)."""
    return tier if TIER_ORDER.index(Tier(tier)) >= TIER_ORDER.index(Tier(floor)) else floor
