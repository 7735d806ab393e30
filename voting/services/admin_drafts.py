"""Editing a draft assembly in the street-office admin (only drafts change; announcement freezes everything).

A separate module so as not to touch `voting.services.assemblies`: the same checks as `assembly_create`,
applied to an existing draft, whose motions are replaced as a whole (no ballot can reference them yet).
"""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden, WrongState
from registry.models import User
from voting.models import Assembly, Candidate, Motion
from voting.permissions import can_run_assembly
from voting.services.assemblies import MotionSpec
from voting.services.audit import audit_append

POLICY_FIELDS = ("revote", "deemed_consent", "parking_in_area", "proxy_cap", "firm_staff_may_proxy")


def _check(
    motions: list[MotionSpec], opens_at: dt.datetime, closes_at: dt.datetime, policy: dict[str, Any]
) -> None:
    if not motions:
        raise ApplicationError(_("至少需要一项表决事项。"), code="no_motions")
    for m in motions:
        if not 1 <= m.category <= 9:
            raise ApplicationError(_("事项类别须为民法典第二百七十八条第一至九项。"), code="invalid_category")
        if m.seats is not None and (m.seats < 1 or len(m.candidates) < m.seats):
            raise ApplicationError(_("候选人数不得少于应选人数。"), code="too_few_candidates")
    if closes_at <= opens_at:
        raise ApplicationError(_("投票截止时间须晚于开始时间。"), code="invalid_window")
    unknown = set(policy) - set(POLICY_FIELDS)
    if unknown:
        raise ApplicationError(
            _("未知的表决规则：%(keys)s") % {"keys": ", ".join(sorted(unknown))}, code="invalid_policy"
        )


def assembly_draft_update(
    *,
    actor: User,
    assembly: Assembly,
    title: str,
    kind: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    motions: list[MotionSpec],
    policy: dict[str, Any] | None = None,
) -> Assembly:
    """Rewrite a draft's particulars, policy and motions (in the order given); writes the assembly, its
    motions and candidates, and an audit entry `assembly.update`. 409 `wrong_state` once announced."""
    if not can_run_assembly(user=actor, compound=assembly.compound):
        raise Forbidden(_("只有小区所在辖区的街道办事处工作人员可以组织业主大会。"), code="forbidden")
    policy = policy or {}
    _check(motions, opens_at, closes_at, policy)
    with transaction.atomic():
        a = Assembly.objects.select_for_update().get(pk=assembly.pk)
        if a.status != Assembly.Status.DRAFT:
            raise WrongState(_("会议公告后不能再修改。"), code="wrong_state")
        a.title, a.kind, a.opens_at, a.closes_at = title, kind, opens_at, closes_at
        for name, value in policy.items():
            setattr(a, name, value)
        a.save(update_fields=["title", "kind", "opens_at", "closes_at", *policy])
        Motion.objects.filter(assembly=a).delete()
        for position, m in enumerate(motions, start=1):
            motion = Motion.objects.create(
                assembly=a,
                position=position,
                title=m.title,
                category=m.category,
                kind=Motion.Kind.ELECTION if m.seats else Motion.Kind.MATTER,
                seats=m.seats,
            )
            Candidate.objects.bulk_create(
                Candidate(motion=motion, position=i, name=name)
                for i, name in enumerate(m.candidates, start=1)
            )
        audit_append(
            assembly=a,
            actor=actor,
            action="assembly.update",
            data={
                "title": title,
                "motions": len(motions),
                "policy": {name: getattr(a, name) for name in POLICY_FIELDS},
            },
        )
    return a
