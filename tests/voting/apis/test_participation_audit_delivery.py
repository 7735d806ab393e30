"""Participation (room, area, voted — no names, no choices), the audit log, recorded delivery for deemed consent,
bounded query counts on the lists, and the OpenAPI schema of every voting path."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import A_0202, World, api_as
from tests.voting.apis.helpers import ORDINARY, api_close, api_open, ballot, url, world_assembly
from voting.models import AuditEntry, VotingSubject
from voting.services.audit import audit_verify

# ---------------------------------------------------------------------------------- participation


def test_participation_lists_units_without_names_or_choices(world: World):
    # given
    a = world_assembly(world, "open", ballots={"alice": "for", "bob": "against"})

    # when
    response = api_as(world.alice).get(url(a.pk, "participation"))

    # then: co-owned 0102 voted through bob; the developer's 0201 and dave's 0202 (building 6) did not
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "count": 4,
        "next": None,
        "previous": None,
        "results": [
            {
                "building": "5号楼",
                "entrance": "",
                "floor": "01",
                "room": "0101",
                "label": "5号楼 1层 0101",
                "area": "100.00",
                "voted": True,
            },
            {
                "building": "5号楼",
                "entrance": "",
                "floor": "01",
                "room": "0102",
                "label": "5号楼 1层 0102",
                "area": "120.50",
                "voted": True,
            },
            {
                "building": "5号楼",
                "entrance": "",
                "floor": "02",
                "room": "0201",
                "label": "5号楼 2层 0201",
                "area": "90.00",
                "voted": False,
            },
            {
                "building": "6号楼",
                "entrance": "",
                "floor": "02",
                "room": "0202",
                "label": "6号楼 2层 0202",
                "area": "80.25",
                "voted": False,
            },
        ],
    }


def test_participation_is_paginated(electorate):
    # given
    e = electorate(["100.00"] * 7)
    body = api_open(e, [ORDINARY])

    # when
    page = api_as(e.owners[0]).get(url(body["id"], "participation"), {"page_size": 3, "page": 3})

    # then
    assert page.json()["count"] == 7
    assert [row["room"] for row in page.json()["results"]] == ["0007"]


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == HTTPStatus.OK
    return len(ctx.captured_queries)


def test_participation_query_count_does_not_grow_with_units(electorate, django_assert_max_num_queries):
    # given: the same request on a roll of 3 and on a roll of 30 units, half of them voted
    small, large = electorate(["100.00"] * 3), electorate(["50.00"] * 30)
    requests = []
    for e in (small, large):
        body = api_open(e, [ORDINARY])
        for owner in e.owners[: len(e.owners) // 2]:
            api_as(owner).post(url(body["id"], "ballots"), ballot(body["motions"], "for"), format="json")
        requests.append((api_as(e.official), url(body["id"], "participation")))
    baseline = _queries(*requests[0])

    # when
    client, path = requests[1]
    with django_assert_max_num_queries(baseline):
        response = client.get(path)

    # then
    assert response.json()["count"] == 30
    assert baseline <= 8


# ----------------------------------------------------------------------------------------- audit


def test_audit_log_is_the_hash_chain_without_choices(world: World):
    # given
    a = world_assembly(world, "tallied", ballots={"alice": "for"})

    # when
    response = api_as(world.official_a).get(url(a.pk, "audit"))

    # then
    body = response.json()
    assert response.status_code == HTTPStatus.OK
    assert [(e["seq"], e["action"], e["actor"]) for e in body["results"]] == [
        (1, "assembly.create", "official_a"),
        (2, "roll.freeze", "official_a"),
        (3, "assembly.announce", "official_a"),
        (4, "assembly.open", "official_a"),
        (5, "ballot.online", "alice"),
        (6, "assembly.close", "official_a"),
        (7, "assembly.tally", "official_a"),
    ]
    entries = list(AuditEntry.objects.filter(assembly=a).order_by("seq"))
    assert body["results"][4] == {
        "seq": 5,
        "at": body["results"][4]["at"],
        "actor": "alice",
        "action": "ballot.online",
        "data": {
            "subject": entries[4].data["subject"],
            "receipt": entries[4].data["receipt"],
            "replaces": False,
        },
        "prev_hash": entries[3].hash,
        "hash": entries[4].hash,
    }
    assert body["results"][0]["prev_hash"] == "0" * 64
    assert body["results"][4]["at"].endswith("+08:00")
    assert audit_verify(assembly=a) == []


def test_audit_query_count_does_not_grow_with_entries(world: World, django_assert_max_num_queries):
    # given: a short log and a long one
    short = world_assembly(world, "announced")
    long = world_assembly(world, "open", revote=True, ballots={"alice": "for", "bob": "for"})
    for choice in ("against", "abstain", "for", "against"):
        api_as(world.alice).post(
            url(long.pk, "ballots"), {"choices": {str(long.motions.get().pk): choice}}, format="json"
        )
    official = api_as(world.official_a)
    baseline = _queries(official, url(short.pk, "audit"))

    # when
    with django_assert_max_num_queries(baseline):
        response = official.get(url(long.pk, "audit"))

    # then
    assert response.json()["count"] == 10


# -------------------------------------------------------------------------------- delivery, deemed consent


def test_delivery_is_recorded_on_the_subject_and_logged(world: World):
    # given
    a = world_assembly(world, "open", deemed_consent=True)
    delivered_at = (a.opens_at + dt.timedelta(seconds=30)).astimezone(dt.timezone(dt.timedelta(hours=8)))

    # when
    first = api_as(world.official_a).post(
        url(a.pk, f"subjects/{A_0202}/delivery"),
        {"delivered_at": delivered_at.isoformat(), "warned": False},
        format="json",
    )
    corrected = api_as(world.official_a).post(
        url(a.pk, f"subjects/{A_0202}/delivery"),
        {"delivered_at": delivered_at.isoformat(), "warned": True},
        format="json",
    )

    # then
    assert first.status_code == corrected.status_code == HTTPStatus.OK
    assert corrected.json() == {"units": [A_0202], "delivered_at": delivered_at.isoformat(), "warned": True}
    subject = VotingSubject.objects.get(assembly=a, parts__unit_number=A_0202)
    assert (subject.delivered_at, subject.warned) == (delivered_at, True)
    log = list(
        AuditEntry.objects.filter(assembly=a, action="subject.delivery")
        .order_by("seq")
        .values_list("data", flat=True)
    )
    assert log[1] == {
        "subject": subject.key,
        "units": [A_0202],
        "delivered_at": delivered_at.isoformat(),
        "warned": True,
        "previous": {"delivered_at": delivered_at.isoformat(), "warned": False},
    }
    assert "previous" not in log[0]


def test_delivery_refusals(world: World):
    # given
    a = world_assembly(world, "open", deemed_consent=True)
    closed = world_assembly(world, "closed", deemed_consent=True)
    official = api_as(world.official_a)
    now = timezone.now()

    def deliver(assembly, unit, at, warned=True):
        return official.post(
            url(assembly.pk, f"subjects/{unit}/delivery"),
            {"delivered_at": at.isoformat(), "warned": warned},
            format="json",
        )

    # when
    answers = [
        deliver(a, "370212001002GB00123F00050999", now),
        deliver(a, A_0202, now + dt.timedelta(hours=1)),
        deliver(a, A_0202, a.announced_at - dt.timedelta(days=1)),
        deliver(closed, A_0202, now),
        official.post(url(a.pk, f"subjects/{A_0202}/delivery"), {"warned": True}, format="json"),
    ]

    # then
    assert [(r.status_code, r.json()["code"]) for r in answers] == [
        (HTTPStatus.NOT_FOUND, "not_on_roll"),
        (HTTPStatus.BAD_REQUEST, "delivery_in_future"),
        (HTTPStatus.BAD_REQUEST, "delivery_before_notice"),
        (HTTPStatus.CONFLICT, "wrong_state"),
        (HTTPStatus.BAD_REQUEST, "invalid"),
    ]
    assert VotingSubject.objects.filter(delivered_at__isnull=False).count() == 0


def test_deemed_consent_publishes_both_tallies(electorate):
    # given: 10 × 100 m²; 5 for and 1 against miss the quorum (600/1000); units 7 and 8 were delivered and warned
    e = electorate(["100.00"] * 10)
    body = api_open(e, [ORDINARY], deemed_consent=True)
    official = api_as(e.official)
    for number in e.numbers[6:8]:
        delivered = official.post(
            url(body["id"], f"subjects/{number}/delivery"),
            {"delivered_at": timezone.now().isoformat(), "warned": True},
            format="json",
        )
        assert delivered.status_code == HTTPStatus.OK
    for i, owner in enumerate(e.owners[:6]):
        choice = "for" if i < 5 else "against"
        api_as(owner).post(url(body["id"], "ballots"), ballot(body["motions"], choice), format="json")

    # when
    api_close(e.official, body)
    official.post(url(body["id"], "tally"))
    official.post(url(body["id"], "publish"))
    results = api_as(e.owners[9]).get(url(body["id"], "results"))

    # then: strict quorum not met; with the two silent subjects counted for, 800/1000 → adopted
    assert results.status_code == HTTPStatus.OK
    motion = results.json()["motions"][0]
    assert results.json()["policy"]["deemed_consent"] is True
    assert (motion["outcome"], motion["area"]["participating"], motion["heads"]["participating"]) == (
        "quorum_not_met",
        "600.00",
        6,
    )
    assert motion["deemed_consent"] == {
        "side": "for",
        "area": {"participating": "800.00", "for": "700.00", "against": "100.00", "abstain": "0.00"},
        "heads": {"participating": 8, "for": 7, "against": 1, "abstain": 0},
        "units": e.numbers[6:8],
        "outcome": "adopted",
    }


def test_results_once_published_reach_the_owners(world: World):
    # given
    a = world_assembly(world, "tallied", ballots={"alice": "for", "bob": "for"})
    before = api_as(world.alice).get(url(a.pk, "results"))
    api_as(world.official_a).post(url(a.pk, "publish"))

    # when
    after = api_as(world.alice).get(url(a.pk, "results"))

    # then
    assert (before.status_code, before.json()["code"]) == (HTTPStatus.FORBIDDEN, "not_published")
    assert after.status_code == HTTPStatus.OK
    assert after.json()["status"] == "published"
    assert after.json()["motions"][0]["heads"] == {"participating": 2, "for": 2, "against": 0, "abstain": 0}
    assert after.json()["motions"][0]["outcome"] == "quorum_not_met"  # 2 of 4 heads < 2/3


# ---------------------------------------------------------------------------------------- schema

VOTING_PATHS = {
    "/api/v1/assemblies/": {"get", "post"},
    "/api/v1/assemblies/{id}/": {"get"},
    "/api/v1/assemblies/{id}/announce/": {"post"},
    "/api/v1/assemblies/{id}/open/": {"post"},
    "/api/v1/assemblies/{id}/close/": {"post"},
    "/api/v1/assemblies/{id}/tally/": {"post"},
    "/api/v1/assemblies/{id}/publish/": {"post"},
    "/api/v1/assemblies/{id}/cancel/": {"post"},
    "/api/v1/assemblies/{id}/ballots/": {"post"},
    "/api/v1/assemblies/{id}/paper-ballots/": {"post"},
    "/api/v1/assemblies/{id}/my-ballot/": {"get"},
    "/api/v1/assemblies/{id}/receipts/{receipt}/": {"get"},
    "/api/v1/assemblies/{id}/participation/": {"get"},
    "/api/v1/assemblies/{id}/results/": {"get"},
    "/api/v1/assemblies/{id}/audit/": {"get"},
    "/api/v1/assemblies/{id}/subjects/{unit_number}/delivery/": {"post"},
}


@pytest.fixture
def schema(db) -> dict:
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == HTTPStatus.OK
    return response.json()


def test_schema_documents_every_voting_path(schema: dict):
    # then
    documented = {p: set(schema["paths"].get(p, {})) & {"get", "post"} for p in VOTING_PATHS}
    assert documented == VOTING_PATHS


def test_schema_documents_shapes_and_errors(schema: dict):
    # given
    paths, components = schema["paths"], schema["components"]["schemas"]

    # then
    ballots = paths["/api/v1/assemblies/{id}/ballots/"]["post"]
    assert sorted(ballots["responses"]) == ["201", "400", "401", "403", "404", "409", "429"]
    assert ballots["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    paper = paths["/api/v1/assemblies/{id}/paper-ballots/"]["post"]
    proxies = paths["/api/v1/assemblies/{id}/proxies/"]["post"]
    for operation, component in ((paper, "PaperBallotInputRequest"), (proxies, "ProxyMandateInputRequest")):
        assert sorted(operation["requestBody"]["content"]) == ["application/json", "multipart/form-data"]
        assert "413" in operation["responses"]
        scan = components[component]["properties"]["scan"]
        assert scan["oneOf"][0] == {"type": "string", "format": "binary"}
        assert sorted(scan["oneOf"][1]["required"]) == ["content_base64", "filename"]
    assert sorted(components["AreaTally"]["properties"]) == ["abstain", "against", "for", "participating"]
    assert {"assembly", "status", "roll", "motions"} <= set(components["AssemblyResults"]["properties"])
    participation = paths["/api/v1/assemblies/{id}/participation/"]["get"]
    assert participation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedParticipationRowList"
    }
    assert sorted(components["ParticipationRow"]["properties"]) == [
        "area",
        "building",
        "entrance",
        "floor",
        "label",
        "room",
        "voted",
    ]
