"""Master data: validation of the whole document, idempotent re-loading, regions' paths."""

import copy
import json
import subprocess
import sys

import pytest
from django.core.management import call_command

from registry.identifiers import ERROR_MESSAGES
from registry.models import Building, Compound, Entrance, Equipment, Firm, Parcel, Region, ServiceContract
from registry.services.places import MasterDataInvalid, master_data_load
from tests.conftest import MASTER, child_process_env


def _counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (Region, Firm, Compound, Parcel, ServiceContract, Building, Entrance, Equipment)
    )


def test_load_builds_hierarchy_with_implied_city(db):
    # when
    report = master_data_load(doc=MASTER)
    # then
    community = Region.objects.get(code="370212001001")
    assert community.path == "370200/370212/370212001/370212001001/"
    assert Region.objects.get(code="370200").name == "青岛市"  # implied, named from the pinned table
    assert report.created["compounds"] == 2
    compound = Compound.objects.get(code="QD-370212-0001")
    assert (compound.developer.uscc, compound.property_firm.uscc) == (
        "91350100M000100Y43",
        "91370200MA3C00003W",
    )
    assert str(compound.lat) == "36.106000"
    assert ServiceContract.objects.get(compound=compound).fee_standard.to_eng_string() == "2.50"


def test_reloading_updates_and_never_duplicates(db):
    # given
    master_data_load(doc=MASTER)
    before = _counts()
    changed = copy.deepcopy(MASTER)
    changed["compounds"][0]["name"] = "逸景公馆（一期）"
    # when
    report = master_data_load(doc=changed)
    # then
    assert _counts() == before
    assert sum(report.created.values()) == 0
    assert Compound.objects.get(code="QD-370212-0001").name == "逸景公馆（一期）"


def test_a_bad_document_is_refused_whole_with_every_error_located(db):
    # given
    bad = copy.deepcopy(MASTER)
    bad["firms"][0]["uscc"] = "91110000600037341X"
    bad["compounds"][1]["parcels"] = ["370212001002GB00123"]  # already compound 0's parcel
    bad["compounds"][1]["community"] = "370212999999"
    # when
    with pytest.raises(MasterDataInvalid) as e:
        master_data_load(doc=bad)
    # then
    errors = e.value.extra["errors"]
    assert len(errors) == 4
    assert errors[0] == "firms[0].uscc: 统一社会信用代码校验位不正确"
    assert "compounds[0].property_firm: '91370200MA3C00003W' is not a known property_firm" in errors
    assert "compounds[1].community: '370212999999' is not a known community" in errors
    assert "compounds[1].parcels[0]: 370212001002GB00123 is listed by QD-370212-0001 too" in errors
    assert _counts() == (0, 0, 0, 0, 0, 0, 0, 0)


def test_overlapping_service_contracts_are_refused_by_the_database(db):
    # given
    master_data_load(doc=MASTER)
    compound = Compound.objects.get(code="QD-370212-0001")
    # when / then
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceContract.objects.create(
            compound=compound, firm=compound.property_firm, starts_on="2026-06-01", fee_standard="3.00"
        )


def test_load_compounds_command_is_idempotent_and_reports_errors(db, tmp_path, capsys):
    # given
    good = tmp_path / "master.json"
    good.write_text(json.dumps(MASTER, ensure_ascii=False), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{"regions": [{"code": "12", "level": "street", "name": "x", "parent": "370212"}]}')
    # when
    call_command("load_compounds", str(good))
    call_command("load_compounds", str(good))
    failed = subprocess.run(
        [sys.executable, "manage.py", "load_compounds", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        env=child_process_env(),
    )
    # then
    assert Compound.objects.count() == 2
    assert "compounds: +0 ~2" in capsys.readouterr().out
    assert failed.returncode == 1
    assert "regions[0].code: '12' is not a street code of 9 digits" in failed.stderr


def test_a_firms_public_service_phone_loads_normalised_and_a_bad_one_is_located(db):
    # given
    doc, bad = copy.deepcopy(MASTER), copy.deepcopy(MASTER)
    doc["firms"][0]["service_phone"] = "0532 8888 6666"
    bad["firms"][0]["service_phone"] = "8888-6666"

    # when
    with pytest.raises(MasterDataInvalid) as e:
        master_data_load(doc=bad)
    master_data_load(doc=doc)

    # then
    assert e.value.extra["errors"] == [f"firms[0].service_phone: {ERROR_MESSAGES['service_phone_format']}"]
    assert Firm.objects.get(uscc=doc["firms"][0]["uscc"]).service_phone == "0532-88886666"
