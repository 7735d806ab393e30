"""Flats named the way people name them, and found the way people write them.

One label ("1号楼 1单元 12层 1201"), one natural sort key (1号楼 before 10号楼, room 901 before 1201, the
basement below the ground floor) and one parser for every flat search: the paper-ballot entry, the roll
look-ups of the admin's workflow pages and the registry's unit search all call `parse_address`.

Accepted forms (full-width digits and letters, any dash, spaces anywhere):
  "1号楼1单元1201"、"1栋1单元1201室"、"1幢2门1201"、"1号楼1单元12层1201"   building, entrance, floor, room
  "1-1-1201"、"1－1－1201"                                                building-entrance-room
  "1-1201"、"1#1201"、"1号楼1201"                                          building and room (any entrance)
  "1201"、"1201室"、"B1-001"                                               room alone
  "地下车库B1-001"、"沿街商业楼101"                                         a building's name, then the room
  "370212…GB00001F00010002", "F00010002", "00010002"                      the unit number, or its end (8+ digits)
A compound's name in front ("麦岛小区1号楼…") is ignored.
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from registry.identifiers import UNIT_NUMBER_RE

if TYPE_CHECKING:
    from registry.models import Unit

_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−－﹣_~～"})
_NUM = r"[0-9]+"
_BUILDING = re.compile(rf"^(?P<b>{_NUM}|[A-Z])(?:号楼|号|栋|幢|座|#|楼)")
_ENTRANCE = re.compile(rf"^(?P<e>{_NUM})(?:单元|号门|门)")
_FLOOR = re.compile(r"^(?P<f>-?[0-9]+|B[0-9]+|地下[0-9]+)(?:层|F)")
_ROOM_SUFFIX = re.compile(r"(?:室|户|号房|号)$")
_COMPOUND_PREFIX = re.compile(r"^.*?(?:小区|花园|家园|公寓|社区)")
_NAME_PREFIX = re.compile(r"^(?P<name>[^0-9A-Z#-]+)")
_DASHED = re.compile(rf"^(?P<a>{_NUM})-(?P<b>{_NUM})(?:-(?P<c>{_NUM}))?$")
_SUFFIX = re.compile(r"[0-9A-Z]*[0-9]{8}")  # the end of a unit number: "F00010002", "00010002"


def _int(text: str) -> int | None:
    m = re.search(r"[0-9]+", text or "")
    return int(m.group()) if m else None


def floor_label(floor: str) -> str:
    """'12' → '12层'; '-1' → '地下1层'; '' → ''."""
    floor = (floor or "").strip()
    if not floor:
        return ""
    if re.fullmatch(r"-?[0-9]+", floor):
        n = int(floor)
        return f"地下{-n}层" if n < 0 else f"{n}层"
    return floor if floor.endswith("层") else f"{floor}层"


def flat_label(*, building: str, entrance: str = "", floor: str = "", room: str = "") -> str:
    """'1号楼 1单元 12层 1201' — the one way a flat is named on every page, list and export."""
    return " ".join(p for p in (building, entrance, floor_label(floor), room) if p)


def _natural(text: str, width: int = 8) -> str:
    return re.sub(r"[0-9]+", lambda m: m.group().zfill(width), (text or "").upper())


def flat_sort_key(
    *, building_no: str, building: str, entrance_no: str, floor: str, room: str, unit_number: str
) -> str:
    """A text key that sorts flats as people expect: by building number, entrance, floor (basements first),
    then room with numbers compared as numbers (901 before 1201), the unit number last to break ties."""
    b = _natural(building_no or building)
    f = _int(floor)
    floor_key = "0000" if f is None else f"{(-f if floor.strip().startswith('-') else f) + 1000:04d}"
    return "|".join((b, _natural(entrance_no, 4), floor_key, _natural(room), unit_number))[:96]


def unit_place(unit: "Unit") -> dict[str, str]:
    """A registry unit's building, entrance, floor and room with its label and sort key (select_related
    building and entrance first)."""
    building, entrance = unit.building, unit.entrance
    place = {
        "building": building.name if building else "",
        "building_no": building.number if building else "",
        "entrance": entrance.name if entrance else "",
        "entrance_no": entrance.number if entrance else "",
        "floor": unit.floor or "",
        "room": unit.room or "",
    }
    return place | {
        "label": flat_label(
            building=place["building"], entrance=place["entrance"], floor=place["floor"], room=place["room"]
        )
        or unit.unit_number,
        "sort_key": flat_sort_key(
            building_no=place["building_no"],
            building=place["building"],
            entrance_no=place["entrance_no"],
            floor=place["floor"],
            room=place["room"],
            unit_number=unit.unit_number,
        ),
    }


@dataclass(frozen=True)
class AddressQuery:
    """What a written address names; empty fields are not constrained."""

    text: str
    unit_number: str = ""  # the whole 28-character number
    unit_suffix: str = ""  # its last digits (9 or more)
    building_no: str = ""  # "0001" (a Building.number)
    building_name: str = ""  # "地下车库" when the building is named, not numbered
    entrance_no: str = ""  # "1"
    floor: str = ""  # "12", "-1"
    room: str = ""  # "1201", "B1-001"

    @property
    def empty(self) -> bool:
        return not (
            self.unit_number or self.unit_suffix or self.building_no or self.building_name or self.room
        )


def normalize_address(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII), upper case, one kind of dash, no spaces."""
    text = unicodedata.normalize("NFKC", text or "").translate(_DASHES).upper()
    return re.sub(r"\s+", "", text)


def _building_no(value: str) -> str:
    return f"{int(value):04d}" if value.isdigit() else value


def parse_address(text: str) -> AddressQuery:
    """Read a flat's address as written ("1号楼1单元1201", "1-1-1201", "1#1201", a unit number…)."""
    raw = normalize_address(text)
    if not raw:
        return AddressQuery(text="")
    if UNIT_NUMBER_RE.fullmatch(raw):
        return AddressQuery(text=raw, unit_number=raw)
    s = _COMPOUND_PREFIX.sub("", raw) or raw
    if _SUFFIX.fullmatch(s):
        return AddressQuery(text=raw, unit_suffix=s)
    if m := _DASHED.fullmatch(s):
        if m.group("c") is not None:
            return AddressQuery(
                text=raw,
                building_no=_building_no(m.group("a")),
                entrance_no=str(int(m.group("b"))),
                room=m.group("c"),
            )
        return AddressQuery(text=raw, building_no=_building_no(m.group("a")), room=m.group("b"))
    fields: dict[str, str] = {}
    if (m := _BUILDING.match(s)) and not (m.group().endswith("号") and m.end() == len(s)):
        # "12号" alone is a shop or a room, not a building
        fields["building_no"] = _building_no(m.group("b"))
        s = s[m.end() :]
    elif (m := _NAME_PREFIX.match(s)) and len(s) > m.end():
        fields["building_name"] = m.group("name")
        s = s[m.end() :]
    if m := _ENTRANCE.match(s):
        fields["entrance_no"] = str(int(m.group("e")))
        s = s[m.end() :]
    if m := _FLOOR.match(s):
        f = m.group("f")
        fields["floor"] = f"-{_int(f)}" if f.startswith(("B", "地下", "-")) else str(int(f))
        s = s[m.end() :]
    room = _ROOM_SUFFIX.sub("", s) if len(s) > 1 else s
    if room:
        fields["room"] = room
    return AddressQuery(text=raw, **fields)


# Where each part of an address lives on a model (for `address_q`).
UNIT_FIELDS = {
    "unit_number": "unit_number",
    "building_no": "building__number",
    "building_name": "building__name",
    "entrance_no": "entrance__number",
    "floor": "floor",
    "room": "room",
}


def address_q(query: AddressQuery, *, fields: dict[str, str] = UNIT_FIELDS) -> Q:
    """The filter a parsed address puts on flats (`fields` maps its parts to the model's lookups; the
    default is registry.Unit's). An empty query matches nothing."""
    if query.empty:
        return Q(pk__in=[])
    if query.unit_number:
        return Q(**{fields["unit_number"]: query.unit_number})
    if query.unit_suffix:
        return Q(**{f"{fields['unit_number']}__endswith": query.unit_suffix})
    q = Q()
    for part in ("building_no", "entrance_no", "floor", "room"):
        if value := getattr(query, part):
            q &= Q(**{fields[part]: value})
    if query.building_name:
        q &= Q(**{f"{fields['building_name']}__startswith": query.building_name})
    return q
