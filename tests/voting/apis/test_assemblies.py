"""Creating, listing, reading and driving an assembly through its lifecycle over the API."""

import datetime as dt
from http import HTTPStatus

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import World, api_as
from tests.scans import scan_json
from tests.snapshots import database_state
from tests.voting.apis.helpers import (
    ASSEMBLIES,
    CHOICE_WORDS,
    CLOSES,
    COMPOUND_A,
    OPENS,
    ORDINARY,
    RAISE_FUNDS,
    SHANGHAI,
    clock,
    create_body,
    json_words,
    url,
    world_assembly,
)
from voting.models import Assembly, AuditEntry, Candidate, Notification
from voting.services.assemblies import MotionSpec
from voting.services.audit import audit_verify


def _create(world: World, **overrides):
    body = {**create_body(COMPOUND_A, [ORDINARY, RAISE_FUNDS], opens_at=OPENS, closes_at=CLOSES), **overrides}
    return api_as(world.official_a).post(ASSEMBLIES, body, format="json")


# ---------------------------------------------------------------------------------------- create


def test_create_returns_the_draft_with_motions_in_order(world: World):
    # when
    response = _create(world)

    # then
    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    a = Assembly.objects.get()
    motions = list(a.motions.order_by("position"))
    assert body == {
        "id": a.pk,
        "compound": COMPOUND_A,
        "compound_name": "逸景公馆",
        "title": "2026年第一次业主大会",
        "kind": "regular",
        "status": "draft",
        "opens_at": OPENS.isoformat(),
        "closes_at": CLOSES.isoformat(),
        "policy": {
            "revote": False,
            "deemed_consent": False,
            "parking_in_area": True,
            "proxy_cap": 3,
            "firm_staff_may_proxy": False,
        },
        "roll": None,
        "announced_at": None,
        "opened_at": None,
        "closed_at": None,
        "tallied_at": None,
        "published_at": None,
        "cancelled_at": None,
        "motions": [
            {
                "id": motions[0].pk,
                "position": 1,
                "title": "选聘物业服务企业",
                "category": 4,
                "threshold": "ordinary",
                "kind": "matter",
                "seats": None,
                "candidates": [],
            },
            {
                "id": motions[1].pk,
                "position": 2,
                "title": "筹集维修资金",
                "category": 6,
                "threshold": "major",
                "kind": "matter",
                "seats": None,
                "candidates": [],
            },
        ],
        "participation_summary": None,
    }
    assert a.created_by == world.official_a
    assert list(AuditEntry.objects.filter(assembly=a).values_list("action", flat=True)) == ["assembly.create"]


def test_create_an_election_with_candidates(world: World):
    # given
    election = {
        "title": "选举业主委员会委员",
        "category": 3,
        "seats": 2,
        "candidates": ["赵一", "钱二", "孙三"],
    }

    # when
    response = _create(world, kind="first", motions=[election], policy={"revote": True})

    # then
    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    ids = list(Candidate.objects.order_by("position").values_list("pk", flat=True))
    assert (body["kind"], body["policy"]["revote"]) == ("first", True)
    assert body["motions"][0]["kind"] == "election"
    assert body["motions"][0]["seats"] == 2
    assert body["motions"][0]["candidates"] == [
        {"id": ids[0], "name": "赵一"},
        {"id": ids[1], "name": "钱二"},
        {"id": ids[2], "name": "孙三"},
    ]


def test_create_refusals_change_nothing(world: World):
    # given
    cases = [
        ({"motions": []}, HTTPStatus.BAD_REQUEST, "no_motions"),
        ({"motions": [{"title": "其他", "category": 10}]}, HTTPStatus.BAD_REQUEST, "invalid_category"),
        (
            {"motions": [{"title": "选举", "category": 3, "seats": 3, "candidates": ["赵一"]}]},
            HTTPStatus.BAD_REQUEST,
            "too_few_candidates",
        ),
        (
            {"motions": [{"title": "选举", "category": 3, "candidates": ["赵一"]}]},
            HTTPStatus.BAD_REQUEST,
            "invalid",
        ),
        ({"closes_at": OPENS.isoformat()}, HTTPStatus.BAD_REQUEST, "invalid_window"),
        ({"policy": {"quorum": "1/2"}}, HTTPStatus.BAD_REQUEST, "invalid"),
        ({"kind": "secret"}, HTTPStatus.BAD_REQUEST, "invalid"),
        ({"compound": "QD-999999-0001"}, HTTPStatus.NOT_FOUND, "not_found"),
    ]

    # when
    answers = [(r.status_code, r.json()["code"]) for r in (_create(world, **o) for o, _s, _c in cases)]

    # then
    assert answers == [(s, c) for _o, s, c in cases]
    assert Assembly.objects.count() == 0


# ---------------------------------------------------------------------------------------- list, detail


def test_list_filters_by_compound_and_status(world: World):
    # given
    draft = world_assembly(world, "draft")
    announced = world_assembly(world, "announced")
    other = world_assembly(world, "open")

    # when
    everything = api_as(world.official_a).get(ASSEMBLIES)
    announced_only = api_as(world.official_a).get(ASSEMBLIES, {"status": "announced", "compound": COMPOUND_A})
    owners_view = api_as(world.alice).get(ASSEMBLIES)
    wrong_compound = api_as(world.official_a).get(ASSEMBLIES, {"compound": "QD-370212-0002"})
    bad_status = api_as(world.official_a).get(ASSEMBLIES, {"status": "sleeping"})

    # then
    assert everything.status_code == HTTPStatus.OK
    assert sorted(a["id"] for a in everything.json()["results"]) == sorted([draft.pk, announced.pk, other.pk])
    assert [a["id"] for a in announced_only.json()["results"]] == [announced.pk]
    assert sorted(a["id"] for a in owners_view.json()["results"]) == sorted([announced.pk, other.pk])
    assert wrong_compound.json()["count"] == 0
    assert (bad_status.status_code, bad_status.json()["code"]) == (HTTPStatus.BAD_REQUEST, "invalid")
    row = announced_only.json()["results"][0]
    assert sorted(row) == [
        "closes_at",
        "compound",
        "compound_name",
        "id",
        "kind",
        "opens_at",
        "policy",
        "roll",
        "status",
        "title",
    ]
    assert row["roll"] == {
        "fingerprint": announced.roll_fingerprint,
        "area_total": "390.75",
        "heads_total": 4,
        "parts": 4,
    }


def test_list_query_count_does_not_grow_with_assemblies(world: World, django_assert_max_num_queries):
    # given
    world_assembly(world, "announced")
    client = api_as(world.official_a)
    with CaptureQueriesContext(connection) as one:
        client.get(ASSEMBLIES)
    for _ in range(6):
        world_assembly(world, "open")

    # when
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(ASSEMBLIES)

    # then
    assert response.json()["count"] == 7


def test_detail_while_open_shows_how_many_voted_never_what(world: World):
    # given
    a = world_assembly(world, "open", ballots={"alice": "for"})

    # when
    response = api_as(world.alice).get(url(a.pk))

    # then
    body = response.json()
    assert response.status_code == HTTPStatus.OK
    assert body["status"] == "open"
    assert body["participation_summary"] == {
        "heads_voted": 1,
        "heads_total": 4,
        "area_voted": "100.00",
        "area_total": "390.75",
        "heads_percent": "25.00%",
        "area_percent": "25.59%",
    }
    assert json_words(body) & CHOICE_WORDS == set()


# -------------------------------------------------------------------------------------- lifecycle


def test_announce_freezes_the_roll(world: World, settings):
    # given: zero notice is allowed by the city's policy (api.md, "Configuration")
    settings.VOTING_MIN_NOTICE_DAYS = 0
    now = timezone.now()
    created = _create(
        world,
        opens_at=(now + dt.timedelta(hours=1)).isoformat(),
        closes_at=(now + dt.timedelta(days=6)).isoformat(),
    ).json()

    # when
    response = api_as(world.official_a).post(url(created["id"], "announce"))

    # then
    a = Assembly.objects.get(pk=created["id"])
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "status": "announced",
        "roll": {"fingerprint": a.roll_fingerprint, "area_total": "390.75", "heads_total": 4, "parts": 4},
    }
    assert a.roll_fingerprint.startswith("sha256:") and len(a.roll_fingerprint) == 71


def test_announce_refusals(world: World):
    # given: default policy — 15 days' notice, a window of 5 to 60 days
    now = timezone.now()
    short_notice = _create(world, opens_at=(now + dt.timedelta(days=1)).isoformat()).json()
    short_window = _create(world, closes_at=(OPENS + dt.timedelta(days=2)).isoformat()).json()
    long_window = _create(world, closes_at=(OPENS + dt.timedelta(days=61)).isoformat()).json()
    announced = world_assembly(world, "announced")

    # when
    answers = [
        api_as(world.official_a).post(url(i, "announce"))
        for i in (short_notice["id"], short_window["id"], long_window["id"], announced.pk)
    ]

    # then
    assert [(r.status_code, r.json()["code"]) for r in answers] == [
        (HTTPStatus.BAD_REQUEST, "notice_too_short"),
        (HTTPStatus.BAD_REQUEST, "window_too_short"),
        (HTTPStatus.BAD_REQUEST, "window_too_long"),
        (HTTPStatus.CONFLICT, "wrong_state"),
    ]
    assert set(Assembly.objects.exclude(pk=announced.pk).values_list("status", "roll_fingerprint")) == {
        ("draft", "")
    }


def test_open_and_close_only_when_their_time_has_come_and_are_idempotent(world: World):
    # given
    a = world_assembly(world, "announced")
    official = api_as(world.official_a)

    # when
    with clock(a.opens_at - dt.timedelta(seconds=1)):
        early_open = official.post(url(a.pk, "open"))
    opened = official.post(url(a.pk, "open"))
    opened_again = official.post(url(a.pk, "open"))
    early_close = official.post(url(a.pk, "close"))
    with clock(a.closes_at):
        closed = official.post(url(a.pk, "close"))
        closed_again = official.post(url(a.pk, "close"))

    # then
    assert (early_open.status_code, early_open.json()["code"]) == (HTTPStatus.CONFLICT, "too_early")
    assert (opened.status_code, opened.json()["status"]) == (HTTPStatus.OK, "open")
    assert (opened_again.status_code, opened_again.json()["status"]) == (HTTPStatus.OK, "open")
    assert (early_close.status_code, early_close.json()["code"]) == (HTTPStatus.CONFLICT, "too_early")
    assert (closed.status_code, closed.json()["status"]) == (HTTPStatus.OK, "closed")
    assert closed.json()["closed_at"] == a.closes_at.astimezone(SHANGHAI).isoformat()
    assert (closed_again.status_code, closed_again.json()["status"]) == (HTTPStatus.OK, "closed")
    actions = list(AuditEntry.objects.filter(assembly=a).order_by("seq").values_list("action", flat=True))
    assert actions.count("assembly.open") == 1 and actions.count("assembly.close") == 1


def test_tally_refused_while_open_and_idempotent_after_close(world: World):
    # given
    a = world_assembly(world, "open", ballots={"alice": "for", "bob": "against"})
    official = api_as(world.official_a)

    # when
    while_open = official.post(url(a.pk, "tally"))
    with clock(a.closes_at):
        official.post(url(a.pk, "close"))
    first = official.post(url(a.pk, "tally"))
    results_first = official.get(url(a.pk, "results")).json()
    second = official.post(url(a.pk, "tally"))
    results_second = official.get(url(a.pk, "results")).json()

    # then
    assert (while_open.status_code, while_open.json()["code"]) == (HTTPStatus.CONFLICT, "still_open")
    assert (first.status_code, first.json()["status"]) == (HTTPStatus.OK, "tallied")
    assert second.status_code == HTTPStatus.OK
    assert results_first == results_second
    assert results_first["motions"][0]["heads"] == {"participating": 2, "for": 1, "against": 1, "abstain": 0}
    assert audit_verify(assembly=a) == []


def test_publish_only_after_the_tally(world: World):
    # given
    closed = world_assembly(world, "closed")
    tallied = world_assembly(world, "tallied")
    official = api_as(world.official_a)

    # when
    too_soon = official.post(url(closed.pk, "publish"))
    published = official.post(url(tallied.pk, "publish"))
    again = official.post(url(tallied.pk, "publish"))
    retally = official.post(url(tallied.pk, "tally"))

    # then
    assert (too_soon.status_code, too_soon.json()["code"]) == (HTTPStatus.CONFLICT, "wrong_state")
    assert (published.status_code, published.json()["status"]) == (HTTPStatus.OK, "published")
    assert published.json()["published_at"] is not None
    assert (again.status_code, again.json()["status"]) == (HTTPStatus.OK, "published")
    assert (retally.status_code, retally.json()["code"]) == (HTTPStatus.CONFLICT, "wrong_state")


def test_cancel_before_voting_opens_with_a_reason(world: World):
    # given
    announced = world_assembly(world, "announced")
    running = world_assembly(world, "open")
    official = api_as(world.official_a)

    # when
    no_reason = official.post(url(announced.pk, "cancel"), {}, format="json")
    cancelled = official.post(url(announced.pk, "cancel"), {"reason": "业主委员会撤回议题"}, format="json")
    too_late = official.post(url(running.pk, "cancel"), {"reason": "撤回"}, format="json")

    # then
    assert (no_reason.status_code, no_reason.json()["code"]) == (HTTPStatus.BAD_REQUEST, "invalid")
    assert (cancelled.status_code, cancelled.json()["status"]) == (HTTPStatus.OK, "cancelled")
    assert (too_late.status_code, too_late.json()["code"]) == (HTTPStatus.CONFLICT, "wrong_state")
    entry = AuditEntry.objects.filter(assembly=announced).order_by("-seq").first()
    assert (entry.action, entry.data) == ("assembly.cancel", {"reason": "业主委员会撤回议题"})
    assert Assembly.objects.get(pk=running.pk).status == "open"


def test_election_ballot_and_result_through_the_api(world: World):
    # given
    a = world_assembly(
        world,
        "open",
        motions=[MotionSpec(title="选举业主委员会委员", category=3, seats=1, candidates=("赵一", "钱二"))],
    )
    motion = a.motions.get()
    zhao, qian = motion.candidates.order_by("position")
    choices = {str(motion.pk): {str(zhao.pk): "for", str(qian.pk): "against"}}

    # when
    alice = api_as(world.alice).post(url(a.pk, "ballots"), {"choices": choices}, format="json")
    bob = api_as(world.bob).post(url(a.pk, "ballots"), {"choices": choices}, format="json")
    incomplete = api_as(world.official_a).post(
        url(a.pk, "paper-ballots"),
        {
            "unit_number": "370212001002GB00123F00060202",
            "choices": {str(motion.pk): {str(zhao.pk): "for"}},
            "scan": scan_json(),
        },
        format="json",
    )
    with clock(a.closes_at):
        api_as(world.official_a).post(url(a.pk, "close"))
    api_as(world.official_a).post(url(a.pk, "tally"))
    results = api_as(world.official_a).get(url(a.pk, "results")).json()

    # then: 2 of 4 heads (220.50 of 390.75 m²) took part — short of the 2/3 quorum, so nobody is elected
    assert (alice.status_code, bob.status_code) == (HTTPStatus.CREATED, HTTPStatus.CREATED)
    assert (incomplete.status_code, incomplete.json()["code"]) == (
        HTTPStatus.BAD_REQUEST,
        "incomplete_ballot",
    )
    result = results["motions"][0]
    assert (result["seats"], result["outcome"]) == (1, "quorum_not_met")
    assert [(c["name"], c["status"], c["heads"]["for"], c["area"]["for"]) for c in result["candidates"]] == [
        ("赵一", "not_elected", 2, "220.50"),
        ("钱二", "not_elected", 0, "0.00"),
    ]


# ------------------------------------------------------------------------ the city's rules, reschedule

BEIJING = dt.timezone(dt.timedelta(hours=8))
NOTICE = dt.datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)
LATER = dt.datetime(2026, 12, 3, 9, 30, tzinfo=BEIJING)


def _december(world: World, opens_at: dt.datetime) -> int:
    """A draft of compound A over the API, voting for exactly five days from `opens_at`."""
    created = _create(
        world, opens_at=opens_at.isoformat(), closes_at=(opens_at + dt.timedelta(days=5)).isoformat()
    )
    assert created.status_code == HTTPStatus.CREATED, created.json()
    return created.json()["id"]


def test_announced_at_10_on_1_december_an_opening_at_10_on_16_december_is_accepted(world: World):
    # given
    draft = _december(world, dt.datetime(2026, 12, 16, 10, 0, tzinfo=BEIJING))
    # when
    with clock(NOTICE):
        response = api_as(world.official_a).post(url(draft, "announce"))
    # then
    assert (response.status_code, response.json()["status"]) == (HTTPStatus.OK, "announced")


def test_announced_at_10_on_1_december_an_opening_at_0959_is_refused_with_the_earliest_opening(world: World):
    # given
    draft = _december(world, dt.datetime(2026, 12, 16, 9, 59, tzinfo=BEIJING))
    # when
    with clock(NOTICE):
        response = api_as(world.official_a).post(url(draft, "announce"))
    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {
        "code": "notice_too_short",
        "message": "公告须在投票开始前至少 15 天发布：现在公告的，投票最早可于 2026-12-16 10:00（北京时间）开始。",
        "extra": {"min_notice_days": 15, "earliest_opens_at": "2026-12-16T10:00:00+08:00"},
    }
    assert Assembly.objects.get(pk=draft).status == "draft"


def test_window_refusals_carry_the_earliest_and_latest_close(world: World):
    # given: opening 40 days ahead, closing two days or 61 days later
    short = _create(world, closes_at=(OPENS + dt.timedelta(days=2)).isoformat()).json()["id"]
    long = _create(world, closes_at=(OPENS + dt.timedelta(days=61)).isoformat()).json()["id"]
    # when
    answers = [api_as(world.official_a).post(url(i, "announce")).json() for i in (short, long)]
    # then
    assert [(b["code"], b["extra"]) for b in answers] == [
        (
            "window_too_short",
            {"min_window_days": 5, "earliest_closes_at": (OPENS + dt.timedelta(days=5)).isoformat()},
        ),
        (
            "window_too_long",
            {"max_window_days": 60, "latest_closes_at": (OPENS + dt.timedelta(days=60)).isoformat()},
        ),
    ]


def _announced_in_december(world: World) -> int:
    draft = _december(world, dt.datetime(2026, 12, 16, 10, 0, tzinfo=BEIJING))
    with clock(NOTICE):
        assert api_as(world.official_a).post(url(draft, "announce")).status_code == HTTPStatus.OK
    return draft


def test_reschedule_moves_the_dates_and_keeps_the_roll(world: World, django_capture_on_commit_callbacks):
    # given
    a = _announced_in_december(world)
    fingerprint = Assembly.objects.get(pk=a).roll_fingerprint
    body = {
        "opens_at": "2026-12-18T09:30:00+08:00",
        "closes_at": "2026-12-28T18:00:00+08:00",
        "reason": "避开元旦",
    }
    # when
    with clock(LATER), django_capture_on_commit_callbacks(execute=True):
        response = api_as(world.official_a).post(url(a, "reschedule"), body, format="json")
    # then
    assert response.status_code == HTTPStatus.OK
    got = response.json()
    assert (got["status"], got["opens_at"], got["closes_at"], got["roll"]["fingerprint"]) == (
        "announced",
        "2026-12-18T09:30:00+08:00",
        "2026-12-28T18:00:00+08:00",
        fingerprint,
    )
    assert list(AuditEntry.objects.filter(assembly_id=a).values_list("action", flat=True))[-1] == (
        "assembly.reschedule"
    )
    assert sorted(
        Notification.objects.filter(assembly_id=a, kind="rescheduled").values_list(
            "user__username", flat=True
        )
    ) == ["alice", "bob"]


def test_reschedule_with_too_short_a_fresh_notice_is_400_with_the_earliest_opening(world: World):
    # given
    a = _announced_in_december(world)
    before = database_state()
    body = {
        "opens_at": "2026-12-18T09:29:00+08:00",
        "closes_at": "2026-12-28T18:00:00+08:00",
        "reason": "改期",
    }
    # when
    with clock(LATER):
        response = api_as(world.official_a).post(url(a, "reschedule"), body, format="json")
    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert (response.json()["code"], response.json()["extra"]) == (
        "notice_too_short",
        {"min_notice_days": 15, "earliest_opens_at": "2026-12-18T09:30:00+08:00"},
    )
    assert database_state() == before


def test_reschedule_without_a_reason_is_400(world: World):
    # given
    a = _announced_in_december(world)
    body = {"opens_at": "2026-12-18T09:30:00+08:00", "closes_at": "2026-12-28T18:00:00+08:00", "reason": ""}
    # when
    with clock(LATER):
        response = api_as(world.official_a).post(url(a, "reschedule"), body, format="json")
    # then
    assert (response.status_code, response.json()["code"], list(response.json()["extra"]["fields"])) == (
        HTTPStatus.BAD_REQUEST,
        "invalid",
        ["reason"],
    )
    assert Assembly.objects.get(pk=a).opens_at == dt.datetime(2026, 12, 16, 10, 0, tzinfo=BEIJING)


def test_reschedule_after_voting_opened_is_409_and_changes_nothing(world: World):
    # given
    a = world_assembly(world, "open")
    before = database_state()
    body = {
        "opens_at": (a.opens_at + dt.timedelta(days=30)).isoformat(),
        "closes_at": (a.opens_at + dt.timedelta(days=36)).isoformat(),
        "reason": "改期",
    }
    # when
    response = api_as(world.official_a).post(url(a.pk, "reschedule"), body, format="json")
    # then
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.CONFLICT, "wrong_state")
    assert database_state() == before
