"""Test data builders. Plain rows come from factory_boy; registry state that services own (units, owners,
ownerships, accounts) is built by calling the services, e.g. through feed lines."""

import itertools
import json
import uuid
from typing import Any

import factory

from registry.identifiers import make_resident_id, make_uscc
from registry.models import Compound, Firm, Parcel, Region

_seq = itertools.count(1)


def resident_id(n: int, *, birth: str = "19800101", area: str = "370202") -> str:
    """A valid 18-character resident ID number (checksum computed), distinct for each `n`."""
    return make_resident_id(f"{area}{birth}{n % 1000:03d}")


def uscc(n: int, *, prefix: str = "9137020") -> str:
    """A valid unified social credit code, distinct for each `n`."""
    body = f"{prefix}{n:010d}"[:17]
    return make_uscc(body)


def holder(name: str, id_number: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "holder_type": "person",
        "id_type": "resident_id",
        "id_number": id_number,
        "certificate_holder": True,
        **extra,
    }


def feed_line(
    unit_number: str,
    holders: list[dict[str, Any]],
    *,
    event_type: str = "CREATE",
    seq: int | None = None,
    co_ownership: str | None = None,
    area: str = "100.00",
    room: str = "",
    delivered: bool = True,
    **extra: Any,
) -> str:
    """One registration-feed JSON line (registry.md format)."""
    event = {
        "seq": seq if seq is not None else next(_seq),
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "occurred_at": "2025-03-02T10:15:00+08:00",
        "unit_number": unit_number,
        "corrects_event_id": None,
        "registration": {
            "business_no": f"2025-{next(_seq):06d}",
            "certificate_no": "鲁(2025)青岛市不动产权第0123456号",
            "registered_at": "2025-03-02T10:15:00+08:00",
        },
        "property": {
            "address": f"青岛市崂山区测试路1号{room}",
            "planned_use": "residential",
            "building_area_m2": area,
            "floor": room[:-2] if len(room) > 2 else "1",
            "room": room or unit_number[-4:],
            "delivered": delivered,
        },
        "co_ownership": co_ownership or ("sole" if len(holders) == 1 else "joint"),
        "holders": holders,
        "encumbrances": {"mortgage": False, "seizure": False},
    }
    event.update(extra)
    return json.dumps(event, ensure_ascii=False)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"区划{n}")


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm
        django_get_or_create = ("uscc",)

    uscc = factory.Sequence(lambda n: uscc(n + 500))
    name = factory.Sequence(lambda n: f"青岛测试物业服务有限公司{n}")
    kind = Firm.Kind.PROPERTY_FIRM


class CompoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Compound

    code = factory.Sequence(lambda n: f"QD-370212-{n + 100:04d}")
    name = factory.Sequence(lambda n: f"测试小区{n}")


class ParcelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parcel


# ----------------------------------------------------------------------------- a compound with addresses

ADDRESS_PARCEL = "370212001002GB00901"
# (building no, entrance, floor, room, use) of each flat of `address_compound`
ADDRESS_FLATS = [
    ("0001", "1", "12", "1201", "residential"),
    ("0001", "1", "9", "901", "residential"),
    ("0001", "1", "10", "1001", "residential"),
    ("0001", "1", "1", "101", "residential"),
    ("0001", "2", "12", "1201", "residential"),
    ("0010", "1", "12", "1201", "residential"),
    ("0002", "1", "12", "1201", "residential"),
    ("0099", "", "-1", "B1-001", "parking"),
]


def address_number(i: int) -> str:
    """The unit number of ADDRESS_FLATS[i]."""
    return f"{ADDRESS_PARCEL}F{ADDRESS_FLATS[i][0]}{i + 1:04d}"


def address_compound() -> Compound:
    """地址小区 (QD-370212-7901): 1号楼 (entrances 1 and 2), 2号楼, 10号楼 and 地下车库, loaded through the
    master data and the registration feed, one holder per flat."""
    from registry.services.places import master_data_load
    from registry.services.registration import registration_feed_apply

    master_data_load(
        doc={
            "regions": [
                {"code": "370212", "name": "崂山区", "level": "district", "parent": "370200"},
                {"code": "370212001", "name": "中韩街道", "level": "street", "parent": "370212"},
                {"code": "370212001001", "name": "海尔路社区", "level": "community", "parent": "370212001"},
            ],
            "compounds": [
                {
                    "code": "QD-370212-7901",
                    "name": "地址小区",
                    "community": "370212001001",
                    "parcels": [ADDRESS_PARCEL],
                    "buildings": [
                        {"number": "0001", "name": "1号楼", "entrances": [{"number": "1"}, {"number": "2"}]},
                        {"number": "0002", "name": "2号楼", "entrances": [{"number": "1"}]},
                        {"number": "0010", "name": "10号楼", "entrances": [{"number": "1"}]},
                        {"number": "0099", "name": "地下车库"},
                    ],
                }
            ],
        }
    )
    lines = []
    for i, (_b, entrance, floor, room, use) in enumerate(ADDRESS_FLATS):
        line = json.loads(feed_line(address_number(i), [holder(f"住户{i}", resident_id(900 + i))], room=room))
        line["property"] |= {"floor": floor, "room": room, "planned_use": use}
        if entrance:
            line["property"]["entrance"] = entrance
        lines.append(json.dumps(line, ensure_ascii=False))
    registration_feed_apply(lines=lines, source="addresses")
    return Compound.objects.get(code="QD-370212-7901")
