"""`manage.py verify_assembly ID`: the chain, the receipts, the counted ballots and the recomputed tally."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.voting.conftest import close, open_assembly
from tests.voting.views.helpers import ORDINARY, RAISE_FUNDS, example_1, vote_all
from voting.models import AuditEntry, BallotSubmission, MotionResult
from voting.services.assemblies import MotionSpec
from voting.services.ballots import ballot_cast
from voting.services.tally import assembly_tally
from voting.services.verification import assembly_verify


def _verify(assembly_id: int) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("verify_assembly", str(assembly_id), stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def _unlocked(table: str):
    """Lift the append-only trigger for this test's transaction (rolled back with it). Pending deferred
    foreign-key checks must fire first: PostgreSQL refuses ALTER TABLE while they are queued."""
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cur.execute("SET CONSTRAINTS ALL DEFERRED")


def test_an_intact_published_assembly_verifies(electorate):
    # given
    e = electorate(["100.00"] * 10)
    a = example_1(e, open_assembly(e, [ORDINARY, RAISE_FUNDS]))

    # when
    output, error = _verify(a.pk)

    # then
    assert error is None
    assert output == f"OK: assembly {a.pk} verifies (测试业主大会)\n"


def test_revote_election_and_deemed_consent_verify(electorate):
    # given: revote (last counts), an election and deemed consent together
    e = electorate(["100.00"] * 6)
    election = MotionSpec(title="选举业主委员会委员", category=3, seats=1, candidates=("赵一", "钱二"))
    a = open_assembly(e, [ORDINARY, election], revote=True, deemed_consent=True)
    matter, elect = a.motions.order_by("position")
    c1, c2 = elect.candidates.order_by("position")
    for i, user in enumerate(e.owners[:5]):
        ballot_cast(
            actor=user,
            assembly=a,
            choices={str(matter.pk): "against", str(elect.pk): {str(c1.pk): "for", str(c2.pk): "against"}},
        )
        if i < 4:  # changes their mind: the second ballot counts
            ballot_cast(
                actor=user,
                assembly=a,
                choices={str(matter.pk): "for", str(elect.pk): {str(c1.pk): "for", str(c2.pk): "abstain"}},
            )
    a.subjects.filter(voter__user=e.owners[5]).update(delivered_at=a.opened_at, warned=True)
    close(e, a)
    assembly_tally(assembly=a)

    # when
    report = assembly_verify(assembly=a)

    # then
    assert report.problems == []
    result = MotionResult.objects.get(motion=matter)
    assert (result.area_for, result.heads_for, result.deemed_consent["side"]) == (Decimal("400.00"), 4, "for")


def test_an_open_assembly_verifies_its_chain_and_ballots(electorate):
    # given
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY])
    vote_all(a, [(e.owners[0], "for")])

    # when
    output, error = _verify(a.pk)

    # then
    assert error is None
    assert output.splitlines() == [
        "assembly is open: no stored results to compare",
        f"OK: assembly {a.pk} verifies (测试业主大会)",
    ]


def test_a_tampered_log_entry_is_detected(electorate):
    # given: someone with database rights rewrites what the close entry says
    e = electorate(["100.00"] * 10)
    a = example_1(e, open_assembly(e, [ORDINARY]))
    entry = AuditEntry.objects.get(assembly=a, action="assembly.close")
    _unlocked("voting_auditentry")
    with connection.cursor() as cur:
        cur.execute(
            """UPDATE voting_auditentry SET data = '{"note": "closed early"}' WHERE id = %s""", [entry.pk]
        )

    # when
    output, error = _verify(a.pk)

    # then
    assert error is not None
    assert error.returncode == 1
    assert str(error) == f"assembly {a.pk}: 1 problem(s) found"
    assert output == f"log: entry {entry.seq}: hash does not match its content\n"


def test_a_forged_log_entry_is_detected(electorate):
    # given: an entry appended by hand with a made-up hash
    e = electorate(["100.00"] * 10)
    a = example_1(e, open_assembly(e, [ORDINARY]))
    last = AuditEntry.objects.filter(assembly=a).order_by("-seq").first()
    AuditEntry.objects.create(
        assembly=a,
        seq=last.seq + 1,
        at=last.at,
        action="assembly.retally",
        data={},
        prev_hash=last.hash,
        hash="f" * 64,
    )

    # when
    output, error = _verify(a.pk)

    # then
    assert error is not None
    assert output == f"log: entry {last.seq + 1}: hash does not match its content\n"


def test_a_forged_motion_result_is_detected(electorate):
    # given: the stored result of example 1 edited to look like a different count
    e = electorate(["100.00"] * 10)
    a = example_1(e, open_assembly(e, [ORDINARY]))
    MotionResult.objects.filter(motion__assembly=a).update(
        area_for=Decimal("600.00"),
        heads_for=6,
        area_against=Decimal("200.00"),
        heads_against=2,
        outcome="rejected",
    )

    # when
    output, error = _verify(a.pk)

    # then
    assert error is not None
    assert output.splitlines() == [
        "motion 1 (选聘物业服务企业) A_for: stored 600.00, recomputed 700.00",
        "motion 1 (选聘物业服务企业) A_against: stored 200.00, recomputed 100.00",
        "motion 1 (选聘物业服务企业) N_for: stored 6, recomputed 7",
        "motion 1 (选聘物业服务企业) N_against: stored 2, recomputed 1",
        "motion 1 (选聘物业服务企业) outcome: stored rejected, recomputed adopted",
    ]


def test_a_rewritten_ballot_is_detected_by_its_receipt_and_the_recount(electorate):
    # given: one stored ballot's choice changed behind the trigger's back
    e = electorate(["100.00"] * 10)
    a = example_1(e, open_assembly(e, [ORDINARY]))
    ballot = BallotSubmission.objects.filter(assembly=a, submitted_by=e.owners[7]).get()
    motion_id = str(a.motions.get().pk)
    _unlocked("voting_ballotsubmission")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE voting_ballotsubmission SET choices = jsonb_build_object(%s::text, 'for') WHERE id = %s",
            [motion_id, ballot.pk],
        )

    # when
    report = assembly_verify(assembly=a)

    # then
    subject = ballot.subject.key
    assert report.problems == [
        f"ballot {ballot.receipt[:12]}… ({subject}): receipt does not match its content",
        "motion 1 (选聘物业服务企业) A_for: stored 700.00, recomputed 800.00",
        "motion 1 (选聘物业服务企业) A_against: stored 100.00, recomputed 0.00",
        "motion 1 (选聘物业服务企业) N_for: stored 7, recomputed 8",
        "motion 1 (选聘物业服务企业) N_against: stored 1, recomputed 0",
    ]


def test_a_missing_assembly_is_an_error(db):
    # when
    with pytest.raises(CommandError) as error:
        call_command("verify_assembly", "987654", stdout=io.StringIO())

    # then
    assert str(error.value) == "assembly 987654 does not exist"
