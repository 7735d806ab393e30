"""Invariants PostgreSQL enforces whoever writes: each violation is refused by the database itself."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from registry.models import Building, Equipment, OwnersCommittee, Ownership, Region, Unit
from tests.conftest import A_0101, World


def _refused(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_unit_number_format_and_parcel_prefix(world: World):
    unit = Unit.objects.get(unit_number=A_0101)
    _refused(lambda: Unit.objects.filter(pk=unit.pk).update(unit_number="340123002004XB00011F00010001"))
    _refused(lambda: Unit.objects.filter(pk=unit.pk).update(parcel_code="370212001002GB00999"))


def test_areas_are_positive(world: World):
    _refused(lambda: Unit.objects.filter(unit_number=A_0101).update(registered_area=0))


def test_shares_are_proper_fractions_and_only_for_share_ownership(world: World):
    ownership = Ownership.objects.filter(unit__unit_number=A_0101).get()
    base = {f: getattr(ownership, f) for f in ("unit_id", "registered_at", "valid_from")}
    _refused(lambda: Ownership.objects.create(**base, owner_id=ownership.owner_id + 1, co_ownership="shares"))
    _refused(
        lambda: Ownership.objects.create(
            **base,
            owner_id=ownership.owner_id + 1,
            co_ownership="shares",
            share_numerator=3,
            share_denominator=2,
        )
    )
    _refused(
        lambda: Ownership.objects.create(
            **base,
            owner_id=ownership.owner_id + 1,
            co_ownership="joint",
            share_numerator=1,
            share_denominator=2,
        )
    )


def test_one_current_ownership_per_holder_and_unit(world: World):
    ownership = Ownership.objects.filter(unit__unit_number=A_0101).get()
    _refused(
        lambda: Ownership.objects.create(
            unit_id=ownership.unit_id,
            owner_id=ownership.owner_id,
            co_ownership="sole",
            registered_at=ownership.registered_at,
            valid_from=ownership.valid_from,
        )
    )


def test_region_codes_and_parents(world: World):
    _refused(lambda: Region.objects.create(code="37021200", name="x", level="street", path="x/"))
    _refused(lambda: Region.objects.create(code="370299", name="x", level="district", path="y/"))


def test_building_number_is_unique_in_compound(world: World):
    _refused(lambda: Building.objects.create(compound=world.compound_a, number="0005", name="again"))


def test_committee_terms_do_not_overlap(world: World):
    OwnersCommittee.objects.create(
        compound=world.compound_a, term_starts_on=dt.date(2024, 1, 1), term_ends_on=dt.date(2029, 1, 1)
    )
    _refused(
        lambda: OwnersCommittee.objects.create(
            compound=world.compound_a, term_starts_on=dt.date(2028, 1, 1), term_ends_on=dt.date(2033, 1, 1)
        )
    )


def test_lifts_are_maintained_at_least_every_15_days(world: World):
    _refused(
        lambda: Equipment.objects.create(
            code="QD-370212-0001-LIFT-009",
            compound=world.compound_a,
            category="LIFT",
            sequence=9,
            name="电梯",
            common_area="车库",
            maintenance_interval_days=30,
        )
    )
