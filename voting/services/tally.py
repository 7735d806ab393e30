"""The art. 278 tally, from the counted ballots, in one transaction: idempotent, refused while open.

Matters are aggregated in SQL (`jsonb_each_text` over the counted ballots joined to the subjects' areas).
Elections: each candidate needs the ordinary majority on both dimensions; seats go by rank of area-for,
then heads-for; a tie at the last seat is reported, never broken silently. With `deemed_consent`, subjects
with recorded delivery and warning and no ballot are added to the side the returned ballots favour (on both
dimensions; if the returned ballots split, nobody is added), and both tallies are stored.
"""

from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import Forbidden, WrongState
from registry.models import User
from voting.models import Assembly, Motion, MotionResult, RollPart, VotingSubject
from voting.permissions import can_run_assembly
from voting.rules import Count, outcome
from voting.services.audit import audit_append

ZERO = Decimal("0.00")

_MATTER_SQL = """
SELECT c.key::bigint AS motion_id, c.value AS choice, sum(s.area), count(*)
FROM voting_countedballot cb
JOIN voting_ballotsubmission b ON b.id = cb.submission_id
JOIN voting_votingsubject s ON s.id = cb.subject_id
CROSS JOIN LATERAL jsonb_each_text(b.choices) AS c(key, value)
WHERE cb.assembly_id = %s
GROUP BY 1, 2
"""  # election motions come back as JSON text here and are ignored: only matters read these rows

_ELECTION_SQL = """
SELECT m.key::bigint AS motion_id, c.key::bigint AS candidate_id, c.value AS choice, sum(s.area), count(*)
FROM voting_countedballot cb
JOIN voting_ballotsubmission b ON b.id = cb.submission_id
JOIN voting_votingsubject s ON s.id = cb.subject_id
CROSS JOIN LATERAL jsonb_each(b.choices) AS m(key, value)
CROSS JOIN LATERAL jsonb_each_text(m.value) AS c(key, value)
WHERE cb.assembly_id = %s AND jsonb_typeof(m.value) = 'object'
GROUP BY 1, 2, 3
"""


def _count(assembly: Assembly, cells: dict[str, tuple[Decimal, int]]) -> Count:
    def area(choice: str) -> Decimal:
        return cells.get(choice, (ZERO, 0))[0]

    def heads(choice: str) -> int:
        return cells.get(choice, (ZERO, 0))[1]

    return Count(
        area_total=assembly.area_total or ZERO,
        heads_total=assembly.heads_total or 0,
        area_for=area("for"),
        area_against=area("against"),
        area_abstain=area("abstain"),
        heads_for=heads("for"),
        heads_against=heads("against"),
        heads_abstain=heads("abstain"),
    )


def _deemed(
    assembly: Assembly, c: Count, silent: list[VotingSubject], units: dict[int, list[str]]
) -> dict[str, Any]:
    """The deemed-consent tally: silent subjects (delivered and warned) join the returned majority."""
    if c.area_for > c.area_against and c.heads_for > c.heads_against:
        side = "for"
    elif c.area_against > c.area_for and c.heads_against > c.heads_for:
        side = "against"
    else:
        side = None
    added_area = sum((s.area for s in silent), ZERO) if side else ZERO
    added_heads = len(silent) if side else 0
    deemed = Count(
        area_total=c.area_total,
        heads_total=c.heads_total,
        area_for=c.area_for + (added_area if side == "for" else ZERO),
        area_against=c.area_against + (added_area if side == "against" else ZERO),
        area_abstain=c.area_abstain,
        heads_for=c.heads_for + (added_heads if side == "for" else 0),
        heads_against=c.heads_against + (added_heads if side == "against" else 0),
        heads_abstain=c.heads_abstain,
    )
    return {
        "side": side,
        "area": _area_dict(deemed),
        "heads": _heads_dict(deemed),
        "units": sorted(u for s in silent for u in units.get(s.pk, [])) if side else [],
        "count": deemed,
    }


def _area_dict(c: Count) -> dict[str, str]:
    return {
        "participating": f"{c.area_participating:.2f}",
        "for": f"{c.area_for:.2f}",
        "against": f"{c.area_against:.2f}",
        "abstain": f"{c.area_abstain:.2f}",
    }


def _heads_dict(c: Count) -> dict[str, int]:
    return {
        "participating": c.heads_participating,
        "for": c.heads_for,
        "against": c.heads_against,
        "abstain": c.heads_abstain,
    }


def _election(
    assembly: Assembly, motion: Motion, cells: dict[int, dict[str, tuple[Decimal, int]]]
) -> list[dict[str, Any]]:
    rows = []
    for cand in motion.candidates.all():
        c = _count(assembly, cells.get(cand.pk, {}))
        rows.append({"candidate": cand, "count": c, "qualified": outcome(c, major=False) == "adopted"})
    qualified = sorted(
        (r for r in rows if r["qualified"]),
        key=lambda r: (r["count"].area_for, r["count"].heads_for),
        reverse=True,
    )
    seats = motion.seats or 0
    for r in rows:
        r["status"] = "not_elected"
    if len(qualified) <= seats:
        for r in qualified:
            r["status"] = "elected"
    else:
        boundary = (qualified[seats - 1]["count"].area_for, qualified[seats - 1]["count"].heads_for)
        above = [r for r in qualified if (r["count"].area_for, r["count"].heads_for) > boundary]
        tied = [r for r in qualified if (r["count"].area_for, r["count"].heads_for) == boundary]
        for r in above:
            r["status"] = "elected"
        if len(above) + len(tied) <= seats:
            for r in tied:
                r["status"] = "elected"
        else:
            for r in tied:
                r["status"] = "tie"
    return [
        {
            "id": r["candidate"].pk,
            "name": r["candidate"].name,
            "outcome": outcome(r["count"], major=False),
            "status": r["status"],
            "area": _area_dict(r["count"]),
            "heads": _heads_dict(r["count"]),
        }
        for r in rows
    ]


def assembly_tally(*, assembly: Assembly, actor: User | None = None) -> Assembly:
    """Compute and store every motion's result from the counted ballots; safe to re-run (same result).
    Staff may re-run it only for assemblies they run; the worker runs it with no actor."""
    if actor is not None and not can_run_assembly(user=actor, compound=assembly.compound):
        raise Forbidden(_("只有组织会议的街道办事处工作人员可以计票。"), code="forbidden")
    with transaction.atomic():
        a = Assembly.objects.select_for_update().get(pk=assembly.pk)
        if a.status not in (Assembly.Status.CLOSED, Assembly.Status.TALLIED):
            raise WrongState(
                _("投票截止后才能计票。"),
                code="still_open" if a.status == Assembly.Status.OPEN else "wrong_state",
            )
        matters: dict[int, dict[str, tuple[Decimal, int]]] = {}
        elections: dict[int, dict[int, dict[str, tuple[Decimal, int]]]] = {}
        motions = list(a.motions.prefetch_related("candidates").order_by("position"))
        with connection.cursor() as cur:
            cur.execute(_MATTER_SQL, [a.pk])
            for motion_id, choice, area, heads in cur.fetchall():
                matters.setdefault(motion_id, {})[choice] = (area, heads)
            if any(m.kind == Motion.Kind.ELECTION for m in motions):
                cur.execute(_ELECTION_SQL, [a.pk])
                for motion_id, cand_id, choice, area, heads in cur.fetchall():
                    elections.setdefault(motion_id, {}).setdefault(cand_id, {})[choice] = (area, heads)
        silent: list[VotingSubject] = []
        units: dict[int, list[str]] = {}
        if a.deemed_consent:
            silent = list(
                VotingSubject.objects.filter(assembly=a, delivered_at__isnull=False, warned=True)
                .exclude(pk__in=a.counted.values("subject_id"))
                .order_by("key")
            )
            for subject_id, number in RollPart.objects.filter(subject__in=silent).values_list(
                "subject_id", "unit_number"
            ):
                units.setdefault(subject_id, []).append(number)
        MotionResult.objects.filter(motion__assembly=a).delete()
        summary, rows = {}, []
        for motion in motions:
            c = _count(a, matters.get(motion.pk, {}))
            candidates = (
                _election(a, motion, elections.get(motion.pk, {}))
                if motion.kind == Motion.Kind.ELECTION
                else None
            )
            if candidates is not None:  # participation in an election: subjects that returned a ballot
                c = Count(area_total=c.area_total, heads_total=c.heads_total, **_election_participation(a))
            deemed = None
            if a.deemed_consent and candidates is None:
                d = _deemed(a, c, silent, units)
                deemed = {
                    **{k: v for k, v in d.items() if k != "count"},
                    "outcome": outcome(d["count"], major=motion.is_major),
                }
            result = MotionResult(
                motion=motion,
                area_participating=c.area_participating,
                area_for=c.area_for,
                area_against=c.area_against,
                area_abstain=c.area_abstain,
                heads_participating=c.heads_participating,
                heads_for=c.heads_for,
                heads_against=c.heads_against,
                heads_abstain=c.heads_abstain,
                outcome=outcome(c, major=motion.is_major),
                deemed_consent=deemed,
                candidates=candidates,
            )
            rows.append(result)
            summary[str(motion.pk)] = result.outcome
        MotionResult.objects.bulk_create(rows)
        first_time = a.status == Assembly.Status.CLOSED
        a.status, a.tallied_at = Assembly.Status.TALLIED, a.tallied_at or timezone.now()
        a.save(update_fields=["status", "tallied_at"])
        audit_append(
            assembly=a,
            actor=actor,
            action="assembly.tally" if first_time else "assembly.retally",
            data={"outcomes": summary},
        )
    return a


def _election_participation(a: Assembly) -> dict[str, Any]:
    """Subjects that returned a ballot count as participating in an election, all as abstaining here (the
    per-candidate counts carry the votes)."""
    rows = VotingSubject.objects.filter(assembly=a, pk__in=a.counted.values("subject_id")).values_list(
        "area", flat=True
    )
    areas = list(rows)
    return {"area_abstain": sum(areas, ZERO), "heads_abstain": len(areas)}
