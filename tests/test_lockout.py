"""django-axes locks out an address that tries many accounts and an account tried from many addresses, on the
API token endpoint and the sign-in page alike; a locked-out attempt creates no token and no session."""

from http import HTTPStatus

from django.test import Client, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, World

TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/accounts/login/"
LOCKED = override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)


def _token(username: str, password: str, address: str):
    return APIClient().post(
        TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=address
    )


@LOCKED
def test_one_address_trying_many_accounts_is_locked_out_of_every_account(world: World):
    # given: one address, a wrong password on three different accounts
    tried = [_token(name, "wrong", "10.3.3.3").status_code for name in ("bob", "bella", "carol")]

    # when: the right password of a fourth account from that address, and from another address
    locked = _token("alice", PASSWORD, "10.3.3.3")
    elsewhere = _token("alice", PASSWORD, "10.3.3.4")

    # then
    assert tried == [HTTPStatus.BAD_REQUEST, HTTPStatus.BAD_REQUEST, HTTPStatus.TOO_MANY_REQUESTS]
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert locked.json() == {
        "code": "locked_out",
        "message": "登录失败次数过多，已暂时停止登录，请 1 小时后再试。",
        "extra": {"cooloff_hours": 1},
    }
    assert elsewhere.status_code == HTTPStatus.OK
    assert list(Token.objects.values_list("key", flat=True)) == [elsewhere.json()["token"]]


@LOCKED
def test_one_account_tried_from_many_addresses_is_locked_out_everywhere(world: World):
    # given: alice's account, a wrong password from three addresses
    for n in range(3):
        _token("alice", "wrong", f"10.4.4.{n}")

    # when: the right password from a fresh address; another account from that address
    locked = _token("alice", PASSWORD, "10.4.4.9")
    bob = _token("bob", PASSWORD, "10.4.4.9")

    # then
    assert (locked.status_code, locked.json()["code"]) == (HTTPStatus.TOO_MANY_REQUESTS, "locked_out")
    assert bob.status_code == HTTPStatus.OK
    assert not Token.objects.filter(user=world.alice).exists()


@LOCKED
def test_x_forwarded_for_does_not_spread_attempts_over_addresses(world: World):
    # given: three failures on different accounts, each claiming another address in X-Forwarded-For
    for n, name in enumerate(("bob", "bella", "carol")):
        APIClient().post(
            TOKEN_URL,
            {"username": name, "password": "wrong"},
            format="json",
            REMOTE_ADDR="10.5.5.5",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )

    # when
    locked = _token("alice", PASSWORD, "10.5.5.5")

    # then
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not Token.objects.exists()


@LOCKED
def test_a_success_in_between_does_not_reset_the_address_count(world: World):
    # given: an attacker with a valid account of their own signs in between failures on others
    results = []
    for name in ("bob", "bella"):
        results.append(_token(name, "wrong", "10.6.6.6").status_code)
        results.append(_token("carol", PASSWORD, "10.6.6.6").status_code)

    # when
    third = _token("alice", "wrong", "10.6.6.6")
    after = _token("carol", PASSWORD, "10.6.6.6")

    # then
    assert results == [HTTPStatus.BAD_REQUEST, HTTPStatus.OK, HTTPStatus.BAD_REQUEST, HTTPStatus.OK]
    assert third.status_code == after.status_code == HTTPStatus.TOO_MANY_REQUESTS


@LOCKED
def test_the_sign_in_page_shares_the_lockout_of_the_address(world: World):
    # given: three failed API sign-ins on different accounts from one address
    for name in ("bob", "bella", "carol"):
        _token(name, "wrong", "10.7.7.7")
    browser = Client(REMOTE_ADDR="10.7.7.7")

    # when: the sign-in page, right password, same address
    page = browser.post(LOGIN_URL, {"username": "alice", "password": PASSWORD})

    # then
    assert page.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "登录失败次数过多，已暂时停止登录，请 1 小时后再试。" in page.content.decode()
    assert "_auth_user_id" not in browser.session


@LOCKED
def test_failures_on_the_sign_in_page_lock_the_api_too(world: World):
    # given: three failed page sign-ins on different accounts from one address
    browser = Client(REMOTE_ADDR="10.8.8.8")
    pages = [
        browser.post(LOGIN_URL, {"username": n, "password": "wrong"}).status_code for n in ("bob", "bella")
    ]

    # when
    third = browser.post(LOGIN_URL, {"username": "carol", "password": "wrong"})
    api = _token("alice", PASSWORD, "10.8.8.8")

    # then
    assert pages == [HTTPStatus.OK, HTTPStatus.OK]
    assert third.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert (api.status_code, api.json()["code"]) == (HTTPStatus.TOO_MANY_REQUESTS, "locked_out")
    assert not Token.objects.exists()
