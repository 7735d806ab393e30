"""Task claiming (党员认领办实事): open → claimed → completed (report and photos through the one pipeline) →
confirmed with a rating; refusals (claiming twice, completing someone else's task, confirming a task one did
not post, moves out of order) change nothing; figures per member and organisation."""

import io
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from partybuilding.models import Task, TaskPhoto
from registry.models import AuditEvent, Equipment, Message, Photo
from tests.conftest import api_as
from tests.partybuilding.conftest import A, B

TASKS = "/api/v1/party-tasks/"


def _photo(colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, "JPEG")
    return SimpleUploadedFile("done.jpg", buffer.getvalue(), content_type="image/jpeg")


def _post(user, compound=A, **extra):
    body = {"compound": compound, "title": "帮独居老人换灯泡", "description": "5号楼1单元", **extra}
    return api_as(user).post(TASKS, body, format="json")


def _state(task_id: int) -> tuple:
    t = Task.objects.get(pk=task_id)
    return (t.status, t.claimer_id, t.report, t.rating, t.note, TaskPhoto.objects.filter(task=t).count())


@pytest.mark.parametrize(
    ("who", "compound", "status", "role"),
    [
        ("bella", A, HTTPStatus.CREATED, "owner"),
        ("bob", A, HTTPStatus.CREATED, "committee"),
        ("official_a", A, HTTPStatus.CREATED, "community"),
        ("firm_a", A, HTTPStatus.FORBIDDEN, None),
        ("official_b", A, HTTPStatus.NOT_FOUND, None),
        ("carol", A, HTTPStatus.NOT_FOUND, None),
        ("carol", B, HTTPStatus.CREATED, "owner"),
    ],
)
def test_who_posts_a_task(pworld, who, compound, status, role):
    # when
    response = _post(getattr(pworld, who), compound)

    # then
    assert response.status_code == status
    if status == HTTPStatus.CREATED:
        assert response.json()["status"] == "open"
        task = Task.objects.get(pk=response.json()["id"])
        assert (task.requester_role, task.requester.username) == (role, who)
        assert AuditEvent.objects.filter(verb="party.task.post", target_id=str(task.pk)).count() == 1
    else:
        assert Task.objects.count() == 0


def test_anonymous_cannot_post(pworld):
    # when
    response = _post(None)

    # then
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert Task.objects.count() == 0


def test_links_must_be_in_the_same_compound(pworld):
    # given: a lift in 海韵小区 (B)
    lift = Equipment.objects.create(
        compound=pworld.compound_b,
        category="DT",
        sequence=1,
        name="1号电梯",
        common_area="1号楼",
        maintenance_interval_days=15,
    )

    # when
    response = _post(pworld.bob, links={"equipment": lift.pk})

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "invalid_link"
    assert Task.objects.count() == 0


def test_the_whole_lifecycle_with_notifications_and_figures(pworld, django_capture_on_commit_callbacks):
    # given: bob (the committee's director) posts; alice and bella are party members, bob is not
    task_id = _post(pworld.bob).json()["id"]
    url = f"{TASKS}{task_id}/"

    # when
    with django_capture_on_commit_callbacks(execute=True):
        claimed = api_as(pworld.alice).post(url + "claim/")
        completed = api_as(pworld.alice).post(
            url + "complete/", {"report": "已更换LED灯泡", "photos": [_photo()]}, format="multipart"
        )
        confirmed = api_as(pworld.bob).post(
            url + "confirm/", {"rating": 5, "note": "及时周到"}, format="json"
        )

    # then
    assert (claimed.status_code, claimed.json()["status"]) == (HTTPStatus.OK, "claimed")
    assert (completed.status_code, completed.json()["status"]) == (HTTPStatus.OK, "completed")
    assert (confirmed.status_code, confirmed.json()["status"]) == (HTTPStatus.OK, "confirmed")
    task = Task.objects.get(pk=task_id)
    assert (task.claimer.user, task.report, task.rating, task.note) == (
        pworld.alice,
        "已更换LED灯泡",
        5,
        "及时周到",
    )
    photo = TaskPhoto.objects.get(task=task).photo
    assert confirmed.json()["task"]["photos"] == [f"{url}photos/{photo.sha256}/"]
    assert Photo.objects.count() == 1
    assert api_as(pworld.bob).get(f"{url}photos/{photo.sha256}/").status_code == HTTPStatus.OK
    assert api_as(pworld.carol).get(f"{url}photos/{photo.sha256}/").status_code == HTTPStatus.NOT_FOUND
    assert sorted(Message.objects.values_list("user__username", "key")) == [
        ("alice", f"party.task.{task_id}.confirmed"),
        ("bob", f"party.task.{task_id}.claimed"),
        ("bob", f"party.task.{task_id}.completed"),
    ]
    verbs = list(
        AuditEvent.objects.filter(target_id=str(task_id), verb__startswith="party.task")
        .order_by("pk")
        .values_list("verb", "actor__username")
    )
    assert verbs == [
        ("party.task.post", "bob"),
        ("party.task.claim", "alice"),
        ("party.task.complete", "alice"),
        ("party.task.confirm", "bob"),
    ]
    figures = api_as(pworld.official_a).get("/api/v1/stats/party-tasks/").json()
    alice = next(m for m in figures["members"] if m["name"] == "王丽")
    assert {k: alice[k] for k in ("claimed", "completed", "confirmed", "rating_sum")} == {
        "claimed": 1,
        "completed": 1,
        "confirmed": 1,
        "rating_sum": 5,
    }
    branch = next(o for o in figures["organisations"] if o["code"] == "ZB-0001")
    assert (branch["claimed"], branch["confirmed"], branch["rating_sum"]) == (1, 1, 5)
    firm = next(o for o in figures["organisations"] if o["code"] == "QY-A")
    assert (firm["claimed"], firm["confirmed"], firm["rating_sum"]) == (0, 0, 0)


def test_claiming_a_claimed_task_is_refused_and_changes_nothing(pworld):
    # given
    task_id = _post(pworld.bob).json()["id"]
    api_as(pworld.alice).post(f"{TASKS}{task_id}/claim/")
    before = _state(task_id)

    # when
    again = api_as(pworld.bella).post(f"{TASKS}{task_id}/claim/")

    # then
    assert again.status_code == HTTPStatus.CONFLICT
    assert again.json()["code"] == "already_claimed"
    assert _state(task_id) == before


def test_non_members_cannot_claim(pworld):
    # given
    task_id = _post(pworld.official_a).json()["id"]

    # when: bob sees the task (committee) but is no party member; carol does not see it
    bob = api_as(pworld.bob).post(f"{TASKS}{task_id}/claim/")
    carol = api_as(pworld.carol).post(f"{TASKS}{task_id}/claim/")

    # then
    assert (bob.status_code, bob.json()["code"]) == (HTTPStatus.FORBIDDEN, "not_party_member")
    assert carol.status_code == HTTPStatus.NOT_FOUND
    assert _state(task_id) == ("open", None, "", None, "", 0)


def test_only_the_claimer_completes(pworld):
    # given
    task_id = _post(pworld.bob).json()["id"]
    api_as(pworld.alice).post(f"{TASKS}{task_id}/claim/")
    before = _state(task_id)

    # when
    bella = api_as(pworld.bella).post(f"{TASKS}{task_id}/complete/", {"report": "我做的"}, format="json")
    bob = api_as(pworld.bob).post(f"{TASKS}{task_id}/complete/", {"report": "我做的"}, format="json")

    # then
    assert (bella.status_code, bob.status_code) == (HTTPStatus.FORBIDDEN, HTTPStatus.FORBIDDEN)
    assert _state(task_id) == before


def test_only_the_requester_confirms(pworld):
    # given
    task_id = _post(pworld.bob).json()["id"]
    api_as(pworld.alice).post(f"{TASKS}{task_id}/claim/")
    api_as(pworld.alice).post(f"{TASKS}{task_id}/complete/", {"report": "好了"}, format="json")
    before = _state(task_id)

    # when
    by_claimer = api_as(pworld.alice).post(f"{TASKS}{task_id}/confirm/", {"rating": 5}, format="json")
    by_official = api_as(pworld.official_a).post(f"{TASKS}{task_id}/confirm/", {"rating": 5}, format="json")

    # then
    assert (by_claimer.status_code, by_official.status_code) == (HTTPStatus.FORBIDDEN, HTTPStatus.FORBIDDEN)
    assert _state(task_id) == before


def test_moves_out_of_order_are_invalid_transitions(pworld):
    # given
    task_id = _post(pworld.bob).json()["id"]
    url = f"{TASKS}{task_id}/"

    # when: confirming an open task; after the claim, confirming before completion; completing twice
    open_confirm = api_as(pworld.bob).post(url + "confirm/", {"rating": 4}, format="json")
    api_as(pworld.alice).post(url + "claim/")
    early_confirm = api_as(pworld.bob).post(url + "confirm/", {"rating": 4}, format="json")
    api_as(pworld.alice).post(url + "complete/", {"report": "好了"}, format="json")
    before = _state(task_id)
    twice = api_as(pworld.alice).post(url + "complete/", {"report": "又好了"}, format="json")
    claim_done = api_as(pworld.bella).post(url + "claim/")

    # then
    for response in (open_confirm, early_confirm, twice, claim_done):
        assert response.status_code == HTTPStatus.CONFLICT
        assert response.json()["code"] == "invalid_transition"
    assert _state(task_id) == before == ("completed", before[1], "好了", None, "", 0)


@pytest.mark.parametrize("rating", [0, 6, "five"])
def test_rating_must_be_one_to_five(pworld, rating):
    # given
    task_id = _post(pworld.bob).json()["id"]
    api_as(pworld.alice).post(f"{TASKS}{task_id}/claim/")
    api_as(pworld.alice).post(f"{TASKS}{task_id}/complete/", {"report": "好了"}, format="json")

    # when
    response = api_as(pworld.bob).post(f"{TASKS}{task_id}/confirm/", {"rating": rating}, format="json")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert _state(task_id)[0] == "completed"


def test_a_refused_photo_completes_nothing(pworld):
    # given
    task_id = _post(pworld.bob).json()["id"]
    api_as(pworld.alice).post(f"{TASKS}{task_id}/claim/")
    before = _state(task_id)
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")

    # when
    response = api_as(pworld.alice).post(
        f"{TASKS}{task_id}/complete/", {"report": "好了", "photos": [fake]}, format="multipart"
    )

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "photo_invalid_type"
    assert _state(task_id) == before


def test_task_list_for_members_reaching_the_compound(pworld, django_assert_max_num_queries):
    # given: three tasks in A, one in B
    for _ in range(3):
        _post(pworld.bob)
    _post(pworld.carol, B)
    client = api_as(pworld.bella)
    client.get(TASKS)

    # when
    with django_assert_max_num_queries(9):
        response = client.get(TASKS + "?status=open")

    # then: bella (member, owner in A) sees the three tasks of A, not carol's in B
    assert response.status_code == HTTPStatus.OK
    assert [t["compound"] for t in response.json()["results"]] == [A, A, A]
    assert api_as(pworld.carol).get(TASKS).json()["count"] == 1
