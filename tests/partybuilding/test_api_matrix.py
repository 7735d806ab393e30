"""The permission matrix of the party-building endpoints (anonymous, another compound's owner, the compound's
owner, its firm, an official of another street, the street's official), and query counts on the lists."""

from http import HTTPStatus

import pytest

from partybuilding.models import Task
from partybuilding.services.tasks import task_post
from tests.conftest import api_as
from tests.partybuilding.conftest import A

WHO = ["anonymous", "carol", "bella", "firm_a", "official_b", "official_a"]
# firm_a's account is a party member of the firm's organisation (tests.partybuilding.conftest): it reaches the
# compounds its firm serves, so it sees and may claim their tasks — as a member, not as the firm.


def _user(pworld, who):
    return None if who == "anonymous" else getattr(pworld, who)


@pytest.mark.parametrize(
    ("who", "status"),
    list(zip(WHO, [401, 404, 200, 200, 404, 200], strict=True)),
)
def test_task_detail(pworld, who, status):
    # given
    task = task_post(actor=pworld.bob, compound=pworld.compound_a, title="帮忙搬花盆")

    # when
    response = api_as(_user(pworld, who)).get(f"/api/v1/party-tasks/{task.pk}/")

    # then
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    list(zip(WHO, [401, 404, 403, 403, 404, 200], strict=True)),
)
def test_compound_party_status(pworld, who, status):
    # when
    response = api_as(_user(pworld, who)).get(f"/api/v1/compounds/{A}/party-status/")

    # then
    assert response.status_code == status
    if status == HTTPStatus.OK:
        # bob and alice sit on the committee, alice alone is a party member: exactly half, flagged
        assert response.json()["committee"] == {"seats": 2, "party_seats": 1, "above_half": False}
        assert response.json()["short"] == ["project_without_branch", "committee_not_majority"]
        assert response.json()["posts"] == [
            {"body": "committee", "title": "业委会委员", "organisation": "ZB-0001"}
        ]


@pytest.mark.parametrize(
    ("who", "status"),
    list(zip(WHO, [401, 403, 403, 403, 200, 200], strict=True)),
)
def test_coverage_matrix(pworld, who, status):
    # when
    response = api_as(_user(pworld, who)).get("/api/v1/stats/party-coverage/")

    # then
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    list(zip(WHO, [401, 404, 403, 403, 404, 200], strict=True)),
)
def test_claim_matrix_refusals_change_nothing(pworld, who, status):
    # given: official_a claims nothing (no member) — so the only 200 would be a member; bella is one
    task = task_post(actor=pworld.bob, compound=pworld.compound_a, title="帮忙搬花盆")
    expected = {"bella": 200, "firm_a": 200, "official_a": 403}.get(who, status)

    # when
    response = api_as(_user(pworld, who)).post(f"/api/v1/party-tasks/{task.pk}/claim/")

    # then
    assert response.status_code == expected
    task.refresh_from_db()
    assert task.status == ("claimed" if expected == HTTPStatus.OK else "open")


def test_task_list_query_count_does_not_grow_with_tasks(pworld, django_assert_max_num_queries):
    # given: twenty tasks, half claimed
    tasks = [task_post(actor=pworld.bob, compound=pworld.compound_a, title=f"任务{i}") for i in range(20)]
    from partybuilding.services.tasks import task_claim

    for t in tasks[:10]:
        task_claim(actor=pworld.alice, task=t)
    client = api_as(pworld.official_a)
    client.get("/api/v1/party-tasks/")

    # when
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/party-tasks/?page_size=50")

    # then
    assert response.json()["count"] == 20 == Task.objects.count()
    assert sum(t["claimer_organisation"] == "逸景公馆小区党支部" for t in response.json()["results"]) == 10


def test_meeting_and_request_lists_query_counts(pworld, django_assert_max_num_queries):
    # given: three meetings of two decisions with two follow-ups each; three requests with a reply each
    body = {
        "community": "370212001001",
        "title": "议事",
        "held_at": "2026-12-01T19:00:00+08:00",
        "minutes": "纪要",
        "participants": [{"side": "community", "name": "书记"}],
        "decisions": [
            {"text": f"决定{d}", "follow_ups": [{"text": "办", "owner": "bob", "due_on": "2026-12-31"}] * 2}
            for d in range(2)
        ],
    }
    official = api_as(pworld.official_a)
    for _ in range(3):
        assert official.post("/api/v1/party-meetings/", body, format="json").status_code == HTTPStatus.CREATED
    from partybuilding.models import Volunteer

    volunteer = Volunteer.objects.get(member__user=pworld.bella)
    bob = api_as(pworld.bob)
    for i in range(3):
        sent = bob.post(f"/api/v1/party-volunteers/{volunteer.pk}/requests/", {"text": f"求助{i}"})
        api_as(pworld.bella).post(f"/api/v1/party-requests/{sent.json()['id']}/replies/", {"text": "好"})
    official.get("/api/v1/party-meetings/")
    bob.get("/api/v1/party-requests/")

    # when / then
    with django_assert_max_num_queries(9):
        meetings = official.get("/api/v1/party-meetings/")
    with django_assert_max_num_queries(6):
        requests = bob.get("/api/v1/party-requests/")
    assert meetings.json()["count"] == 3
    assert [len(d["follow_ups"]) for d in meetings.json()["results"][0]["decisions"]] == [2, 2]
    assert [r["replies"] for r in requests.json()["results"]] == [1, 1, 1]
