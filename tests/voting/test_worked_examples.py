"""The eight worked examples of voting.md, through the services (roll → ballots → close → tally)."""

from decimal import Decimal

import pytest

from config.errors import ApplicationError
from tests.voting.conftest import close, open_assembly
from voting.models import MotionResult
from voting.rules import Count, outcome, percent_down
from voting.services.assemblies import MotionSpec
from voting.services.ballots import ballot_cast
from voting.services.tally import assembly_tally

ORDINARY = MotionSpec(title="选聘物业服务企业", category=4)
USE_FUNDS = MotionSpec(title="使用维修资金", category=5)
RAISE_FUNDS = MotionSpec(title="筹集维修资金", category=6)


def _vote(a, users_choices):
    motions = list(a.motions.order_by("position"))
    for user, choice in users_choices:
        per = choice if isinstance(choice, list) else [choice] * len(motions)
        ballot_cast(actor=user, assembly=a, choices={str(m.pk): c for m, c in zip(motions, per, strict=True)})


def _results(a):
    assembly_tally(assembly=close_if_open(a))
    return {
        r.motion.title: r for r in MotionResult.objects.filter(motion__assembly=a).select_related("motion")
    }


def close_if_open(a):
    a.refresh_from_db()
    return a


def _numbers(r: MotionResult):
    return (
        r.area_participating,
        r.heads_participating,
        r.area_for,
        r.heads_for,
        r.area_against,
        r.heads_against,
        r.area_abstain,
        r.heads_abstain,
        r.outcome,
    )


D = Decimal


def test_example_1_ten_units_seven_for_one_against(electorate):
    # given
    e = electorate(["100.00"] * 10)
    a = open_assembly(e, [ORDINARY])
    # when
    _vote(a, [(u, "for") for u in e.owners[:7]] + [(e.owners[7], "against")])
    close(e, a)
    r = _results(a)["选聘物业服务企业"]
    # then
    assert (a.area_total, a.heads_total) == (D("1000.00"), 10)
    assert _numbers(r) == (D("800.00"), 8, D("700.00"), 7, D("100.00"), 1, D("0.00"), 0, "adopted")


def test_example_2_exactly_two_thirds_is_a_quorum(electorate):
    e = electorate(["100.00"] * 9)
    a = open_assembly(e, [ORDINARY])
    _vote(a, [(u, "for") for u in e.owners[:4]] + [(u, "against") for u in e.owners[4:6]])
    close(e, a)
    r = _results(a)["选聘物业服务企业"]
    assert _numbers(r) == (D("600.00"), 6, D("400.00"), 4, D("200.00"), 2, D("0.00"), 0, "adopted")


def test_example_3_heads_pass_but_area_is_exactly_half_so_rejected(electorate):
    e = electorate(["80.00"] * 5 + ["100.00"] + ["125.00"] * 4)
    a = open_assembly(e, [ORDINARY])
    _vote(a, [(u, "for") for u in e.owners[:6]] + [(u, "against") for u in e.owners[6:]])
    close(e, a)
    r = _results(a)["选聘物业服务企业"]
    assert (r.area_for, r.area_participating, r.heads_for, r.heads_participating) == (
        D("500.00"),
        D("1000.00"),
        6,
        10,
    )
    assert r.outcome == "rejected"


def test_example_4_major_matter_exactly_three_quarters_adopted(electorate):
    e = electorate(["100.00"] * 12)
    a = open_assembly(e, [RAISE_FUNDS])
    _vote(a, [(u, "for") for u in e.owners[:6]] + [(e.owners[6], "against"), (e.owners[7], "abstain")])
    close(e, a)
    r = _results(a)["筹集维修资金"]
    assert _numbers(r) == (D("800.00"), 8, D("600.00"), 6, D("100.00"), 1, D("100.00"), 1, "adopted")


def test_example_4b_without_the_abstainer_the_quorum_fails(electorate):
    e = electorate(["100.00"] * 12)
    a = open_assembly(e, [RAISE_FUNDS])
    _vote(a, [(u, "for") for u in e.owners[:6]] + [(e.owners[6], "against")])
    close(e, a)
    assert _results(a)["筹集维修资金"].outcome == "quorum_not_met"


def test_example_5_one_owner_of_three_units_is_one_head(electorate):
    # given: X holds units 0–2 (one subject, 300 m²); others hold one unit each
    e = electorate(["100.00"] * 10, holders_of={1: [0], 2: [0]})
    x, o4, o5, o6, o7, o8 = e.owners[0], e.owners[1], e.owners[2], e.owners[3], e.owners[4], e.owners[5]
    a = open_assembly(e, [ORDINARY])
    # when
    _vote(a, [(x, "for"), (o4, "for"), (o5, "for"), (o6, "against"), (o7, "against"), (o8, "against")])
    close(e, a)
    r = _results(a)["选聘物业服务企业"]
    # then: heads for 3 of 6 participants = exactly 1/2 → rejected (per-unit counting would adopt)
    assert a.heads_total == 8
    assert (r.heads_for, r.heads_participating, r.area_for, r.area_participating) == (
        3,
        6,
        D("500.00"),
        D("800.00"),
    )
    assert r.outcome == "rejected"


def test_example_6_abstentions_participate_but_do_not_agree(electorate):
    e = electorate(["100.00"] * 10)
    a = open_assembly(e, [ORDINARY])
    _vote(
        a,
        [(u, "for") for u in e.owners[:4]]
        + [(e.owners[4], "against")]
        + [(u, "abstain") for u in e.owners[5:8]],
    )
    close(e, a)
    r = _results(a)["选聘物业服务企业"]
    assert (r.area_for, r.area_participating, r.outcome) == (D("400.00"), D("800.00"), "rejected")


def test_example_7_same_ballots_use_adopted_raise_rejected(electorate):
    e = electorate(["100.00"] * 10)
    a = open_assembly(e, [USE_FUNDS, RAISE_FUNDS])
    _vote(
        a,
        [(u, "for") for u in e.owners[:6]]
        + [(u, "against") for u in e.owners[6:8]]
        + [(e.owners[8], "abstain")],
    )
    close(e, a)
    results = _results(a)
    assert results["使用维修资金"].outcome == "adopted"
    assert (results["筹集维修资金"].area_for, results["筹集维修资金"].area_participating) == (
        D("600.00"),
        D("900.00"),
    )
    assert results["筹集维修资金"].outcome == "rejected"


@pytest.mark.parametrize(
    ("revote", "expected_for", "outcome_"), [(True, 2, "rejected"), (False, 3, "adopted")]
)
def test_example_8_revote_policy_decides_which_ballot_counts(electorate, revote, expected_for, outcome_):
    # given
    e = electorate(["100.00"] * 5)
    a_, b, c, d, late = e.owners
    a = open_assembly(e, [ORDINARY], revote=revote)
    _vote(a, [(a_, "for"), (b, "for"), (c, "for"), (d, "against")])
    # when: A changes their mind; E arrives after close
    if revote:
        _vote(a, [(a_, "against")])
    else:
        with pytest.raises(ApplicationError) as refused:
            _vote(a, [(a_, "against")])
        assert refused.value.code == "already_voted"
    close(e, a)
    with pytest.raises(ApplicationError) as too_late:
        _vote(a, [(late, "for")])
    r = _results(a)["选聘物业服务企业"]
    # then
    assert too_late.value.code == "not_open"
    assert (r.heads_for, r.heads_participating, r.outcome) == (expected_for, 4, outcome_)


@pytest.mark.parametrize(
    ("count", "major", "expected"),
    [
        (
            Count(
                Decimal("900"),
                9,
                area_for=Decimal("400"),
                area_against=Decimal("200"),
                heads_for=4,
                heads_against=2,
            ),
            False,
            "adopted",
        ),
        (
            Count(
                Decimal("1000"),
                10,
                area_for=Decimal("500"),
                area_against=Decimal("500"),
                heads_for=6,
                heads_against=4,
            ),
            False,
            "rejected",
        ),
        (
            Count(
                Decimal("1200"),
                12,
                area_for=Decimal("600"),
                area_against=Decimal("100"),
                area_abstain=Decimal("100"),
                heads_for=6,
                heads_against=1,
                heads_abstain=1,
            ),
            True,
            "adopted",
        ),
        (
            Count(
                Decimal("1200"),
                12,
                area_for=Decimal("600"),
                area_against=Decimal("100"),
                heads_for=6,
                heads_against=1,
            ),
            True,
            "quorum_not_met",
        ),
        (Count(Decimal("0.03"), 3, area_for=Decimal("0.02"), heads_for=2), False, "adopted"),
    ],
)
def test_rules_cross_multiply_exactly(count, major, expected):
    assert outcome(count, major=major) == expected


def test_percentages_round_down():
    assert percent_down(2, 3) == "66.66%"
    assert percent_down(Decimal("800.00"), Decimal("1200.00")) == "66.66%"
    assert percent_down(3, 4) == "75.00%"
