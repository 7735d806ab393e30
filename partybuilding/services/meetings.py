"""Joint meetings (红色议事厅 / 联席会议): minutes with participants and decisions, follow-up items with who
answers for them and by when, tracked to completion; the beat task flags overdue items once each and tells
their owners through registry's delivery service."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden, WrongState
from partybuilding.labels import FollowUpStatus, ParticipantSide
from partybuilding.models import Decision, FollowUp, Meeting, MeetingParticipant
from partybuilding.permissions import may_record_meeting
from registry.models import Compound, Region, User
from registry.services.audit import audit_record
from registry.services.delivery import deliver


@dataclass
class FollowUpSpec:
    text: str
    owner: User
    due_on: dt.date


@dataclass
class DecisionSpec:
    text: str
    follow_ups: list[FollowUpSpec] = field(default_factory=list)


def meeting_record(
    *,
    actor: User,
    community: Region,
    title: str,
    held_at: dt.datetime,
    minutes: str,
    participants: list[tuple[str, str]],
    decisions: list[DecisionSpec],
    place: str = "",
    compound: Compound | None = None,
) -> Meeting:
    """Record a joint meeting of a community (officials over it, or for one compound the members of its
    current owners' committee — partybuilding.permissions.may_record_meeting): minutes, participants (side, name), decisions
    and their follow-up items; writes them and an audit row in one transaction, and tells each follow-up's
    owner on commit."""
    if not may_record_meeting(user=actor, community=community, compound=compound):
        raise Forbidden(_("只有辖区政府工作人员或本小区业主委员会成员可以记录联席会议。"), code="forbidden")
    if community.level != Region.Level.COMMUNITY:
        raise ApplicationError(_("联席会议须属于一个社区。"), code="invalid", extra={"field": "community"})
    if compound is not None and compound.community_id != community.pk:
        raise ApplicationError(_("小区须属于该社区。"), code="invalid", extra={"field": "compound"})
    for i, (side, _name) in enumerate(participants):
        if side not in ParticipantSide.values:
            raise ApplicationError(
                _("参会方类型无效。"), code="invalid", extra={"field": f"participants[{i}].side"}
            )
    with transaction.atomic():
        meeting = Meeting.objects.create(
            community=community,
            compound=compound,
            title=title.strip(),
            held_at=held_at,
            place=place.strip(),
            minutes=minutes.strip(),
            recorded_by=actor,
        )
        MeetingParticipant.objects.bulk_create(
            MeetingParticipant(meeting=meeting, side=side, name=name.strip()) for side, name in participants
        )
        items: list[FollowUp] = []
        for spec in decisions:
            decision = Decision.objects.create(meeting=meeting, text=spec.text.strip())
            items += FollowUp.objects.bulk_create(
                FollowUp(decision=decision, text=f.text.strip(), owner=f.owner, due_on=f.due_on)
                for f in spec.follow_ups
            )
        audit_record(
            actor=actor,
            verb="party.meeting.record",
            target=meeting,
            compound_id=compound.pk if compound is not None else None,
            data={"decisions": len(decisions), "follow_ups": len(items)},
        )
        for item in items:
            transaction.on_commit(
                lambda item=item: deliver(
                    user=item.owner,
                    title=_("联席会议交办事项：%(due)s 前完成") % {"due": item.due_on.isoformat()},
                    body=item.text,
                    key=f"party.followup.{item.pk}.assigned",
                )
            )
    return meeting


def follow_up_done(*, actor: User, follow_up: FollowUp) -> FollowUp:
    """Mark a follow-up item done (its owner, or those who may record the meeting); one audit row.
    409 `invalid_transition` when it is done already."""
    meeting = follow_up.decision.meeting
    if actor.pk != follow_up.owner_id and not may_record_meeting(
        user=actor, community=meeting.community, compound=meeting.compound
    ):
        raise Forbidden(_("只有责任人、辖区政府工作人员或本小区业主委员会成员可以办结。"), code="forbidden")
    with transaction.atomic():
        done = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUpStatus.OPEN).update(
            status=FollowUpStatus.DONE, done_at=timezone.now()
        )
        if not done:
            raise WrongState(_("该事项已办结。"), code="invalid_transition")
        follow_up.refresh_from_db()
        audit_record(
            actor=actor, verb="party.follow_up.done", target=follow_up, compound_id=meeting.compound_id
        )
    return follow_up


def follow_ups_flag_overdue(*, now: dt.datetime | None = None) -> int:
    """Flag every open follow-up item whose due date (Beijing) has passed, once each (a conditional UPDATE),
    and tell its owner in-app (idempotent by delivery key); returns how many were flagged by this run."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    due = list(
        FollowUp.objects.filter(
            status=FollowUpStatus.OPEN, due_on__lt=today, overdue_at__isnull=True
        ).values_list("pk", flat=True)
    )
    flagged = 0
    for pk in due:
        with transaction.atomic():
            if not FollowUp.objects.filter(pk=pk, overdue_at__isnull=True, status=FollowUpStatus.OPEN).update(
                overdue_at=now
            ):
                continue  # flagged by a concurrent run, or done meanwhile
            item = FollowUp.objects.select_related("decision__meeting", "owner").get(pk=pk)
            audit_record(
                actor=None,
                verb="party.follow_up.overdue",
                target=item,
                compound_id=item.decision.meeting.compound_id,
                data={"due_on": item.due_on.isoformat()},
            )
            transaction.on_commit(
                lambda item=item: deliver(
                    user=item.owner,
                    title=_("联席会议交办事项已逾期（期限 %(due)s）") % {"due": item.due_on.isoformat()},
                    body=item.text,
                    key=f"party.followup.{item.pk}.overdue",
                )
            )
            flagged += 1
    return flagged
