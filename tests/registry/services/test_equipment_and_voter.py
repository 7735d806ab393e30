"""Equipment codes, the append-only maintenance log with due dates, and designated voters."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from config.errors import ApplicationError
from registry.models import AuditEvent, Building, MaintenanceRecord, Unit
from registry.selectors import equipment_overdue
from registry.services.equipment import equipment_register, maintenance_record_add
from registry.services.ownership import unit_designated_voter_set, unit_voter
from tests.conftest import A_0101, A_0102, World


def _lift(world: World):
    building = Building.objects.get(compound=world.compound_a, number="0005")
    return equipment_register(
        actor=world.firm_a,
        compound=world.compound_a,
        category="LIFT",
        name="5号楼1单元电梯",
        maintenance_interval_days=15,
        building=building,
        installed_on=dt.date(2026, 1, 1),
    )


def test_equipment_codes_follow_compound_category_sequence(world: World):
    # when
    first, second = _lift(world), _lift(world)
    # then
    assert (first.code, second.code) == ("QD-370212-0001-LIFT-001", "QD-370212-0001-LIFT-002")
    assert first.next_due_on == dt.date(2026, 1, 16)


def test_only_the_serving_firm_registers_equipment(world: World):
    with pytest.raises(ApplicationError) as e:
        equipment_register(
            actor=world.firm_b,
            compound=world.compound_a,
            category="GATE",
            name="东门道闸",
            maintenance_interval_days=90,
            common_area="东门",
        )
    assert (e.value.code, e.value.status) == ("forbidden", 403)


def test_maintenance_moves_due_date_and_inspection_does_not(world: World):
    # given
    lift = _lift(world)
    # when
    maintenance_record_add(
        actor=world.firm_a,
        equipment=lift,
        kind="maintenance",
        performed_on=dt.date(2026, 3, 1),
        contractor="青岛某电梯公司",
        cost=Decimal("350.00"),
    )
    maintenance_record_add(
        actor=world.firm_a, equipment=lift, kind="inspection", performed_on=dt.date(2026, 3, 5)
    )
    # then
    lift.refresh_from_db()
    assert (lift.last_maintained_on, lift.next_due_on) == (dt.date(2026, 3, 1), dt.date(2026, 3, 16))
    assert list(equipment_overdue(today=dt.date(2026, 3, 16))) == []
    assert list(equipment_overdue(today=dt.date(2026, 3, 17))) == [lift]
    assert AuditEvent.objects.filter(verb="maintenance.add").count() == 2


def test_a_lift_cannot_be_given_more_than_its_15_days(world: World):
    lift = _lift(world)
    with pytest.raises(ApplicationError) as e:
        maintenance_record_add(
            actor=world.firm_a,
            equipment=lift,
            kind="maintenance",
            performed_on=dt.date(2026, 3, 1),
            next_due_on=dt.date(2026, 3, 17),
        )
    assert e.value.code == "next_due_too_late"
    assert MaintenanceRecord.objects.count() == 0


def test_the_maintenance_log_is_append_only_in_the_database(world: World):
    # given
    lift = _lift(world)
    record = maintenance_record_add(
        actor=world.firm_a, equipment=lift, kind="repair", performed_on=dt.date(2026, 3, 1)
    )
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        MaintenanceRecord.objects.filter(pk=record.pk).update(cost=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        MaintenanceRecord.objects.filter(pk=record.pk).delete()


def test_designated_voter_defaults_to_certificate_holder_and_can_be_changed(world: World):
    # given
    unit = Unit.objects.get(unit_number=A_0102)
    current = list(unit.ownerships.filter(valid_to__isnull=True).select_related("owner"))
    assert unit_voter(unit=unit, current=current).name == "张伟"
    # when
    unit_designated_voter_set(actor=world.official_a, unit=unit, username="bella")
    # then
    unit.refresh_from_db()
    assert unit_voter(unit=unit, current=current).name == "李娜"
    assert AuditEvent.objects.filter(verb="unit.designated_voter_set", target_id=str(unit.pk)).count() == 1


@pytest.mark.parametrize(
    ("actor", "username", "code"),
    [
        ("official_b", "bella", "forbidden"),
        ("firm_a", "bella", "forbidden"),
        ("bob", "bella", "forbidden"),
        ("official_a", "alice", "not_current_holder"),
        ("official_a", "nobody", "not_current_holder"),
    ],
)
def test_designated_voter_refusals(world: World, actor, username, code):
    unit = Unit.objects.get(unit_number=A_0102)
    with pytest.raises(ApplicationError) as e:
        unit_designated_voter_set(actor=getattr(world, actor), unit=unit, username=username)
    assert e.value.code == code
    unit.refresh_from_db()
    assert unit.designated_voter_id is None


def test_ownership_history_cannot_be_deleted_or_rewritten(world: World):
    # given
    ownership = Unit.objects.get(unit_number=A_0101).ownerships.get()
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        type(ownership).objects.filter(pk=ownership.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(ownership).objects.filter(pk=ownership.pk).update(certificate_no="伪造")
    type(ownership).objects.filter(pk=ownership.pk).update(valid_to=ownership.valid_from)  # ending is allowed
