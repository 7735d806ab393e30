"""Owners' committees (业主委员会): the street office files a committee's term and members."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden
from registry.models import CommitteeMember, Compound, Owner, OwnersCommittee, Ownership, User
from registry.permissions import can_file_committee
from registry.services.audit import audit_record


def owners_committee_file(
    *,
    actor: User,
    compound: Compound,
    term_starts_on: dt.date,
    term_ends_on: dt.date,
    filed_on: dt.date,
    filing_no: str,
    members: list[tuple[Owner, str]],
) -> OwnersCommittee:
    """Record a filed committee term with its members; writes the committee, its members and an audit row.

    Refusals: 403 unless the actor is an official over the compound (the street office files committees);
    `not_current_owner` when a member holds no current unit in the compound; `one_director` unless exactly
    one member is the director; `duplicate_member`; `term_overlaps` when another live term of the compound overlaps.
    """
    if not can_file_committee(user=actor, compound=compound):
        raise Forbidden(_("只有所在辖区的政府工作人员可以办理业主委员会备案。"), code="forbidden")
    if [role for _owner, role in members].count(CommitteeMember.Role.DIRECTOR) != 1:
        raise ApplicationError(_("业主委员会须有且只有一名主任。"), code="one_director")
    owner_ids = {owner.pk for owner, _role in members}
    if len(owner_ids) != len(members):
        raise ApplicationError(_("同一业主不能重复担任委员。"), code="duplicate_member")
    holding = set(
        Ownership.objects.filter(
            unit__compound=compound, valid_to__isnull=True, owner_id__in=owner_ids
        ).values_list("owner_id", flat=True)
    )
    if holding != owner_ids:
        raise ApplicationError(_("业主委员会成员须为本小区的现有业主。"), code="not_current_owner")
    try:
        with transaction.atomic():
            committee = OwnersCommittee.objects.create(
                compound=compound,
                term_starts_on=term_starts_on,
                term_ends_on=term_ends_on,
                filing_status=OwnersCommittee.Filing.FILED,
                filed_on=filed_on,
                filing_no=filing_no,
            )
            CommitteeMember.objects.bulk_create(
                CommitteeMember(committee=committee, owner=owner, role=role) for owner, role in members
            )
            audit_record(
                actor=actor,
                verb="committee.file",
                target=committee,
                data={"compound": compound.code, "members": len(members), "filing_no": filing_no},
            )
    except IntegrityError as e:
        raise ApplicationError(_("该小区已有任期重叠的业主委员会。"), code="term_overlaps") from e
    return committee
