"""Master data: regions, firms, compounds with parcels, contracts, buildings, entrances, staff and equipment.

`master_data_load` validates a whole master-data document first (registry.md, "Master data", plus the
optional `buildings`, `contract`, `equipment` and firm `staff` extensions documented in api.md) and applies
it in one transaction, idempotently: keys are region codes, credit codes, compound codes, parcel codes,
building numbers, equipment (category, sequence) and staff (firm, name, phone).
"""

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction

from config.errors import ApplicationError
from registry.identifiers import IdentifierError, normalize_phone, normalize_service_phone, validate_uscc
from registry.models import (
    Building,
    Compound,
    Entrance,
    Equipment,
    Firm,
    FirmStaff,
    Parcel,
    Region,
    ServiceContract,
    User,
)
from registry.services.audit import audit_record

DIVISIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "qingdao_divisions.json"

_LEVEL_CODE_LENGTH = {"city": 6, "district": 6, "street": 9, "community": 12}
_PARENT_LEVEL = {"district": "city", "street": "district", "community": "street"}


@dataclass
class MasterDataReport:
    """What a load created and updated, per kind."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    def count(self, kind: str, created: bool) -> None:
        (self.created if created else self.updated)[kind] += 1

    def summary(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated))
        return ", ".join(f"{k}: +{self.created[k]} ~{self.updated[k]}" for k in kinds) or "nothing"


class MasterDataInvalid(ApplicationError):
    """The document was refused as a whole; `extra["errors"]` lists every problem with its place."""


def pinned_divisions() -> dict[str, dict[str, str]]:
    """The pinned table of Qingdao's divisions shipped with the code, by code."""
    rows = json.loads(DIVISIONS_FILE.read_text(encoding="utf-8"))["regions"]
    return {r["code"]: r for r in rows}


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return dt.date.fromisoformat(str(value))


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(value))


def _validate(doc: dict[str, Any]) -> list[str]:
    """Every problem in the document, each with its place (e.g. `compounds[3].parcels[0]`)."""
    errors: list[str] = []
    if not isinstance(doc, dict):
        return ["document: expected a JSON object with regions, firms and compounds"]
    known_regions = {r.code: r.level for r in Region.objects.only("code", "level")}
    pinned = pinned_divisions()
    doc_regions: dict[str, str] = {}
    for i, r in enumerate(doc.get("regions", [])):
        where = f"regions[{i}]"
        code, level = str(r.get("code", "")), r.get("level")
        if level not in _LEVEL_CODE_LENGTH:
            errors.append(f"{where}.level: unknown level {level!r}")
            continue
        if not code.isdigit() or len(code) != _LEVEL_CODE_LENGTH[level]:
            errors.append(
                f"{where}.code: {code!r} is not a {level} code of {_LEVEL_CODE_LENGTH[level]} digits"
            )
        if not r.get("name"):
            errors.append(f"{where}.name: required")
        doc_regions[code] = level
    for i, r in enumerate(doc.get("regions", [])):
        level, parent = r.get("level"), r.get("parent")
        if level == "city" or level not in _PARENT_LEVEL:
            continue
        parent_level = (
            doc_regions.get(parent) or known_regions.get(parent) or (pinned.get(parent) or {}).get("level")
        )
        if parent_level is None and level == "district" and str(parent).endswith("00"):
            parent_level = "city"  # an implied city
        if parent_level != _PARENT_LEVEL[level]:
            errors.append(f"regions[{i}].parent: {parent!r} is not a known {_PARENT_LEVEL[level]}")
    firm_kinds: dict[str, str] = {f.uscc: f.kind for f in Firm.objects.only("uscc", "kind")}
    for i, f in enumerate(doc.get("firms", [])):
        where = f"firms[{i}]"
        try:
            uscc = validate_uscc(str(f.get("uscc", "")))
            firm_kinds[uscc] = f.get("kind")
        except IdentifierError as e:
            errors.append(f"{where}.uscc: {e.message}")
        if f.get("kind") not in Firm.Kind.values:
            errors.append(f"{where}.kind: unknown kind {f.get('kind')!r}")
        if not f.get("name"):
            errors.append(f"{where}.name: required")
        if f.get("service_phone"):
            try:
                normalize_service_phone(str(f["service_phone"]))
            except IdentifierError as e:
                errors.append(f"{where}.service_phone: {e.message}")
        for j, s in enumerate(f.get("staff", [])):
            if s.get("role") not in FirmStaff.Role.values:
                errors.append(f"{where}.staff[{j}].role: unknown role {s.get('role')!r}")
            if not s.get("name"):
                errors.append(f"{where}.staff[{j}].name: required")
            if s.get("phone"):
                try:
                    normalize_phone(s["phone"])
                except IdentifierError as e:
                    errors.append(f"{where}.staff[{j}].phone: {e.message}")
    seen_parcels: dict[str, str] = {}
    for i, c in enumerate(doc.get("compounds", [])):
        where = f"compounds[{i}]"
        code = c.get("code", "")
        community = c.get("community")
        if (doc_regions.get(community) or known_regions.get(community)) != "community":
            errors.append(f"{where}.community: {community!r} is not a known community")
        if not c.get("name"):
            errors.append(f"{where}.name: required")
        for role, kind in (("developer", "developer"), ("property_firm", "property_firm")):
            ref = c.get(role)
            if ref and firm_kinds.get(ref) != kind:
                errors.append(f"{where}.{role}: {ref!r} is not a known {kind}")
        for j, p in enumerate(c.get("parcels", [])):
            if not re.fullmatch(r"[0-9]{12}[GJZ][ABSXCDEFGHWY][0-9]{5}", str(p)):
                errors.append(f"{where}.parcels[{j}]: {p!r} is not a 19-character parcel code")
            elif seen_parcels.setdefault(p, code) != code:
                errors.append(f"{where}.parcels[{j}]: {p} is listed by {seen_parcels[p]} too")
        for key in ("lat", "lng"):
            try:
                _decimal(c.get(key))
            except InvalidOperation:
                errors.append(f"{where}.{key}: not a decimal number")
        contract = c.get("contract")
        if contract:
            if not c.get("property_firm"):
                errors.append(f"{where}.contract: needs property_firm")
            try:
                start, end = _date(contract.get("starts_on")), _date(contract.get("ends_on"))
                if start is None:
                    errors.append(f"{where}.contract.starts_on: required")
                elif end is not None and end < start:
                    errors.append(f"{where}.contract.ends_on: before starts_on")
                fee = _decimal(contract.get("fee_standard"))
                if fee is None or fee < 0:
                    errors.append(f"{where}.contract.fee_standard: a non-negative amount is required")
            except (ValueError, InvalidOperation) as e:
                errors.append(f"{where}.contract: {e}")
        numbers = set()
        for j, b in enumerate(c.get("buildings", [])):
            n = str(b.get("number", ""))
            if len(n) != 4 or not n.isdigit():
                errors.append(f"{where}.buildings[{j}].number: {n!r} is not 4 digits")
            numbers.add(n)
        for j, e in enumerate(c.get("equipment", [])):
            if e.get("category") not in Equipment.Category.values:
                errors.append(f"{where}.equipment[{j}].category: unknown {e.get('category')!r}")
            if e.get("building") and e["building"] not in numbers:
                errors.append(
                    f"{where}.equipment[{j}].building: {e['building']!r} is not listed in buildings"
                )
            if not e.get("building") and not e.get("common_area"):
                errors.append(f"{where}.equipment[{j}]: needs a building or a common_area")
    return errors


def _ensure_region(
    *, code: str, name: str, level: str, parent: Region | None, report: MasterDataReport
) -> Region:
    path = (parent.path if parent else "") + code + "/"
    region, created = Region.objects.update_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, "path": path}
    )
    report.count("regions", created)
    return region


def _load_regions(rows: list[dict[str, Any]], report: MasterDataReport) -> None:
    pinned = pinned_divisions()
    by_code = {r["code"]: r for r in rows}
    order = sorted(by_code.values(), key=lambda r: list(_LEVEL_CODE_LENGTH).index(r["level"]))

    def resolve(code: str) -> Region:
        existing = Region.objects.filter(code=code).first()
        if code in by_code:
            row = by_code[code]
        elif existing is not None:
            return existing
        elif code in pinned:
            row = pinned[code]
        else:  # an implied city, named from the pinned table when it knows it
            row = {"code": code, "name": code, "level": "city", "parent": None}
        parent = resolve(row["parent"]) if row.get("parent") else None
        if (
            existing is not None
            and existing.name == row["name"]
            and existing.parent_id == (parent.pk if parent else None)
        ):
            return existing
        return _ensure_region(code=code, name=row["name"], level=row["level"], parent=parent, report=report)

    for row in order:
        resolve(row["code"])


def _load_firms(rows: list[dict[str, Any]], report: MasterDataReport) -> None:
    for f in rows:
        firm, created = Firm.objects.update_or_create(
            uscc=validate_uscc(f["uscc"]),
            defaults={
                "name": f["name"],
                "kind": f["kind"],
                "contact_name": f.get("contact_name", ""),
                "contact_phone": normalize_phone(f["contact_phone"]) if f.get("contact_phone") else "",
                "service_phone": normalize_service_phone(f["service_phone"])
                if f.get("service_phone")
                else "",
                "address": f.get("address", ""),
            },
        )
        report.count("firms", created)


def _load_staff(rows: list[dict[str, Any]], report: MasterDataReport) -> None:
    compounds = {c.code: c for c in Compound.objects.all()}
    for f in rows:
        firm = Firm.objects.get(uscc=validate_uscc(f["uscc"]))
        for s in f.get("staff", []):
            phone = normalize_phone(s["phone"]) if s.get("phone") else ""
            staff, created = FirmStaff.objects.update_or_create(
                firm=firm,
                name=s["name"],
                phone=phone,
                defaults={
                    "role": s["role"],
                    "certificates": s.get("certificates", ""),
                    "active": s.get("active", True),
                },
            )
            staff.compounds.set([compounds[c] for c in s.get("compounds", []) if c in compounds])
            report.count("staff", created)


def _load_compound(c: dict[str, Any], report: MasterDataReport) -> None:
    firms = {}
    for role in ("developer", "property_firm"):
        firms[role] = Firm.objects.get(uscc=c[role]) if c.get(role) else None
    compound, created = Compound.objects.update_or_create(
        code=c["code"],
        defaults={
            "name": c["name"],
            "community": Region.objects.get(code=c["community"]),
            "address": c.get("address", ""),
            "lat": _decimal(c.get("lat")),
            "lng": _decimal(c.get("lng")),
            **firms,
        },
    )
    report.count("compounds", created)
    for p in c.get("parcels", []):
        _, created = Parcel.objects.update_or_create(code=p, defaults={"compound": compound})
        report.count("parcels", created)
    contract = c.get("contract")
    if contract and firms["property_firm"] is not None:
        _, created = ServiceContract.objects.update_or_create(
            compound=compound,
            firm=firms["property_firm"],
            starts_on=_date(contract["starts_on"]),
            defaults={
                "ends_on": _date(contract.get("ends_on")),
                "fee_standard": _decimal(contract["fee_standard"]),
                "fee_note": contract.get("fee_note", ""),
            },
        )
        report.count("contracts", created)
    # Buildings, entrances and equipment: one INSERT … ON CONFLICT DO UPDATE per kind and compound.
    known = set(Building.objects.filter(compound=compound).values_list("number", flat=True))
    rows = [
        Building(
            compound=compound,
            number=b["number"],
            name=b.get("name") or f"{int(b['number'])}号楼",
            floors=b.get("floors"),
        )
        for b in c.get("buildings", [])
    ]
    Building.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["compound", "number"], update_fields=["name", "floors"]
    )
    buildings = {b.number: b for b in rows}
    for b in rows:
        report.count("buildings", b.number not in known)
    entrance_rows = [
        Entrance(
            building=buildings[b["number"]],
            number=str(e["number"]),
            name=e.get("name") or f"{e['number']}单元",
        )
        for b in c.get("buildings", [])
        for e in b.get("entrances", [])
    ]
    Entrance.objects.bulk_create(
        entrance_rows, update_conflicts=True, unique_fields=["building", "number"], update_fields=["name"]
    )
    entrances = {(e.building.number, e.number): e for e in entrance_rows}
    known = set(Equipment.objects.filter(compound=compound).values_list("category", "sequence"))
    items = []
    for e in c.get("equipment", []):
        building = buildings.get(e.get("building") or "")
        items.append(
            Equipment(
                compound=compound,
                category=e["category"],
                sequence=e["sequence"],
                code=equipment_code(compound=compound, category=e["category"], sequence=e["sequence"]),
                name=e.get("name") or Equipment.Category(e["category"]).label,
                building=building,
                entrance=entrances.get((building.number, str(e["entrance"])))
                if building and e.get("entrance")
                else None,
                common_area=e.get("common_area", ""),
                installer=e.get("installer", ""),
                installed_on=_date(e.get("installed_on")),
                warranty_until=_date(e.get("warranty_until")),
                maintenance_interval_days=e.get(
                    "maintenance_interval_days", 15 if e["category"] == "LIFT" else 90
                ),
                next_due_on=_date(e.get("next_due_on")),
            )
        )
        report.count("equipment", (e["category"], e["sequence"]) not in known)
    Equipment.objects.bulk_create(
        items,
        update_conflicts=True,
        unique_fields=["compound", "category", "sequence"],
        update_fields=[
            "code",
            "name",
            "building",
            "entrance",
            "common_area",
            "installer",
            "installed_on",
            "warranty_until",
            "maintenance_interval_days",
            "next_due_on",
        ],
    )


def equipment_code(*, compound: Compound, category: str, sequence: int) -> str:
    """The unique equipment code: compound code + category + 3-digit sequence (QD-370212-0001-LIFT-001)."""
    return f"{compound.code}-{category}-{sequence:03d}"


def master_data_load(*, doc: dict[str, Any], actor: User | None = None, source: str = "") -> MasterDataReport:
    """Validate the whole document, then upsert it in one transaction with one audit row; refuses all on any error."""
    errors = _validate(doc)
    if errors:
        raise MasterDataInvalid(
            f"主数据文件有 {len(errors)} 处错误，未导入任何内容。",
            code="master_data_invalid",
            extra={"errors": errors},
        )
    report = MasterDataReport()
    with transaction.atomic():
        _load_regions(doc.get("regions", []), report)
        _load_firms(doc.get("firms", []), report)
        for c in doc.get("compounds", []):
            _load_compound(c, report)
        _load_staff(doc.get("firms", []), report)
        anchor = Region.objects.order_by("pk").first()
        if anchor is not None:
            audit_record(
                actor=actor,
                verb="master_data.load",
                target=anchor,
                data={"source": source, "created": dict(report.created), "updated": dict(report.updated)},
            )
    return report
