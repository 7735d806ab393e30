"""A title transfer after the roll froze (voting.md, "The roll"): the buyer of one part of a larger subject —
one flat out of the developer's bucket, or one of a buyer's several flats — casts nothing; the subject stays
with its holder, and the refusal says why. Tried through the API, as a buyer would."""

from decimal import Decimal
from http import HTTPStatus

import pytest
from django.utils import timezone

from config.errors import ApplicationError
from registry.services.accounts import owner_signup
from registry.services.registration import registration_feed_apply
from tests.conftest import DEVELOPER, PARCEL_A, PASSWORD, World, api_as, unit_number
from tests.factories import feed_line, holder, resident_id
from tests.voting.apis.helpers import world_assembly
from tests.voting.conftest import build_electorate, close, open_assembly
from voting.models import BallotSubmission, CountedBallot, MotionResult, VoteRefusal
from voting.services.assemblies import MotionSpec
from voting.services.ballots import ballot_cast
from voting.services.tally import assembly_tally

A_0301 = unit_number(PARCEL_A, 5, "0301")
ORDINARY = MotionSpec(title="选聘物业服务企业", category=4)
DEVELOPER_HOLDER = {
    "name": "某置业有限公司",
    "holder_type": "organisation",
    "id_type": "uscc",
    "id_number": DEVELOPER,
    "certificate_holder": True,
}


def sell(number: str, buyer: str, k: int):
    """A TRANSFER of `number` to a new person now (after the roll froze); the buyer signs up."""
    now = timezone.now().isoformat()
    report = registration_feed_apply(
        lines=[
            feed_line(
                number,
                [holder(buyer, resident_id(k, birth="19910101"))],
                event_type="TRANSFER",
                registration={"business_no": f"2026-{k}", "certificate_no": "", "registered_at": now},
                occurred_at=now,
            )
        ],
        source=f"sale-{k}",
    )
    assert report.applied == 1
    return owner_signup(
        username=f"buyer{k}",
        password=PASSWORD,
        name=buyer,
        id_number=resident_id(k, birth="19910101"),
        phone="13900000009",
        ip_address=None,
    ).user


def cast(user, assembly, value: str = "for"):
    choices = {str(m.pk): value for m in assembly.motions.all()}
    return api_as(user).post(
        f"/api/v1/assemblies/{assembly.pk}/ballots/", {"choices": choices}, format="json"
    )


def test_the_buyer_of_one_of_an_owners_two_flats_casts_nothing_and_the_seller_keeps_the_subject(db):
    # given: owner 0 holds units 0 and 1 (one subject, 200 m²); owner 2 holds unit 2
    e = build_electorate(["100.00", "100.00", "100.00"], holders_of={1: [0]})
    a = open_assembly(e, [ORDINARY])
    buyer = sell(e.numbers[1], "买家丙", 701)
    # when
    refused = cast(buyer, a)
    kept = cast(e.owners[0], a, "for")
    # then
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json()["code"] == "part_of_larger_subject"
    assert "仍由原权利人表决" in refused.json()["message"]
    assert not BallotSubmission.objects.filter(assembly=a, submitted_by=buyer).exists()
    assert VoteRefusal.objects.filter(assembly=a, user=buyer, code="part_of_larger_subject").count() == 1
    assert kept.status_code == HTTPStatus.CREATED
    assert kept.json()["units"] == [e.numbers[0], e.numbers[1]]
    close(e, a)
    assembly_tally(assembly=a)
    r = MotionResult.objects.get(motion__assembly=a)
    assert (r.heads_participating, r.area_for) == (1, Decimal("200.00"))


def test_the_buyer_of_one_flat_of_the_developers_bucket_casts_nothing(world: World):
    # given: the bucket holds A_0201 (not delivered) and A_0301 (unsold): one subject of 190.00 m²
    registration_feed_apply(
        lines=[feed_line(A_0301, [DEVELOPER_HOLDER], room="0301", area="100.00")], source="bucket"
    )
    a = world_assembly(world, "open")
    buyer = sell(A_0301, "买家丁", 702)
    # when
    refused = cast(buyer, a)
    # then
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert refused.json()["code"] == "part_of_larger_subject"
    assert not CountedBallot.objects.filter(assembly=a).exists()
    assert VoteRefusal.objects.get(assembly=a, user=buyer).code == "part_of_larger_subject"


def test_the_buyer_of_a_whole_subject_votes_when_the_seller_did_not(db):
    # given: a single-flat subject sold after the roll froze, its seller not having voted
    e = build_electorate(["100.00", "100.00"])
    a = open_assembly(e, [ORDINARY])
    buyer = sell(e.numbers[0], "买家戊", 703)
    # when
    response = cast(buyer, a, "against")
    # then
    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["units"] == [e.numbers[0]]
    # and the seller cannot add a second ballot for the subject
    with pytest.raises(ApplicationError) as refused:
        ballot_cast(actor=e.owners[0], assembly=a, choices={str(m.pk): "for" for m in a.motions.all()})
    assert refused.value.code == "already_voted"
