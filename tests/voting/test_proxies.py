"""Proxy voting: written mandates recorded by the street office, the cap per proxy, firm staff barred by default."""

from http import HTTPStatus

import pytest

from config.errors import ApplicationError
from registry.services.accounts import firm_user_create
from tests.conftest import api_as
from tests.scans import PDF, pdf_scan, scan_json
from tests.voting.conftest import close, open_assembly
from voting.models import MotionResult, ProxyMandate
from voting.services.assemblies import MotionSpec
from voting.services.ballots import ballot_cast
from voting.services.proxies import proxy_mandate_record
from voting.services.tally import assembly_tally

ORDINARY = MotionSpec(title="选聘物业服务企业", category=4)


def _choices(a, value="for"):
    return {str(m.pk): value for m in a.motions.all()}


def test_a_proxy_casts_the_principals_ballot_which_counts_once(electorate):
    # given: owner 4 holds mandates from owners 0 and 1
    e = electorate(["100.00"] * 5)
    a = open_assembly(e, [ORDINARY])
    proxy = e.owners[4]
    for i in (0, 1):
        proxy_mandate_record(
            actor=e.official,
            assembly=a,
            unit_number=e.numbers[i],
            proxy_username=proxy.username,
            scan=pdf_scan(),
        )
    # when: one ballot from the proxy covers their own unit and both principals'
    result = ballot_cast(actor=proxy, assembly=a, choices=_choices(a))
    with pytest.raises(ApplicationError) as again:
        ballot_cast(actor=e.owners[0], assembly=a, choices=_choices(a, "against"))
    close(e, a)
    assembly_tally(assembly=a)
    # then
    assert result.unit_numbers == sorted([e.numbers[0], e.numbers[1], e.numbers[4]])
    assert again.value.code == "already_voted"
    r = MotionResult.objects.get(motion__assembly=a)
    # 3 of 5 subjects took part: 3 × 3 = 9 < 5 × 2 = 10, so the quorum is not met
    assert (r.heads_for, r.heads_participating, r.outcome) == (3, 3, "quorum_not_met")


def test_the_cap_per_proxy_is_enforced(electorate):
    # given: the default cap of 3 principals per proxy
    e = electorate(["100.00"] * 5)
    a = open_assembly(e, [ORDINARY])
    for i in range(3):
        proxy_mandate_record(
            actor=e.official,
            assembly=a,
            unit_number=e.numbers[i],
            proxy_username=e.owners[4].username,
            scan=pdf_scan(),
        )
    # when / then
    with pytest.raises(ApplicationError) as refused:
        proxy_mandate_record(
            actor=e.official,
            assembly=a,
            unit_number=e.numbers[3],
            proxy_username=e.owners[4].username,
            scan=pdf_scan(),
        )
    assert refused.value.code == "proxy_cap_reached"
    assert ProxyMandate.objects.filter(assembly=a).count() == 3


def test_firm_staff_are_barred_unless_the_assembly_allows_them(electorate, world):
    # given: a property-firm account
    e = electorate(["100.00"] * 3)
    staff_user = firm_user_create(
        username="firm_proxy", password="Gongzhi-test-2026", firm_uscc="91370200MA3C00003W"
    ).user
    barred = open_assembly(e, [ORDINARY])
    allowed = open_assembly(e, [ORDINARY], firm_staff_may_proxy=True)
    # when / then
    with pytest.raises(ApplicationError) as refused:
        proxy_mandate_record(
            actor=e.official,
            assembly=barred,
            unit_number=e.numbers[0],
            proxy_username=staff_user.username,
            scan=pdf_scan(),
        )
    assert refused.value.code == "proxy_firm_staff_barred"
    mandate = proxy_mandate_record(
        actor=e.official,
        assembly=allowed,
        unit_number=e.numbers[0],
        proxy_username=staff_user.username,
        scan=pdf_scan(),
    )
    assert mandate.proxy == staff_user
    assert ballot_cast(actor=staff_user, assembly=allowed, choices=_choices(allowed)).unit_numbers == [
        e.numbers[0]
    ]


def test_proxy_api_records_and_refuses_with_codes(electorate, world):
    # given
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY])
    url = f"/api/v1/assemblies/{a.pk}/proxies/"
    body = {
        "unit_number": e.numbers[0],
        "proxy_username": e.owners[2].username,
        "scan": scan_json(PDF, "mandate.pdf"),
    }
    # when
    by_owner = api_as(e.owners[1]).post(url, body, format="json")
    by_official = api_as(e.official).post(url, body, format="json")
    twice = api_as(e.official).post(url, body, format="json")
    not_on_roll = api_as(e.official).post(
        url, {**body, "unit_number": "370212001002GB00123F00050101"}, format="json"
    )
    # then
    assert by_owner.status_code == HTTPStatus.FORBIDDEN
    assert by_official.status_code == HTTPStatus.CREATED
    assert by_official.json()["proxy_username"] == e.owners[2].username
    assert (twice.status_code, twice.json()["code"]) == (HTTPStatus.CONFLICT, "proxy_exists")
    assert (not_on_roll.status_code, not_on_roll.json()["code"]) == (HTTPStatus.NOT_FOUND, "not_on_roll")


def test_the_street_office_records_a_mandate_in_the_admin(electorate):
    # given
    from django.test import Client

    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY])
    client = Client()
    client.force_login(e.official)
    url = f"/admin/voting/assembly/{a.pk}/proxies/"
    # when
    page = client.get(url)
    response = client.post(
        url,
        {
            "unit_number": e.numbers[0],
            "proxy_username": e.owners[2].username,
            "note": "书面委托",
            "scan": pdf_scan(),
        },
    )
    refused = client.post(
        url, {"unit_number": e.numbers[0], "proxy_username": e.owners[1].username, "scan": pdf_scan()}
    )
    # then
    assert page.status_code == HTTPStatus.OK
    assert response.status_code == HTTPStatus.FOUND
    mandate = ProxyMandate.objects.get(assembly=a)
    assert (mandate.proxy, mandate.note, bool(mandate.scan)) == (e.owners[2], "书面委托", True)
    assert "该投票主体已有代理人。" in refused.content.decode()
    listed = client.get(url).content.decode()
    assert e.owners[2].username in listed and "有扫描件" in listed
