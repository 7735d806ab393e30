"""Facilities and equipment: registration with a unique code, and the append-only maintenance log."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden
from registry.models import Building, Compound, Entrance, Equipment, MaintenanceRecord, User
from registry.permissions import can_manage_equipment
from registry.services.audit import audit_record
from registry.services.places import equipment_code


def equipment_register(
    *,
    actor: User,
    compound: Compound,
    category: str,
    name: str,
    maintenance_interval_days: int,
    building: Building | None = None,
    entrance: Entrance | None = None,
    common_area: str = "",
    installer: str = "",
    installed_on: dt.date | None = None,
    warranty_until: dt.date | None = None,
) -> Equipment:
    """Register an item under the next free sequence of its category; writes the item and an audit row."""
    if not can_manage_equipment(user=actor, compound=compound):
        raise Forbidden(_("只有服务该小区的物业企业可以登记设备。"), code="forbidden")
    if building is not None and building.compound_id != compound.pk:
        raise ApplicationError(_("楼栋不属于该小区。"), code="building_not_in_compound")
    if entrance is not None and entrance.building_id != (building.pk if building else None):
        raise ApplicationError(_("单元不属于该楼栋。"), code="entrance_not_in_building")
    with transaction.atomic():
        # Lock the compound row: sequences per (compound, category) are handed out one at a time.
        Compound.objects.select_for_update().filter(pk=compound.pk).first()
        last = (
            Equipment.objects.filter(compound=compound, category=category)
            .order_by("-sequence")
            .values_list("sequence", flat=True)
            .first()
            or 0
        )
        sequence = last + 1
        item = Equipment.objects.create(
            code=equipment_code(compound=compound, category=category, sequence=sequence),
            compound=compound,
            category=category,
            sequence=sequence,
            name=name,
            building=building,
            entrance=entrance,
            common_area=common_area,
            installer=installer,
            installed_on=installed_on,
            warranty_until=warranty_until,
            maintenance_interval_days=maintenance_interval_days,
            next_due_on=(installed_on + dt.timedelta(days=maintenance_interval_days))
            if installed_on
            else None,
        )
        audit_record(actor=actor, verb="equipment.register", target=item, data={"code": item.code})
    return item


def maintenance_record_add(
    *,
    actor: User,
    equipment: Equipment,
    kind: str,
    performed_on: dt.date,
    contractor: str = "",
    cost: Decimal = Decimal("0"),
    notes: str = "",
    next_due_on: dt.date | None = None,
    photo=None,  # noqa: ANN001 - an uploaded file or None
) -> MaintenanceRecord:
    """Append one log entry and move the item's last/next maintenance dates; writes an audit row.

    `next_due_on` defaults to the performed date plus the item's interval, and never later than that
    (a lift serviced on 1 March is due by 16 March whatever the contractor writes).
    """
    if not can_manage_equipment(user=actor, compound=equipment.compound):
        raise Forbidden(_("只有服务该小区的物业企业可以填写维保记录。"), code="forbidden")
    latest_allowed = performed_on + dt.timedelta(days=equipment.maintenance_interval_days)
    if next_due_on is not None and next_due_on > latest_allowed:
        raise ApplicationError(
            _("下次维保日期不得晚于 %(date)s（维保周期 %(days)s 天）。")
            % {"date": latest_allowed.isoformat(), "days": equipment.maintenance_interval_days},
            code="next_due_too_late",
        )
    with transaction.atomic():
        locked = Equipment.objects.select_for_update().get(pk=equipment.pk)
        record = MaintenanceRecord.objects.create(
            equipment=locked,
            kind=kind,
            performed_on=performed_on,
            contractor=contractor,
            cost=cost,
            notes=notes,
            next_due_on=next_due_on or latest_allowed,
            recorded_by=actor,
            photo=photo or "",
        )
        # An inspection looks; it does not reset the maintenance clock. A late-entered old record neither.
        is_newest = locked.last_maintained_on is None or performed_on >= locked.last_maintained_on
        if kind != MaintenanceRecord.Kind.INSPECTION and is_newest:
            locked.last_maintained_on = performed_on
            locked.next_due_on = record.next_due_on
            locked.save(update_fields=["last_maintained_on", "next_due_on"])
        audit_record(
            actor=actor, verb="maintenance.add", target=record, data={"equipment": locked.code, "kind": kind}
        )
    return record
