"""API throttles (config.throttling): per client address on the token and sign-up endpoints, per account on
ballots; counted in Redis; X-Forwarded-For never changes who is counted; a throttled request changes nothing."""

from http import HTTPStatus

from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.models import User
from tests.conftest import IDS, NAMES, PASSWORD, World, api_as
from tests.voting.apis.helpers import url, world_assembly
from voting.models import BallotSubmission

TOKEN_URL = "/api/v1/auth/token/"
SIGNUP_URL = "/api/v1/accounts/signup/"


def _login(client: APIClient, password: str = PASSWORD, **extra: str):
    return client.post(TOKEN_URL, {"username": "alice", "password": password}, format="json", **extra)


@override_settings(API_THROTTLE_TOKEN="2/min")
def test_the_token_endpoint_is_throttled_per_address_and_a_throttled_request_mints_nothing(world: World):
    # given: two attempts from one address, the rate being two a minute
    client = APIClient()
    first = [
        _login(client, "wrong-1", REMOTE_ADDR="10.1.1.1"),
        _login(client, "wrong-2", REMOTE_ADDR="10.1.1.1"),
    ]

    # when: the right password, from the same address, then from another
    throttled = _login(client, REMOTE_ADDR="10.1.1.1")
    elsewhere = _login(client, REMOTE_ADDR="10.1.1.2")

    # then
    assert [r.status_code for r in first] == [HTTPStatus.BAD_REQUEST, HTTPStatus.BAD_REQUEST]
    assert throttled.status_code == HTTPStatus.TOO_MANY_REQUESTS
    body = throttled.json()
    assert (body["code"], sorted(body)) == ("throttled", ["code", "extra", "message"])
    assert body["extra"]["wait"] == int(throttled["Retry-After"]) and 1 <= body["extra"]["wait"] <= 60
    assert body["message"] == f"请求过于频繁，请 {body['extra']['wait']} 秒后再试。"
    assert elsewhere.status_code == HTTPStatus.OK
    assert list(Token.objects.values_list("key", flat=True)) == [elsewhere.json()["token"]]


@override_settings(API_THROTTLE_TOKEN="2/min")
def test_x_forwarded_for_does_not_reset_the_count(world: World):
    # given: the same peer claims a fresh address in X-Forwarded-For on every attempt
    client = APIClient()
    answers = [
        _login(client, "wrong", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]

    # then
    assert answers == [HTTPStatus.BAD_REQUEST, HTTPStatus.BAD_REQUEST, HTTPStatus.TOO_MANY_REQUESTS]


@override_settings(API_THROTTLE_SIGNUP="1/min")
def test_sign_up_is_throttled_per_address_and_the_throttled_sign_up_creates_no_account(world: World):
    # given: one sign-up attempt from this address (a refused one)
    client = APIClient()
    dave = {
        "username": "dave",
        "password": PASSWORD,
        "name": NAMES["dave"],
        "id_number": IDS["dave"],
        "phone": "13800138000",
    }
    refused = client.post(SIGNUP_URL, {**dave, "name": "陈晶"}, format="json", REMOTE_ADDR="10.2.2.2")

    # when: a matching sign-up from the same address
    throttled = client.post(SIGNUP_URL, dave, format="json", REMOTE_ADDR="10.2.2.2")

    # then
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert (throttled.status_code, throttled.json()["code"]) == (HTTPStatus.TOO_MANY_REQUESTS, "throttled")
    assert not User.objects.filter(username="dave").exists()


@override_settings(API_THROTTLE_BALLOT="1/min")
def test_ballots_are_throttled_per_account_not_per_address(world: World):
    # given: revote is on, alice has cast once
    a = world_assembly(world, "open", revote=True)
    choices = {"choices": {str(a.motions.get().pk): "for"}}
    alice = api_as(world.alice)
    first = alice.post(url(a.pk, "ballots"), choices, format="json")

    # when: alice again, and bob from the same address
    again = alice.post(url(a.pk, "ballots"), {"choices": {str(a.motions.get().pk): "against"}}, format="json")
    bob = api_as(world.bob).post(url(a.pk, "ballots"), choices, format="json")

    # then: alice's second ballot is not stored
    assert (first.status_code, bob.status_code) == (HTTPStatus.CREATED, HTTPStatus.CREATED)
    assert (again.status_code, again.json()["code"]) == (HTTPStatus.TOO_MANY_REQUESTS, "throttled")
    assert BallotSubmission.objects.filter(assembly=a, submitted_by=world.alice).count() == 1


def test_the_default_rates_come_from_the_environment_settings(settings):
    # then: the documented defaults (README, "Configuration")
    assert (settings.API_THROTTLE_TOKEN, settings.API_THROTTLE_SIGNUP, settings.API_THROTTLE_BALLOT) == (
        "20/min",
        "10/min",
        "30/min",
    )
