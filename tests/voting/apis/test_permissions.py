"""The permission matrix of every voting endpoint: anonymous, an owner on the roll (alice), an owner of another
compound (carol), the firm serving the compound (firm_a), an official of another street (official_b) and an
official of the compound's street (official_a). Not visible = 404, visible but forbidden = 403."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from guardian.shortcuts import assign_perm

from tests.conftest import A_0202, World
from tests.scans import scan_json
from tests.snapshots import database_state
from tests.voting.apis.helpers import (
    ASSEMBLIES,
    CALLERS,
    CLOSES,
    COMPOUND_A,
    OPENS,
    client_for,
    clock,
    create_body,
    url,
    world_assembly,
)
from voting.models import Assembly, BallotSubmission
from voting.services.assemblies import MotionSpec, assembly_announce, assembly_create

OK, CREATED = HTTPStatus.OK, HTTPStatus.CREATED
UNAUTHORIZED, FORBIDDEN, NOT_FOUND = HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND


def matrix(**expected: HTTPStatus) -> list[tuple[str, HTTPStatus]]:
    assert sorted(expected) == sorted(CALLERS)
    return [(who, expected[who]) for who in CALLERS]


# Runs the assembly (street office over the compound) — everyone else who sees it gets 403.
RUNNER_ONLY = matrix(
    anonymous=UNAUTHORIZED,
    alice=FORBIDDEN,
    carol=NOT_FOUND,
    firm_a=FORBIDDEN,
    official_b=NOT_FOUND,
    official_a=OK,
)
# Read by everyone who sees the assembly.
VISIBLE = matrix(
    anonymous=UNAUTHORIZED, alice=OK, carol=NOT_FOUND, firm_a=OK, official_b=NOT_FOUND, official_a=OK
)
# Drafts: only the street office sees them.
DRAFT = matrix(
    anonymous=UNAUTHORIZED,
    alice=NOT_FOUND,
    carol=NOT_FOUND,
    firm_a=NOT_FOUND,
    official_b=NOT_FOUND,
    official_a=OK,
)


def _choices(a: Assembly) -> dict:
    return {"choices": {str(m.pk): "for" for m in a.motions.all()}}


@pytest.mark.parametrize(
    ("who", "expected", "count"),
    [
        ("anonymous", UNAUTHORIZED, None),
        ("alice", OK, 1),
        ("carol", OK, 0),
        ("firm_a", OK, 1),
        ("official_b", OK, 0),
        ("official_a", OK, 2),
    ],
)
def test_list_matrix(world: World, who, expected, count):
    # given: one announced assembly and one draft in compound A
    world_assembly(world, "announced")
    world_assembly(world, "draft")

    # when
    response = client_for(world, who).get(ASSEMBLIES)

    # then
    assert response.status_code == expected
    assert (response.json().get("count") if expected == OK else None) == count


@pytest.mark.parametrize(
    ("who", "expected"),
    matrix(
        anonymous=UNAUTHORIZED,
        alice=FORBIDDEN,
        carol=NOT_FOUND,
        firm_a=FORBIDDEN,
        official_b=NOT_FOUND,
        official_a=CREATED,
    ),
)
def test_create_matrix(world: World, who, expected):
    # given
    body = create_body(
        COMPOUND_A, [{"title": "选聘物业服务企业", "category": 4}], opens_at=OPENS, closes_at=CLOSES
    )

    before = database_state()

    # when
    response = client_for(world, who).post(ASSEMBLIES, body, format="json")

    # then: a refusal changes nothing at all
    assert response.status_code == expected
    assert Assembly.objects.count() == (1 if expected == CREATED else 0)
    if expected != CREATED:
        assert database_state() == before


@pytest.mark.parametrize(("who", "expected"), VISIBLE)
def test_detail_matrix(world: World, who, expected):
    # given
    a = world_assembly(world, "announced")

    # when
    response = client_for(world, who).get(url(a.pk))

    # then
    assert response.status_code == expected


@pytest.mark.parametrize(("who", "expected"), DRAFT)
def test_draft_detail_matrix(world: World, who, expected):
    # given
    a = world_assembly(world, "draft")

    # when
    response = client_for(world, who).get(url(a.pk))

    # then
    assert response.status_code == expected


@pytest.mark.parametrize(("who", "expected"), DRAFT)
def test_announce_matrix(world: World, who, expected, settings):
    # given: the notice period is long enough (the draft opened a minute ago, zero notice allowed)
    settings.VOTING_MIN_NOTICE_DAYS = 0
    a = world_assembly(world, "draft")

    before = database_state()

    # when
    with clock(a.opens_at):
        response = client_for(world, who).post(url(a.pk, "announce"))

    # then
    assert response.status_code == expected
    assert Assembly.objects.get(pk=a.pk).status == ("announced" if expected == OK else "draft")
    if expected != OK:
        assert database_state() == before


@pytest.mark.parametrize(
    ("action", "before", "after", "body"),
    [
        ("open", "announced", "open", None),
        ("close", "open", "closed", None),
        ("tally", "closed", "tallied", None),
        ("publish", "tallied", "published", None),
        ("cancel", "announced", "cancelled", {"reason": "撤回议题"}),
    ],
)
@pytest.mark.parametrize(("who", "expected"), RUNNER_ONLY)
def test_transition_matrix(world: World, who, expected, action, before, after, body):
    # given
    a = world_assembly(world, before)
    state = database_state()

    # when
    with clock(a.closes_at if action == "close" else a.opens_at):
        response = client_for(world, who).post(url(a.pk, action), body, format="json")

    # then: a refused transition changes nothing
    assert response.status_code == expected
    assert Assembly.objects.get(pk=a.pk).status == (after if expected == OK else before)
    if expected != OK:
        assert database_state() == state


@pytest.mark.parametrize(
    ("who", "expected"),
    matrix(
        anonymous=UNAUTHORIZED,
        alice=CREATED,
        carol=NOT_FOUND,
        firm_a=FORBIDDEN,
        official_b=NOT_FOUND,
        official_a=FORBIDDEN,
    ),
)
def test_ballot_matrix(world: World, who, expected):
    # given
    a = world_assembly(world, "open")
    before = database_state()

    # when
    response = client_for(world, who).post(url(a.pk, "ballots"), _choices(a), format="json")

    # then: firm staff and officials are not on the roll; a refusal is recorded, nothing else changes
    assert response.status_code == expected
    if expected == FORBIDDEN:
        assert response.json()["code"] == "not_on_roll"
    assert BallotSubmission.objects.filter(assembly=a).count() == (1 if expected == CREATED else 0)
    if expected != CREATED:
        assert database_state() == before


@pytest.mark.parametrize(
    ("who", "expected"),
    matrix(
        anonymous=UNAUTHORIZED,
        alice=FORBIDDEN,
        carol=NOT_FOUND,
        firm_a=FORBIDDEN,
        official_b=NOT_FOUND,
        official_a=CREATED,
    ),
)
def test_paper_ballot_matrix(world: World, who, expected):
    # given
    a = world_assembly(world, "open")
    before = database_state()

    # when
    response = client_for(world, who).post(
        url(a.pk, "paper-ballots"),
        {"unit_number": A_0202, "note": "纸质票", "scan": scan_json(), **_choices(a)},
        format="json",
    )

    # then
    assert response.status_code == expected
    assert BallotSubmission.objects.filter(assembly=a).count() == (1 if expected == CREATED else 0)
    if expected != CREATED:
        assert database_state() == before


@pytest.mark.parametrize(
    ("who", "expected"),
    matrix(
        anonymous=UNAUTHORIZED,
        alice=OK,
        carol=NOT_FOUND,
        firm_a=NOT_FOUND,
        official_b=NOT_FOUND,
        official_a=NOT_FOUND,
    ),
)
def test_my_ballot_matrix(world: World, who, expected):
    # given: alice voted
    a = world_assembly(world, "open", ballots={"alice": "for"})

    # when
    response = client_for(world, who).get(url(a.pk, "my-ballot"))

    # then: choices reach only the voter
    assert response.status_code == expected


@pytest.mark.parametrize(("who", "expected"), VISIBLE)
def test_receipt_matrix(world: World, who, expected):
    # given
    a = world_assembly(world, "open", ballots={"alice": "for"})
    receipt = BallotSubmission.objects.get(assembly=a).receipt

    # when
    response = client_for(world, who).get(url(a.pk, f"receipts/{receipt}"))

    # then
    assert response.status_code == expected
    if expected == OK:
        assert response.json() == {
            "receipt": receipt,
            "found": True,
            "counted": True,
            "cast_at": response.json()["cast_at"],
        }


@pytest.mark.parametrize(
    ("who", "expected"),
    matrix(
        anonymous=UNAUTHORIZED,
        alice=OK,
        carol=NOT_FOUND,
        firm_a=FORBIDDEN,
        official_b=NOT_FOUND,
        official_a=OK,
    ),
)
def test_participation_matrix(world: World, who, expected):
    # given: the vote is open (the assembly may be about re-hiring firm_a)
    a = world_assembly(world, "open", ballots={"alice": "for"})

    # when
    response = client_for(world, who).get(url(a.pk, "participation"))

    # then: the firm gets the counts, never which flats voted
    assert response.status_code == expected
    if who == "firm_a":
        body = response.json()
        assert body["code"] == "counts_only"
        assert body["extra"]["participation"]["heads_voted"] == 1
        assert "results" not in body


def test_participation_lists_units_to_the_firm_once_the_vote_has_closed(world: World):
    # given
    a = world_assembly(world, "closed", ballots={"alice": "for"})

    # when
    response = client_for(world, "firm_a").get(url(a.pk, "participation"))

    # then
    assert response.status_code == OK
    assert [r["voted"] for r in response.json()["results"]].count(True) == 1


@pytest.mark.parametrize(
    ("who", "expected"),
    matrix(
        anonymous=UNAUTHORIZED,
        alice=FORBIDDEN,
        carol=NOT_FOUND,
        firm_a=FORBIDDEN,
        official_b=NOT_FOUND,
        official_a=OK,
    ),
)
def test_results_matrix_once_tallied(world: World, who, expected):
    # given
    a = world_assembly(world, "tallied", ballots={"alice": "for"})

    # when
    response = client_for(world, who).get(url(a.pk, "results"))

    # then: before publication only the officials running it see the result
    assert response.status_code == expected
    if expected == FORBIDDEN:
        assert response.json()["code"] == "not_published"


@pytest.mark.parametrize(("who", "expected"), VISIBLE)
def test_results_matrix_once_published(world: World, who, expected):
    # given
    a = world_assembly(world, "published", ballots={"alice": "for"})

    # when
    response = client_for(world, who).get(url(a.pk, "results"))

    # then
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    matrix(
        anonymous=UNAUTHORIZED,
        alice=HTTPStatus.CONFLICT,
        carol=NOT_FOUND,
        firm_a=HTTPStatus.CONFLICT,
        official_b=NOT_FOUND,
        official_a=HTTPStatus.CONFLICT,
    ),
)
def test_results_matrix_while_open(world: World, who, expected):
    # given
    a = world_assembly(world, "open", ballots={"alice": "for"})

    # when
    response = client_for(world, who).get(url(a.pk, "results"))

    # then: nobody — staff included — sees a partial result
    assert response.status_code == expected
    if expected == HTTPStatus.CONFLICT:
        assert response.json()["code"] == "not_tallied"


@pytest.mark.parametrize(("who", "expected"), RUNNER_ONLY)
def test_audit_matrix(world: World, who, expected):
    # given
    a = world_assembly(world, "open", ballots={"alice": "for"})

    # when
    response = client_for(world, who).get(url(a.pk, "audit"))

    # then
    assert response.status_code == expected


@pytest.mark.parametrize(("who", "expected"), RUNNER_ONLY)
def test_delivery_matrix(world: World, who, expected):
    # given
    a = world_assembly(world, "open", deemed_consent=True)
    before = database_state()

    # when
    response = client_for(world, who).post(
        url(a.pk, f"subjects/{A_0202}/delivery"),
        {"delivered_at": a.opens_at.isoformat(), "warned": True},
        format="json",
    )

    # then
    assert response.status_code == expected
    assert a.subjects.filter(delivered_at__isnull=False).count() == (1 if expected == OK else 0)
    if expected != OK:
        assert database_state() == before


def test_the_participation_page_shows_the_firm_counts_only_while_the_vote_runs(world: World):
    # given: alice has voted in an open assembly
    from django.test import Client

    a = world_assembly(world, "open", ballots={"alice": "for"})
    firm, owner = Client(), Client()
    firm.force_login(world.firm_a)
    owner.force_login(world.alice)

    # when
    as_firm = firm.get(f"/voting/{a.pk}/participation/")
    as_owner = owner.get(f"/voting/{a.pk}/participation/")

    # then: the firm sees how many voted, not which flats; the owner sees the per-flat list
    assert as_firm.status_code == as_owner.status_code == OK
    assert list(as_firm.context["page"].object_list) == []
    assert 'id="counts-only"' in as_firm.content.decode()
    assert as_firm.context["summary"]["heads_voted"] == 1
    assert 'id="counts-only"' not in as_owner.content.decode()
    assert [r["voted"] for r in as_owner.context["page"].object_list].count(True) == 1


def _announced_ahead(world: World) -> Assembly:
    """Announced now, voting forty days ahead (a reschedule is still allowed)."""
    a = assembly_create(
        actor=world.official_a,
        compound=world.compound_a,
        title="2026年第一次业主大会",
        opens_at=OPENS,
        closes_at=CLOSES,
        motions=[MotionSpec(title="选聘物业服务企业", category=4)],
    )
    return assembly_announce(actor=world.official_a, assembly=a)


RESCHEDULE = {
    "opens_at": (OPENS + timedelta(days=1)).isoformat(),
    "closes_at": (CLOSES + timedelta(days=1)).isoformat(),
    "reason": "避开节假日",
}


@pytest.mark.parametrize(("who", "expected"), RUNNER_ONLY)
def test_reschedule_matrix(world: World, who, expected):
    # given
    a = _announced_ahead(world)
    before = database_state()

    # when
    response = client_for(world, who).post(url(a.pk, "reschedule"), RESCHEDULE, format="json")

    # then: only the street office over the compound moves the dates; a refusal changes nothing
    assert response.status_code == expected
    assert Assembly.objects.get(pk=a.pk).opens_at == (OPENS + timedelta(days=1) if expected == OK else OPENS)
    if expected != OK:
        assert database_state() == before


def test_an_official_with_a_view_grant_sees_the_assembly_but_cannot_reschedule_it(world: World):
    # given: official_b may view compound A (a guardian grant) but does not run its assemblies
    assign_perm("registry.view_compound", world.official_b, world.compound_a)
    a = _announced_ahead(world)
    before = database_state()

    # when
    seen = client_for(world, "official_b").get(url(a.pk))
    response = client_for(world, "official_b").post(url(a.pk, "reschedule"), RESCHEDULE, format="json")

    # then
    assert (seen.status_code, response.status_code, response.json()["code"]) == (OK, FORBIDDEN, "forbidden")
    assert database_state() == before
