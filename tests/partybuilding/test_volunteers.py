"""Find a party member (有事找党员): the volunteers of a compound with only what each chose to show, an
owner's request delivered in-app to the member, and the reply thread — no phone number anywhere."""

from http import HTTPStatus

import pytest

from partybuilding.models import RequestReply, Volunteer, VolunteerRequest
from registry.models import AuditEvent, Message
from tests.partybuilding.conftest import A

URL = f"/api/v1/compounds/{A}/party-volunteers/"


def _volunteer(username: str) -> Volunteer:
    return Volunteer.objects.get(member__user__username=username)


def test_owner_sees_only_the_fields_each_volunteer_chose_to_show(pworld, django_assert_max_num_queries):
    from tests.conftest import api_as

    client = api_as(pworld.alice)
    client.get(URL)  # process-wide caches (permission ids, content types) warmed up

    # when: the session and token, the jurisdiction, the compound, the volunteers, their posts, their buildings
    with django_assert_max_num_queries(8):
        response = client.get(URL)

    # then
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "compound": A,
        "volunteers": [
            {
                "id": _volunteer("alice").pk,
                "show": ["name", "skills"],
                "name": "王丽",
                "skills": "调解、助老",
            },
            {
                "id": _volunteer("bella").pk,
                "show": ["building", "post"],
                "building": "5号楼",
                "posts": ["业委会委员"],
            },
        ],
    }
    assert "138" not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("bob", HTTPStatus.OK),
        ("official_a", HTTPStatus.OK),
        ("official_district", HTTPStatus.OK),
        ("carol", HTTPStatus.NOT_FOUND),  # owner elsewhere
        ("official_b", HTTPStatus.NOT_FOUND),  # another street
        ("firm_a", HTTPStatus.NOT_FOUND),  # the firm sees the compound, not its volunteers
        (None, HTTPStatus.UNAUTHORIZED),
    ],
)
def test_who_lists_volunteers(pworld, who, status):
    from tests.conftest import api_as

    # when
    response = api_as(getattr(pworld, who) if who else None).get(URL)

    # then
    assert response.status_code == status


def test_request_reaches_the_member_in_app_and_the_thread_goes_both_ways(
    pworld, django_capture_on_commit_callbacks
):
    from tests.conftest import api_as

    bella = _volunteer("bella")

    # when: bob asks bella; bella replies; bob reads the thread
    with django_capture_on_commit_callbacks(execute=True):
        sent = api_as(pworld.bob).post(
            f"/api/v1/party-volunteers/{bella.pk}/requests/", {"text": "楼道灯坏了，家有老人"}
        )
    request_id = sent.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        replied = api_as(pworld.bella).post(
            f"/api/v1/party-requests/{request_id}/replies/", {"text": "今晚七点过去看看"}
        )
    thread = api_as(pworld.bob).get(f"/api/v1/party-requests/{request_id}/")

    # then
    assert sent.status_code == HTTPStatus.CREATED
    assert sent.json()["compound"] == A
    assert sent.json()["replies"] == []
    assert replied.status_code == HTTPStatus.CREATED
    assert thread.status_code == HTTPStatus.OK
    assert [(r["from"], r["text"]) for r in thread.json()["replies"]] == [("member", "今晚七点过去看看")]
    to_bella = Message.objects.get(user=pworld.bella)
    assert (to_bella.title, to_bella.body, to_bella.link) == (
        "逸景公馆 有居民向您求助",
        "楼道灯坏了，家有老人",
        f"/party/requests/{request_id}/",
    )
    to_bob = Message.objects.get(user=pworld.bob)
    assert (to_bob.title, to_bob.body) == ("您的求助有新回复", "今晚七点过去看看")
    for response in (sent, replied, thread):
        assert "13800138000" not in response.content.decode()
    assert AuditEvent.objects.filter(verb="party.request.send", actor=pworld.bob).count() == 1
    assert AuditEvent.objects.filter(verb="party.request.reply", actor=pworld.bella).count() == 1
    inbox = api_as(pworld.bella)
    inbox.force_authenticate(pworld.bella)
    from django.test import Client

    page = Client()
    page.force_login(pworld.bella)
    assert "有居民向您求助" in page.get("/messages/").content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("carol", HTTPStatus.NOT_FOUND), ("official_a", HTTPStatus.FORBIDDEN), ("firm_a", HTTPStatus.NOT_FOUND)],
)
def test_only_owners_of_the_compound_send_requests_and_a_refusal_changes_nothing(pworld, who, status):
    from tests.conftest import api_as

    # when
    response = api_as(getattr(pworld, who)).post(
        f"/api/v1/party-volunteers/{_volunteer('bella').pk}/requests/", {"text": "帮忙"}
    )

    # then
    assert response.status_code == status
    assert VolunteerRequest.objects.count() == 0
    assert Message.objects.count() == 0


def test_strangers_neither_read_nor_reply_to_a_thread(pworld):
    from tests.conftest import api_as

    # given
    sent = api_as(pworld.bob).post(
        f"/api/v1/party-volunteers/{_volunteer('bella').pk}/requests/", {"text": "帮忙"}
    )
    request_id = sent.json()["id"]

    # when
    read = api_as(pworld.alice).get(f"/api/v1/party-requests/{request_id}/")
    reply = api_as(pworld.alice).post(f"/api/v1/party-requests/{request_id}/replies/", {"text": "我也来"})
    official = api_as(pworld.official_a).get(f"/api/v1/party-requests/{request_id}/")

    # then
    assert (read.status_code, reply.status_code, official.status_code) == (HTTPStatus.NOT_FOUND,) * 3
    assert RequestReply.objects.count() == 0


def test_inactive_volunteer_is_neither_listed_nor_reachable(pworld):
    from tests.conftest import api_as

    # given
    bella = _volunteer("bella")
    Volunteer.objects.filter(pk=bella.pk).update(active=False)

    # when
    listed = api_as(pworld.bob).get(URL)
    sent = api_as(pworld.bob).post(f"/api/v1/party-volunteers/{bella.pk}/requests/", {"text": "帮忙"})

    # then
    assert [v["id"] for v in listed.json()["volunteers"]] == [_volunteer("alice").pk]
    assert sent.status_code == HTTPStatus.NOT_FOUND
    assert VolunteerRequest.objects.count() == 0
