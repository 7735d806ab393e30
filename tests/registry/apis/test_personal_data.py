"""No response of the registry API carries a plain ID number or phone number (registry.md, "Personal data")."""

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from tests.conftest import A_0101, A_0102, A_0201, A_0202, B_0101, IDS, NAMES, PASSWORD, World
from tests.registry.apis.helpers import CALLERS, COMPOUND_A, COMPOUND_B, client_for

PHONE = "13800138000"
SECRETS = [*IDS.values(), PHONE]

READS = [
    "/api/v1/me/",
    "/api/v1/compounds/",
    f"/api/v1/compounds/{COMPOUND_A}/",
    f"/api/v1/compounds/{COMPOUND_B}/",
    f"/api/v1/compounds/{COMPOUND_A}/units/",
    f"/api/v1/compounds/{COMPOUND_B}/units/",
    *[f"/api/v1/units/{n}/" for n in (A_0101, A_0102, A_0201, A_0202, B_0101)],
]


def assert_no_plain_identifiers(body: str) -> None:
    leaked = [s for s in SECRETS if s in body]
    assert leaked == []


@pytest.mark.parametrize("who", CALLERS)
def test_reads_never_carry_plain_identifiers(world: World, who: str):
    # given
    client = client_for(world, who)

    # when
    bodies = [client.get(url).content.decode() for url in READS]

    # then
    assert len(bodies) == len(READS)
    for body in bodies:
        assert_no_plain_identifiers(body)


@pytest.mark.parametrize("who", CALLERS)
def test_designated_voter_response_never_carries_plain_identifiers(world: World, who: str):
    # when
    response = client_for(world, who).post(f"/api/v1/units/{A_0102}/designated-voter/", {"username": "bella"})

    # then
    assert response.status_code in {
        HTTPStatus.OK,
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.FORBIDDEN,
        HTTPStatus.NOT_FOUND,
    }
    assert_no_plain_identifiers(response.content.decode())


def test_owner_reads_show_masked_forms(world: World):
    # when
    body = client_for(world, "bob").get("/api/v1/me/").json()

    # then
    assert body["owner"]["id_masked"] == IDS["bob"][:3] + "***********" + IDS["bob"][-4:]
    assert body["owner"]["phone_masked"] == "138****8000"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, HTTPStatus.CREATED),
        ({"name": "陈晶"}, HTTPStatus.BAD_REQUEST),
        ({"id_number": IDS["dave"][:-1] + ("0" if IDS["dave"][-1] != "0" else "1")}, HTTPStatus.BAD_REQUEST),
        ({"phone": "12800138000"}, HTTPStatus.BAD_REQUEST),
        ({"username": "alice"}, HTTPStatus.BAD_REQUEST),
    ],
    ids=["matched", "not_matched", "bad_checksum", "bad_phone", "username_taken"],
)
def test_signup_responses_never_echo_identifiers(world: World, payload: dict[str, str], expected: HTTPStatus):
    # given
    data = {
        "username": "dave",
        "password": PASSWORD,
        "name": NAMES["dave"],
        "id_number": IDS["dave"],
        "phone": PHONE,
        **payload,
    }

    # when
    response = APIClient().post("/api/v1/accounts/signup/", data, format="json")

    # then
    assert response.status_code == expected
    body = response.content.decode()
    assert_no_plain_identifiers(body)
    assert data["id_number"] not in body
    assert data["phone"] not in body


def test_token_response_never_carries_identifiers(world: World):
    # when
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"
    )

    # then
    assert response.status_code == HTTPStatus.OK
    assert_no_plain_identifiers(response.content.decode())
