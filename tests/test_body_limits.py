"""Request-body caps of the API (config.middleware): a refused body is never parsed and changes nothing."""

import io
import json
from http import HTTPStatus
from unittest import mock

import pytest
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.test import APIClient

from config.middleware import RequestBodyLimitMiddleware
from registry.models import User
from tests.conftest import A_0202, PASSWORD, World, api_as
from tests.scans import PNG
from tests.voting.apis.helpers import url, world_assembly
from voting.models import BallotSubmission

TOKEN_URL = "/api/v1/auth/token/"
SIGNUP_URL = "/api/v1/accounts/signup/"
KIB = 1024


def _spy(parser: type) -> mock._patch:
    """Counts calls of the parser's `parse` and still parses."""
    return mock.patch.object(parser, "parse", autospec=True, side_effect=parser.parse)


def test_a_json_body_over_the_cap_is_refused_before_any_parser_runs(world: World):
    # given: credentials padded to one byte over 256 KiB, the default cap
    body = json.dumps({"username": "alice", "password": PASSWORD, "pad": ""})
    padded = json.dumps({"username": "alice", "password": PASSWORD, "pad": "x" * (256 * KIB + 1 - len(body))})
    assert len(padded) == 256 * KIB + 1

    # when
    with _spy(JSONParser) as parse:
        response = APIClient().post(TOKEN_URL, padded, content_type="application/json")

    # then
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert response.json() == {
        "code": "body_too_large",
        "message": "请求内容超过 262144 字节的上限。",
        "extra": {"limit": 262144},
    }
    assert parse.call_count == 0
    assert Token.objects.count() == 0


def test_a_json_body_at_the_cap_is_parsed(world: World):
    # given: exactly 256 KiB
    body = json.dumps({"username": "alice", "password": PASSWORD, "pad": ""})
    padded = json.dumps({"username": "alice", "password": PASSWORD, "pad": "x" * (256 * KIB - len(body))})

    # when
    response = APIClient().post(TOKEN_URL, padded, content_type="application/json")

    # then
    assert len(padded) == 256 * KIB
    assert response.status_code == HTTPStatus.OK
    assert Token.objects.filter(user=world.alice).count() == 1


@override_settings(API_MAX_BODY_BYTES=1 * KIB)
def test_sign_up_over_the_cap_creates_no_account(world: World):
    # given
    body = {"username": "dave", "password": PASSWORD, "name": "陈静", "id_number": "x" * 2000, "phone": "1"}
    users = User.objects.count()

    # when
    response = APIClient().post(SIGNUP_URL, body, format="json")

    # then
    assert (response.status_code, response.json()["extra"]) == (
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        {"limit": 1024},
    )
    assert User.objects.count() == users


def test_an_endpoint_that_takes_no_uploads_caps_multipart_at_the_json_limit(world: World):
    # given: a 300 KiB multipart body — under the upload cap, over the JSON cap
    upload = {"username": "alice", "password": PASSWORD, "file": io.BytesIO(b"x" * 300 * KIB)}

    # when
    with _spy(MultiPartParser) as parse:
        response = APIClient().post(TOKEN_URL, upload, format="multipart")

    # then
    assert (response.status_code, response.json()["extra"]) == (
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        {"limit": 256 * KIB},
    )
    assert parse.call_count == 0
    assert Token.objects.count() == 0


def test_multipart_is_not_parsed_where_no_upload_is_expected(world: World):
    # given: a small multipart body to the token endpoint (JSON and forms only)
    upload = {"username": "alice", "password": PASSWORD}

    # when
    with _spy(MultiPartParser) as parse:
        response = APIClient().post(TOKEN_URL, upload, format="multipart")

    # then
    assert (response.status_code, response.json()["code"]) == (
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    assert parse.call_count == 0
    assert Token.objects.count() == 0


@override_settings(API_MAX_UPLOAD_BYTES=64 * KIB)
def test_an_upload_over_the_upload_cap_is_refused_before_it_is_parsed(world: World):
    # given: the official running the assembly sends a 65 KiB scan
    a = world_assembly(world, "open")
    motion = str(a.motions.get().pk)
    body = {
        "unit_number": A_0202,
        "choices": json.dumps({motion: "for"}),
        "scan": io.BytesIO(PNG + b"\0" * 65 * KIB),
    }

    # when
    with _spy(MultiPartParser) as parse:
        response = api_as(world.official_a).post(url(a.pk, "paper-ballots"), body, format="multipart")

    # then
    assert (response.status_code, response.json()["code"], response.json()["extra"]) == (
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        "body_too_large",
        {"limit": 64 * KIB},
    )
    assert parse.call_count == 0
    assert BallotSubmission.objects.filter(assembly=a).count() == 0


def test_other_paths_keep_django_s_own_limits(world: World):
    # given: the sign-in page is not under /api/: a 300 KiB form is Django's business (a wrong password here)
    form = {"username": "alice", "password": "wrong", "pad": "x" * 300 * KIB}

    # when
    response = Client().post("/accounts/login/", form)

    # then
    assert response.status_code == HTTPStatus.OK


def _asgi_request(path: str, body: bytes, content_type: str) -> ASGIRequest:
    """A request as an ASGI server hands it over for a chunked body: no Content-Length, the stream holds it all."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"",
        "headers": [(b"content-type", content_type.encode()), (b"transfer-encoding", b"chunked")],
        "client": ("10.0.0.9", 40000),
        "server": ("testserver", 80),
    }
    return ASGIRequest(scope, io.BytesIO(body))


@pytest.mark.parametrize(("size", "refused"), [(1024, False), (1025, True)])
@override_settings(API_MAX_BODY_BYTES=1024)
def test_a_body_without_a_length_is_refused_as_it_is_read_past_the_cap(size: int, refused: bool):
    # given: a form body of `size` bytes with no Content-Length, and a view that reads the form
    request = _asgi_request(
        "/api/v1/anything/", b"a=" + b"x" * (size - 2), "application/x-www-form-urlencoded"
    )
    seen = []

    def view(request):
        seen.append(len(request.POST["a"]))
        return HttpResponse(status=HTTPStatus.NO_CONTENT)

    middleware = RequestBodyLimitMiddleware(view)

    # when: the handler's order — process_view, the view, process_exception on an error
    assert middleware.process_view(request, view, (), {}) is None
    try:
        response = view(request)
    except Exception as error:  # noqa: BLE001 - the handler passes any exception to process_exception
        response = middleware.process_exception(request, error)

    # then
    if refused:
        assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
        assert json.loads(response.content)["extra"] == {"limit": 1024}
        assert seen == []
    else:
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert seen == [1022]


@override_settings(API_MAX_BODY_BYTES=16)
def test_the_refusal_speaks_the_caller_s_language(db):
    # when
    response = APIClient().post(TOKEN_URL, {"username": "x" * 20}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.json()["message"] == "The request body is larger than the limit of 16 bytes."
