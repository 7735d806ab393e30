"""API token lifetime: expiry (API_TOKEN_TTL_HOURS), death on a password change, rotation at sign-in, sign-out
through the API and the browser."""

import datetime as dt
from http import HTTPStatus

from django.contrib.auth.forms import PasswordChangeForm
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.models import User
from tests.conftest import PASSWORD, World, browser_as

TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"
ME_URL = "/api/v1/me/"
NEW_PASSWORD = "Another-pass-2027"


def _with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _sign_in(username: str = "alice", password: str = PASSWORD) -> str:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")
    assert response.status_code == HTTPStatus.OK, response.json()
    return response.json()["token"]


def _age(key: str, **delta: float) -> None:
    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(**delta))


def test_a_token_older_than_its_lifetime_is_refused_and_deleted(world: World):
    # given: a token issued 168 hours and a second ago (the default lifetime is 168 hours)
    key = _sign_in()
    _age(key, hours=168, seconds=1)

    # when
    response = _with_token(key).get(ME_URL)

    # then
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {
        "code": "token_expired",
        "message": "登录凭据已过期或密码已更改，请重新登录。",
        "extra": {},
    }
    assert not Token.objects.filter(key=key).exists()


def test_a_token_inside_its_lifetime_authenticates_in_one_statement(world: World):
    # given: a token issued 167 hours ago
    key = _sign_in()
    _age(key, hours=167)

    # when
    with CaptureQueriesContext(connection) as queries:
        response = _with_token(key).get("/api/v1/assemblies/999999/")

    # then: one statement resolves the token and the account (the second is the view's own look-up)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "authtoken_token" in queries.captured_queries[0]["sql"]
    assert sum("authtoken_token" in q["sql"] for q in queries.captured_queries) == 1


@override_settings(API_TOKEN_TTL_HOURS=1)
def test_the_lifetime_comes_from_the_setting(world: World):
    # given
    key = _sign_in()
    _age(key, minutes=61)

    # when / then
    assert _with_token(key).get(ME_URL).status_code == HTTPStatus.UNAUTHORIZED


def test_setting_a_password_stamps_the_account_without_a_query(world: World):
    # given
    user = User.objects.get(username="alice")
    before = timezone.now()

    # when
    with CaptureQueriesContext(connection) as queries:
        user.set_password(NEW_PASSWORD)

    # then
    assert queries.captured_queries == []
    assert before <= user.credentials_changed_at <= timezone.now()


def test_a_password_check_that_rehashes_does_not_count_as_a_change(world: World, settings):
    # given: alice's hash was made by a hasher that is no longer the preferred one
    user = User.objects.get(username="alice")
    stamp = user.credentials_changed_at
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    # when
    assert user.check_password(PASSWORD)

    # then: the hash was upgraded, the stamp was not moved
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
    assert user.credentials_changed_at == stamp


def test_changing_the_password_through_a_password_form_retires_earlier_tokens(world: World):
    # given: a live token, then a password change through Django's own form (as the pages and admin use)
    key = _sign_in()
    form = PasswordChangeForm(
        User.objects.get(username="alice"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert form.is_valid(), form.errors
    form.save()

    # when
    old = _with_token(key).get(ME_URL)
    new_key = _sign_in(password=NEW_PASSWORD)

    # then
    assert (old.status_code, old.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "token_expired")
    assert new_key != key
    assert _with_token(new_key).get(ME_URL).status_code == HTTPStatus.OK
    assert list(Token.objects.filter(user__username="alice").values_list("key", flat=True)) == [new_key]


def test_changing_a_password_in_the_admin_retires_earlier_tokens(world: World):
    # given: a superuser sets alice's password on the admin's password page
    key = _sign_in()
    admin = User.objects.create_superuser(username="root", password=PASSWORD)
    alice = User.objects.get(username="alice")

    # when
    page = browser_as(admin).post(
        f"/admin/registry/user/{alice.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    # then
    assert page.status_code == HTTPStatus.FOUND
    assert _with_token(key).get(ME_URL).status_code == HTTPStatus.UNAUTHORIZED


def test_signing_in_again_returns_the_live_token(world: World):
    # given
    key = _sign_in()

    # when
    again = _sign_in()

    # then
    assert again == key
    assert Token.objects.filter(user__username="alice").count() == 1


def test_signing_in_after_expiry_mints_a_new_token_in_place_of_the_old(world: World):
    # given
    key = _sign_in()
    _age(key, hours=200)

    # when
    new_key = _sign_in()

    # then
    assert new_key != key
    assert list(Token.objects.filter(user__username="alice").values_list("key", flat=True)) == [new_key]
    assert _with_token(new_key).get(ME_URL).status_code == HTTPStatus.OK


def test_api_logout_deletes_the_callers_token(world: World):
    # given
    key = _sign_in()
    other = _sign_in("bob")

    # when
    response = _with_token(key).post(LOGOUT_URL)
    after = _with_token(key).get(ME_URL)

    # then: bob's token is untouched
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert after.status_code == HTTPStatus.UNAUTHORIZED
    assert list(Token.objects.values_list("key", flat=True)) == [other]


def test_api_logout_needs_an_account(world: World):
    # given
    key = _sign_in()

    # when
    response = APIClient().post(LOGOUT_URL)

    # then
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "not_authenticated")
    assert Token.objects.filter(key=key).exists()


def test_browser_logout_also_deletes_the_api_token(world: World):
    # given: alice has an API token and a browser session
    key = _sign_in()
    browser = Client()
    assert browser.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code == 302

    # when
    response = browser.post("/accounts/logout/")

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert _with_token(key).get(ME_URL).status_code == HTTPStatus.UNAUTHORIZED
    assert not Token.objects.filter(user__username="alice").exists()


def test_a_token_issued_before_the_password_changed_is_refused_even_when_young(world: World):
    # given: a token from a minute ago; the password changed since (by a service, a command, anything)
    key = Token.objects.create(user=world.alice).key
    _age(key, minutes=1)
    alice = User.objects.get(username="alice")
    alice.set_password(NEW_PASSWORD)
    alice.save()

    # when
    response = _with_token(key).get(ME_URL)

    # then
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert not Token.objects.filter(key=key).exists()


def test_admin_logout_also_deletes_the_api_token(world: World):
    # given: an official with an API token, signed in to the admin
    key = _sign_in("official_a")
    browser = browser_as(world.official_a)

    # when
    response = browser.post("/admin/logout/")

    # then
    assert (response.status_code, response["Location"]) == (HTTPStatus.FOUND, "/accounts/login/")
    assert not Token.objects.filter(key=key).exists()
