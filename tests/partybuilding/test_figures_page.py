"""Task figures per member and organisation in a page (/party/figures/): the same selector and the same
visibility as GET /api/v1/stats/party-tasks/; the mean rating over confirmed tasks rounded down to two places."""

from http import HTTPStatus

from partybuilding.models import Task
from partybuilding.services.tasks import task_claim, task_complete, task_confirm, task_post
from tests.conftest import api_as, browser_as

PAGE = "/party/figures/"


def _tasks(world) -> None:
    """alice claims 4 tasks, completes 3, and bob confirms them with 5, 5 and 4; bella claims and completes one
    that is not confirmed yet."""
    for i, (who, rating) in enumerate(
        [(world.alice, 5), (world.alice, 5), (world.alice, 4), (world.alice, None), (world.bella, None)]
    ):
        task = task_post(actor=world.bob, compound=world.compound_a, title=f"任务{i}", description="")
        task_claim(actor=who, task=task)
        if who == world.alice and rating is None:
            continue
        task_complete(actor=who, task=Task.objects.get(pk=task.pk), report="已办")
        if rating is not None:
            task_confirm(actor=world.bob, task=Task.objects.get(pk=task.pk), rating=rating)


def _rows(response, key: str) -> list[tuple]:
    return [
        (r.get("code") or r["name"], r["claimed"], r["completed"], r["confirmed"], r["mean"])
        for r in response.context[key]
    ]


def test_an_official_reads_the_figures_of_every_member_and_organisation(
    pworld, django_assert_max_num_queries
):
    # given
    _tasks(pworld)
    browser = browser_as(pworld.official_a)
    browser.get(PAGE)

    # when
    with django_assert_max_num_queries(10):
        response = browser.get(PAGE)

    # then: 14 of 3 ratings is 4.666… → 4.66
    assert response.status_code == HTTPStatus.OK
    assert _rows(response, "organisations") == [
        ("DW-370212001", 0, 0, 0, "—"),
        ("QY-A", 0, 0, 0, "—"),
        ("ZB-0001", 5, 4, 3, "4.66"),
    ]
    members = [
        (m["organisation"], m["claimed"], m["completed"], m["confirmed"], m["mean"])
        for m in response.context["members"]
    ]
    assert members == [("QY-A", 0, 0, 0, "—"), ("ZB-0001", 4, 3, 3, "4.66"), ("ZB-0001", 1, 1, 0, "—")]
    text = response.content.decode()
    assert "4.66" in text and "逸景公馆小区党支部" in text
    api = api_as(pworld.official_a).get("/api/v1/stats/party-tasks/").json()
    assert [(o["code"], o["claimed"], o["rating_sum"]) for o in api["organisations"]] == [
        ("DW-370212001", 0, 0),
        ("QY-A", 0, 0),
        ("ZB-0001", 5, 14),
    ]


def test_members_see_their_own_figures_and_others_nothing(pworld):
    # given
    _tasks(pworld)

    # when
    bella = browser_as(pworld.bella).get(PAGE)
    carol = browser_as(pworld.carol).get(PAGE)
    official_b = browser_as(pworld.official_b).get(PAGE)
    anonymous = browser_as(None).get(PAGE)

    # then
    assert bella.status_code == HTTPStatus.OK
    assert [(m["claimed"], m["completed"], m["confirmed"]) for m in bella.context["members"]] == [(1, 1, 0)]
    assert [o["code"] for o in bella.context["organisations"]] == ["ZB-0001"]
    assert carol.context["members"] == [] and carol.context["organisations"] == []
    assert "没有可查看的党员。" in carol.content.decode()
    assert official_b.context["members"] == [] and official_b.context["organisations"] == []
    assert anonymous.status_code == HTTPStatus.FOUND
