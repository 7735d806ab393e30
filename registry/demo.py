"""A deterministic demo of one Qingdao district: `master.json` (registry.md "Master data", with the buildings,
contract, equipment and staff extensions) and `feed.jsonl` (one registration-feed CREATE event per unit).

Everything follows from (seed, units, district, as_of); only equipment due dates depend on `as_of`, so that
some items are overdue on the day the demo is generated. Both files are written by streaming, compound by
compound: memory stays flat from a few hundred units to the 2.43 million of the whole city. Each compound's
layout comes from its own random stream, so the master pass and the feed pass regenerate it independently.

People are numbered: demo owner #k has a valid resident ID drawn injectively from k (a bijection onto
area × birth date × sequence), a name and a phone, all from the seed (`demo_person`). The first compound
always opens with showcase units that the seed command signs up: a sole owner (#1), a joint couple (#2 holding
the certificate, #3), an owner of several units (#4), a by-shares couple, a developer-held unit, a sold but
undelivered unit and a seized one.

Framework-free (stdlib + registry.identifiers) so it runs without a database.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import os
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from registry.identifiers import make_resident_id, make_uscc

DEFAULT_SEED = 2026
DEFAULT_DISTRICT = "370212"
MIN_UNITS = 50
AVERAGE_COMPOUND_UNITS = 600  # Qingdao: 2.43 million units in 4,000+ compounds
DATA_CUTOFF = dt.date(2026, 6, 30)  # no registration date after this, whatever the seed
DIVISIONS_FILE = Path(__file__).resolve().parent / "data" / "qingdao_divisions.json"

# Demo owners the seed command signs up (the first units of the first compound are built around them).
SHOWCASE_SOLE = 1
SHOWCASE_JOINT = 2  # certificate holder; #3 is the other joint owner
SHOWCASE_JOINT_PARTNER = 3
SHOWCASE_MULTI = 4  # two flats and (when the compound has a garage) a parking space

# ------------------------------------------------------------------------------------------ word lists

_SURNAMES = "王王张张李李刘刘孙孙杨赵陈于于徐周高马姜宋郭林曲吴朱胡韩崔薛隋邵董魏修孟苏鲁毛丁矫范贾袁曹纪"
_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁健浩凯峰建国志海东亮林俊文宇晨博轩瑞翔成志庆春祥德"
_FEMALE = "丽娜静敏燕艳芳娟霞秀玲婷雪慧莉红梅琳颖倩洁晶琴萍欣悦佳璐蕾岚雯蓉菲洋丹红凤英华"
_PHONE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 177 180 181 182 183 "
    "185 186 187 188 189 199"
).split()
# Resident IDs are issued where people were born: Qingdao's districts, and Jinan, Yantai, Weifang, Weihai,
# Rizhao and Linyi for people who moved in.
_ID_AREAS = (
    "370202 370203 370211 370212 370213 370214 370215 370281 370283 370285 370102 370602 370702 371002 "
    "371102 371302"
).split()
_BIRTH_FIRST = dt.date(1950, 1, 1).toordinal()
_BIRTH_DAYS = dt.date(2004, 12, 31).toordinal() - _BIRTH_FIRST + 1
_ID_SPACE = len(_ID_AREAS) * _BIRTH_DAYS * 1000
_ID_STRIDE = 2654435761  # a prime larger than _ID_SPACE: k -> k * stride + offset (mod space) is a bijection

_COMPOUND_WORDS = (
    "海韵 逸景 青峰 松岭 银海 金岭 浮山 崂韵 海逸 天泰 汇金 盛世 锦绣 碧海 蓝湾 山海 听涛 观澜 翠湖 紫荆 丽晶 "
    "东城 海景 御景 和泰 福瀛 书香 枫林 樱花 梧桐 石老人 麦岛 仙霞 苗岭 云岭 海天 金海 宁静 悦海 望海 春和 "
    "景明 安澜 颐和 雅园 嘉园 海信 青石 崂峰 滨海"
).split()
_COMPOUND_SUFFIXES = "花园 小区 公馆 家园 名苑 雅居 新城 府 湾 华庭 苑 山庄 国际 城 名邸".split()
_COMMUNITY_WORDS = (
    "海尔路 松岭路 株洲路 东韩 西韩 张村 枯桃 石老人 汉河 南宅科 北村 午山 朱家洼 大河东 山东头 麦岛 浮山后 "
    "青岭 金岭 银川 海口路 苗岭 云岭 秦岭 同安 劲松 仙霞 香港东路 深圳路 辽阳东路 九水 沙子口 登瀛 流清河 "
    "王哥庄 北宅 东麦窑 西麦窑 小河东 段家埠 姜哥庄 南窑 晓望 港东 仰口 凉泉 卧龙 华楼"
).split()
_DIRECTIONS = "东 西 南 北 中 新".split()
_ROADS = {
    "370202": "香港中路 东海西路 南京路 延安三路 燕儿岛路 闽江路 宁夏路 山东路 福州南路 太平路 江西路 漳州路".split(),
    "370203": "辽宁路 延安路 登州路 台东一路 敦化路 合肥路 四流南路 杭州路 鞍山路 黑龙江南路 福州北路 抚顺路".split(),
    "370211": "长江中路 井冈山路 黄河中路 嘉陵江路 珠江路 峨眉山路 海西路 武夷山路 太行山路 漓江西路".split(),
    "370212": (
        "海尔路 香港东路 松岭路 深圳路 苗岭路 云岭路 株洲路 秦岭路 银川东路 同安路 辽阳东路 劲松七路 仙霞岭路 "
        "滨海大道 崂山路 九水东路 沙子口路 李沙路 东海东路 海口路 金岭路 青大一路"
    ).split(),
    "370213": "书院路 京口路 九水路 黑龙江中路 青山路 永平路 振华路 金水路 重庆中路 兴华路 枣山路 巨峰路".split(),
    "370214": "正阳路 长城路 春阳路 兴阳路 文阳路 黑龙江中路 仙山东路 明阳路 双元路 汇海路".split(),
}
_GENERIC_ROADS = (
    "人民路 文化路 建设路 和平路 青年路 解放路 长江路 黄河路 泰山路 昆仑山路 幸福路 振兴路".split()
)
_CENTRES = {  # rough district centres (lat, lng)
    "370202": (36.066, 120.383),
    "370203": (36.087, 120.375),
    "370211": (35.960, 120.198),
    "370212": (36.100, 120.460),
    "370213": (36.160, 120.432),
    "370214": (36.307, 120.396),
    "370215": (36.390, 120.447),
    "370281": (36.285, 120.033),
    "370283": (36.776, 119.960),
    "370285": (36.888, 120.517),
}
_FIRM_WORDS = (
    "海颐 瑞源 嘉华 青联 盛邦 和达 德馨 安泰 金海 崂韵 诚润 恒信 福瀛 东晟 海润 融安 华鼎 鼎信 中亿 睿城 乐家 "
    "佳福 宏泰 鑫源 广厦 泰和 宜居 众和 汇佳 锦程"
).split()
_INSTALLERS = {
    "LIFT": ("青岛海晟电梯工程有限公司", "山东通达电梯安装有限公司", "青岛鲁安电梯有限公司"),
    "FIRE": ("山东鲁安消防工程有限公司", "青岛安泰消防设备有限公司"),
    "TANK": ("青岛清源供水设备有限公司",),
    "GATE": ("青岛安居智能科技有限公司",),
    "CAM": ("青岛安居智能科技有限公司", "青岛海视安防工程有限公司"),
    "EVC": ("青岛绿能充电科技有限公司",),
    "GEN": ("青岛华电机电设备有限公司",),
}
_INTERVALS = {"LIFT": 15, "FIRE": 30, "TANK": 90, "GATE": 30, "CAM": 90, "EVC": 90, "GEN": 30}
_WARRANTY_YEARS = {"LIFT": 2, "FIRE": 1, "TANK": 2, "GATE": 1, "CAM": 2, "EVC": 3, "GEN": 2}
_SHARE_PATTERNS = (
    ("1/2", "1/2"),
    ("50%", "50%"),
    ("0.5", "0.5"),
    ("1/3", "2/3"),
    ("30%", "70%"),
    ("0.25", "0.75"),
    ("60%", "0.4"),
    ("1/3", "1/3", "1/3"),
    ("1/2", "1/4", "1/4"),
)

# ------------------------------------------------------------------------------------------ people

_M64 = (1 << 64) - 1


def _mix(x: int) -> int:
    """SplitMix64: a fast, well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


@functools.lru_cache(maxsize=64)
def _salt(seed: int, purpose: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{seed}:{purpose}".encode(), digest_size=8).digest(), "big")


def _rng(seed: int, purpose: str, index: int) -> random.Random:
    return random.Random(_salt(seed, purpose) ^ _mix(index))  # noqa: S311 - demo data, not secrets


@dataclass(frozen=True, slots=True)
class DemoPerson:
    """Demo owner #k: what the seed command gives `owner_signup`."""

    k: int
    name: str
    id_number: str
    phone: str


def demo_person(*, seed: int, k: int, purpose: str = "owner") -> DemoPerson:
    """Demo person #k of the seed (k ≥ 1); distinct k give distinct, valid resident ID numbers."""
    if not 0 < k < _ID_SPACE:
        raise ValueError(f"person number {k} is out of range")
    code = (k * _ID_STRIDE + _salt(seed, purpose)) % _ID_SPACE
    code, area = divmod(code, len(_ID_AREAS))
    sequence, day = divmod(code, _BIRTH_DAYS)
    born = dt.date.fromordinal(_BIRTH_FIRST + day)
    id_number = make_resident_id(
        f"{_ID_AREAS[area]}{born.year:04d}{born.month:02d}{born.day:02d}{sequence:03d}"
    )
    h = _mix(_salt(seed, purpose) ^ k)
    h, i = divmod(h, len(_SURNAMES))
    given = _MALE if sequence % 2 else _FEMALE  # the sequence's parity is the holder's sex
    h, g1 = divmod(h, len(given))
    h, g2 = divmod(h, len(given))
    h, two = divmod(h, 3)
    h, p = divmod(h, len(_PHONE_PREFIXES))
    name = _SURNAMES[i] + given[g1] + (given[g2] if two else "")
    return DemoPerson(k=k, name=name, id_number=id_number, phone=f"{_PHONE_PREFIXES[p]}{h % 10**8:08d}")


# ------------------------------------------------------------------------------------------ layout


@dataclass(slots=True)
class _Building:
    number: str
    name: str
    use: str  # residential, commercial, parking
    parcel: str
    floors: int
    entrances: int
    per_floor: int  # residential: flats per entrance per floor; commercial: shops per floor
    units: int
    areas: tuple[int, ...] = ()  # residential floor plan: centi-m² per position on a floor


@dataclass(slots=True)
class _Compound:
    index: int
    code: str
    name: str
    street: str
    community: str
    address: str
    lat: str
    lng: str
    delivered_on: dt.date
    developer: int
    firm: int
    parcels: list[str]
    buildings: list[_Building]
    units: int

    @property
    def new(self) -> bool:
        return self.delivered_on.year >= 2024


@dataclass
class DemoCounts:
    """What a generation wrote."""

    compounds: int = 0
    buildings: int = 0
    equipment: int = 0
    equipment_overdue: int = 0
    units: int = 0
    residential: int = 0
    commercial: int = 0
    parking: int = 0
    owners: int = 0
    developer_held: int = 0
    undelivered: int = 0
    sole: int = 0
    joint: int = 0
    shares: int = 0
    multi_unit_owners: int = 0
    mortgaged: int = 0
    seized: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _centi(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def district_streets(district: str) -> list[dict[str, Any]]:
    """The district's streets and towns from the pinned division table, by code."""
    rows = json.loads(DIVISIONS_FILE.read_text(encoding="utf-8"))["regions"]
    return sorted(
        (r for r in rows if r["parent"] == district and r["level"] == "street"), key=lambda r: r["code"]
    )


def _district_row(district: str) -> dict[str, Any]:
    rows = json.loads(DIVISIONS_FILE.read_text(encoding="utf-8"))["regions"]
    for r in rows:
        if r["code"] == district and r["level"] == "district":
            return r
    raise ValueError(f"{district} is not a district of Qingdao in the pinned division table")


class DemoPlan:
    """The shape of a demo: streets, communities, firms and compound sizes; generates both files' records."""

    def __init__(
        self,
        *,
        units: int,
        seed: int = DEFAULT_SEED,
        district: str = DEFAULT_DISTRICT,
        as_of: dt.date | None = None,
    ):
        if units < MIN_UNITS:
            raise ValueError(f"a demo needs at least {MIN_UNITS} units")
        self.units = units
        self.seed = seed
        self.district = _district_row(district)
        self.code = district
        self.as_of = as_of or dt.datetime.now(tz=dt.timezone(dt.timedelta(hours=8))).date()
        self.streets = district_streets(district)
        self.roads = _ROADS.get(district, _GENERIC_ROADS)
        self.centre = _CENTRES.get(district, (36.10, 120.46))
        n = max(3, math.ceil(units / AVERAGE_COMPOUND_UNITS))
        self.compound_count = n
        # Sizes vary ±50 % around the average; the first compound (the showcase) is never among the smallest.
        weights = [1.0] + [0.5 + _mix(_salt(seed, "size") ^ i) / 2**64 for i in range(1, n)]
        total = sum(weights)
        sizes = [int(units * w / total) for w in weights]
        for i in range(units - sum(sizes)):
            sizes[i % n] += 1
        self.sizes = sizes  # one int per compound (~4,000 for the whole city)
        self.per_community = max(3, math.ceil(n / len(self.streets) / 999))
        self.property_firms = min(60, max(3, n // 8))
        self.developers = min(80, max(3, n // 6))
        self.code_width = max(4, len(str(n)))

    # -------------------------------------------------------------------------------- places

    def _street_of(self, i: int) -> tuple[dict[str, Any], int, int]:
        """(street row, community number from 1, position of the compound in its community)."""
        street = self.streets[i % len(self.streets)]
        j = i // len(self.streets)
        return street, j // self.per_community + 1, j % self.per_community

    def _community_name(self, street_index: int, number: int) -> str:
        words = _COMMUNITY_WORDS
        k = (number - 1 + street_index * 7) % len(words)
        rnd = (number - 1) // len(words)
        prefix = "" if rnd == 0 else _DIRECTIONS[(rnd - 1) % len(_DIRECTIONS)]
        extra = "" if rnd <= len(_DIRECTIONS) else str(rnd // len(_DIRECTIONS) + 1)
        return f"{prefix}{words[k]}{extra}社区"

    def regions(self) -> Iterator[dict[str, Any]]:
        """City, district, its streets and the communities that hold compounds."""
        yield {"code": "370200", "name": "青岛市", "level": "city", "parent": None}
        yield {"code": self.code, "name": self.district["name"], "level": "district", "parent": "370200"}
        for street in self.streets:
            yield {"code": street["code"], "name": street["name"], "level": "street", "parent": self.code}
        for s, street in enumerate(self.streets):
            compounds_here = (self.compound_count - s + len(self.streets) - 1) // len(self.streets)
            for number in range(1, math.ceil(compounds_here / self.per_community) + 1):
                yield {
                    "code": f"{street['code']}{number:03d}",
                    "name": self._community_name(s, number),
                    "level": "community",
                    "parent": street["code"],
                }

    # -------------------------------------------------------------------------------- firms

    def _firm_uscc(self, kind: str, index: int) -> str:
        # 9 (registered by market regulation) 1 (enterprise) + division code + 9-character organisation code.
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        body = "".join(alphabet[(index // 31**p) % 31] for p in (2, 1, 0))
        tail = _mix(_salt(self.seed, kind) ^ index)
        salt = "".join(alphabet[(tail >> (5 * p)) % 31] for p in range(3))
        return make_uscc(f"91{self.code}MA{'P' if kind == 'property_firm' else 'D'}{body}{salt}")

    def _firm_name(self, kind: str, index: int) -> str:
        offset = 0 if kind == "property_firm" else 11
        word = _FIRM_WORDS[(index + offset) % len(_FIRM_WORDS)]
        if index >= len(_FIRM_WORDS):
            word += _FIRM_WORDS[(index // len(_FIRM_WORDS) + 3) % len(_FIRM_WORDS)][0]
        if kind == "property_firm":
            return f"青岛{word}物业服务有限公司" if index % 3 else f"青岛{word}物业管理有限公司"
        return f"青岛{word}置业有限公司" if index % 2 else f"青岛{word}房地产开发有限公司"

    def firm(self, kind: str, index: int) -> tuple[str, str]:
        """(credit code, name) of property firm or developer #index."""
        return self._firm_uscc(kind, index), self._firm_name(kind, index)

    def firms(self) -> Iterator[dict[str, Any]]:
        """Property firms (with a few staff each) and developers."""
        roles = (
            "project_manager",
            "butler",
            "butler",
            "engineer",
            "security",
            "cleaning",
            "customer_service",
        )
        for f in range(self.property_firms):
            uscc, name = self.firm("property_firm", f)
            served = [
                self.compound_code(i)
                for i in range(f, min(self.compound_count, f + 3 * self.property_firms), self.property_firms)
            ]
            rng = _rng(self.seed, "staff", f)
            staff = []
            for j, role in enumerate(roles[: 4 + rng.randrange(4)]):
                person = demo_person(seed=self.seed, k=f * 10 + j + 1, purpose="staff")
                compounds = (
                    served if role in ("project_manager", "engineer") else served[j % len(served) :][:1]
                )
                staff.append(
                    {"name": person.name, "role": role, "phone": person.phone, "compounds": compounds}
                )
            yield {
                "uscc": uscc,
                "name": name,
                "kind": "property_firm",
                "contact_name": staff[0]["name"],
                "contact_phone": staff[0]["phone"],
                "address": f"青岛市{self.district['name']}{rng.choice(self.roads)}{rng.randint(1, 300)}号",
                # the firm's public hotline (a Qingdao landline), drawn after everything above
                "service_phone": f"0532-8{rng.randint(0, 9999999):07d}",
                "staff": staff,
            }
        for d in range(self.developers):
            uscc, name = self.firm("developer", d)
            rng = _rng(self.seed, "developer", d)
            yield {
                "uscc": uscc,
                "name": name,
                "kind": "developer",
                "address": f"青岛市{self.district['name']}{rng.choice(self.roads)}{rng.randint(1, 300)}号",
            }

    # -------------------------------------------------------------------------------- compounds

    def compound_code(self, i: int) -> str:
        return f"QD-{self.code}-{i + 1:0{self.code_width}d}"

    def _compound_name(self, i: int) -> str:
        words, suffixes = _COMPOUND_WORDS, _COMPOUND_SUFFIXES
        shift = _salt(self.seed, "names") % len(words)
        name = words[(i + shift) % len(words)] + suffixes[(i // len(words) + shift) % len(suffixes)]
        phase = i // (len(words) * len(suffixes))
        return name if phase == 0 else f"{name}{phase + 1}期"

    def layout(self, i: int) -> _Compound:
        """Compound #i (from 0): place, firms, parcels and buildings; the same for both passes."""
        rng = _rng(self.seed, "layout", i)
        n = self.sizes[i]
        street, community_no, position = self._street_of(i)
        community = f"{street['code']}{community_no:03d}"
        year = (
            2018
            if i == 0
            else rng.choices(range(1996, 2026), weights=[1] * 10 + [2] * 10 + [3] * 8 + [2] * 2)[0]
        )
        delivered_on = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        road = rng.choice(self.roads)
        address = f"青岛市{self.district['name']}{road}{rng.randint(1, 400)}号"
        lat = self.centre[0] + rng.uniform(-0.035, 0.035)
        lng = self.centre[1] + rng.uniform(-0.035, 0.035)
        parcels = [f"{community}GB{position * 2 + 1:05d}"]
        n_parking = round(n * 0.12) if n >= MIN_UNITS else 0
        n_shops = max(2, round(n * 0.03)) if n >= 150 else 0
        remaining = n - n_parking - n_shops
        buildings: list[_Building] = []
        number = 0
        while remaining > 0:
            number += 1
            if year < 2005 or (year < 2015 and rng.random() < 0.5):
                floors, entrances, per_floor = rng.choice((5, 6, 6, 7)), rng.randint(2, 4), 2
                plan = tuple(rng.randint(4500, 11000) for _ in range(entrances * per_floor))
            else:
                floors, entrances = rng.choice((11, 18, 18, 26, 33)), rng.randint(1, 2)
                per_floor = rng.randint(2, 4)
                plan = tuple(
                    rng.choice((rng.randint(4500, 7000), rng.randint(8000, 14500), rng.randint(14000, 18000)))
                    for _ in range(entrances * per_floor)
                )
            capacity = floors * entrances * per_floor
            if capacity >= remaining:
                floors = math.ceil(remaining / (entrances * per_floor))
            units = min(capacity, remaining)
            remaining -= units
            buildings.append(
                _Building(
                    f"{number:04d}",
                    f"{number}号楼",
                    "residential",
                    "",
                    floors,
                    entrances,
                    per_floor,
                    units,
                    plan,
                )
            )
        if len(buildings) > 6 and rng.random() < 0.5:
            parcels.append(f"{community}GB{position * 2 + 2:05d}")
        for k, b in enumerate(buildings):
            b.parcel = parcels[1] if len(parcels) > 1 and k >= len(buildings) // 2 else parcels[0]
        if n_shops:
            number += 1
            buildings.append(
                _Building(
                    f"{number:04d}",
                    "沿街商业楼",
                    "commercial",
                    parcels[0],
                    2,
                    0,
                    math.ceil(n_shops / 2),
                    n_shops,
                )
            )
        if n_parking:
            number += 1
            buildings.append(
                _Building(f"{number:04d}", "地下车库", "parking", parcels[0], 0, 0, 0, n_parking)
            )
        return _Compound(
            index=i,
            code=self.compound_code(i),
            name=self._compound_name(i),
            street=street["code"],
            community=community,
            address=address,
            lat=f"{lat:.6f}",
            lng=f"{lng:.6f}",
            delivered_on=delivered_on,
            developer=rng.randrange(self.developers),
            firm=i % self.property_firms,
            parcels=parcels,
            buildings=buildings,
            units=n,
        )

    def _equipment(self, c: _Compound, counts: DemoCounts) -> list[dict[str, Any]]:
        rng = _rng(self.seed, "equipment", c.index)
        items: list[dict[str, Any]] = []
        sequence: dict[str, int] = {}

        def add(
            category: str,
            name: str,
            *,
            building: str = "",
            entrance: str = "",
            area: str = "",
            since: dt.date,
        ) -> None:
            sequence[category] = sequence.get(category, 0) + 1
            interval = _INTERVALS[category]
            overdue = rng.random() < 0.1
            due = (
                self.as_of - dt.timedelta(days=rng.randint(1, 20))
                if overdue
                else self.as_of + dt.timedelta(days=rng.randint(0, interval))
            )
            counts.equipment += 1
            counts.equipment_overdue += due < self.as_of
            item: dict[str, Any] = {"category": category, "sequence": sequence[category], "name": name}
            item |= {"building": building, "entrance": entrance} if building else {"common_area": area}
            item |= {
                "installer": rng.choice(_INSTALLERS[category]),
                "installed_on": since.isoformat(),
                "warranty_until": _add_years(since, _WARRANTY_YEARS[category]).isoformat(),
                "maintenance_interval_days": interval,
                "next_due_on": due.isoformat(),
            }
            if not entrance:
                item.pop("entrance", None)
            items.append(item)

        built = c.delivered_on.replace(day=1)
        for b in c.buildings:
            if b.use == "residential" and b.floors >= 7:
                for e in range(1, b.entrances + 1):
                    for j in range(1, (2 if b.floors >= 19 else 1) + 1):
                        add(
                            "LIFT",
                            f"{b.name}{e}单元{j}号电梯",
                            building=b.number,
                            entrance=str(e),
                            since=built,
                        )
        add("FIRE", "消防水泵", area="消防泵房", since=built)
        if any(b.floors >= 7 for b in c.buildings):
            add("TANK", "二次供水水箱", area="二次供水泵房", since=built)
            add("GEN", "备用发电机", area="配电室", since=built)
        for gate in ("东门", "南门", "北门")[: 1 + (c.units > 200) + (c.units > 600)]:
            add("GATE", f"{gate}门禁道闸", area=gate, since=built)
        for spot in ("东门", "南门", "中心广场", "儿童乐园", "周界东侧", "周界西侧")[
            : 2 + min(4, c.units // 200)
        ]:
            add("CAM", f"{spot}监控摄像头", area=spot, since=built)
        garage = next((b for b in c.buildings if b.use == "parking"), None)
        if garage is not None:
            evc_since = max(built, dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 1500)))
            for k in range(1, 2 + min(7, garage.units // 20)):
                add("EVC", f"地下车库{k}号充电桩", building=garage.number, since=evc_since)
        return items

    def compound_record(self, c: _Compound, counts: DemoCounts) -> dict[str, Any]:
        counts.buildings += len(c.buildings)
        rng = _rng(self.seed, "contract", c.index)
        starts = dt.date(rng.randint(2022, 2025), rng.randint(1, 12), 1)
        years = rng.choice((3, 5))
        fee = rng.randint(60, 150) if c.delivered_on.year < 2005 else rng.randint(150, 350)
        developer, _ = self.firm("developer", c.developer)
        firm, _ = self.firm("property_firm", c.firm)
        return {
            "code": c.code,
            "name": c.name,
            "community": c.community,
            "parcels": c.parcels,
            "developer": developer,
            "property_firm": firm,
            "address": c.address,
            "lat": c.lat,
            "lng": c.lng,
            "contract": {
                "starts_on": starts.isoformat(),
                "ends_on": (_add_years(starts, years) - dt.timedelta(days=1)).isoformat(),
                "fee_standard": _centi(fee),
            },
            "buildings": [
                {
                    "number": b.number,
                    "name": b.name,
                    **({"floors": b.floors} if b.floors else {}),
                    "entrances": [{"number": str(e), "name": f"{e}单元"} for e in range(1, b.entrances + 1)],
                }
                for b in c.buildings
            ],
            "equipment": self._equipment(c, counts),
        }

    # -------------------------------------------------------------------------------- units

    def events(self, counts: DemoCounts) -> Iterator[dict[str, Any]]:
        """One CREATE event per unit, compound by compound (memory: one compound's layout at a time)."""
        state = _FeedState()
        for i in range(self.compound_count):
            yield from self._compound_events(self.layout(i), state, counts)
        counts.owners = state.next_person - 1 + len(state.developers)

    def _compound_events(
        self, c: _Compound, state: _FeedState, counts: DemoCounts
    ) -> Iterator[dict[str, Any]]:
        rng = _rng(self.seed, "units", c.index)
        dev_uscc, dev_name = self.firm("developer", c.developer)
        developer = {
            "name": dev_name,
            "holder_type": "organisation",
            "id_type": "uscc",
            "id_number": dev_uscc,
            "certificate_holder": True,
        }
        recent: deque[int] = deque(maxlen=64)  # residential owners of this compound that may buy another unit
        multi: set[int] = set()
        showcase = iter(_SHOWCASE if c.index == 0 else ())

        def person(
            k: int | None = None, *, share: str | None = None, certificate: bool = True
        ) -> dict[str, Any]:
            if k is None:
                k = state.next_person
                state.next_person += 1
            else:
                multi.add(k)  # a person seen before: one owner, several units
            p = demo_person(seed=self.seed, k=k)
            h: dict[str, Any] = {"name": p.name, "holder_type": "person", "id_type": "resident_id"}
            h["id_number"] = p.id_number
            if share is not None:
                h["share"] = share
            h["certificate_holder"] = certificate
            h["_k"] = k
            return h

        for b in c.buildings:
            for floor, entrance, household, room, area in self._slots(b, rng):
                state.seq += 1
                forced = next(showcase, None) if b.use == "residential" else None
                if forced is None and b.use == "parking" and c.index == 0 and not state.multi_parked:
                    forced, state.multi_parked = "multi", True
                kind = forced or self._kind(b.use, c, rng, can_reuse=bool(recent))
                if kind == "developer":
                    holders, co = [developer], "sole"
                    state.developers.add(c.developer)
                elif kind == "joint":
                    holders, co = [person(), person(certificate=False)], "joint"
                elif kind == "shares":
                    pattern = ("1/3", "2/3") if forced else rng.choice(_SHARE_PATTERNS)
                    holders, co = (
                        [person(share=s, certificate=j == 0) for j, s in enumerate(pattern)],
                        "shares",
                    )
                elif kind == "reuse":
                    holders, co = [person(rng.choice(recent))], "sole"
                elif kind == "multi":  # showcase owner #4
                    holders, co = (
                        [person(SHOWCASE_MULTI if state.next_person > SHOWCASE_MULTI else None)],
                        "sole",
                    )
                    assert holders[0]["_k"] == SHOWCASE_MULTI
                else:  # sole, undelivered, seized
                    holders, co = [person()], "sole"
                # Unsold units never reached a buyer: the developer's for vote counting either way.
                delivered = kind not in ("developer", "undelivered")
                is_person = holders[0]["holder_type"] == "person"
                mortgage = is_person and b.use != "parking" and (forced == "shares" or rng.random() < 0.3)
                seizure = kind == "seized" or (is_person and forced is None and rng.random() < 0.003)
                if is_person and b.use == "residential" and co != "shares" and forced is None:
                    recent.append(holders[0]["_k"])
                for h in holders:
                    h.pop("_k", None)
                prop = self._property(c, b, floor, entrance, room, area, delivered)
                encumbrances = {"mortgage": mortgage, "seizure": seizure}
                yield self._event(c, b, state, household, holders, co, prop, encumbrances, rng)
                counts.units += 1
                setattr(counts, b.use, getattr(counts, b.use) + 1)
                counts.developer_held += kind == "developer"
                counts.undelivered += kind == "undelivered"
                counts.mortgaged += mortgage
                counts.seized += seizure
                setattr(counts, co, getattr(counts, co) + 1)
        counts.multi_unit_owners += len(multi)

    def _kind(self, use: str, c: _Compound, rng: random.Random, *, can_reuse: bool) -> str:
        x = rng.random()
        if use == "parking":  # unsold spaces stay with the developer; most others go to the flat owners
            return "developer" if x < 0.35 else ("reuse" if can_reuse and x < 0.9 else "sole")
        if use == "commercial":
            return "developer" if x < 0.15 else ("reuse" if can_reuse and x < 0.3 else "sole")
        if x < (0.08 if c.new else 0.02):
            return "developer"
        if x < (0.2 if c.new else 0.025):
            return "undelivered"
        x = rng.random()
        if can_reuse and x < 0.04:
            return "reuse"
        if x < 0.36:
            return "joint"
        if x < 0.44:
            return "shares"
        return "sole"

    def _slots(self, b: _Building, rng: random.Random) -> Iterator[tuple[str, str, str, str, int]]:
        """(floor, entrance, household digits, room label, area in centi-m²) of each unit of a building."""
        if b.use == "residential":
            positions = (
                (floor, e, r)
                for floor in range(1, b.floors + 1)
                for e in range(1, b.entrances + 1)
                for r in range(1, b.per_floor + 1)
            )
            for floor, e, r in islice(positions, b.units):
                position = (e - 1) * b.per_floor + r
                area = b.areas[position - 1] + rng.randint(-40, 40)
                yield str(floor), str(e), f"{floor:02d}{position:02d}", f"{floor}{r:02d}", area
        elif b.use == "commercial":
            for k in range(b.units):
                floor, r = divmod(k, b.per_floor)
                yield (
                    str(floor + 1),
                    "",
                    f"{floor + 1:02d}{r + 1:02d}",
                    f"{floor + 1}{r + 1:02d}",
                    rng.randint(2500, 20000),
                )
        else:
            for k in range(1, b.units + 1):
                level = 1 if k <= 500 else 2
                yield f"-{level}", "", f"{k:04d}", f"B{level}-{k:03d}", rng.randint(1200, 2500)

    def _property(
        self, c: _Compound, b: _Building, floor: str, entrance: str, room: str, area: int, delivered: bool
    ) -> dict[str, Any]:
        if b.use == "residential":
            where = f"{c.address}{b.name}{entrance}单元{room}户"
        elif b.use == "commercial":
            where = f"{c.address}{b.name}{room}号商铺"
        else:
            where = f"{c.address}地下车库{room}号车位"
        prop: dict[str, Any] = {
            "address": where,
            "planned_use": b.use,
            "building_area_m2": _centi(area),
            "exclusive_area_m2": _centi(area * (80 if b.use == "residential" else 95) // 100),
            "floor": floor,
            "room": room,
            "delivered": delivered,
        }
        if entrance:
            prop["entrance"] = entrance  # an extension of the feed format: places the unit on its entrance
        return prop

    def _event(
        self,
        c: _Compound,
        b: _Building,
        state: _FeedState,
        household: str,
        holders: list[dict[str, Any]],
        co: str,
        prop: dict[str, Any],
        encumbrances: dict[str, bool],
        rng: random.Random,
    ) -> dict[str, Any]:
        if holders[0]["holder_type"] == "organisation":
            on = c.delivered_on  # first registration by the developer
        elif not prop["delivered"]:
            on = DATA_CUTOFF - dt.timedelta(days=rng.randint(0, 300))
        else:
            on = min(DATA_CUTOFF, c.delivered_on + dt.timedelta(days=rng.randint(0, 720)))
        at = f"{on.isoformat()}T{rng.randint(9, 16):02d}:{rng.randint(0, 59):02d}:00+08:00"
        certificate = (state.seq * 7919 + _salt(self.seed, "certificate")) % 10**7
        return {
            "seq": state.seq,
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "event_type": "CREATE",
            "occurred_at": at,
            "unit_number": f"{b.parcel}F{b.number}{household}",
            "corrects_event_id": None,
            "registration": {
                "business_no": f"{on.year}-{on.month:02d}{on.day:02d}-{state.seq % 10**6:06d}",
                "certificate_no": f"鲁({on.year})青岛市不动产权第{certificate:07d}号",
                "registered_at": at,
            },
            "property": prop,
            "co_ownership": co,
            "holders": holders,
            "encumbrances": encumbrances,
        }


# The first residential units of the first compound, in order (see SHOWCASE_*).
_SHOWCASE = ("sole", "joint", "multi", "multi", "shares", "developer", "undelivered", "seized")


@dataclass
class _FeedState:
    seq: int = 0
    next_person: int = 1
    multi_parked: bool = False
    developers: set[int] = field(default_factory=set)


# ------------------------------------------------------------------------------------------ files

MASTER_FILE = "master.json"
FEED_FILE = "feed.jsonl"


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _write_array(out: TextIO, key: str, items: Iterator[dict[str, Any]], *, last: bool = False) -> int:
    out.write(f'"{key}":[')
    n = 0
    for item in items:
        out.write(("\n" if n == 0 else ",\n") + _dump(item))
        n += 1
    out.write("\n]" + ("}\n" if last else ",\n"))
    return n


def demo_params(plan: DemoPlan) -> dict[str, Any]:
    return {"seed": plan.seed, "units": plan.units, "district": plan.code, "as_of": plan.as_of.isoformat()}


def read_demo_params(master: Path) -> dict[str, Any]:
    """The parameters a master.json was generated with (its first line), without parsing the rest."""
    with master.open(encoding="utf-8") as f:
        first = f.readline().rstrip().rstrip(",")
    return json.loads(first + "}")["demo"]


def generate_demo(
    *,
    out_dir: Path,
    units: int,
    seed: int = DEFAULT_SEED,
    district: str = DEFAULT_DISTRICT,
    as_of: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 100_000,
) -> DemoCounts:
    """Write out_dir/master.json and out_dir/feed.jsonl by streaming; each appears whole or not at all."""
    started = time.monotonic()
    plan = DemoPlan(units=units, seed=seed, district=district, as_of=as_of)
    counts = DemoCounts()
    out_dir.mkdir(parents=True, exist_ok=True)
    master, feed = out_dir / MASTER_FILE, out_dir / FEED_FILE
    master_tmp, feed_tmp = master.with_name(master.name + ".part"), feed.with_name(feed.name + ".part")
    with master_tmp.open("w", encoding="utf-8", buffering=1 << 20) as out:
        out.write('{"demo":' + _dump(demo_params(plan)) + ",\n")
        source = (
            "Gongzhi demo generator (registry/demo.py): made-up compounds, firms and people; regions from "
            "registry/data/qingdao_divisions.json"
        )
        out.write('"source":' + _dump(source) + ",\n")
        _write_array(out, "regions", plan.regions())
        _write_array(out, "firms", plan.firms())
        counts.compounds = _write_array(
            out,
            "compounds",
            (plan.compound_record(plan.layout(i), counts) for i in range(plan.compound_count)),
            last=True,
        )
    with feed_tmp.open("w", encoding="utf-8", buffering=1 << 20) as out:
        for n, event in enumerate(plan.events(counts), start=1):
            out.write(_dump(event) + "\n")
            if progress is not None and n % progress_every == 0:
                progress(n)
    os.replace(master_tmp, master)
    os.replace(feed_tmp, feed)
    counts.seconds = time.monotonic() - started
    return counts
