from http import HTTPStatus

from django.test import Client

from tests.conftest import IDS, PASSWORD, World, browser_as


def test_pages_are_chinese_by_default(world: World):
    # when
    html = browser_as(world.alice).get("/").content.decode()

    # then
    assert '<html lang="zh-hans">' in html
    assert "我的家" in html
    assert "My home" not in html


def test_english_switch_translates_the_home_page(world: World):
    # given
    client = browser_as(world.alice)

    # when
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()

    # then
    assert switched.status_code == HTTPStatus.FOUND
    assert switched["Location"] == "/"
    assert '<html lang="en">' in html
    assert "My home" in html
    assert "Registered area" in html
    assert "Sole ownership" in html
    assert "我的家" not in html


def test_english_switch_translates_service_refusals(world: World):
    # given
    client = Client()
    client.post("/i18n/setlang/", {"language": "en"})

    # when
    response = client.post(
        "/accounts/signup/",
        {
            "username": "dave",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "name": "陈静静",
            "id_number": IDS["dave"],
            "phone": "13912345678",
        },
    )

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "did not match" in response.content.decode()
