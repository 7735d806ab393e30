"""Independent verification of an assembly (`manage.py verify_assembly ID`). Reads only.

Checks, and reports every discrepancy found:
1. the hash chain of the log (`audit_verify`);
2. the frozen roll: subject areas against their parts, the totals and the fingerprint;
3. every ballot submission: its receipt against its content, its time within the window, and a log entry for it;
4. the counted ballot of each subject, re-derived from the submissions by the revote policy (last before the
   close when revote is allowed, else the first);
5. the stored results, recomputed in Python from those re-derived ballots and the subjects' areas — on purpose
   without `assembly_tally` or `voting.rules`, so a fault in either shows up here as a discrepancy.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from voting.models import (
    Assembly,
    AuditEntry,
    BallotSubmission,
    CountedBallot,
    Motion,
    MotionResult,
    RollPart,
    VotingSubject,
)
from voting.services.audit import audit_verify
from voting.services.ballots import receipt_for

ZERO = Decimal("0.00")
CHOICES = ("for", "against", "abstain")
MAJOR = frozenset({6, 7, 8})
RESULT_STATES = (Assembly.Status.TALLIED, Assembly.Status.PUBLISHED)
FROZEN_STATES = (*RESULT_STATES, Assembly.Status.ANNOUNCED, Assembly.Status.OPEN, Assembly.Status.CLOSED)


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Tally:
    """Area and heads per choice (for one matter, or one candidate)."""

    area: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(CHOICES, ZERO))
    heads: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHOICES, 0))

    def add(self, choice: str, area: Decimal) -> None:
        self.area[choice] += area
        self.heads[choice] += 1

    @property
    def area_part(self) -> Decimal:
        return sum(self.area.values(), ZERO)

    @property
    def heads_part(self) -> int:
        return sum(self.heads.values())


def _outcome(t: _Tally, *, area_total: Decimal, heads_total: int, major: bool) -> str:
    # Civil Code art. 278 restated here (not imported) so the check does not share a fault with the tally.
    if not (t.area_part * 3 >= area_total * 2 and t.heads_part * 3 >= heads_total * 2):
        return "quorum_not_met"
    if major:
        passed = t.area["for"] * 4 >= t.area_part * 3 and t.heads["for"] * 4 >= t.heads_part * 3
    else:
        passed = t.area["for"] * 2 > t.area_part and t.heads["for"] * 2 > t.heads_part
    return "adopted" if passed else "rejected"


def _area_dict(t: _Tally) -> dict[str, str]:
    return {
        "participating": f"{t.area_part:.2f}",
        "for": f"{t.area['for']:.2f}",
        "against": f"{t.area['against']:.2f}",
        "abstain": f"{t.area['abstain']:.2f}",
    }


def _heads_dict(t: _Tally) -> dict[str, int]:
    return {"participating": t.heads_part, **t.heads}


def _check_roll(a: Assembly, subjects: list[VotingSubject], parts: list[RollPart], out: Verification) -> None:
    by_subject: dict[int, list[RollPart]] = defaultdict(list)
    for p in parts:
        by_subject[p.subject_id].append(p)
    for s in subjects:
        summed = sum((p.area for p in by_subject.get(s.pk, [])), ZERO)
        if summed != s.area:
            out.problems.append(f"roll: subject {s.key} has area {s.area}, its parts sum to {summed}")
    area_total = sum((s.area for s in subjects), ZERO)
    if (a.area_total, a.heads_total, a.parts_total) != (area_total, len(subjects), len(parts)):
        out.problems.append(
            f"roll: stored totals A_total={a.area_total} N_total={a.heads_total} parts={a.parts_total}, "
            f"the roll has A_total={area_total} N_total={len(subjects)} parts={len(parts)}"
        )
    keys = {s.pk: s.key for s in subjects}
    digest = hashlib.sha256()
    digest.update(
        f"assembly={a.pk};compound={a.compound.code};parking_in_area={a.parking_in_area}\n".encode()
    )
    for p in sorted(parts, key=lambda p: p.unit_number):
        digest.update(f"{p.unit_number}|{p.area}|{p.area_source}|{keys[p.subject_id]}\n".encode())
    digest.update(f"area_total={area_total};heads_total={len(subjects)};parts={len(parts)}\n".encode())
    if f"sha256:{digest.hexdigest()}" != a.roll_fingerprint:
        out.problems.append("roll: the fingerprint does not match the stored roll")


def _check_submissions(
    a: Assembly, subjects: dict[int, VotingSubject], submissions: list[BallotSubmission], out: Verification
) -> dict[int, BallotSubmission]:
    """Receipts, times and log entries of the submissions; returns the counted submission per subject."""
    logged = {
        e.data.get("receipt")
        for e in AuditEntry.objects.filter(assembly=a, action__startswith="ballot.").only("data")
    }
    stored = set()
    per_subject: dict[int, list[BallotSubmission]] = defaultdict(list)
    for b in submissions:
        stored.add(b.receipt)
        subject = subjects.get(b.subject_id)
        if subject is None:
            out.problems.append(f"ballot {b.receipt[:12]}…: its subject is not on this assembly's roll")
            continue
        expected = receipt_for(
            assembly_id=a.pk,
            secret=a.receipt_secret,
            subject_key=subject.key,
            choices=b.choices,
            cast_at=b.cast_at,
        )
        if expected != b.receipt:
            out.problems.append(
                f"ballot {b.receipt[:12]}… ({subject.key}): receipt does not match its content"
            )
        if b.receipt not in logged:
            out.problems.append(f"ballot {b.receipt[:12]}… ({subject.key}): no log entry records it")
        if not (a.opens_at <= b.cast_at < a.closes_at):
            out.problems.append(f"ballot {b.receipt[:12]}… ({subject.key}): cast outside the voting window")
            continue
        per_subject[b.subject_id].append(b)
    for receipt in sorted(r for r in logged - stored if r):
        out.problems.append(f"log: ballot {receipt[:12]}… is logged but not stored")
    derived = {}
    for subject_id, rows in per_subject.items():
        rows.sort(key=lambda b: (b.cast_at, b.pk))
        derived[subject_id] = rows[-1] if a.revote else rows[0]
    return derived


def _check_counted(
    a: Assembly, subjects: dict[int, VotingSubject], derived: dict[int, BallotSubmission], out: Verification
) -> None:
    stored = dict(CountedBallot.objects.filter(assembly=a).values_list("subject_id", "submission_id"))
    for subject_id in sorted(set(stored) | set(derived)):
        key = subjects[subject_id].key if subject_id in subjects else f"#{subject_id}"
        want = derived[subject_id].pk if subject_id in derived else None
        have = stored.get(subject_id)
        if want != have:
            out.problems.append(
                f"counted ballot of {key}: stored submission {have}, by the revote policy it is {want}"
            )


def _recompute(
    a: Assembly, motion: Motion, ballots: list[tuple[VotingSubject, dict[str, Any]]]
) -> tuple[_Tally, dict[int, _Tally]]:
    matter, candidates = _Tally(), {c.pk: _Tally() for c in motion.candidates.all()}
    for subject, choices in ballots:
        value = choices.get(str(motion.pk))
        if motion.kind == Motion.Kind.ELECTION:
            # The stored convention: every returned ballot participates in the election (booked as abstain);
            # the votes themselves are per candidate.
            matter.add("abstain", subject.area)
            for cand_id, tally in candidates.items():
                choice = value.get(str(cand_id)) if isinstance(value, dict) else None
                if choice in CHOICES:
                    tally.add(choice, subject.area)
        elif value in CHOICES:
            matter.add(value, subject.area)
    return matter, candidates


def _election_status(motion: Motion, tallies: dict[int, _Tally], qualified: set[int]) -> dict[int, str]:
    seats = motion.seats or 0
    status = dict.fromkeys(tallies, "not_elected")

    def rank(cid: int) -> tuple[Decimal, int]:
        return (tallies[cid].area["for"], tallies[cid].heads["for"])

    ranked = sorted(qualified, key=rank, reverse=True)
    if len(ranked) <= seats:
        return {**status, **dict.fromkeys(ranked, "elected")}
    boundary = rank(ranked[seats - 1])
    above = [c for c in ranked if rank(c) > boundary]
    tied = [c for c in ranked if rank(c) == boundary]
    status.update(dict.fromkeys(above, "elected"))
    status.update(dict.fromkeys(tied, "elected" if len(above) + len(tied) <= seats else "tie"))
    return status


def _compare(label: str, stored: Any, computed: Any, out: Verification) -> None:
    if stored != computed:
        out.problems.append(f"{label}: stored {stored}, recomputed {computed}")


def _check_results(
    a: Assembly,
    subjects: dict[int, VotingSubject],
    parts: list[RollPart],
    derived: dict[int, BallotSubmission],
    out: Verification,
) -> None:
    results = {r.motion_id: r for r in MotionResult.objects.filter(motion__assembly=a)}
    if a.status not in RESULT_STATES:
        if results:
            out.problems.append(f"results are stored although the assembly is {a.status}")
        else:
            out.notes.append(f"assembly is {a.status}: no stored results to compare")
        return
    area_total, heads_total = a.area_total or ZERO, a.heads_total or 0
    ballots = [(subjects[sid], b.choices) for sid, b in sorted(derived.items())]
    silent = sorted(
        (
            s
            for s in subjects.values()
            if a.deemed_consent and s.delivered_at is not None and s.warned and s.pk not in derived
        ),
        key=lambda s: s.key,
    )
    silent_units = sorted(p.unit_number for p in parts if p.subject_id in {s.pk for s in silent})
    for motion in a.motions.prefetch_related("candidates").order_by("position"):
        name = f"motion {motion.position} ({motion.title})"
        r = results.get(motion.pk)
        if r is None:
            out.problems.append(f"{name}: no stored result")
            continue
        matter, cands = _recompute(a, motion, ballots)
        major = motion.category in MAJOR
        stored_numbers = (
            r.area_participating,
            r.area_for,
            r.area_against,
            r.area_abstain,
            r.heads_participating,
            r.heads_for,
            r.heads_against,
            r.heads_abstain,
        )
        computed_numbers = (
            matter.area_part,
            matter.area["for"],
            matter.area["against"],
            matter.area["abstain"],
            matter.heads_part,
            matter.heads["for"],
            matter.heads["against"],
            matter.heads["abstain"],
        )
        labels = ("A_part", "A_for", "A_against", "A_abstain", "N_part", "N_for", "N_against", "N_abstain")
        for label, have, want in zip(labels, stored_numbers, computed_numbers, strict=True):
            _compare(f"{name} {label}", have, want, out)
        _compare(
            f"{name} outcome",
            r.outcome,
            _outcome(matter, area_total=area_total, heads_total=heads_total, major=major),
            out,
        )
        if motion.kind == Motion.Kind.ELECTION:
            qualified = {
                cid
                for cid, t in cands.items()
                if _outcome(t, area_total=area_total, heads_total=heads_total, major=False) == "adopted"
            }
            status = _election_status(motion, cands, qualified)
            computed = [
                {
                    "id": c.pk,
                    "name": c.name,
                    "outcome": _outcome(
                        cands[c.pk], area_total=area_total, heads_total=heads_total, major=False
                    ),
                    "status": status[c.pk],
                    "area": _area_dict(cands[c.pk]),
                    "heads": _heads_dict(cands[c.pk]),
                }
                for c in motion.candidates.all()
            ]
            stored_by_id = {c.get("id"): c for c in r.candidates or []}
            if set(stored_by_id) != {c["id"] for c in computed}:
                out.problems.append(f"{name}: the stored candidates are not the motion's candidates")
            for c in computed:
                _compare(f"{name} candidate {c['name']}", stored_by_id.get(c["id"]), c, out)
        elif a.deemed_consent:
            _compare(
                f"{name} deemed consent",
                r.deemed_consent,
                _deemed(matter, silent, silent_units, a, major),
                out,
            )
        elif r.deemed_consent is not None:
            out.problems.append(f"{name}: a deemed-consent tally is stored although the policy is off")


def _deemed(
    strict: _Tally, silent: list[VotingSubject], units: list[str], a: Assembly, major: bool
) -> dict[str, Any]:
    if strict.area["for"] > strict.area["against"] and strict.heads["for"] > strict.heads["against"]:
        side: str | None = "for"
    elif strict.area["against"] > strict.area["for"] and strict.heads["against"] > strict.heads["for"]:
        side = "against"
    else:
        side = None
    t = _Tally(area=dict(strict.area), heads=dict(strict.heads))
    if side:
        for s in silent:
            t.add(side, s.area)
    return {
        "side": side,
        "area": _area_dict(t),
        "heads": _heads_dict(t),
        "units": units if side else [],
        "outcome": _outcome(t, area_total=a.area_total or ZERO, heads_total=a.heads_total or 0, major=major),
    }


def assembly_verify(*, assembly: Assembly) -> Verification:
    """Check the log chain, roll, ballots, counted ballots and stored results; returns every problem found.
    No side effects."""
    a = Assembly.objects.select_related("compound").get(pk=assembly.pk)
    out = Verification()
    out.problems += [f"log: {p}" for p in audit_verify(assembly=a)]
    subjects = {s.pk: s for s in VotingSubject.objects.filter(assembly=a)}
    parts = list(RollPart.objects.filter(assembly=a))
    if a.status in FROZEN_STATES or a.roll_fingerprint:
        _check_roll(a, list(subjects.values()), parts, out)
    submissions = list(BallotSubmission.objects.filter(assembly=a).order_by("cast_at", "pk"))
    derived = _check_submissions(a, subjects, submissions, out)
    _check_counted(a, subjects, derived, out)
    _check_results(a, subjects, parts, derived, out)
    return out
