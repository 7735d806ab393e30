"""Uploads to the paper-ballot and proxy-mandate endpoints are parsed only for the officials running the
assembly: anyone else gets 403/404 before a byte of the body is read, and nothing is written."""

import io
import json
from http import HTTPStatus
from unittest import mock

import pytest
from django.http import multipartparser
from rest_framework.parsers import MultiPartParser
from rest_framework.test import APIClient

from tests.conftest import A_0202, World
from tests.scans import PNG
from tests.voting.apis.helpers import client_for, url, world_assembly
from voting.models import BallotSubmission, ProxyMandate, VoteRefusal

MIB = 1024 * 1024


def _large_body(a, action: str) -> dict:
    """A 4 MiB multipart body — under the upload cap, so only the view's own order protects the parser."""
    scan = io.BytesIO(PNG + b"\0" * 4 * MIB)
    scan.name = "scan.png"
    if action == "paper-ballots":
        return {"unit_number": A_0202, "choices": json.dumps({str(a.motions.get().pk): "for"}), "scan": scan}
    return {"unit_number": A_0202, "proxy_username": "alice", "scan": scan}


def _spies():
    """Count DRF's multipart parser and Django's (the CSRF check and request.POST use Django's)."""
    return (
        mock.patch.object(MultiPartParser, "parse", autospec=True, side_effect=MultiPartParser.parse),
        mock.patch.object(
            multipartparser.MultiPartParser,
            "parse",
            autospec=True,
            side_effect=multipartparser.MultiPartParser.parse,
        ),
    )


def _written(a) -> tuple[int, int, int]:
    return (
        BallotSubmission.objects.filter(assembly=a).count(),
        ProxyMandate.objects.filter(assembly=a).count(),
        VoteRefusal.objects.filter(assembly=a).count(),
    )


@pytest.mark.parametrize("action", ["paper-ballots", "proxies"])
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", HTTPStatus.UNAUTHORIZED),
        ("alice", HTTPStatus.FORBIDDEN),  # an owner of the compound
        ("firm_a", HTTPStatus.FORBIDDEN),  # the firm serving it
        ("carol", HTTPStatus.NOT_FOUND),  # an owner elsewhere
        ("official_b", HTTPStatus.NOT_FOUND),  # an official of another street
    ],
)
def test_an_upload_from_anyone_but_the_runner_is_refused_unparsed(world: World, action, who, expected):
    # given
    a = world_assembly(world, "open")
    body = _large_body(a, action)
    drf_spy, django_spy = _spies()

    # when
    with drf_spy as drf_parse, django_spy as django_parse:
        response = client_for(world, who).post(url(a.pk, action), body, format="multipart")

    # then
    assert response.status_code == expected
    assert (drf_parse.call_count, django_parse.call_count) == (0, 0)
    assert _written(a) == (0, 0, 0)


def test_a_session_caller_s_upload_is_refused_unparsed_even_with_the_csrf_check(world: World):
    # given: alice signed in through the browser; the CSRF check is enforced as for a real browser
    a = world_assembly(world, "open")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.alice)
    client.get("/")  # a page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    drf_spy, django_spy = _spies()

    # when
    with drf_spy as drf_parse, django_spy as django_parse:
        response = client.post(
            url(a.pk, "paper-ballots"),
            _large_body(a, "paper-ballots"),
            format="multipart",
            HTTP_X_CSRFTOKEN=token,
        )

    # then
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.FORBIDDEN, "forbidden")
    assert (drf_parse.call_count, django_parse.call_count) == (0, 0)
    assert _written(a) == (0, 0, 0)


def test_a_session_upload_without_the_csrf_header_is_refused_unparsed(world: World):
    # given: the official running the assembly, signed in through the browser, no X-CSRFToken header
    a = world_assembly(world, "open")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.official_a)
    client.get("/")
    drf_spy, django_spy = _spies()

    # when
    with drf_spy as drf_parse, django_spy as django_parse:
        response = client.post(
            url(a.pk, "paper-ballots"), _large_body(a, "paper-ballots"), format="multipart"
        )

    # then
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["message"].startswith("CSRF Failed")
    assert (drf_parse.call_count, django_parse.call_count) == (0, 0)
    assert _written(a) == (0, 0, 0)


def test_the_runner_s_upload_is_parsed_once_and_stored(world: World):
    # given: the same large body from the official running the assembly, through the browser with CSRF
    a = world_assembly(world, "open")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.official_a)
    client.get("/")
    token = client.cookies["csrftoken"].value
    drf_spy, django_spy = _spies()

    # when
    with drf_spy as drf_parse, django_spy as django_parse:
        response = client.post(
            url(a.pk, "paper-ballots"),
            _large_body(a, "paper-ballots"),
            format="multipart",
            HTTP_X_CSRFTOKEN=token,
        )

    # then
    assert response.status_code == HTTPStatus.CREATED, response.json()
    assert (drf_parse.call_count, django_parse.call_count) == (1, 1)
    submission = BallotSubmission.objects.get(assembly=a)
    assert submission.scan.size == len(PNG) + 4 * MIB
