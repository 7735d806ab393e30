import re
from http import HTTPStatus

from django.test import Client

from registry.models import Owner, SignupAttempt, User
from tests.conftest import DEVELOPER, IDS, NAMES, PASSWORD, World, browser_as


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "username": "dave",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "name": NAMES["dave"],
        "id_number": IDS["dave"],
        "phone": "13912345678",
    }
    data.update(overrides)
    return data


def test_signup_page_renders(db):
    # when
    response = Client().get("/accounts/signup/")

    # then
    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "registration/signup.html"


def test_signup_links_the_owner_logs_in_and_goes_home(world: World):
    # given
    client = Client()

    # when
    response = client.post("/accounts/signup/", _form(), REMOTE_ADDR="203.0.113.7")

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/"
    user = User.objects.get(username="dave")
    assert Owner.objects.get(user=user).name == NAMES["dave"]
    assert int(client.session["_auth_user_id"]) == user.pk
    attempt = SignupAttempt.objects.get(username="dave")
    assert (attempt.matched, attempt.ip_address) == (True, "203.0.113.7")
    home = client.get("/").content.decode()
    assert "注册成功，已关联 1 套房屋。" in home
    assert "2层 0202" in home


def test_signup_mismatch_shows_refusal_keeps_input_and_creates_nothing(world: World):
    # given
    users_before = User.objects.count()

    # when
    response = Client().post("/accounts/signup/", _form(name="陈静静"), REMOTE_ADDR="203.0.113.8")

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "姓名（名称）与证件号码未能与不动产登记的现有权利人匹配。" in html
    assert User.objects.count() == users_before
    assert Owner.objects.get(name=NAMES["dave"]).user_id is None
    attempt = SignupAttempt.objects.get(username="dave")
    assert (attempt.matched, attempt.reason, attempt.ip_address) == (
        False,
        "identity_not_matched",
        "203.0.113.8",
    )
    assert 'name="username" value="dave"' in html
    assert 'value="陈静静"' in html
    assert 'value="13912345678"' in html
    assert IDS["dave"] not in html
    assert PASSWORD not in html


def test_signup_password_mismatch_is_refused_before_matching(world: World):
    # when
    response = Client().post("/accounts/signup/", _form(password2="Another-pass-2026"))

    # then
    assert response.status_code == HTTPStatus.OK
    assert "两次输入的密码不一致。" in response.content.decode()
    assert not User.objects.filter(username="dave").exists()
    assert SignupAttempt.objects.filter(username="dave").count() == 0


def test_signup_taken_username_is_shown_on_the_field(world: World):
    # when
    response = Client().post("/accounts/signup/", _form(username="alice"))

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.context["form"].errors == {"username": ["该用户名已被使用。"]}
    assert Owner.objects.get(name=NAMES["dave"]).user_id is None


def test_signup_rate_limit_answers_429(world: World, settings):
    # given
    settings.SIGNUP_RATE_LIMIT = 1
    Client().post("/accounts/signup/", _form(name="错误姓名"), REMOTE_ADDR="203.0.113.9")

    # when
    response = Client().post("/accounts/signup/", _form(), REMOTE_ADDR="203.0.113.9")

    # then
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "尝试次数过多，请一小时后再试。" in response.content.decode()
    assert not User.objects.filter(username="dave").exists()


def test_signed_in_user_visiting_signup_goes_home(world: World):
    # when
    response = browser_as(world.alice).get("/accounts/signup/")

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/"


# ------------------------------------------------------------------------------------- organisations


def _organisation_form(**overrides: str) -> dict[str, str]:
    return _form(
        **{
            "username": "developer",
            "holder_type": "organisation",
            "name": "某置业有限公司",
            "id_number": DEVELOPER,
            "representative": "赵建国",
            **overrides,
        }
    )


def test_signup_page_offers_person_or_organisation_with_a_representative_box(db):
    # when
    html = Client().get("/accounts/signup/").content.decode()

    # then: 个人 is chosen; the representative's box sits in the part shown for organisations only
    assert (
        'type="radio" name="holder_type" value="person" class="holder-type" id="id_holder_type_0" checked'
        in html
    )
    assert 'type="radio" name="holder_type" value="organisation"' in html
    assert "<span>个人</span>" in html and "<span>单位</span>" in html
    org_only = html[html.index('<div class="org-only">') :]
    assert org_only.index('name="representative"') < org_only.index('name="phone"')
    assert "经办人姓名" in org_only


def test_signup_organisation_on_the_page(world: World):
    # given
    client = Client()

    # when
    response = client.post("/accounts/signup/", _organisation_form(), REMOTE_ADDR="203.0.113.21")

    # then: matched and linked, not signed in: the street office checks the licence first
    assert response.status_code == HTTPStatus.OK
    assert 'id="signup-pending"' in response.content.decode()
    assert "须经房屋所在地街道办事处核验后才能登录和投票" in response.content.decode()
    developer = Owner.objects.get(user__username="developer")
    assert (developer.holder_type, developer.representative, developer.phone) == (
        "organisation",
        "赵建国",
        "13912345678",
    )
    assert developer.user.is_active is False
    assert client.get("/").status_code == HTTPStatus.FOUND  # still signed out: sent to sign-in


def test_signup_organisation_without_representative_is_stopped_by_the_form(world: World):
    # when
    response = Client().post("/accounts/signup/", _organisation_form(representative=""))

    # then
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors == {"representative": ["单位注册须填写经办人姓名。"]}
    assert not User.objects.filter(username="developer").exists()
    assert SignupAttempt.objects.filter(username="developer").count() == 0


def test_signup_organisation_refusal_from_the_registry_keeps_the_choice(world: World):
    # when
    response = Client().post("/accounts/signup/", _organisation_form(name="某置业公司"))

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "姓名（名称）与证件号码未能与不动产登记的现有权利人匹配。" in html
    assert 'value="organisation" class="holder-type" id="id_holder_type_1" checked' in html
    assert 'value="赵建国"' in html
    assert DEVELOPER not in html
    assert Owner.objects.get(id_type="uscc").user_id is None


def test_signup_credit_code_as_person_is_told_to_choose_organisation(world: World):
    # when: 个人 chosen, but the number is a credit code
    response = Client().post("/accounts/signup/", _organisation_form(holder_type="person"))

    # then: the refusal is shown next to the choice, not in the hidden representative box
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.context["form"].errors == {"holder_type": ["单位注册须填写经办人姓名。"]}
    assert Owner.objects.get(id_type="uscc").user_id is None


def test_signup_as_person_drops_a_representative_typed_in_the_hidden_box(world: World):
    # when
    response = Client().post("/accounts/signup/", _form(holder_type="person", representative="陈大"))

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert Owner.objects.get(user__username="dave").representative == ""


def test_signup_page_in_english_has_no_chinese_left(db):
    # given
    client = Client()
    client.post("/i18n/setlang/", {"language": "en"})

    # when
    html = client.get("/accounts/signup/").content.decode()

    # then: only the language switch and the logo's glyph are Chinese
    text = html.replace(">简体中文<", "><").replace('aria-hidden="true">共<', "><")
    chinese = re.findall(r"[\u3400-\u9fff\uff00-\uffef]+", text)
    assert chinese == []
    assert "Representative&#x27;s name" in html or "Representative's name" in html
    assert "Organisation" in html and "Person" in html
