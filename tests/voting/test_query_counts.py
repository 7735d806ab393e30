"""The ballot and the tally cost a fixed number of statements, whatever the size of the roll or of the
owner's holdings; and only the one-counted-ballot constraint means "already voted"."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.voting.conftest import build_electorate, close, open_assembly
from voting.models import BallotSubmission, CountedBallot
from voting.services.assemblies import MotionSpec
from voting.services.ballots import _is_one_counted_ballot_violation, ballot_cast
from voting.services.tally import assembly_tally

MOTIONS = [MotionSpec(title="选聘物业服务企业", category=4), MotionSpec(title="筹集维修资金", category=6)]


def _choices(a, value="for"):
    return {str(m.pk): value for m in a.motions.all()}


def _cast_queries(areas: list[str], holders_of=None) -> int:
    e = build_electorate(areas, holders_of=holders_of)
    a = open_assembly(e, MOTIONS)
    ballot_cast(actor=e.owners[-1], assembly=a, choices=_choices(a))  # the agenda is read once per process
    choices = _choices(a)
    with CaptureQueriesContext(connection) as captured:
        ballot_cast(actor=e.owners[0], assembly=a, choices=choices)
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_casting_costs_the_same_statements_for_a_small_and_a_large_roll_and_for_many_flats():
    # when: a one-flat owner on a 3-flat roll, on a 60-flat roll, and an owner of 5 flats (one subject)
    small = _cast_queries(["100.00"] * 3)
    large = _cast_queries(["100.00"] * 60)
    many_flats = _cast_queries(["100.00"] * 8, holders_of={i: [0] for i in range(5)})
    # then: the voter's subjects, the assembly share-lock, the subject lock, the counted check, the append
    # (submission and counted ballot in one statement), the audit chain (lock, head, append), and the
    # transaction's savepoint and release (the test runs inside a transaction)
    assert small == large == many_flats == 10


def _tally_queries(n: int) -> int:
    e = build_electorate(["100.00"] * n)
    a = open_assembly(e, MOTIONS)
    for owner in e.owners:
        ballot_cast(actor=owner, assembly=a, choices=_choices(a))
    close(e, a)
    with CaptureQueriesContext(connection) as captured:
        assembly_tally(assembly=a)
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_tallying_costs_the_same_statements_for_five_and_for_forty_ballots():
    assert _tally_queries(5) == _tally_queries(40)


@pytest.mark.django_db
def test_only_the_one_counted_ballot_constraint_is_already_voted():
    # given: a counted ballot and its submission
    e = build_electorate(["100.00"] * 2)
    a = open_assembly(e, MOTIONS)
    ballot_cast(actor=e.owners[0], assembly=a, choices=_choices(a))
    counted = CountedBallot.objects.get(assembly=a)
    submission = counted.submission
    another = BallotSubmission.objects.create(
        assembly=a,
        subject=submission.subject,
        channel="online",
        submitted_by=submission.submitted_by,
        choices=submission.choices,
        cast_at=submission.cast_at,
        receipt="0" * 64,
    )
    # when: a second counted ballot for the subject, and a submission reusing a receipt (another constraint)
    errors = []
    for make in (
        lambda: CountedBallot.objects.create(assembly=a, subject=counted.subject, submission=another),
        lambda: BallotSubmission.objects.create(
            assembly=a,
            subject=submission.subject,
            channel="online",
            submitted_by=submission.submitted_by,
            choices=submission.choices,
            cast_at=submission.cast_at,
            receipt=submission.receipt,
        ),
    ):
        try:
            with transaction.atomic():
                make()
        except IntegrityError as error:
            errors.append(error)
    # then
    assert [_is_one_counted_ballot_violation(e) for e in errors] == [True, False]
