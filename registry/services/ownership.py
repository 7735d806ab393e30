"""Who casts the vote of a co-owned unit (SPC art. 9): recorded by officials, default the certificate holder."""

from django.db import transaction
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden
from registry.models import Owner, Ownership, Unit, User
from registry.permissions import can_designate_voter
from registry.services.audit import audit_record


def unit_designated_voter_set(*, actor: User, unit: Unit, username: str) -> Unit:
    """Record which current co-owner casts the unit's vote; writes the unit and an audit row.

    Refusals: 403 for anyone but an official over the compound; `not_current_holder` when the account is
    not linked to a current holder of this unit.
    """
    if unit.compound is None or not can_designate_voter(user=actor, compound=unit.compound):
        raise Forbidden(_("只有所在辖区的政府工作人员可以指定表决代表。"), code="forbidden")
    owner = Owner.objects.filter(user__username=username).first() if username else None
    holds = (
        owner is not None and Ownership.objects.filter(unit=unit, owner=owner, valid_to__isnull=True).exists()
    )
    if not holds:
        raise ApplicationError(
            _("账号 %(username)s 不是该房屋的现有权利人。") % {"username": username},
            code="not_current_holder",
        )
    assert owner is not None
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        previous = locked.designated_voter_id
        locked.designated_voter = owner
        locked.save(update_fields=["designated_voter", "updated_at"])
        audit_record(
            actor=actor,
            verb="unit.designated_voter_set",
            target=locked,
            data={"from": previous, "to": owner.pk},
        )
    return locked


def unit_voter(*, unit: Unit, current: list[Ownership]) -> Owner | None:
    """The owner who casts the unit's vote: the designated co-owner if still a holder, else the certificate holder."""
    holders = {o.owner_id: o.owner for o in current}
    if unit.designated_voter_id in holders:
        return holders[unit.designated_voter_id]
    for o in current:
        if o.certificate_holder:
            return o.owner
    return current[0].owner if current else None
