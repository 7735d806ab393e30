"""Recorded delivery of the ballot and the warning to a voting subject, the precondition of deemed consent
(视为同意, voting.md "Policy switches"): only subjects with both count as consenting when silent."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden, WrongState
from registry.models import User
from voting.models import Assembly, RollPart, VotingSubject
from voting.permissions import can_run_assembly
from voting.services.audit import audit_append

# Delivery is a fact of the voting period: once voting has closed nobody may add silent subjects to a tally.
DELIVERY_STATES = (Assembly.Status.ANNOUNCED, Assembly.Status.OPEN)


def _stamp(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat()  # the city's offset, whatever zone the input came in


@dataclass(frozen=True)
class DeliveryRecord:
    subject: VotingSubject
    unit_numbers: list[str]


def subject_delivery_record(
    *,
    actor: User,
    assembly: Assembly,
    unit_number: str,
    delivered_at: dt.datetime,
    warned: bool,
    now: dt.datetime | None = None,
) -> DeliveryRecord:
    """Record on the subject of a unit on the roll when its ballot was delivered and whether the owner was
    warned; writes the subject and an audit entry (with the previous values when it corrects a record).
    Refusals: `forbidden` (403), `not_on_roll` (404: the unit is not on the frozen roll), `wrong_state` (409:
    only while announced or open), `delivery_in_future` and `delivery_before_notice` (400)."""
    if not can_run_assembly(user=actor, compound=assembly.compound):
        raise Forbidden(_("只有组织会议的街道办事处工作人员可以登记表决票送达。"), code="forbidden")
    now = now or timezone.now()
    if delivered_at > now:
        raise ApplicationError(_("送达时间不能晚于当前时间。"), code="delivery_in_future")
    with transaction.atomic():
        # Lock the assembly row: closing waits for us, so no delivery lands after the close.
        a = Assembly.objects.select_for_update().get(pk=assembly.pk)
        if a.status not in DELIVERY_STATES:
            raise WrongState(_("只能在公告后、投票截止前登记表决票送达。"), code="wrong_state")
        part = RollPart.objects.filter(assembly=a, unit_number=unit_number).first()
        if part is None:
            raise ApplicationError(_("该房屋不在本次会议的表决名册上。"), code="not_on_roll", status=404)
        if a.announced_at is not None and delivered_at < a.announced_at:
            raise ApplicationError(_("送达时间不能早于会议公告时间。"), code="delivery_before_notice")
        subject = VotingSubject.objects.select_for_update().get(pk=part.subject_id)
        previous = {
            "delivered_at": _stamp(subject.delivered_at) if subject.delivered_at else None,
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
            "delivered_at": _stamp(delivered_at),
            "warned": warned,
        }
        if previous["delivered_at"] is not None or previous["warned"]:
            data["previous"] = previous
        audit_append(assembly=a, actor=actor, action="subject.delivery", data=data)
    return DeliveryRecord(subject=subject, unit_numbers=units)
