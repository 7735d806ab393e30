"""Freezing the roll at announcement (SPC arts. 8 and 9).

- Electorate: every exclusive part of the compound on the registry at the record date (parking spaces only
  when the assembly's `parking_in_area` policy says so), not only owners with an account.
- Area of a part: registered, else surveyed, else contract area; the source is kept.
- Subjects: all parts the developer still holds or sold but has not delivered → one subject, cast by the
  developer (the holder with the compound's developer's credit code) whenever it holds any part of it;
  parts held by the same holder (or the same set of co-holders) → one subject, areas summed; a co-owned
  part → one subject cast by its designated co-owner (default: the certificate holder).
- A SHA-256 fingerprint over parts, areas, area sources, grouping and policy is published with the notice.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from registry.addresses import unit_place
from registry.models import Compound, Owner, Ownership, Unit
from registry.personal_data import identity_digest
from registry.services.ownership import unit_voter
from voting.models import Assembly, RollPart, VotingSubject

ZERO = Decimal("0.00")


@dataclass
class _Subject:
    key: str
    kind: str
    voter_id: int | None
    parts: list[RollPart] = field(default_factory=list)

    @property
    def area(self) -> Decimal:
        return sum((p.area for p in self.parts), ZERO)


@dataclass(frozen=True)
class RollSummary:
    fingerprint: str
    area_total: Decimal
    heads_total: int
    parts: int


def _area(unit: Unit) -> tuple[Decimal, str]:
    for value, source in (
        (unit.registered_area, RollPart.AreaSource.REGISTERED),
        (unit.surveyed_area, RollPart.AreaSource.SURVEYED),
        (unit.contract_area, RollPart.AreaSource.CONTRACT),
    ):
        if value is not None:
            return value, source
    return ZERO, RollPart.AreaSource.NONE


def _developer_identity(compound: Compound) -> str | None:
    """The keyed hash the developer's own holder record carries (as the feed computes `developer_held`)."""
    if compound.developer is None:
        return None
    return identity_digest(id_type=Owner.IdType.USCC, id_number=compound.developer.uscc).id_hmac


def roll_freeze(*, assembly: Assembly) -> RollSummary:
    """Write the subjects and parts of the roll and return its totals and fingerprint (caller's transaction)."""
    developer = _developer_identity(assembly.compound)
    units = (
        Unit.objects.filter(compound=assembly.compound)
        .select_related("building", "entrance")
        .order_by("unit_number")
    )
    if not assembly.parking_in_area:
        units = units.exclude(planned_use=Unit.Use.PARKING)
    units = list(units)
    current: dict[int, list[Ownership]] = defaultdict(list)
    for o in (
        Ownership.objects.filter(unit__in=[u.pk for u in units], valid_to__isnull=True)
        .select_related("owner")
        .order_by("unit_id", "-certificate_holder", "pk")
    ):
        current[o.unit_id].append(o)

    subjects: dict[str, _Subject] = {}
    for unit in units:
        holders = current.get(unit.pk, [])
        if unit.developer_held or not unit.delivered:
            # The developer casts the bucket, whichever part it holds and whoever else holds that part with
            # it. Parts sold (registered to buyers) but not delivered name no voter: if the developer holds
            # no part at all, the bucket has none and only a paper ballot can be entered for it.
            key, kind = "developer", VotingSubject.Kind.DEVELOPER
            voter = next(
                (
                    o.owner
                    for o in holders
                    if developer is not None
                    and o.owner.id_type == Owner.IdType.USCC
                    and o.owner.id_hmac == developer
                ),
                None,
            )
        elif not holders:
            key, kind, voter = f"unit:{unit.pk}", VotingSubject.Kind.NO_HOLDER, None
        elif len(holders) == 1:
            key, kind, voter = f"owner:{holders[0].owner_id}", VotingSubject.Kind.OWNER, holders[0].owner
        else:
            ids = "+".join(str(i) for i in sorted(o.owner_id for o in holders))
            key, kind, voter = (
                f"owners:{ids}",
                VotingSubject.Kind.CO_OWNED,
                unit_voter(unit=unit, current=holders),
            )
        subject = subjects.setdefault(key, _Subject(key=key, kind=kind, voter_id=voter.pk if voter else None))
        if subject.voter_id is None and voter is not None:
            subject.voter_id = voter.pk
        area, source = _area(unit)
        subject.parts.append(
            RollPart(
                assembly=assembly,
                unit=unit,
                unit_number=unit.unit_number,
                **unit_place(unit),
                planned_use=unit.planned_use,
                area=area,
                area_source=source,
            )
        )

    rows = VotingSubject.objects.bulk_create(
        [
            VotingSubject(assembly=assembly, key=s.key, kind=s.kind, voter_id=s.voter_id, area=s.area)
            for s in subjects.values()
        ]
    )
    parts: list[RollPart] = []
    for row, s in zip(rows, subjects.values(), strict=True):
        for p in s.parts:
            p.subject = row
            parts.append(p)
    RollPart.objects.bulk_create(parts, batch_size=2000)
    # A roll adds thousands of rows at once: refresh the planner's statistics now (ANALYZE counts this
    # transaction's own rows) so the ballot look-ups by voter use their indexes from the first ballot on,
    # not after autovacuum gets round to it.
    with connection.cursor() as cur:
        cur.execute("ANALYZE voting_votingsubject, voting_rollpart")

    digest = hashlib.sha256()
    digest.update(
        f"assembly={assembly.pk};compound={assembly.compound.code};parking_in_area={assembly.parking_in_area}\n".encode()
    )
    for p in sorted(parts, key=lambda p: p.unit_number):
        digest.update(f"{p.unit_number}|{p.area}|{p.area_source}|{p.subject.key}\n".encode())
    area_total = sum((s.area for s in subjects.values()), ZERO)
    digest.update(f"area_total={area_total};heads_total={len(subjects)};parts={len(parts)}\n".encode())
    return RollSummary(
        fingerprint=f"sha256:{digest.hexdigest()}",
        area_total=area_total,
        heads_total=len(subjects),
        parts=len(parts),
    )
