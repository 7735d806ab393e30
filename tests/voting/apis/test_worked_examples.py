"""Worked examples 1, 3, 5 and 8 of voting.md end to end through the API: create → announce → open → ballots
with each owner's token → close → tally → results JSON with exact numbers."""

from http import HTTPStatus

import pytest

from tests.conftest import api_as
from tests.voting.apis.helpers import ORDINARY, api_close, api_open, ballot, url

API_KEYS = ("id", "title", "category", "threshold", "outcome", "area", "heads", "deemed_consent")


def _tally_and_results(official, body):
    api_close(official, body)
    tallied = api_as(official).post(url(body["id"], "tally"))
    assert tallied.status_code == HTTPStatus.OK
    assert tallied.json()["status"] == "tallied"
    results = api_as(official).get(url(body["id"], "results"))
    assert results.status_code == HTTPStatus.OK
    return results.json()


def _api_part(motion: dict) -> dict:
    return {key: motion[key] for key in API_KEYS}


def test_example_1_ten_units_seven_for_one_against(electorate):
    # given
    e = electorate(["100.00"] * 10)
    body = api_open(e, [ORDINARY])
    motions = body["motions"]

    # when
    for owner in e.owners[:7]:
        assert (
            api_as(owner).post(url(body["id"], "ballots"), ballot(motions, "for"), format="json").status_code
            == 201
        )
    assert (
        api_as(e.owners[7])
        .post(url(body["id"], "ballots"), ballot(motions, "against"), format="json")
        .status_code
        == 201
    )
    results = _tally_and_results(e.official, body)

    # then: the whole document, exactly
    assert results == {
        "assembly": body["id"],
        "status": "tallied",
        "roll": {
            "fingerprint": body["roll"]["fingerprint"],
            "area_total": "1000.00",
            "heads_total": 10,
            "parts": 10,
        },
        "policy": {
            "revote": False,
            "deemed_consent": False,
            "parking_in_area": True,
            "proxy_cap": 3,
            "firm_staff_may_proxy": False,
        },
        "motions": [
            {
                "id": motions[0]["id"],
                "title": "选聘物业服务企业",
                "category": 4,
                "threshold": "ordinary",
                "outcome": "adopted",
                "area": {"participating": "800.00", "for": "700.00", "against": "100.00", "abstain": "0.00"},
                "heads": {"participating": 8, "for": 7, "against": 1, "abstain": 0},
                "deemed_consent": None,
                "seats": None,
                "candidates": None,
                "inequalities": [
                    {"name": "quorum_area", "expression": "800.00 × 3 ≥ 1000.00 × 2", "holds": True},
                    {"name": "quorum_heads", "expression": "8 × 3 ≥ 10 × 2", "holds": True},
                    {"name": "approval_area", "expression": "700.00 × 2 > 800.00", "holds": True},
                    {"name": "approval_heads", "expression": "7 × 2 > 8", "holds": True},
                ],
            }
        ],
    }
    assert body["roll"]["fingerprint"].startswith("sha256:")


def test_example_3_heads_pass_but_area_is_exactly_half_so_rejected(electorate):
    # given: A–E 80 m² each, F 100, G–J 125 each
    e = electorate(["80.00"] * 5 + ["100.00"] + ["125.00"] * 4)
    body = api_open(e, [ORDINARY])
    motions = body["motions"]

    # when: A–F for, G–J against
    for i, owner in enumerate(e.owners):
        choice = "for" if i < 6 else "against"
        assert (
            api_as(owner).post(url(body["id"], "ballots"), ballot(motions, choice), format="json").status_code
            == 201
        )
    results = _tally_and_results(e.official, body)

    # then
    assert results["roll"]["area_total"] == "1000.00"
    assert [_api_part(m) for m in results["motions"]] == [
        {
            "id": motions[0]["id"],
            "title": "选聘物业服务企业",
            "category": 4,
            "threshold": "ordinary",
            "outcome": "rejected",
            "area": {"participating": "1000.00", "for": "500.00", "against": "500.00", "abstain": "0.00"},
            "heads": {"participating": 10, "for": 6, "against": 4, "abstain": 0},
            "deemed_consent": None,
        }
    ]


def test_example_5_one_owner_of_three_units_is_one_head(electorate):
    # given: X holds units 1–3 (one subject, 300 m²); N_total = 8
    e = electorate(["100.00"] * 10, holders_of={1: [0], 2: [0]})
    x, o4, o5, o6, o7, o8 = e.owners[:6]
    body = api_open(e, [ORDINARY])
    motions = body["motions"]

    # when
    responses = {
        who: api_as(who).post(url(body["id"], "ballots"), ballot(motions, choice), format="json")
        for who, choice in [
            (x, "for"),
            (o4, "for"),
            (o5, "for"),
            (o6, "against"),
            (o7, "against"),
            (o8, "against"),
        ]
    }
    results = _tally_and_results(e.official, body)

    # then: X's one ballot covers three units; heads for 3 of 6 = exactly 1/2 → rejected
    assert {r.status_code for r in responses.values()} == {HTTPStatus.CREATED}
    assert responses[x].json()["units"] == e.numbers[:3]
    assert results["roll"] == {
        "fingerprint": body["roll"]["fingerprint"],
        "area_total": "1000.00",
        "heads_total": 8,
        "parts": 10,
    }
    assert [_api_part(m) for m in results["motions"]] == [
        {
            "id": motions[0]["id"],
            "title": "选聘物业服务企业",
            "category": 4,
            "threshold": "ordinary",
            "outcome": "rejected",
            "area": {"participating": "800.00", "for": "500.00", "against": "300.00", "abstain": "0.00"},
            "heads": {"participating": 6, "for": 3, "against": 3, "abstain": 0},
            "deemed_consent": None,
        }
    ]


@pytest.mark.parametrize(
    ("revote", "second_status", "expected"),
    [
        (
            True,
            HTTPStatus.CREATED,
            {
                "outcome": "rejected",
                "area_for": "200.00",
                "heads": {"participating": 4, "for": 2, "against": 2, "abstain": 0},
            },
        ),
        (
            False,
            HTTPStatus.CONFLICT,
            {
                "outcome": "adopted",
                "area_for": "300.00",
                "heads": {"participating": 4, "for": 3, "against": 1, "abstain": 0},
            },
        ),
    ],
)
def test_example_8_revote_policy_decides_which_ballot_counts(electorate, revote, second_status, expected):
    # given: A–E × 100
    e = electorate(["100.00"] * 5)
    a_, b, c, d, late = e.owners
    body = api_open(e, [ORDINARY], revote=revote)
    motions = body["motions"]
    cast = url(body["id"], "ballots")
    for who, choice in [(a_, "for"), (b, "for"), (c, "for"), (d, "against")]:
        assert (
            api_as(who).post(cast, ballot(motions, choice), format="json").status_code == HTTPStatus.CREATED
        )

    # when: A changes their mind; E arrives after close
    second = api_as(a_).post(cast, ballot(motions, "against"), format="json")
    api_close(e.official, body)
    too_late = api_as(late).post(cast, ballot(motions, "for"), format="json")
    tallied = api_as(e.official).post(url(body["id"], "tally"))
    results = api_as(e.official).get(url(body["id"], "results")).json()

    # then
    assert second.status_code == second_status
    if not revote:
        assert second.json()["code"] == "already_voted"
    assert (too_late.status_code, too_late.json()["code"]) == (HTTPStatus.CONFLICT, "not_open")
    assert tallied.status_code == HTTPStatus.OK
    motion = results["motions"][0]
    assert (motion["outcome"], motion["area"]["for"], motion["heads"]) == (
        expected["outcome"],
        expected["area_for"],
        expected["heads"],
    )
    assert motion["area"]["participating"] == "400.00"
