import string
from http import HTTPStatus

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.identifiers import mask_id_number
from registry.models import Owner, SignupAttempt, User
from registry.services.accounts import organisation_account_verify
from registry.services.registration import registration_feed_apply
from tests.conftest import (
    A_0101,
    A_0201,
    A_0202,
    DEVELOPER,
    FIRM_A,
    IDS,
    NAMES,
    PARCEL_A,
    PASSWORD,
    World,
    api_as,
    browser_as,
    unit_number,
)
from tests.factories import feed_line
from tests.registry.apis.helpers import CALLERS, client_for

TOKEN_URL = "/api/v1/auth/token/"
SIGNUP_URL = "/api/v1/accounts/signup/"
ME_URL = "/api/v1/me/"


def dave_signup(**overrides: str) -> dict[str, str]:
    return {
        "username": "dave",
        "password": PASSWORD,
        "name": NAMES["dave"],
        "id_number": IDS["dave"],
        "phone": "13800138000",
        **overrides,
    }


# ------------------------------------------------------------------------------------------ token


@pytest.mark.parametrize("who", CALLERS)
def test_token_matrix_anyone_may_exchange_credentials(world: World, who: str):
    # given: the caller's own credentials (anonymous callers use alice's)
    username = "alice" if who == "anonymous" else who
    client = client_for(world, who)

    # when
    response = client.post(TOKEN_URL, {"username": username, "password": PASSWORD}, format="json")

    # then
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"token": Token.objects.get(user__username=username).key}


def test_token_authenticates_later_requests(world: World):
    # given
    token = (
        APIClient()
        .post(TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json")
        .json()["token"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    # when
    response = client.get(ME_URL)

    # then
    assert response.status_code == HTTPStatus.OK
    assert response.json()["username"] == "alice"


def test_token_is_stable_across_exchanges(world: World):
    # given
    first = (
        APIClient().post(TOKEN_URL, {"username": "bob", "password": PASSWORD}, format="json").json()["token"]
    )

    # when
    second = (
        APIClient().post(TOKEN_URL, {"username": "bob", "password": PASSWORD}, format="json").json()["token"]
    )

    # then
    assert second == first
    assert Token.objects.filter(user__username="bob").count() == 1


@pytest.mark.parametrize(
    "credentials",
    [{"username": "alice", "password": "wrong-password"}, {"username": "nobody", "password": PASSWORD}],
    ids=["wrong_password", "unknown_user"],
)
def test_token_refuses_wrong_credentials(world: World, credentials: dict[str, str]):
    # when
    response = APIClient().post(TOKEN_URL, credentials, format="json")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert body["extra"] == {}
    assert set(body) == {"code", "message", "extra"}
    assert Token.objects.filter(user__username="alice").count() == 0


def test_token_refuses_inactive_account(world: World):
    # given
    User.objects.filter(username="alice").update(is_active=False)

    # when
    response = APIClient().post(TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "invalid_credentials"


def test_token_missing_field_is_a_validation_error(world: World):
    # when
    response = APIClient().post(TOKEN_URL, {"username": "alice"}, format="json")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["extra"]["fields"]) == ["password"]


# --------------------------------------------------------------------------------- session auth


def test_session_auth_reads_me(world: World):
    # given
    browser = browser_as(world.alice)

    # when
    response = browser.get(ME_URL)

    # then
    assert response.status_code == HTTPStatus.OK
    assert response.json()["username"] == "alice"


def test_session_auth_write_needs_csrf_token(world: World):
    # given: a browser session that enforces CSRF like a real browser
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.official_a)
    url = f"/api/v1/units/{A_0101}/designated-voter/"

    # when
    response = browser.post(url, {"username": "alice"}, content_type="application/json")

    # then
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["code"] == "permission_denied"
    assert world.unit(A_0101).designated_voter_id is None


def test_session_auth_write_with_csrf_token(world: World):
    # given
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.official_a)
    secret = string.ascii_letters[:32]
    browser.cookies["csrftoken"] = secret
    url = f"/api/v1/units/{A_0101}/designated-voter/"

    # when
    response = browser.post(
        url, {"username": "alice"}, content_type="application/json", HTTP_X_CSRFTOKEN=secret
    )

    # then
    assert response.status_code == HTTPStatus.OK
    assert response.json()["designated_voter"] == NAMES["alice"]


# ---------------------------------------------------------------------------------------- signup


@pytest.mark.parametrize("who", CALLERS)
def test_signup_matrix_open_to_any_caller(world: World, who: str):
    # given
    client = client_for(world, who)

    # when
    response = client.post(SIGNUP_URL, dave_signup(), format="json")

    # then
    assert response.status_code == HTTPStatus.CREATED
    assert response.json() == {"username": "dave", "units": [A_0202], "status": "active"}


def test_signup_links_account_to_holder(world: World):
    # when
    response = APIClient().post(SIGNUP_URL, dave_signup(), format="json", REMOTE_ADDR="10.1.2.3")

    # then
    assert response.status_code == HTTPStatus.CREATED
    assert response.json() == {"username": "dave", "units": [A_0202], "status": "active"}
    dave = Owner.objects.get(name=NAMES["dave"])
    assert dave.user.username == "dave"
    assert dave.phone_masked == "138****8000"
    attempt = SignupAttempt.objects.get(username="dave")
    assert (attempt.matched, attempt.ip_address, attempt.reason) == (True, "10.1.2.3", "matched")
    token = APIClient().post(TOKEN_URL, {"username": "dave", "password": PASSWORD}, format="json")
    assert token.status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "overrides",
    [{"name": "陈晶"}, {"id_number": IDS["alice"]}, {"id_number": "11010519491231002X"}],
    ids=["name_differs", "someone_elses_id", "unknown_id"],
)
def test_signup_refuses_identity_mismatch(world: World, overrides: dict[str, str]):
    # when
    response = APIClient().post(SIGNUP_URL, dave_signup(**overrides), format="json")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert body["code"] == "identity_not_matched"
    assert body["extra"] == {}
    assert not User.objects.filter(username="dave").exists()
    assert Owner.objects.get(name=NAMES["dave"]).user_id is None
    assert (
        SignupAttempt.objects.filter(username="dave", matched=False, reason="identity_not_matched").count()
        == 1
    )


def test_signup_refuses_invalid_id_number(world: World):
    # when
    response = APIClient().post(SIGNUP_URL, dave_signup(id_number="110105194912310021"), format="json")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "invalid_id_number"
    assert not User.objects.filter(username="dave").exists()


def test_signup_refuses_holder_already_registered(world: World):
    # when
    response = APIClient().post(
        SIGNUP_URL, dave_signup(username="alice2", name=NAMES["alice"], id_number=IDS["alice"]), format="json"
    )

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "already_registered"
    assert not User.objects.filter(username="alice2").exists()


def test_signup_missing_fields_is_a_validation_error(world: World):
    # when
    response = APIClient().post(SIGNUP_URL, {"username": "dave"}, format="json")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    body = response.json()
    assert body["code"] == "invalid"
    assert sorted(body["extra"]["fields"]) == ["id_number", "name", "password", "phone"]
    assert SignupAttempt.objects.count() == 4  # the world's four sign-ups only


def test_signup_is_rate_limited(world: World, settings):
    # given: two refused attempts from one address, the limit being two
    settings.SIGNUP_RATE_LIMIT = 2
    client = APIClient()
    refused = [
        client.post(SIGNUP_URL, dave_signup(name="陈晶"), format="json", REMOTE_ADDR="10.9.9.9").status_code
        for _ in range(2)
    ]

    # when: even a matching attempt from that address
    response = client.post(SIGNUP_URL, dave_signup(username="dave2"), format="json", REMOTE_ADDR="10.9.9.9")

    # then
    assert refused == [HTTPStatus.BAD_REQUEST, HTTPStatus.BAD_REQUEST]
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    body = response.json()
    assert body["code"] == "rate_limited"
    assert set(body) == {"code", "message", "extra"}
    assert not User.objects.filter(username__in=["dave", "dave2"]).exists()


def test_signup_rate_limit_is_per_address(world: World, settings):
    # given
    settings.SIGNUP_RATE_LIMIT = 2
    client = APIClient()
    for n in range(2):
        client.post(
            SIGNUP_URL, dave_signup(username=f"x{n}", name="陈晶"), format="json", REMOTE_ADDR="10.9.9.9"
        )

    # when
    response = client.post(SIGNUP_URL, dave_signup(), format="json", REMOTE_ADDR="10.8.8.8")

    # then
    assert response.status_code == HTTPStatus.CREATED


def developer_signup(**overrides: str) -> dict[str, str]:
    return {
        "username": "developer",
        "password": PASSWORD,
        "name": "某置业有限公司",
        "id_number": DEVELOPER,
        "phone": "13700137000",
        "representative": "赵建国",
        **overrides,
    }


def test_signup_organisation_through_its_representative(world: World):
    # when
    response = APIClient().post(SIGNUP_URL, developer_signup(name="某置业有限公司 "), format="json")

    # then: matched, but the account waits for the street office (name and credit code are public)
    assert response.status_code == HTTPStatus.CREATED
    assert response.json() == {"username": "developer", "units": [A_0201], "status": "pending_verification"}
    developer = Owner.objects.get(user__username="developer")
    assert (developer.holder_type, developer.id_type, developer.representative) == (
        "organisation",
        "uscc",
        "赵建国",
    )
    assert developer.user.is_active is False
    refused = APIClient().post(TOKEN_URL, {"username": "developer", "password": PASSWORD}, format="json")
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    organisation_account_verify(actor=world.official_a, owner=developer, note="营业执照、授权委托书已核")
    me = api_as(User.objects.get(username="developer")).get(ME_URL)
    assert me.json()["owner"] == {
        "holder_type": "organisation",
        "name": "某置业有限公司",
        "representative": "赵建国",
        "id_masked": "913***********0Y43",
        "phone_masked": "137****7000",
        "units": [A_0201],
    }
    assert me.json()["roles"] == ["owner"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"representative": ""}, "representative_required"),
        ({"name": "某置业公司"}, "identity_not_matched"),
        ({"id_number": "91350100M000100Y44"}, "invalid_id_number"),
        ({"representative": "13912345678"}, "invalid_representative"),
    ],
    ids=["no_representative", "other_name", "bad_check_character", "phone_as_representative"],
)
def test_signup_organisation_refusals_change_nothing(world: World, overrides: dict[str, str], code: str):
    # given
    body = developer_signup(**overrides)
    if not body["representative"]:
        del body["representative"]  # optional in the contract; organisations need it all the same

    # when
    response = APIClient().post(SIGNUP_URL, body, format="json", REMOTE_ADDR="10.4.4.4")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == code
    assert response.json()["extra"] == {}
    assert not User.objects.filter(username="developer").exists()
    developer = Owner.objects.get(id_type="uscc")
    assert (developer.user_id, developer.phone, developer.representative) == (None, "", "")
    attempt = SignupAttempt.objects.get(username="developer")
    assert (attempt.matched, attempt.reason, attempt.ip_address) == (False, code, "10.4.4.4")


def test_signup_person_with_representative_is_refused(world: World):
    # when
    response = APIClient().post(SIGNUP_URL, dave_signup(representative="陈大"), format="json")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "representative_not_allowed"
    assert not User.objects.filter(username="dave").exists()
    assert Owner.objects.get(name=NAMES["dave"]).user_id is None


def test_signup_passport_holder(world: World):
    # given
    line = feed_line(
        unit_number(PARCEL_A, 7, "0101"),
        [{"name": "KIM MINJUN", "holder_type": "person", "id_type": "passport", "id_number": "M12345678"}],
    )
    registration_feed_apply(lines=[line], source="passport")

    # when
    response = APIClient().post(
        SIGNUP_URL, dave_signup(username="kim", name="KIM MINJUN", id_number="M12345678"), format="json"
    )

    # then
    assert response.status_code == HTTPStatus.CREATED
    assert response.json() == {
        "username": "kim",
        "units": [unit_number(PARCEL_A, 7, "0101")],
        "status": "active",
    }
    me = api_as(User.objects.get(username="kim")).get(ME_URL).json()["owner"]
    assert (me["holder_type"], me["representative"], me["id_masked"]) == ("person", "", "M12**5678")


# -------------------------------------------------------------------------------------------- me


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", HTTPStatus.UNAUTHORIZED),
        ("alice", HTTPStatus.OK),
        ("carol", HTTPStatus.OK),
        ("firm_a", HTTPStatus.OK),
        ("firm_b", HTTPStatus.OK),
        ("official_b", HTTPStatus.OK),
        ("official_a", HTTPStatus.OK),
        ("official_district", HTTPStatus.OK),
    ],
)
def test_me_matrix(world: World, who: str, expected: HTTPStatus):
    # when
    response = client_for(world, who).get(ME_URL)

    # then
    assert response.status_code == expected


def test_me_anonymous_error_shape(world: World):
    # when
    response = api_as(None).get(ME_URL)

    # then
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["extra"] == {}
    assert isinstance(body["message"], str) and body["message"]


def test_me_owner(world: World):
    # when
    response = api_as(world.alice).get(ME_URL)

    # then
    assert response.json() == {
        "username": "alice",
        "roles": ["owner"],
        "owner": {
            "holder_type": "person",
            "name": "王丽",
            "representative": "",
            "id_masked": mask_id_number(IDS["alice"]),
            "phone_masked": "138****8000",
            "units": [A_0101],
        },
        "official": None,
        "firm": None,
    }
    assert response.json()["owner"]["id_masked"] == IDS["alice"][:3] + "*" * 11 + IDS["alice"][-4:]


@pytest.mark.parametrize(
    ("who", "region"),
    [
        ("official_a", {"code": "370212001", "name": "中韩街道", "level": "street"}),
        ("official_district", {"code": "370212", "name": "崂山区", "level": "district"}),
    ],
)
def test_me_official(world: World, who: str, region: dict[str, str]):
    # when
    response = client_for(world, who).get(ME_URL)

    # then
    assert response.json() == {
        "username": who,
        "roles": ["official"],
        "owner": None,
        "official": {"region": region, "title": ""},
        "firm": None,
    }


def test_me_firm(world: World):
    # when
    response = api_as(world.firm_a).get(ME_URL)

    # then
    assert response.json() == {
        "username": "firm_a",
        "roles": ["firm"],
        "owner": None,
        "official": None,
        "firm": {"uscc": FIRM_A, "name": "青岛甲物业服务有限公司"},
    }


def test_me_inactive_firm_staff_has_no_firm(world: World):
    # given
    world.firm_a.firm_staff.active = False
    world.firm_a.firm_staff.save(update_fields=["active"])

    # when
    response = api_as(world.firm_a).get(ME_URL)

    # then
    assert response.json()["roles"] == []
    assert response.json()["firm"] is None
