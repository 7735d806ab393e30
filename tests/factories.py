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
