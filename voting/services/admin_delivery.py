"""Deemed consent (视为同意) in the street-office admin: recording that a subject's ballot was delivered and
that the owner was warned what silence means. Only subjects with both join the deemed-consent tally.

Kept apart from `voting.services.delivery` (another engineer's service for the same purpose, used by the API);
the admin page calls this one. Both write the same two fields and an audit entry `subject.delivery`.
"""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden, WrongState
from registry.models import User
from voting.models import Assembly, RollPart, VotingSubject
from voting.permissions import can_run_assembly
from voting.services.audit import audit_append

# Delivery is a fact of the voting period: after the close nobody may add silent subjects to a tally.
DELIVERY_STATES = (Assembly.Status.ANNOUNCED, Assembly.Status.OPEN)


def subject_delivery_record(
    *, actor: User, assembly: Assembly, unit_number: str, delivered_at: dt.datetime, warned: bool
) -> VotingSubject:
    """Set `delivered_at` and `warned` on the roll subject of `unit_number`; writes the subject and an audit
    entry (with the previous values when it corrects an earlier record). Refusals: `forbidden` (403),
    `wrong_state` (409, outside announced/open), `not_on_roll`, `delivery_in_future`, `delivery_before_notice`."""
    if not can_run_assembly(user=actor, compound=assembly.compound):
        raise Forbidden(_("只有组织会议的街道办事处工作人员可以登记表决票送达。"), code="forbidden")
    if delivered_at > timezone.now():
        raise ApplicationError(_("送达时间不能晚于当前时间。"), code="delivery_in_future")
    with transaction.atomic():
        with connection.cursor() as cur:  # FOR SHARE, like a ballot: the close waits for us
            cur.execute("SELECT 1 FROM voting_assembly WHERE id = %s FOR SHARE", [assembly.pk])
        a = Assembly.objects.get(pk=assembly.pk)
        if a.status not in DELIVERY_STATES:
            raise WrongState(_("只能在公告后、投票截止前登记表决票送达。"), code="wrong_state")
        part = RollPart.objects.filter(assembly=a, unit_number=unit_number).first()
        if part is None:
            raise ApplicationError(_("该房屋不在本次会议的表决名册上。"), code="not_on_roll")
        if a.announced_at is not None and delivered_at < a.announced_at:
            raise ApplicationError(_("送达时间不能早于会议公告时间。"), code="delivery_before_notice")
        subject = VotingSubject.objects.select_for_update().get(pk=part.subject_id)
        previous = {
            "delivered_at": subject.delivered_at.isoformat() if subject.delivered_at else None,
            "warned": subject.warned,
        }
        subject.delivered_at, subject.warned = delivered_at, warned
        subject.save(update_fields=["delivered_at", "warned"])
        units = list(
            RollPart.objects.filter(subject=subject)
            .order_by("unit_number")
            .values_list("unit_number", flat=True)
        )
        data = {
            "subject": subject.key,
            "units": units,
            "delivered_at": delivered_at.isoformat(),
            "warned": warned,
        }
        if previous["delivered_at"] is not None or previous["warned"]:
            data["previous"] = previous
        audit_append(assembly=a, actor=actor, action="subject.delivery", data=data)
    return subject
