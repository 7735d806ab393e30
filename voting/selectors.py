"""Permission-scoped reads of voting/. Nobody sees partial results while voting is open; individual choices
only reach the voter (and, access-logged, the street office: `ballot_choices_for_official`)."""

from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from config.errors import WrongState
from registry.models import Compound, User
from registry.permissions import compound_scope, compound_visible
from voting.models import (
    Assembly,
    AuditEntry,
    BallotSubmission,
    ChoiceAccess,
    CountedBallot,
    Motion,
    MotionResult,
    RollPart,
    VotingSubject,
)
from voting.permissions import can_run_assembly, can_view_choices
from voting.rules import Count as RuleCount
from voting.rules import inequalities, percent_down

RESULT_STATES = (Assembly.Status.TALLIED, Assembly.Status.PUBLISHED)


def assembly_list_visible_to(*, user: User) -> QuerySet[Assembly]:
    """Assemblies of compounds the user may see; owners do not see drafts."""
    compounds = Compound.objects.filter(compound_scope(user)).values("pk")
    qs = Assembly.objects.filter(compound__in=compounds).select_related("compound__community")
    if not (user.is_superuser or hasattr(user, "official")):
        qs = qs.exclude(status=Assembly.Status.DRAFT)
    return qs.order_by("-opens_at", "-pk")


def assembly_get_visible(*, user: User, assembly_id: int) -> Assembly:
    """One visible assembly, or Http404 (one indexed look-up, then the scope checked on its compound only)."""
    try:  # get(), not first(): no ORDER BY to compile or sort for a primary-key look-up
        assembly = Assembly.objects.select_related("compound__community").get(pk=assembly_id)
    except Assembly.DoesNotExist:
        raise Http404(str(assembly_id)) from None
    if not compound_visible(user=user, compound=assembly.compound):
        raise Http404(str(assembly_id))
    if assembly.status == Assembly.Status.DRAFT and not (user.is_superuser or hasattr(user, "official")):
        raise Http404(str(assembly_id))
    return assembly


def assembly_motions(*, assembly: Assembly) -> list[Motion]:
    """Motions in order, with candidates."""
    return list(assembly.motions.prefetch_related("candidates").order_by("position"))


def participation(*, assembly: Assembly) -> list[dict[str, Any]]:
    """Per unit on the roll: building, room, area, voted yes/no — never names, never choices."""
    voted = CountedBallot.objects.filter(assembly=assembly, subject=OuterRef("subject_id"))
    rows = (
        RollPart.objects.filter(assembly=assembly)
        .annotate(voted=Exists(voted))
        .order_by("building", "room", "unit_number")
        .values("building", "room", "area", "voted", "planned_use")
    )
    return list(rows)


def participation_summary(*, assembly: Assembly) -> dict[str, Any]:
    """How many subjects and how much area have voted (safe to show while open: no choices)."""
    voted = VotingSubject.objects.filter(
        assembly=assembly, pk__in=CountedBallot.objects.filter(assembly=assembly).values("subject_id")
    )
    agg = voted.aggregate(n=Count("pk"), area=Sum("area"))
    area = agg["area"] or Decimal("0.00")
    return {
        "heads_voted": agg["n"],
        "heads_total": assembly.heads_total or 0,
        "area_voted": area,
        "area_total": assembly.area_total or Decimal("0.00"),
        "heads_percent": percent_down(agg["n"], assembly.heads_total or 0),
        "area_percent": percent_down(area, assembly.area_total or 0),
    }


def results_visible_to(*, user: User, assembly: Assembly) -> bool:
    """Officials running it see results once tallied; everyone who can see the assembly once published."""
    if assembly.status == Assembly.Status.PUBLISHED:
        return True
    return assembly.status == Assembly.Status.TALLIED and can_run_assembly(
        user=user, compound=assembly.compound
    )


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def assembly_results(*, assembly: Assembly) -> dict[str, Any]:
    """The stored tally in the api.md shape, plus the policy and the inequalities (the certificate's content).
    Raises WrongState (409) until the assembly is tallied."""
    if assembly.status not in RESULT_STATES:
        raise WrongState("计票完成前不公布任何结果。", code="not_tallied")
    motions = []
    results = {r.motion_id: r for r in MotionResult.objects.filter(motion__assembly=assembly)}
    for m in assembly_motions(assembly=assembly):
        r = results.get(m.pk)
        if r is None:
            continue
        count = RuleCount(
            area_total=assembly.area_total or Decimal(0),
            heads_total=assembly.heads_total or 0,
            area_for=r.area_for,
            area_against=r.area_against,
            area_abstain=r.area_abstain,
            heads_for=r.heads_for,
            heads_against=r.heads_against,
            heads_abstain=r.heads_abstain,
        )
        motions.append(
            {
                "id": m.pk,
                "title": m.title,
                "category": m.category,
                "threshold": m.threshold,
                "outcome": r.outcome,
                "area": {
                    "participating": _money(r.area_participating),
                    "for": _money(r.area_for),
                    "against": _money(r.area_against),
                    "abstain": _money(r.area_abstain),
                },
                "heads": {
                    "participating": r.heads_participating,
                    "for": r.heads_for,
                    "against": r.heads_against,
                    "abstain": r.heads_abstain,
                },
                "deemed_consent": r.deemed_consent,
                "candidates": r.candidates,
                "seats": m.seats,
                "inequalities": inequalities(count, major=m.is_major) if m.kind == Motion.Kind.MATTER else [],
            }
        )
    return {
        "assembly": assembly.pk,
        "status": assembly.status,
        "roll": {
            "fingerprint": assembly.roll_fingerprint,
            "area_total": _money(assembly.area_total or Decimal(0)),
            "heads_total": assembly.heads_total,
            "parts": assembly.parts_total,
        },
        "policy": {
            "revote": assembly.revote,
            "deemed_consent": assembly.deemed_consent,
            "parking_in_area": assembly.parking_in_area,
            "proxy_cap": assembly.proxy_cap,
            "firm_staff_may_proxy": assembly.firm_staff_may_proxy,
        },
        "motions": motions,
    }


def my_ballot(*, user: User, assembly: Assembly) -> list[dict[str, Any]]:
    """The voter's own counted ballots (choices and receipt), one per subject they cast for."""
    owner = getattr(user, "owner", None)
    if owner is None:
        return []
    rows = (
        CountedBallot.objects.filter(assembly=assembly)
        .filter(Q(subject__voter=owner) | Q(submission__submitted_by=user))
        .select_related("submission", "subject")
        .order_by("subject__key")
    )
    out = []
    for cb in rows:
        units = list(
            RollPart.objects.filter(subject=cb.subject)
            .order_by("unit_number")
            .values_list("unit_number", flat=True)
        )
        out.append(
            {
                "receipt": cb.submission.receipt,
                "cast_at": cb.submission.cast_at,
                "choices": cb.submission.choices,
                "channel": cb.submission.channel,
                "units": units,
            }
        )
    return out


def ballot_choices_for_official(
    *, user: User, assembly: Assembly, unit_number: str, reason: str
) -> dict[str, Any]:
    """A unit's counted choices for the street office, after the close; every look is logged (ChoiceAccess)."""
    if not can_view_choices(user=user, compound=assembly.compound):
        raise Http404(unit_number)
    if assembly.status in (Assembly.Status.DRAFT, Assembly.Status.ANNOUNCED, Assembly.Status.OPEN):
        raise WrongState("投票截止前不得查看个人表决内容。", code="still_open")
    part = (
        RollPart.objects.filter(assembly=assembly, unit_number=unit_number).select_related("subject").first()
    )
    if part is None:
        raise Http404(unit_number)
    ChoiceAccess.objects.create(assembly=assembly, user=user, subject=part.subject, reason=reason[:200])
    cb = (
        CountedBallot.objects.filter(assembly=assembly, subject=part.subject)
        .select_related("submission")
        .first()
    )
    history = BallotSubmission.objects.filter(assembly=assembly, subject=part.subject).order_by("cast_at")
    return {
        "unit_number": unit_number,
        "counted": cb.submission.choices if cb else None,
        "submissions": [{"cast_at": s.cast_at, "channel": s.channel, "receipt": s.receipt} for s in history],
    }


def audit_log(*, assembly: Assembly) -> QuerySet[AuditEntry]:
    """The assembly's hash-chained log, in order."""
    return AuditEntry.objects.filter(assembly=assembly).select_related("actor").order_by("seq")
