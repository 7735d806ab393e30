"""The demo: pinned divisions, the deterministic streaming generator, its load through the real import paths,
`seed_demo` (idempotent, working logins) and `generate_demo` in bounded memory."""

import datetime as dt
import json
import tracemalloc
from collections import Counter
from fractions import Fraction
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import Client

from config.errors import ApplicationError, Forbidden
from registry.demo import (
    SHOWCASE_JOINT,
    SHOWCASE_JOINT_PARTNER,
    SHOWCASE_MULTI,
    SHOWCASE_SOLE,
    DemoCounts,
    demo_person,
    generate_demo,
    read_demo_params,
)
from registry.identifiers import (
    normalize_phone,
    validate_certificate_no,
    validate_resident_id,
    validate_unit_number,
    validate_uscc,
)
from registry.management.commands.seed_demo import DEMO_PASSWORD
from registry.models import (
    AuditEvent,
    Building,
    CommitteeMember,
    Compound,
    Entrance,
    Equipment,
    Firm,
    FirmStaff,
    MaintenanceRecord,
    Official,
    Owner,
    OwnersCommittee,
    Ownership,
    Parcel,
    QuarantinedRecord,
    Region,
    ServiceContract,
    Unit,
    User,
)
from registry.personal_data import identity_digest
from registry.services.committees import owners_committee_file
from registry.services.places import master_data_load
from registry.services.registration import parse_share, registration_feed_apply
from tests.conftest import World

AS_OF = dt.date(2026, 11, 22)
DIVISIONS = Path(__file__).resolve().parents[2] / "registry" / "data" / "qingdao_divisions.json"


def _generate(out: Path, units: int, seed: int = 7) -> DemoCounts:
    return generate_demo(out_dir=out, units=units, seed=seed, as_of=AS_OF)


def _events(out: Path) -> list[dict]:
    with (out / "feed.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _master(out: Path) -> dict:
    return json.loads((out / "master.json").read_text(encoding="utf-8"))


def _owner_of(k: int, seed: int) -> Owner:
    digest = identity_digest(id_type="resident_id", id_number=demo_person(seed=seed, k=k).id_number)
    return Owner.objects.get(id_hmac=digest.id_hmac)


# ------------------------------------------------------------------------------------ pinned divisions


def test_pinned_divisions_cover_all_qingdao_districts_with_consistent_codes():
    # given
    doc = json.loads(DIVISIONS.read_text(encoding="utf-8"))
    rows = doc["regions"]
    by_code = {r["code"]: r for r in rows}
    # then
    assert len(by_code) == len(rows)
    assert by_code["370200"] == {"code": "370200", "name": "青岛市", "level": "city", "parent": None}
    districts = sorted(r["code"] for r in rows if r["level"] == "district")
    assert districts == [
        "370202", "370203", "370211", "370212", "370213", "370214", "370215", "370281", "370283", "370285",
    ]  # fmt: skip
    assert by_code["370212001"]["name"] == "中韩街道"
    assert by_code["370212002"]["name"] == "沙子口街道"
    assert [r["name"] for r in rows if r["parent"] == "370212"] == [
        "中韩街道", "沙子口街道", "王哥庄街道", "北宅街道", "金家岭街道",
    ]  # fmt: skip
    streets = [r for r in rows if r["level"] == "street"]
    assert all(len(r["code"]) == 9 and r["code"][:6] == r["parent"] for r in streets)
    assert all(r["code"][6:] != "000" for r in streets)
    assert {r["parent"] for r in streets} == set(districts)
    assert "must be checked against the official statistical division table" in doc["source"]


# ------------------------------------------------------------------------------------ the generator


def test_generation_is_deterministic_for_a_seed(tmp_path):
    # when
    first = _generate(tmp_path / "a", 1200)
    again = _generate(tmp_path / "b", 1200)
    _generate(tmp_path / "c", 1200, seed=8)
    # then
    for name in ("master.json", "feed.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "feed.jsonl").read_bytes() != (tmp_path / "c" / "feed.jsonl").read_bytes()
    assert {**first.as_dict(), "seconds": 0} == {**again.as_dict(), "seconds": 0}
    assert read_demo_params(tmp_path / "a" / "master.json") == {
        "seed": 7, "units": 1200, "district": "370212", "as_of": "2026-11-22",
    }  # fmt: skip


def test_unit_numbers_are_valid_unique_and_placed_on_listed_parcels_and_buildings(tmp_path):
    # given
    counts = _generate(tmp_path, 3000)
    master = _master(tmp_path)
    parcels = {p for c in master["compounds"] for p in c["parcels"]}
    buildings = {(p, b["number"]) for c in master["compounds"] for p in c["parcels"] for b in c["buildings"]}
    # when
    numbers = [validate_unit_number(e["unit_number"]) for e in _events(tmp_path)]
    # then
    assert len(numbers) == counts.units == 3000
    assert len({n.value for n in numbers}) == 3000
    assert [n for n in numbers if n.warnings] == []
    assert {n.parcel_code for n in numbers} == parcels
    assert {(n.parcel_code, n.building_no) for n in numbers} <= buildings
    assert sum(len(c["parcels"]) for c in master["compounds"]) == len(parcels)


def test_identifiers_are_valid_and_one_id_is_one_person(tmp_path):
    # given
    _generate(tmp_path, 3000)
    master = _master(tmp_path)
    names: dict[str, str] = {}
    # when
    for e in _events(tmp_path):
        validate_certificate_no(e["registration"]["certificate_no"])
        for h in e["holders"]:
            if h["id_type"] == "resident_id":
                assert validate_resident_id(h["id_number"]) == h["id_number"]
            else:
                assert (h["id_type"], h["holder_type"]) == ("uscc", "organisation")
                validate_uscc(h["id_number"])
            assert names.setdefault(h["id_number"], h["name"]) == h["name"]
    # then
    for f in master["firms"]:
        validate_uscc(f["uscc"])
        assert all(normalize_phone(s["phone"]) == s["phone"] for s in f.get("staff", []))
    assert len({f["uscc"] for f in master["firms"]}) == len(master["firms"])
    people = [demo_person(seed=7, k=k) for k in range(1, 20001)]
    assert len({p.id_number for p in people}) == 20000
    assert all(validate_resident_id(p.id_number, today=AS_OF) for p in people)
    assert all(normalize_phone(p.phone) == p.phone for p in people)


def test_by_shares_units_sum_to_exactly_one_in_every_notation(tmp_path):
    # given
    _generate(tmp_path, 5000)
    shared = [e for e in _events(tmp_path) if e["co_ownership"] == "shares"]
    # when
    totals = {sum((parse_share(h["share"]) for h in e["holders"]), Fraction(0)) for e in shared}
    notations = {h["share"] for e in shared for h in e["holders"]}
    # then
    assert len(shared) > 0
    assert totals == {Fraction(1)}
    assert {"1/2", "50%", "0.5", "1/3", "2/3"} <= notations
    assert all(len(e["holders"]) >= 2 for e in shared)


def test_units_have_realistic_uses_areas_and_states(tmp_path):
    # given
    counts = _generate(tmp_path, 5000)
    events = _events(tmp_path)
    area = {use: [float(e["property"]["building_area_m2"]) for e in events if e["property"]["planned_use"] == use]
            for use in ("residential", "commercial", "parking")}  # fmt: skip
    # then
    assert (len(area["residential"]), len(area["commercial"]), len(area["parking"])) == (
        counts.residential, counts.commercial, counts.parking,
    )  # fmt: skip
    assert 44 < min(area["residential"]) and max(area["residential"]) < 181
    assert 12 <= min(area["parking"]) and max(area["parking"]) <= 25
    assert all(len(e["property"]["building_area_m2"].split(".")[1]) == 2 for e in events)
    assert all("entrance" in e["property"] for e in events if e["property"]["planned_use"] == "residential")
    assert [e["seq"] for e in events] == list(range(1, 5001))
    assert min(counts.developer_held, counts.undelivered, counts.joint, counts.shares, counts.mortgaged) > 0
    assert counts.multi_unit_owners > 0 and counts.seized > 0
    assert counts.equipment_overdue > 0
    lifts = [e for c in _master(tmp_path)["compounds"] for e in c["equipment"] if e["category"] == "LIFT"]
    assert lifts and all(e["maintenance_interval_days"] <= 15 and e.get("entrance") for e in lifts)


# ------------------------------------------------------------------------------------ loading


def test_small_demo_loads_through_the_real_paths_without_quarantine(db, tmp_path):
    # given
    counts = _generate(tmp_path, 300)
    # when
    master_data_load(doc=_master(tmp_path), source="test-demo")
    with (tmp_path / "feed.jsonl").open(encoding="utf-8") as f:
        report = registration_feed_apply(lines=f, source="test-demo")
    # then
    assert (report.applied, report.quarantined) == (300, 0)
    assert QuarantinedRecord.objects.count() == 0
    assert Compound.objects.count() == counts.compounds == 3
    assert Unit.objects.count() == 300
    assert Unit.objects.filter(compound__isnull=True).count() == 0
    assert Unit.objects.filter(building__isnull=True).count() == 0
    assert Unit.objects.filter(planned_use="residential", entrance__isnull=True).count() == 0
    assert Owner.objects.count() == counts.owners
    assert Unit.objects.filter(developer_held=True).count() == counts.developer_held
    assert Unit.objects.filter(delivered=False, developer_held=False).count() == counts.undelivered
    current = Ownership.objects.filter(valid_to__isnull=True)
    assert current.filter(co_ownership="joint").values("unit").distinct().count() == counts.joint
    assert current.filter(co_ownership="shares").values("unit").distinct().count() == counts.shares
    people = Owner.objects.filter(holder_type="person")
    multi = people.annotate(n=Count("ownerships", filter=Q(ownerships__valid_to__isnull=True))).filter(
        n__gt=1
    )
    assert multi.count() == counts.multi_unit_owners
    assert (
        min(counts.developer_held, counts.undelivered, counts.joint, counts.shares, counts.multi_unit_owners)
        >= 1
    )
    assert Unit.objects.filter(mortgage=True).count() == counts.mortgaged
    assert Unit.objects.filter(seizure=True).count() == counts.seized
    assert Equipment.objects.count() == counts.equipment
    assert Building.objects.count() == counts.buildings


def test_showcase_owners_hold_what_the_seed_promises(db, tmp_path):
    # given
    _generate(tmp_path, 300)
    master_data_load(doc=_master(tmp_path))
    with (tmp_path / "feed.jsonl").open(encoding="utf-8") as f:
        registration_feed_apply(lines=f, source="test-demo")
    # when
    sole, joint, partner, multi = (
        _owner_of(k, 7) for k in (SHOWCASE_SOLE, SHOWCASE_JOINT, SHOWCASE_JOINT_PARTNER, SHOWCASE_MULTI)
    )
    # then
    assert list(sole.ownerships.values_list("co_ownership", "certificate_holder")) == [("sole", True)]
    assert list(joint.ownerships.values_list("co_ownership", "certificate_holder")) == [("joint", True)]
    assert list(partner.ownerships.values_list("co_ownership", "certificate_holder")) == [("joint", False)]
    assert joint.ownerships.get().unit_id == partner.ownerships.get().unit_id
    assert sorted(multi.ownerships.values_list("unit__planned_use", flat=True)) == [
        "parking",
        "residential",
        "residential",
    ]
    assert {o.unit.compound.code for o in Ownership.objects.filter(owner__in=[sole, joint, multi])} == {
        "QD-370212-0001"
    }


# ------------------------------------------------------------------------------------ seed_demo


def _snapshot() -> dict[str, int]:
    models = (
        Region, Firm, FirmStaff, Compound, Parcel, ServiceContract, Building, Entrance, Equipment, Unit, Owner,
        Ownership, User, Official, OwnersCommittee, CommitteeMember, MaintenanceRecord, QuarantinedRecord,
    )  # fmt: skip
    return {m.__name__: m.objects.count() for m in models}


def _logins(output: str) -> str:
    return output[output.index("Demo logins") :]


def test_seed_demo_is_idempotent_and_its_logins_work(db, tmp_path):
    # given
    first = StringIO()
    call_command("seed_demo", "--units", "300", "--dir", str(tmp_path), stdout=first)
    before = _snapshot()
    due = dict(Equipment.objects.values_list("code", "next_due_on"))
    # when
    second = StringIO()
    call_command("seed_demo", "--units", "300", "--dir", str(tmp_path), stdout=second)
    # then
    assert _snapshot() == before
    assert dict(Equipment.objects.values_list("code", "next_due_on")) == due
    assert _logins(second.getvalue()) == _logins(first.getvalue())
    assert "applied 0, skipped as already seen 300, quarantined 0" in second.getvalue()
    assert f"Demo logins (password for all: {DEMO_PASSWORD}):" in first.getvalue()
    assert (before["Unit"], before["QuarantinedRecord"], before["CommitteeMember"], before["MaintenanceRecord"]) == (
        300, 0, 5, 9,
    )  # fmt: skip
    usernames = [
        "official_zhonghan",
        "official_laoshan",
        "firm_demo",
        "owner_demo1",
        "owner_demo2",
        "owner_demo3",
    ]
    assert all(u in first.getvalue() for u in usernames)
    assert [Client().login(username=u, password=DEMO_PASSWORD) for u in usernames] == [True] * 6
    assert User.objects.get(username="official_zhonghan").official.region.code == "370212001"
    assert User.objects.get(username="official_laoshan").official.region.code == "370212"
    compound = Compound.objects.get(code="QD-370212-0001")
    assert User.objects.get(username="firm_demo").firm_staff.firm_id == compound.property_firm_id
    committee = OwnersCommittee.objects.get(compound=compound)
    assert (committee.filing_status, committee.filed_on) == ("filed", dt.date(2024, 3, 20))
    director = committee.members.get(role="director").owner
    assert director.user.username == "owner_demo2"
    assert sorted(User.objects.get(username="owner_demo3").owner.ownerships.values_list("unit__planned_use", flat=True)) == [
        "parking", "residential", "residential",
    ]  # fmt: skip


def test_seed_demo_refuses_a_directory_of_other_parameters(db, tmp_path):
    # given
    _generate(tmp_path, 300)
    # when
    with pytest.raises(Exception, match="holds a demo of 300 units") as caught:
        call_command("seed_demo", "--units", "600", "--dir", str(tmp_path), stdout=StringIO())
    # then
    assert type(caught.value).__name__ == "CommandError"
    assert Unit.objects.count() == 0


# ------------------------------------------------------------------------------------ committee service


def test_committee_filing_is_refused_for_a_firm_and_for_non_owners(world: World):
    # given
    alice, carol = world.alice.owner, world.carol.owner
    term = {
        "term_starts_on": dt.date(2024, 3, 1),
        "term_ends_on": dt.date(2029, 2, 28),
        "filed_on": dt.date(2024, 3, 20),
    }
    # when
    with pytest.raises(Forbidden):
        owners_committee_file(
            actor=world.firm_a,
            compound=world.compound_a,
            filing_no="x",
            members=[(alice, "director")],
            **term,
        )
    with pytest.raises(ApplicationError) as not_owner:
        owners_committee_file(
            actor=world.official_a,
            compound=world.compound_a,
            filing_no="x",
            members=[(carol, "director")],
            **term,
        )
    committee = owners_committee_file(
        actor=world.official_a,
        compound=world.compound_a,
        filing_no="崂山区业委会备字〔2024〕第001号",
        members=[(alice, "director"), (world.bob.owner, "member")],
        **term,
    )
    # then
    assert not_owner.value.code == "not_current_owner"
    assert OwnersCommittee.objects.get() == committee
    assert Counter(committee.members.values_list("role", flat=True)) == Counter({"director": 1, "member": 1})
    assert AuditEvent.objects.filter(verb="committee.file").count() == 1


# ------------------------------------------------------------------------------------ generate_demo


@pytest.mark.slow
def test_generate_demo_streams_in_bounded_memory(tmp_path):
    # given: 20,000 units (tracemalloc slows allocation-heavy code ~10x; the rate test is in the report)
    out = StringIO()
    tracemalloc.start()
    # when
    try:
        call_command(
            "generate_demo", "--units", "20000", "--out", str(tmp_path), "--as-of", "2026-11-22", stdout=out
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # then
    feed = tmp_path / "feed.jsonl"
    assert feed.stat().st_size > 15 * 2**20  # holding the units' events alone would need several times this
    assert peak < 4 * 2**20
    with feed.open(encoding="utf-8") as f:
        assert sum(1 for _ in f) == 20000
    assert "units                  20,000" in out.getvalue()
    assert "compounds                  34" in out.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.jsonl", "master.json"]
