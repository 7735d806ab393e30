"""Reads behind the owners' voting pages: the owner's assemblies, where the owner stands on a ballot, and the
owner's own ballot shaped for display. Never another owner's choices, never partial results.

Ballot secrecy: an owner's own choices are read only through `voting.selectors.my_ballot` (the counted ballots
of the subjects the owner votes for, or that the account itself submitted) and shown only to that account —
on "my ballot" and, when the assembly allows revote, as the ticks the revote form starts from."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value

from registry.models import User
from registry.permissions import ROLE_FIRM, ROLE_OWNER, roles
from voting.labels import CHOICE_LABELS
from voting.models import Assembly, CountedBallot, Motion, RollPart
from voting.selectors import assembly_list_visible_to, my_ballot, voter_standing

LIVE_STATES = (Assembly.Status.ANNOUNCED, Assembly.Status.OPEN)


def owner_assembly_list(*, user: User) -> QuerySet[Assembly]:
    """Assemblies of the compounds the user may see, without drafts, each annotated with `voted` (whether the
    user's counted ballot is in)."""
    qs = assembly_list_visible_to(user=user).exclude(status=Assembly.Status.DRAFT)
    owner = getattr(user, "owner", None)
    if owner is None:
        return qs.annotate(voted=Value(False, output_field=BooleanField()))
    mine = CountedBallot.objects.filter(assembly=OuterRef("pk")).filter(
        Q(subject__voter=owner) | Q(submission__submitted_by=user)
    )
    return qs.annotate(voted=Exists(mine))


def owner_assemblies_for_home(*, user: User, limit: int = 5) -> list[Assembly]:
    """The few assemblies worth a line on "my home": announced or open first, then the most recent."""
    rows = list(owner_assembly_list(user=user)[: limit * 4])
    rows.sort(key=lambda a: (a.status not in LIVE_STATES,))  # stable: keeps newest-first within each group
    return rows[:limit]


@dataclass
class BallotStanding:
    """Where the user stands on an assembly's ballot, checked before showing the form (the service decides)."""

    code: str | None  # the refusal the service would give now, or None
    voted: bool
    message: str = ""  # its words, as the service would say them
    parts: list[dict[str, Any]] = field(default_factory=list)
    firm_staff: bool = False  # not on the roll because the account is the firm's staff (and no owner)


def ballot_standing(*, user: User, assembly: Assembly) -> BallotStanding:
    """Where the user stands before the form is shown: the refusal the ballot service would give now
    (`voting.selectors.voter_standing`, the same rule) or None, whether the user has a counted ballot, and
    the roll parts the user would vote for."""
    standing = voter_standing(assembly=assembly, user=user, check_voted=True)
    parts = list(
        RollPart.objects.filter(subject__in=standing.subjects)
        .order_by("sort_key")
        .values("label", "area", "unit_number")
    )
    refusal = standing.refusal
    code = refusal.code if refusal is not None else None
    user_roles = roles(user) if code == "not_on_roll" else set()
    return BallotStanding(
        code=code,
        message=refusal.message if refusal is not None else "",
        voted=standing.voted,
        parts=parts,
        firm_staff=ROLE_FIRM in user_roles and ROLE_OWNER not in user_roles,
    )


def roll_places(*, assembly: Assembly, unit_numbers: list[str]) -> list[dict[str, Any]]:
    """Building, room and area of the given units on the assembly's roll (for the confirmation page)."""
    return list(
        RollPart.objects.filter(assembly=assembly, unit_number__in=unit_numbers)
        .order_by("sort_key")
        .values("label", "area", "unit_number")
    )


def ballot_lines(*, motions: list[Motion], choices: dict[str, Any]) -> list[dict[str, Any]]:
    """Each motion with the choice made on it and its label (elections: per candidate), in agenda order —
    for the owner's own eyes only (the confirmation page, "my ballot")."""
    lines: list[dict[str, Any]] = []
    for m in motions:
        value = choices.get(str(m.pk))
        if m.kind == Motion.Kind.ELECTION:
            picked = value if isinstance(value, dict) else {}
            lines.append(
                {
                    "motion": m,
                    "candidates": [
                        {
                            "name": c.name,
                            "choice": picked.get(str(c.pk)),
                            "label": CHOICE_LABELS.get(picked.get(str(c.pk)), ""),
                        }
                        for c in m.candidates.all()
                    ],
                }
            )
        else:
            lines.append({"motion": m, "choice": value, "label": CHOICE_LABELS.get(value, "")})
    return lines


def my_ballot_display(*, user: User, assembly: Assembly, motions: list[Motion]) -> list[dict[str, Any]]:
    """The user's own counted ballots (voting.selectors.my_ballot) with each choice next to its motion."""
    ballots = my_ballot(user=user, assembly=assembly)
    numbers = [n for b in ballots for n in b["units"]]
    places = {p["unit_number"]: p for p in roll_places(assembly=assembly, unit_numbers=numbers)}
    return [
        {
            **ballot,
            "lines": ballot_lines(motions=motions, choices=ballot["choices"]),
            "places": [places[n] for n in ballot["units"] if n in places],
        }
        for ballot in ballots
    ]


def my_latest_choices(*, user: User, assembly: Assembly) -> dict[str, Any]:
    """The choices of the user's own most recent counted ballot (the revote form starts from them), or {}."""
    ballots = my_ballot(user=user, assembly=assembly)
    if not ballots:
        return {}
    return max(ballots, key=lambda b: b["cast_at"])["choices"]
