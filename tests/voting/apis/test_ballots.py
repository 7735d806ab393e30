"""Ballots over the API: online and paper, every refusal with its code and status, the voter's own ballot,
receipts — and nothing about choices anywhere else while voting is open."""

import json
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from registry.services.accounts import owner_signup
from registry.services.registration import registration_feed_apply
from tests.conftest import A_0101, A_0102, A_0202, PARCEL_A, PASSWORD, World, api_as, unit_number
from tests.factories import feed_line, holder, resident_id
from tests.scans import PDF, scan_json
from tests.voting.apis.helpers import CHOICE_WORDS, clock, json_words, url, world_assembly
from voting.models import Assembly, AuditEntry, BallotSubmission, CountedBallot, VoteRefusal
from voting.services.assemblies import MotionSpec

TWO_MOTIONS = [MotionSpec(title="选聘物业服务企业", category=4), MotionSpec(title="筹集维修资金", category=6)]


def _ids(a: Assembly) -> list[str]:
    return [str(pk) for pk in a.motions.order_by("position").values_list("pk", flat=True)]


def _parking_owner(world: World):
    """周敏 holds only a parking space in compound A and has an account."""
    line = json.loads(
        feed_line(unit_number(PARCEL_A, 5, "0901"), [holder("周敏", resident_id(77))], room="0901")
    )
    line["property"]["planned_use"] = "parking"
    report = registration_feed_apply(lines=[json.dumps(line, ensure_ascii=False)], source="test-parking")
    assert report.applied == 1
    return owner_signup(
        username="zhoumin",
        password=PASSWORD,
        name="周敏",
        id_number=resident_id(77),
        phone="13800138000",
        ip_address=None,
    ).user


# ---------------------------------------------------------------------------------------- online


def test_cast_returns_receipt_time_and_units(world: World):
    # given
    a = world_assembly(world, "open", motions=TWO_MOTIONS)
    first, second = _ids(a)

    # when
    response = api_as(world.bob).post(
        url(a.pk, "ballots"), {"choices": {first: "for", second: "abstain"}}, format="json"
    )

    # then: bob casts for the co-owned unit he shares with bella
    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    submission = BallotSubmission.objects.get(assembly=a)
    assert body == {
        "receipt": submission.receipt,
        "receipts": [submission.receipt],
        "cast_at": body["cast_at"],
        "units": [A_0102],
    }
    assert body["cast_at"].endswith("+08:00")
    assert (submission.channel, submission.submitted_by, submission.choices) == (
        "online",
        world.bob,
        {first: "for", second: "abstain"},
    )


@pytest.mark.parametrize(
    ("who", "choices", "expected", "code"),
    [
        ("bella", "all_for", HTTPStatus.FORBIDDEN, "not_designated_voter"),
        ("zhoumin", "all_for", HTTPStatus.FORBIDDEN, "not_on_roll"),
        ("firm_a", "all_for", HTTPStatus.FORBIDDEN, "not_on_roll"),
        ("alice", "first_only", HTTPStatus.BAD_REQUEST, "incomplete_ballot"),
        ("alice", "yes", HTTPStatus.BAD_REQUEST, "invalid_choice"),
        ("alice", "unknown_motion", HTTPStatus.BAD_REQUEST, "invalid_choice"),
    ],
)
def test_cast_refusals_are_logged_and_change_nothing(world: World, who, choices, expected, code):
    # given: parking spaces are off the roll
    zhoumin = _parking_owner(world)
    a = world_assembly(world, "open", motions=TWO_MOTIONS, parking_in_area=False)
    first, second = _ids(a)
    bodies = {
        "all_for": {first: "for", second: "for"},
        "first_only": {first: "for"},
        "yes": {first: "yes", second: "for"},
        "unknown_motion": {first: "for", second: "for", "999999": "for"},
    }
    user = zhoumin if who == "zhoumin" else getattr(world, who)

    # when
    response = api_as(user).post(url(a.pk, "ballots"), {"choices": bodies[choices]}, format="json")

    # then
    assert (response.status_code, response.json()["code"]) == (expected, code)
    assert BallotSubmission.objects.filter(assembly=a).count() == 0
    assert list(VoteRefusal.objects.filter(assembly=a).values_list("user__username", "code")) == [
        (user.username, code)
    ]


def test_incomplete_ballot_names_the_missing_motions(world: World):
    # given
    a = world_assembly(world, "open", motions=TWO_MOTIONS)
    first, second = _ids(a)

    # when
    response = api_as(world.alice).post(url(a.pk, "ballots"), {"choices": {first: "for"}}, format="json")

    # then
    assert response.json()["extra"] == {"missing": [second]}


def test_malformed_body_is_refused(world: World):
    # given
    a = world_assembly(world, "open")

    # when
    missing = api_as(world.alice).post(url(a.pk, "ballots"), {}, format="json")
    not_a_dict = api_as(world.alice).post(url(a.pk, "ballots"), {"choices": ["for"]}, format="json")

    # then
    assert (missing.status_code, missing.json()["code"]) == (HTTPStatus.BAD_REQUEST, "invalid")
    assert (not_a_dict.status_code, not_a_dict.json()["code"]) == (HTTPStatus.BAD_REQUEST, "invalid")
    assert BallotSubmission.objects.count() == 0


@pytest.mark.parametrize("state", ["announced", "closed", "tallied"])
def test_cast_outside_the_window_is_not_open(world: World, state):
    # given
    a = world_assembly(world, state)

    # when
    response = api_as(world.alice).post(url(a.pk, "ballots"), {"choices": {_ids(a)[0]: "for"}}, format="json")

    # then
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.CONFLICT, "not_open")
    assert BallotSubmission.objects.count() == 0


def test_cast_at_the_deadline_is_not_open(world: World):
    # given: the scheduler has not closed it yet, but the clock has reached `closes_at`
    a = world_assembly(world, "open")

    # when
    with clock(a.closes_at):
        response = api_as(world.alice).post(
            url(a.pk, "ballots"), {"choices": {_ids(a)[0]: "for"}}, format="json"
        )

    # then
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.CONFLICT, "not_open")


def test_second_ballot_without_revote_is_already_voted(world: World):
    # given
    a = world_assembly(world, "open", ballots={"alice": "for"})

    # when
    response = api_as(world.alice).post(
        url(a.pk, "ballots"), {"choices": {_ids(a)[0]: "against"}}, format="json"
    )

    # then: the first ballot stands
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.CONFLICT, "already_voted")
    assert BallotSubmission.objects.filter(assembly=a).count() == 1
    assert CountedBallot.objects.get(assembly=a).submission.choices == {_ids(a)[0]: "for"}


# ------------------------------------------------------------------------------- my ballot, receipts


def test_my_ballot_shows_the_counted_ballot_to_its_voter(world: World):
    # given: revote on; alice changes her mind
    a = world_assembly(world, "open", revote=True, ballots={"alice": "for"})
    motion = _ids(a)[0]
    changed = (
        api_as(world.alice).post(url(a.pk, "ballots"), {"choices": {motion: "against"}}, format="json").json()
    )

    # when
    mine = api_as(world.alice).get(url(a.pk, "my-ballot"))
    bobs = api_as(world.bob).get(url(a.pk, "my-ballot"))

    # then
    assert mine.status_code == HTTPStatus.OK
    assert mine.json() == {
        "assembly": a.pk,
        "ballots": [
            {
                "receipt": changed["receipt"],
                "cast_at": changed["cast_at"],
                "channel": "online",
                "units": [A_0101],
                "choices": {motion: "against"},
            }
        ],
    }
    assert (bobs.status_code, bobs.json()["code"]) == (HTTPStatus.NOT_FOUND, "not_found")


def test_receipts_verify_without_choices_or_names(world: World):
    # given: revote on; alice's first ballot is replaced by a second one
    a = world_assembly(world, "open", revote=True, ballots={"alice": "for"})
    first = BallotSubmission.objects.get(assembly=a).receipt
    second = (
        api_as(world.alice)
        .post(url(a.pk, "ballots"), {"choices": {_ids(a)[0]: "against"}}, format="json")
        .json()["receipt"]
    )

    # when: anyone who sees the assembly may check a receipt
    replaced = api_as(world.firm_a).get(url(a.pk, f"receipts/{first}"))
    counted = api_as(world.bob).get(url(a.pk, f"receipts/{second}"))
    unknown = api_as(world.alice).get(url(a.pk, f"receipts/{'0' * 64}"))

    # then
    assert replaced.status_code == counted.status_code == unknown.status_code == HTTPStatus.OK
    assert (replaced.json()["found"], replaced.json()["counted"]) == (True, False)
    assert (counted.json()["found"], counted.json()["counted"]) == (True, True)
    assert unknown.json() == {"receipt": "0" * 64, "found": False, "counted": False, "cast_at": None}
    assert sorted(counted.json()) == ["cast_at", "counted", "found", "receipt"]


# ---------------------------------------------------------------------------------------- paper


def test_paper_ballot_as_json(world: World):
    # given
    a = world_assembly(world, "open")

    # when: dave has no account; the street office enters his paper ballot (unit number with spaces) with the
    # scan in base64
    response = api_as(world.official_a).post(
        url(a.pk, "paper-ballots"),
        {
            "unit_number": f" {A_0202[:10]} {A_0202[10:]}",
            "choices": {_ids(a)[0]: "for"},
            "note": "入户收回",
            "scan": scan_json(PDF, "../../ballot-0202.pdf"),
        },
        format="json",
    )

    # then: stored under ballots/ by its base name, byte for byte
    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["units"] == [A_0202]
    submission = BallotSubmission.objects.get(assembly=a)
    assert (submission.channel, submission.submitted_by, submission.note) == (
        "paper",
        world.official_a,
        "入户收回",
    )
    assert submission.scan.name.startswith("ballots/") and submission.scan.name.endswith("ballot-0202.pdf")
    assert submission.scan.read() == PDF
    assert AuditEntry.objects.filter(assembly=a, action="ballot.paper").count() == 1


def test_paper_ballot_as_multipart_with_a_scan(world: World, settings, tmp_path):
    # given
    settings.MEDIA_ROOT = str(tmp_path)
    a = world_assembly(world, "open")
    scan = SimpleUploadedFile("ballot.png", b"\x89PNG\r\n\x1a\nscan", content_type="image/png")

    # when
    response = api_as(world.official_a).post(
        url(a.pk, "paper-ballots"),
        {"unit_number": A_0202, "choices": json.dumps({_ids(a)[0]: "against"}), "note": "", "scan": scan},
        format="multipart",
    )

    # then
    assert response.status_code == HTTPStatus.CREATED
    submission = BallotSubmission.objects.get(assembly=a)
    assert submission.choices == {_ids(a)[0]: "against"}
    assert submission.scan.name.startswith("ballots/") and submission.scan.name.endswith(".png")
    assert (tmp_path / submission.scan.name).read_bytes() == b"\x89PNG\r\n\x1a\nscan"


@pytest.mark.parametrize(
    ("unit", "choices", "expected", "code"),
    [
        (A_0101, "for", HTTPStatus.CONFLICT, "already_voted"),  # alice voted online
        (unit_number(PARCEL_A, 5, "0999"), "for", HTTPStatus.FORBIDDEN, "not_on_roll"),
        (A_0202, None, HTTPStatus.BAD_REQUEST, "incomplete_ballot"),
        (A_0202, "maybe", HTTPStatus.BAD_REQUEST, "invalid_choice"),
    ],
)
def test_paper_ballot_refusals(world: World, unit, choices, expected, code):
    # given
    a = world_assembly(world, "open", ballots={"alice": "for"})
    body = {"unit_number": unit, "choices": {_ids(a)[0]: choices} if choices else {}, "scan": scan_json()}

    # when
    response = api_as(world.official_a).post(url(a.pk, "paper-ballots"), body, format="json")

    # then: only alice's online ballot exists
    assert (response.status_code, response.json()["code"]) == (expected, code)
    assert BallotSubmission.objects.filter(assembly=a).count() == 1


def test_paper_ballot_outside_the_window_is_not_open(world: World):
    # given
    a = world_assembly(world, "closed")

    # when
    response = api_as(world.official_a).post(
        url(a.pk, "paper-ballots"),
        {"unit_number": A_0202, "choices": {_ids(a)[0]: "for"}, "scan": scan_json()},
        format="json",
    )

    # then
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.CONFLICT, "not_open")


def test_paper_ballot_multipart_with_malformed_choices(world: World):
    # given
    a = world_assembly(world, "open")

    # when
    response = api_as(world.official_a).post(
        url(a.pk, "paper-ballots"), {"unit_number": A_0202, "choices": "{not json"}, format="multipart"
    )

    # then
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.BAD_REQUEST, "invalid")
    assert list(response.json()["extra"]["fields"]) == ["choices"]


# ------------------------------------------------------------------------------ nothing leaks while open


def test_while_open_no_endpoint_shows_a_choice_or_a_count(world: World):
    # given: three of four subjects voted (one on paper)
    a = world_assembly(world, "open", ballots={"alice": "for", "bob": "against"})
    paper = api_as(world.official_a).post(
        url(a.pk, "paper-ballots"),
        {"unit_number": A_0202, "choices": {_ids(a)[0]: "abstain"}, "scan": scan_json()},
        format="json",
    )
    assert paper.status_code == HTTPStatus.CREATED
    official, owner = api_as(world.official_a), api_as(world.alice)

    # when
    documents = {
        "detail (official)": official.get(url(a.pk)).json(),
        "detail (owner)": owner.get(url(a.pk)).json(),
        "list": official.get("/api/v1/assemblies/").json(),
        "participation": official.get(url(a.pk, "participation")).json(),
        "audit": official.get(url(a.pk, "audit")).json(),
    }
    results = [official.get(url(a.pk, "results")), owner.get(url(a.pk, "results"))]

    # then
    assert {name: json_words(doc) & CHOICE_WORDS for name, doc in documents.items()} == {
        name: set() for name in documents
    }
    assert [(r.status_code, r.json()["code"]) for r in results] == [(HTTPStatus.CONFLICT, "not_tallied")] * 2
