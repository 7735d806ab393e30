from http import HTTPStatus

from django.test import Client, override_settings

from tests.conftest import PASSWORD, World, browser_as


def test_login_page_renders(db):
    # when
    response = Client().get("/accounts/login/")

    # then
    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "registration/login.html"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in response.content.decode()


def test_login_with_right_password_goes_home(world: World):
    # given
    client = Client()

    # when
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/"
    assert client.get("/").status_code == HTTPStatus.OK


def test_login_with_wrong_password_says_so(world: World):
    # when
    response = Client().post("/accounts/login/", {"username": "alice", "password": "wrong-password"})

    # then
    assert response.status_code == HTTPStatus.OK
    assert "用户名或密码不正确（区分大小写）。" in response.content.decode()
    assert "_auth_user_id" not in response.client.session


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=2)
def test_locked_out_login_shows_clear_message(world: World):
    # given
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": "wrong-1"})

    # when
    locked = client.post("/accounts/login/", {"username": "alice", "password": "wrong-2"})
    still_locked = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    # then
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "登录失败次数过多，已暂时停止登录，请 1 小时后再试。" in locked.content.decode()
    assert still_locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(world: World):
    # given
    client = browser_as(world.alice)

    # when
    response = client.post("/accounts/logout/")

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == HTTPStatus.FOUND


def test_logged_in_user_visiting_login_goes_home(world: World):
    # when
    response = browser_as(world.alice).get("/accounts/login/")

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/"
