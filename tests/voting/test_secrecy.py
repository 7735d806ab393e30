"""Secrecy while voting is open, proven from the database side.

While an assembly is open, nobody but the voter may learn a choice: not a superuser, not the street office,
not another owner — through admin lists and their filters, counts and sort orders, record pages, the workflow
pages, the API or the owner pages. Rather than look for what a page prints, these tests record every SQL
statement every such page runs and show that none of them reads the ballots' `choices` column at all (and
that no URL lookup can filter by it). What is never read cannot be shown, counted or sorted by.
"""

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import User
from tests.conftest import PASSWORD, World, api_as, browser_as
from tests.scans import png_scan
from tests.voting.conftest import build_electorate, open_assembly
from voting.models import AuditEntry, BallotSubmission, ChoiceAccess, CountedBallot, MotionResult, VoteRefusal
from voting.services.assemblies import MotionSpec
from voting.services.ballots import ballot_cast, paper_ballot_enter

CHOICES_COLUMN = re.compile(r'"choices"|\bchoices\b', re.IGNORECASE)
RECORDS = ["ballotsubmission", "countedballot", "auditentry", "voterefusal", "choiceaccess", "motionresult"]


@pytest.fixture
def open_vote(world: World, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    e = build_electorate(["100.00"] * 4)
    a = open_assembly(
        e, [MotionSpec(title="选聘物业服务企业", category=4), MotionSpec(title="筹集维修资金", category=6)]
    )
    motions = [str(m.pk) for m in a.motions.order_by("position")]
    ballot_cast(actor=e.owners[0], assembly=a, choices=dict.fromkeys(motions, "against"))
    ballot_cast(actor=e.owners[1], assembly=a, choices={motions[0]: "for", motions[1]: "abstain"})
    paper_ballot_enter(
        actor=e.official,
        assembly=a,
        unit_number=e.numbers[2],
        choices=dict.fromkeys(motions, "for"),
        note="纸质票",
        scan=png_scan(),
    )
    try:  # a refusal on record too
        ballot_cast(actor=e.owners[0], assembly=a, choices=dict.fromkeys(motions, "for"))
    except Exception:  # noqa: BLE001, S110 - already_voted, recorded as a VoteRefusal
        pass
    root = User.objects.create_superuser("root", password=PASSWORD)
    return e, a, root


def _staff_urls(a, client: Client) -> list[str]:
    """Every admin page of the assembly a staff member can reach: lists (each filter link, each sort order),
    every record's page, and the workflow pages."""
    urls = [reverse("admin:voting_assembly_changelist"), reverse("admin:voting_assembly_change", args=[a.pk])]
    for name in ("participation", "paper_ballot", "delivery", "proxies", "certificate", "choices"):
        urls.append(reverse(f"admin:voting_assembly_{name}", args=[a.pk]))
    for model in RECORDS:
        listing = reverse(f"admin:voting_{model}_changelist")
        response = client.get(listing, {"assembly": a.pk} if model != "motionresult" else {})
        assert response.status_code == HTTPStatus.OK, model
        cl = response.context["cl"]
        urls.append(listing + f"?assembly={a.pk}" if model != "motionresult" else listing)
        urls += [listing + choice["query_string"] for spec in cl.filter_specs for choice in spec.choices(cl)]
        urls += [listing + f"?o={i}" for i in range(1, len(cl.list_display))]
        urls += [reverse(f"admin:voting_{model}_change", args=[obj.pk]) for obj in cl.result_list]
    return urls


def _queries_of(client, urls: list[str]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code in (HTTPStatus.OK, HTTPStatus.CONFLICT), url
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("who", ["root", "official"])
def test_no_admin_page_reads_a_choice_while_voting_is_open(open_vote, who: str):
    # given
    e, a, root = open_vote
    client = browser_as(root if who == "root" else e.official)
    urls = _staff_urls(a, client)
    # when
    queries = _queries_of(client, urls)
    # then
    assert len(urls) > 30
    assert [q for q in queries if CHOICES_COLUMN.search(q)] == []
    assert not MotionResult.objects.filter(motion__assembly=a).exists()
    assert not ChoiceAccess.objects.filter(assembly=a).exists()


def test_no_api_endpoint_or_owner_page_reads_a_choice_for_anyone_but_the_voter(open_vote):
    # given: the official, a voter who did not cast this ballot, and the voter's own pages
    e, a, _root = open_vote
    receipt = BallotSubmission.objects.filter(assembly=a).values_list("receipt", flat=True).first()
    api_paths = [
        f"/api/v1/assemblies/{a.pk}/",
        f"/api/v1/assemblies/{a.pk}/participation/",
        f"/api/v1/assemblies/{a.pk}/results/",
        f"/api/v1/assemblies/{a.pk}/receipts/{receipt}/",
        "/api/v1/assemblies/",
    ]
    pages = [f"/voting/{a.pk}/{p}" for p in ("", "participation/", "results/", "check/?receipt=" + receipt)]
    # when
    with CaptureQueriesContext(connection) as captured:
        for user in (e.official, e.owners[3]):
            api = api_as(user)
            for path in api_paths:
                assert api.get(path).status_code in (HTTPStatus.OK, HTTPStatus.CONFLICT), path
        owner_pages = browser_as(e.owners[3])
        for path in pages:
            assert owner_pages.get(path).status_code in (HTTPStatus.OK, HTTPStatus.CONFLICT), path
        audit = api_as(e.official).get(f"/api/v1/assemblies/{a.pk}/audit/")  # the log: officials only
    # then
    assert audit.status_code == HTTPStatus.OK
    assert [q["sql"] for q in captured.captured_queries if CHOICES_COLUMN.search(q["sql"])] == []


def test_the_voter_alone_reads_their_choices(open_vote):
    # given
    e, a, _root = open_vote
    # when
    with CaptureQueriesContext(connection) as captured:
        mine = api_as(e.owners[0]).get(f"/api/v1/assemblies/{a.pk}/my-ballot/")
        theirs = api_as(e.owners[3]).get(f"/api/v1/assemblies/{a.pk}/my-ballot/")
    # then: the voter's request reads their ballot; another owner's reads nobody's
    assert mine.status_code == HTTPStatus.OK
    assert {c for b in mine.json()["ballots"] for c in b["choices"].values()} == {"against"}
    assert theirs.status_code == HTTPStatus.NOT_FOUND  # no ballot of theirs
    assert any(CHOICES_COLUMN.search(q["sql"]) for q in captured.captured_queries)
    assert VoteRefusal.objects.filter(assembly=a, code="already_voted").count() == 1
    assert AuditEntry.objects.filter(assembly=a, action__startswith="ballot.").count() == 3
    assert CountedBallot.objects.filter(assembly=a).count() == 3
