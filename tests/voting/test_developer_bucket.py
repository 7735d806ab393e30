"""The developer's bucket (voting.md, "The roll"; SPC art. 9): every part the developer still holds, unsold or
sold but not delivered, is one subject with the areas summed — cast by the developer whenever it holds any
part of it. Worked numbers on compound A of the `world`:

    A_0101 alice 100.00 · A_0102 bob + bella 120.50 · A_0202 dave 80.25 (building 6)
    A_0201 developer 90.00, not delivered
    + 5/0301 developer 110.00 (unsold, delivered) · 5/0302 buyer 孙买 95.50, sold but not delivered

    bucket = 90.00 + 110.00 + 95.50 = 295.50, one head; A_total = 100.00 + 120.50 + 80.25 + 295.50 = 596.25;
    N_total = 4 (alice, bob + bella, dave, the bucket) — counting each part would give 6.
"""

from decimal import Decimal

import pytest

from config.errors import ApplicationError
from registry.models import Owner
from registry.services.accounts import owner_signup
from registry.services.registration import registration_feed_apply
from tests.conftest import A_0101, A_0102, A_0201, A_0202, DEVELOPER, PARCEL_A, PASSWORD, World, unit_number
from tests.factories import feed_line, holder, resident_id
from tests.scans import png_scan
from tests.voting.apis.helpers import world_assembly
from voting.models import CountedBallot, MotionResult, RollPart, VotingSubject
from voting.services.assemblies import assembly_close
from voting.services.ballots import ballot_cast, paper_ballot_enter
from voting.services.tally import assembly_tally

A_0301 = unit_number(PARCEL_A, 5, "0301")
A_0302 = unit_number(PARCEL_A, 5, "0302")
A_0105 = unit_number(PARCEL_A, 5, "0105")
DEVELOPER_HOLDER = {
    "name": "某置业有限公司",
    "holder_type": "organisation",
    "id_type": "uscc",
    "id_number": DEVELOPER,
    "certificate_holder": True,
}
BUYER_ID = resident_id(611, birth="19860606")
BUYER = holder("孙买", BUYER_ID)


def _feed(*lines: str) -> None:
    report = registration_feed_apply(lines=list(lines), source="developer-bucket")
    assert (report.applied, report.quarantined) == (len(lines), 0)


def _developer_signs_up():
    return owner_signup(
        username="developer",
        password=PASSWORD,
        name="某置业有限公司",
        id_number=DEVELOPER,
        phone="13700137000",
        representative="赵建国",
        ip_address=None,
    ).user


def _subjects(assembly) -> dict[str, tuple[str, Decimal, list[str], str | None]]:
    """key → (kind, area, unit numbers, voter's name)."""
    out = {}
    for s in VotingSubject.objects.filter(assembly=assembly).select_related("voter"):
        numbers = sorted(RollPart.objects.filter(subject=s).values_list("unit_number", flat=True))
        out[s.key] = (s.kind, s.area, numbers, s.voter.name if s.voter else None)
    return out


def _developer_bucket(assembly) -> tuple[str, Decimal, list[str], str | None]:
    return _subjects(assembly)["developer"]


def test_the_bucket_sums_unsold_and_undelivered_parts_and_the_developer_casts_it(world: World):
    # given
    _feed(
        feed_line(A_0301, [DEVELOPER_HOLDER], room="0301", area="110.00"),
        feed_line(A_0302, [BUYER], room="0302", area="95.50", delivered=False),
    )

    # when
    a = world_assembly(world, "announced")

    # then
    assert (a.area_total, a.heads_total) == (Decimal("596.25"), 4)
    assert _developer_bucket(a) == (
        "developer",
        Decimal("295.50"),
        [A_0201, A_0301, A_0302],
        "某置业有限公司",
    )
    assert sorted((kind, area, numbers) for kind, area, numbers, _voter in _subjects(a).values()) == [
        ("co_owned", Decimal("120.50"), [A_0102]),
        ("developer", Decimal("295.50"), [A_0201, A_0301, A_0302]),
        ("owner", Decimal("80.25"), [A_0202]),
        ("owner", Decimal("100.00"), [A_0101]),
    ]  # fmt: skip


def test_the_developer_casts_the_bucket_even_where_it_shares_a_part_with_a_buyer(world: World):
    # given: the bucket's first part (by number) is held by a buyer (certificate holder) and the developer
    _feed(
        feed_line(
            A_0105,
            [{**BUYER, "certificate_holder": True}, {**DEVELOPER_HOLDER, "certificate_holder": False}],
            room="0105",
            area="60.00",
            co_ownership="joint",
            delivered=False,
        )
    )

    # when
    a = world_assembly(world, "announced")

    # then: the developer, not whoever comes first on the part's register
    assert _developer_bucket(a) == ("developer", Decimal("150.00"), [A_0105, A_0201], "某置业有限公司")
    assert (a.area_total, a.heads_total) == (Decimal("450.75"), 4)


def test_the_developer_account_votes_for_the_whole_bucket_and_the_buyer_for_nothing(world: World):
    # given
    _feed(
        feed_line(A_0301, [DEVELOPER_HOLDER], room="0301", area="110.00"),
        feed_line(A_0302, [BUYER], room="0302", area="95.50", delivered=False),
    )
    developer = _developer_signs_up()
    buyer = owner_signup(
        username="sunmai",
        password=PASSWORD,
        name="孙买",
        id_number=BUYER_ID,
        phone="13600136000",
        ip_address=None,
    ).user
    a = world_assembly(world, "open")
    motion = str(a.motions.get().pk)

    # when
    cast = ballot_cast(actor=developer, assembly=a, choices={motion: "for"})
    with pytest.raises(ApplicationError) as refused:
        ballot_cast(actor=buyer, assembly=a, choices={motion: "against"})

    # then
    assert cast.unit_numbers == [A_0201, A_0301, A_0302]
    assert refused.value.code == "not_on_roll"
    assert list(CountedBallot.objects.filter(assembly=a).values_list("subject__key", flat=True)) == [
        "developer"
    ]


def test_a_bucket_the_developer_holds_no_part_of_has_no_online_voter(world: World):
    # given: the developer signed up, then sold its only part, registered to the buyer, still not delivered
    developer = _developer_signs_up()
    _feed(feed_line(A_0201, [BUYER], event_type="TRANSFER", room="0201", area="90.00", delivered=False))
    assert Owner.objects.get(user=developer).ownerships.filter(valid_to__isnull=True).count() == 0

    # when
    a = world_assembly(world, "open")
    motion = str(a.motions.get().pk)

    # then: still one subject of 90.00, but nobody casts it online; the street office can enter its paper ballot
    assert _developer_bucket(a) == ("developer", Decimal("90.00"), [A_0201], None)
    assert (a.area_total, a.heads_total) == (Decimal("390.75"), 4)
    with pytest.raises(ApplicationError) as refused:
        ballot_cast(actor=developer, assembly=a, choices={motion: "for"})
    assert refused.value.code == "not_on_roll"
    paper = paper_ballot_enter(
        actor=world.official_a,
        assembly=a,
        unit_number=A_0201,
        choices={motion: "for"},
        note="建设单位书面表决票",
        scan=png_scan(),
    )
    assert paper.unit_numbers == [A_0201]


def test_the_tally_counts_the_bucket_as_one_head_with_its_summed_area(world: World):
    # given: developer for (295.50), alice and bob against (100.00 + 120.50); dave does not vote
    _feed(
        feed_line(A_0301, [DEVELOPER_HOLDER], room="0301", area="110.00"),
        feed_line(A_0302, [BUYER], room="0302", area="95.50", delivered=False),
    )
    developer = _developer_signs_up()
    a = world_assembly(world, "open", ballots={"alice": "against", "bob": "against"})
    ballot_cast(actor=developer, assembly=a, choices={str(a.motions.get().pk): "for"})

    # when
    assembly_close(actor=world.official_a, assembly=a, now=a.closes_at)
    assembly_tally(assembly=a, actor=world.official_a)

    # then: quorum 516.00 × 3 ≥ 596.25 × 2 and 3 × 3 ≥ 4 × 2; area for 295.50 × 2 > 516.00 holds, but heads for
    # 1 × 2 > 3 fails → rejected (counting the bucket's three parts as heads would wrongly adopt: 3 of 5)
    r = MotionResult.objects.get(motion__assembly=a)
    assert (r.area_participating, r.area_for, r.area_against, r.area_abstain) == (
        Decimal("516.00"),
        Decimal("295.50"),
        Decimal("220.50"),
        Decimal("0.00"),
    )
    assert (r.heads_participating, r.heads_for, r.heads_against, r.heads_abstain) == (3, 1, 2, 0)
    assert r.outcome == "rejected"
