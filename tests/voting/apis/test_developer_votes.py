"""End to end through the API: the world's developer (某置业有限公司, credit code 91350100M000100Y43, holding
A_0201, 90.00, not delivered) signs up through its representative, the street office creates, announces and
opens an assembly, the developer votes for its bucket online and sees its ballot, and the tally counts the
bucket as one head with the bucket's summed area.

Worked numbers (compound A, plus 5/0301 unsold 110.00 and 5/0302 sold to 孙买 but not delivered 95.50):
bucket 90.00 + 110.00 + 95.50 = 295.50; A_total 596.25, N_total 4. Developer for, alice and bob against,
dave absent: participating 516.00 / 3 heads (quorum 516.00 × 3 ≥ 596.25 × 2, 3 × 3 ≥ 4 × 2); for 295.50 / 1,
against 220.50 / 2 → area 295.50 × 2 > 516.00 but heads 1 × 2 > 3 fails → rejected.
"""

import datetime as dt
from http import HTTPStatus

from django.utils import timezone
from rest_framework.test import APIClient

from registry.models import Owner
from registry.services.accounts import organisation_account_verify
from registry.services.registration import registration_feed_apply
from tests.conftest import A_0201, DEVELOPER, PARCEL_A, PASSWORD, World, api_as, unit_number
from tests.factories import feed_line, holder, resident_id
from tests.voting.apis.helpers import ASSEMBLIES, COMPOUND_A, ORDINARY, api_close, ballot, create_body, url

A_0301 = unit_number(PARCEL_A, 5, "0301")
A_0302 = unit_number(PARCEL_A, 5, "0302")
DEVELOPER_HOLDER = {
    "name": "某置业有限公司",
    "holder_type": "organisation",
    "id_type": "uscc",
    "id_number": DEVELOPER,
    "certificate_holder": True,
}


def test_the_developer_signs_up_and_casts_its_bucket_online(world: World, settings):
    # given: the developer's bucket grows by an unsold unit and a sold but undelivered one
    settings.VOTING_MIN_NOTICE_DAYS = 0
    report = registration_feed_apply(
        lines=[
            feed_line(A_0301, [DEVELOPER_HOLDER], room="0301", area="110.00"),
            feed_line(A_0302, [holder("孙买", resident_id(611))], room="0302", area="95.50", delivered=False),
        ],
        source="developer-votes",
    )
    assert report.applied == 2
    # and the developer signs up through its representative
    signup = APIClient().post(
        "/api/v1/accounts/signup/",
        {
            "username": "developer",
            "password": PASSWORD,
            "name": "某置业有限公司",
            "id_number": DEVELOPER,
            "phone": "13700137000",
            "representative": "赵建国",
        },
        format="json",
    )
    assert signup.status_code == HTTPStatus.CREATED
    assert signup.json() == {
        "username": "developer",
        "units": [A_0201, A_0301],
        "status": "pending_verification",
    }
    # and the street office has checked the licence and the letter of authorisation
    organisation_account_verify(
        actor=world.official_a,
        owner=Owner.objects.get(user__username="developer"),
        note="营业执照、授权委托书已核",
    )
    token = APIClient().post(
        "/api/v1/auth/token/", {"username": "developer", "password": PASSWORD}, format="json"
    )
    developer = APIClient()
    developer.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    # and the street office creates, announces and opens an assembly (no notice period in this city)
    official = api_as(world.official_a)
    now = timezone.now()
    created = official.post(
        ASSEMBLIES,
        create_body(
            COMPOUND_A,
            [ORDINARY],
            opens_at=now - dt.timedelta(minutes=1),
            closes_at=now + dt.timedelta(days=6),
        ),
        format="json",
    )
    assert created.status_code == HTTPStatus.CREATED, created.json()
    assembly = created.json()["id"]
    announced = official.post(url(assembly, "announce"))
    assert announced.status_code == HTTPStatus.OK, announced.json()
    assert (announced.json()["roll"]["area_total"], announced.json()["roll"]["heads_total"]) == ("596.25", 4)
    opened = official.post(url(assembly, "open"))
    assert opened.json()["status"] == "open"
    motions = opened.json()["motions"]

    # when
    cast = developer.post(url(assembly, "ballots"), ballot(motions, "for"), format="json")
    for owner in (world.alice, world.bob):
        response = api_as(owner).post(url(assembly, "ballots"), ballot(motions, "against"), format="json")
        assert response.status_code == HTTPStatus.CREATED
    mine = developer.get(url(assembly, "my-ballot"))

    # then: one ballot for the whole bucket, shown to the developer
    assert cast.status_code == HTTPStatus.CREATED, cast.json()
    assert cast.json()["units"] == [A_0201, A_0301, A_0302]
    assert mine.status_code == HTTPStatus.OK
    assert mine.json() == {
        "assembly": assembly,
        "ballots": [
            {
                "receipt": cast.json()["receipt"],
                "cast_at": cast.json()["cast_at"],
                "channel": "online",
                "units": [A_0201, A_0301, A_0302],
                "choices": {str(motions[0]["id"]): "for"},
            }
        ],
    }
    again = developer.post(url(assembly, "ballots"), ballot(motions, "against"), format="json")
    assert (again.status_code, again.json()["code"]) == (HTTPStatus.CONFLICT, "already_voted")

    # and when the vote is closed and tallied
    api_close(world.official_a, opened.json())
    assert official.post(url(assembly, "tally")).status_code == HTTPStatus.OK
    results = official.get(url(assembly, "results")).json()

    # then: the bucket is one head with its summed area
    assert (results["roll"]["area_total"], results["roll"]["heads_total"], results["roll"]["parts"]) == (
        "596.25",
        4,
        6,
    )
    [motion] = results["motions"]
    assert motion["area"] == {
        "participating": "516.00",
        "for": "295.50",
        "against": "220.50",
        "abstain": "0.00",
    }
    assert motion["heads"] == {"participating": 3, "for": 1, "against": 2, "abstain": 0}
    assert motion["outcome"] == "rejected"
