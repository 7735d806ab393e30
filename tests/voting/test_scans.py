"""Scans of paper ballots and proxy mandates (voting.services.scans): required, PDF/JPEG/PNG by content whatever
the name or declared type, at most VOTING_SCAN_MAX_BYTES — one rule for the services, the API and the admin.
Every refusal changes nothing (no ballot, no mandate, no stored file); paper-ballot refusals are recorded."""

import base64
import json
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from config.errors import ApplicationError
from tests.conftest import A_0202, World, api_as
from tests.scans import PDF, PNG, pdf_scan, png_scan, scan_json
from tests.voting.apis.helpers import url, world_assembly
from tests.voting.conftest import open_assembly
from voting.models import BallotSubmission, ProxyMandate, VoteRefusal
from voting.services.assemblies import MotionSpec
from voting.services.ballots import paper_ballot_enter
from voting.services.proxies import proxy_mandate_record
from voting.services.scans import scan_check

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"
HTML = b"<html><script>alert(1)</script></html>"
ORDINARY = MotionSpec(title="选聘物业服务企业", category=4)


def _stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


# --------------------------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("ballot.pdf", PDF, "application/pdf"),
        ("ballot.png", PNG, "image/png"),
        ("ballot.jpg", JPEG, "image/jpeg"),
        ("scan.bin", PNG, "application/octet-stream"),  # the content decides, not the name or type
    ],
)
def test_pdf_jpeg_and_png_are_accepted_by_their_content(name: str, content: bytes, content_type: str):
    # given
    scan = SimpleUploadedFile(name, content, content_type=content_type)

    # when
    scan_check(scan=scan)

    # then: the file is left at its start for whoever stores it
    assert scan.read() == content


@pytest.mark.parametrize(
    ("scan", "code"),
    [
        (None, "scan_required"),
        (SimpleUploadedFile("ballot.pdf", HTML, content_type="application/pdf"), "scan_invalid_type"),
        (SimpleUploadedFile("ballot.png", b"GIF89a....", content_type="image/png"), "scan_invalid_type"),
        (SimpleUploadedFile("ballot.png", b"", content_type="image/png"), "scan_invalid_type"),
    ],
)
def test_a_missing_scan_or_one_that_is_not_a_pdf_jpeg_or_png_is_refused(scan, code: str):
    # when
    with pytest.raises(ApplicationError) as refused:
        scan_check(scan=scan)

    # then
    assert (refused.value.code, refused.value.status) == (code, 400)


@override_settings(VOTING_SCAN_MAX_BYTES=1024)
def test_a_scan_over_the_limit_is_refused_and_one_at_the_limit_accepted():
    # given
    at_limit = SimpleUploadedFile("a.png", PNG + b"\0" * (1024 - len(PNG)))
    over = SimpleUploadedFile("b.png", PNG + b"\0" * (1025 - len(PNG)))

    # when
    scan_check(scan=at_limit)
    with pytest.raises(ApplicationError) as refused:
        scan_check(scan=over)

    # then
    assert (refused.value.code, refused.value.extra) == ("scan_too_large", {"limit": 1024, "size": 1025})


# ----------------------------------------------------------------------------------------- services


def test_the_paper_ballot_service_refuses_without_a_scan_and_records_the_refusal(electorate):
    # given
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY])
    choices = {str(a.motions.get().pk): "for"}

    # when
    with pytest.raises(ApplicationError) as refused:
        paper_ballot_enter(actor=e.official, assembly=a, unit_number=e.numbers[0], choices=choices)

    # then
    assert refused.value.code == "scan_required"
    assert list(VoteRefusal.objects.filter(assembly=a).values_list("user", "code")) == [
        (e.official.pk, "scan_required")
    ]
    assert BallotSubmission.objects.filter(assembly=a).count() == 0


def test_the_proxy_service_refuses_a_disguised_file(electorate):
    # given: an HTML page named like a PDF
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY])
    disguised = SimpleUploadedFile("mandate.pdf", HTML, content_type="application/pdf")

    # when
    with pytest.raises(ApplicationError) as refused:
        proxy_mandate_record(
            actor=e.official,
            assembly=a,
            unit_number=e.numbers[0],
            proxy_username=e.owners[2].username,
            scan=disguised,
        )

    # then
    assert refused.value.code == "scan_invalid_type"
    assert ProxyMandate.objects.filter(assembly=a).count() == 0


# ---------------------------------------------------------------------------------------------- API


def test_a_paper_ballot_upload_that_is_not_an_image_is_refused_recorded_and_not_stored(world: World):
    # given
    a = world_assembly(world, "open")
    files = _stored_files()
    body = {
        "unit_number": A_0202,
        "choices": json.dumps({str(a.motions.get().pk): "for"}),
        "scan": SimpleUploadedFile("ballot.png", HTML, content_type="image/png"),
    }

    # when
    response = api_as(world.official_a).post(url(a.pk, "paper-ballots"), body, format="multipart")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "code": "scan_invalid_type",
        "message": "扫描件须为 PDF、JPEG 或 PNG 文件。",
        "extra": {"allowed": ["jpeg", "pdf", "png"]},
    }
    assert list(VoteRefusal.objects.filter(assembly=a).values_list("code", flat=True)) == [
        "scan_invalid_type"
    ]
    assert BallotSubmission.objects.filter(assembly=a).count() == 0
    assert _stored_files() == files


@override_settings(VOTING_SCAN_MAX_BYTES=64)
def test_a_base64_scan_counts_its_decoded_size_against_the_limit(world: World):
    # given: 65 bytes once decoded
    a = world_assembly(world, "open")
    body = {
        "unit_number": A_0202,
        "choices": {str(a.motions.get().pk): "for"},
        "scan": scan_json(PNG[:8] + b"\0" * 57, "ballot.png"),
    }

    # when
    response = api_as(world.official_a).post(url(a.pk, "paper-ballots"), body, format="json")

    # then
    assert (response.status_code, response.json()["code"], response.json()["extra"]) == (
        HTTPStatus.BAD_REQUEST,
        "scan_too_large",
        {"limit": 64, "size": 65},
    )
    assert BallotSubmission.objects.filter(assembly=a).count() == 0


@pytest.mark.parametrize(
    "scan",
    [
        {"filename": "ballot.png", "content_base64": "not base64!"},
        {"filename": "ballot.png"},
        "iVBORw0KGgo=",
    ],
)
def test_a_malformed_json_scan_is_a_validation_error(world: World, scan):
    # given
    a = world_assembly(world, "open")
    body = {"unit_number": A_0202, "choices": {str(a.motions.get().pk): "for"}, "scan": scan}

    # when
    response = api_as(world.official_a).post(url(a.pk, "paper-ballots"), body, format="json")

    # then
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.BAD_REQUEST, "invalid")
    assert list(response.json()["extra"]["fields"]) == ["scan"]
    assert BallotSubmission.objects.filter(assembly=a).count() == 0


def test_a_proxy_mandate_without_a_scan_is_refused(electorate):
    # given
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY])
    body = {"unit_number": e.numbers[0], "proxy_username": e.owners[2].username}

    # when
    response = api_as(e.official).post(f"/api/v1/assemblies/{a.pk}/proxies/", body, format="json")

    # then
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.BAD_REQUEST, "scan_required")
    assert ProxyMandate.objects.filter(assembly=a).count() == 0


def test_a_proxy_mandate_as_multipart_stores_its_scan(electorate):
    # given
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY])
    body = {"unit_number": e.numbers[0], "proxy_username": e.owners[2].username, "scan": pdf_scan()}

    # when
    response = api_as(e.official).post(f"/api/v1/assemblies/{a.pk}/proxies/", body, format="multipart")

    # then
    assert response.status_code == HTTPStatus.CREATED
    mandate = ProxyMandate.objects.get(assembly=a)
    assert mandate.scan.read() == PDF


# -------------------------------------------------------------------------------------------- admin


def _admin(e) -> Client:
    client = Client()
    client.force_login(e.official)
    return client


def test_the_admin_paper_ballot_form_refuses_a_disguised_scan_with_the_same_rule(electorate):
    # given
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY])
    motion = a.motions.get()
    files = _stored_files()

    # when
    response = _admin(e).post(
        f"/admin/voting/assembly/{a.pk}/paper-ballot/",
        {
            "unit_number": e.numbers[0],
            f"m_{motion.pk}": "for",
            "scan": SimpleUploadedFile("ballot.jpg", HTML, content_type="image/jpeg"),
        },
    )

    # then: the page shows the field's error; nothing is written
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors == {"scan": ["扫描件须为 PDF、JPEG 或 PNG 文件。"]}
    assert BallotSubmission.objects.filter(assembly=a).count() == 0
    assert _stored_files() == files


def test_the_admin_proxy_form_requires_the_scan(electorate):
    # given
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY])

    # when
    missing = _admin(e).post(
        f"/admin/voting/assembly/{a.pk}/proxies/",
        {"unit_number": e.numbers[0], "proxy_username": e.owners[2].username},
    )
    accepted = _admin(e).post(
        f"/admin/voting/assembly/{a.pk}/proxies/",
        {"unit_number": e.numbers[0], "proxy_username": e.owners[2].username, "scan": png_scan("m.png")},
    )

    # then
    assert missing.context["form"].errors == {"scan": ["请附上书面文件的扫描件（PDF、JPEG 或 PNG）。"]}
    assert accepted.status_code == HTTPStatus.FOUND
    assert base64.b64encode(ProxyMandate.objects.get(assembly=a).scan.read()) == base64.b64encode(PNG)
