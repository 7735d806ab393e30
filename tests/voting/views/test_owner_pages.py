"""The owner's voting pages: list, notice, ballot (with every refusal), receipt, my ballot, receipt check and
participation — in the browser client, against the real services."""

import datetime as dt
from http import HTTPStatus
from unittest import mock

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.voting.apis.helpers import world_assembly
from tests.voting.conftest import close, open_assembly
from tests.voting.views.helpers import (
    ORDINARY,
    RAISE_FUNDS,
    RAW_PHONE,
    browser,
    post_data,
    raw_ids,
    vote_all,
)
from voting.models import BallotSubmission, CountedBallot, VoteRefusal
from voting.services.assemblies import MotionSpec, assembly_announce, assembly_create, assembly_publish
from voting.services.tally import assembly_tally

ELECTION = MotionSpec(title="选举业主委员会委员", category=3, seats=1, candidates=("赵一", "钱二"))


def confirmed(data: dict[str, str]) -> dict[str, str]:
    """The confirmation page's post: the same choices, as its hidden fields, with "确认提交"."""
    return {**data, "step": "confirm"}


def ballot_form_in(html: str, a) -> bool:
    """Whether the page carries a form posting to the ballot (the radios or the confirmation)."""
    return f'action="/voting/{a.pk}/ballot/"' in html


def test_anonymous_is_sent_to_login(electorate):
    # given
    e = electorate(["100.00"] * 2)
    a = open_assembly(e, [ORDINARY])

    # when
    responses = [Client().get(url) for url in ("/voting/", f"/voting/{a.pk}/", f"/voting/{a.pk}/ballot/")]

    # then
    assert [r.status_code for r in responses] == [HTTPStatus.FOUND] * 3
    assert responses[2]["Location"] == f"/accounts/login/?next=/voting/{a.pk}/ballot/"


def test_list_shows_own_compound_assemblies_without_drafts(electorate):
    # given
    e, other = electorate(["100.00"] * 2), electorate(["100.00"] * 2)
    mine = open_assembly(e, [ORDINARY])
    now = timezone.now()
    assembly_create(
        actor=e.official,
        compound=e.compound,
        title="草稿会议",
        opens_at=now + dt.timedelta(days=30),
        closes_at=now + dt.timedelta(days=40),
        motions=[ORDINARY],
    )
    open_assembly(other, [ORDINARY])
    vote_all(mine, [(e.owners[0], "for")])

    # when
    response = browser(e.owners[0]).get("/voting/")

    # then
    assert response.status_code == HTTPStatus.OK
    assert [(a.pk, a.voted) for a in response.context["assemblies"]] == [(mine.pk, True)]
    assert "草稿会议" not in response.content.decode()


def test_list_query_count_does_not_grow_with_assemblies(electorate, django_assert_max_num_queries):
    # given
    e = electorate(["100.00"] * 2)
    open_assembly(e, [ORDINARY])
    client = browser(e.owners[0])
    with CaptureQueriesContext(connection) as one:
        client.get("/voting/")
    for _ in range(4):
        open_assembly(e, [ORDINARY])

    # when
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/voting/")

    # then
    assert len(response.context["assemblies"]) == 5


def test_other_compounds_owner_gets_404_on_every_page(electorate):
    # given
    e, other = electorate(["100.00"] * 2), electorate(["100.00"] * 2)
    a = open_assembly(e, [ORDINARY])
    client = browser(other.owners[0])
    pages = ["", "ballot/", "receipt/", "my-ballot/", "check/", "participation/", "results/", "certificate/"]

    # when
    statuses = [client.get(f"/voting/{a.pk}/{page}").status_code for page in pages]
    post = client.post(f"/voting/{a.pk}/ballot/", post_data(a, {1: "for"}))

    # then
    assert statuses == [HTTPStatus.NOT_FOUND] * len(pages)
    assert post.status_code == HTTPStatus.NOT_FOUND
    assert BallotSubmission.objects.filter(assembly=a).count() == 0


def test_notice_explains_categories_thresholds_policy_roll_and_counts(electorate):
    # given
    e = electorate(["100.00"] * 10)
    a = open_assembly(e, [ORDINARY, RAISE_FUNDS], revote=True)
    vote_all(a, [(e.owners[0], "for")])

    # when
    response = browser(e.owners[1]).get(f"/voting/{a.pk}/")

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "第四项：选聘和解聘物业服务企业或者其他管理人" in html
    assert "第六项：筹集建筑物及其附属设施的维修资金" in html
    assert "参与表决专有部分面积过半数且参与表决人数过半数的业主同意" in html
    assert "参与表决专有部分面积四分之三以上且参与表决人数四分之三以上的业主同意" in html
    assert "截止前可以改票，以最后一次投票为准。" in html
    assert a.roll_fingerprint in html
    assert "1000.00 ㎡" in html
    assert "1 / 10（10.00%）" in html
    assert "100.00 / 1000.00 ㎡（10.00%）" in html
    assert response.context["standing"].code is None


def test_full_owner_flow_ballot_receipt_my_ballot_and_check(electorate):
    # given
    e = electorate(["100.00"] * 4)
    a = open_assembly(e, [ORDINARY, RAISE_FUNDS])
    client = browser(e.owners[0])
    choices = post_data(a, {1: "for", 2: "against"})

    # when
    form = client.get(f"/voting/{a.pk}/ballot/")
    review = client.post(f"/voting/{a.pk}/ballot/", choices)
    counted_after_review = CountedBallot.objects.filter(assembly=a).count()
    cast = client.post(f"/voting/{a.pk}/ballot/", confirmed(choices))
    receipt_page = client.get(f"/voting/{a.pk}/receipt/")

    # then
    assert form.status_code == HTTPStatus.OK
    assert form.content.decode().count('type="radio"') == 6
    assert review.status_code == HTTPStatus.OK
    assert counted_after_review == 0
    assert cast.status_code == HTTPStatus.FOUND
    assert cast["Location"] == f"/voting/{a.pk}/receipt/"
    submission = BallotSubmission.objects.get(assembly=a)
    motions = {m.position: str(m.pk) for m in a.motions.all()}
    assert submission.choices == {motions[1]: "for", motions[2]: "against"}
    html = receipt_page.content.decode()
    assert receipt_page.status_code == HTTPStatus.OK
    assert " ".join(submission.receipt[i : i + 4] for i in range(0, 64, 4)) in html.replace(
        "</span> <span>", " "
    )
    assert timezone.localtime(submission.cast_at).strftime("%Y-%m-%d %H:%M:%S") in html
    assert [p["unit_number"] for p in receipt_page.context["places"]] == [e.numbers[0]]

    # when
    mine = client.get(f"/voting/{a.pk}/my-ballot/")
    check = client.get(f"/voting/{a.pk}/check/", {"receipt": submission.receipt.upper()})

    # then
    assert mine.status_code == HTTPStatus.OK
    [ballot] = mine.context["ballots"]
    assert ballot["receipt"] == submission.receipt
    assert [(line["motion"].position, line["choice"]) for line in ballot["lines"]] == [
        (1, "for"),
        (2, "against"),
    ]
    assert check.status_code == HTTPStatus.OK
    assert check.context["outcome"] == {
        "receipt": submission.receipt,
        "found": True,
        "counted": True,
        "cast_at": submission.cast_at,
    }
    assert "已计入" in check.content.decode()


def test_election_ballot_has_a_radio_group_per_candidate(electorate):
    # given
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ELECTION])
    motion = a.motions.get()
    c1, c2 = motion.candidates.order_by("position")
    client = browser(e.owners[0])
    choices = {f"m{motion.pk}_c{c1.pk}": "for", f"m{motion.pk}_c{c2.pk}": "abstain"}

    # when
    form = client.get(f"/voting/{a.pk}/ballot/")
    review = client.post(f"/voting/{a.pk}/ballot/", choices)
    cast = client.post(f"/voting/{a.pk}/ballot/", confirmed(choices))

    # then
    assert form.content.decode().count('type="radio"') == 6
    [line] = review.context["lines"]
    assert [(c["name"], c["label"]) for c in line["candidates"]] == [("赵一", "同意"), ("钱二", "弃权")]
    assert cast.status_code == HTTPStatus.FOUND
    assert BallotSubmission.objects.get(assembly=a).choices == {
        str(motion.pk): {str(c1.pk): "for", str(c2.pk): "abstain"}
    }


def test_incomplete_ballot_is_refused_on_the_page_and_keeps_the_ticks(electorate):
    # given
    e = electorate(["100.00"] * 4)
    a = open_assembly(e, [ORDINARY, RAISE_FUNDS])
    first, second = a.motions.order_by("position")

    # when
    response = browser(e.owners[0]).post(f"/voting/{a.pk}/ballot/", post_data(a, {1: "against"}))

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.context["refusal"]["code"] == "incomplete_ballot"
    assert "请对全部 2 项表决事项作出选择。" in html
    assert f'name="m{first.pk}" value="against" id="id_m{first.pk}_1" checked' in html
    assert "checked" not in html.split(f'name="m{second.pk}"', 1)[1].split("</fieldset>", 1)[0]
    assert response.context["form"].errors == {f"m{second.pk}": ["请选择同意、反对或弃权。"]}
    assert BallotSubmission.objects.filter(assembly=a).count() == 0
    assert list(VoteRefusal.objects.filter(assembly=a).values_list("code", flat=True)) == [
        "incomplete_ballot"
    ]


def test_second_ballot_is_refused_as_already_voted(electorate):
    # given
    e = electorate(["100.00"] * 4)
    a = open_assembly(e, [ORDINARY])
    client = browser(e.owners[0])
    client.post(f"/voting/{a.pk}/ballot/", confirmed(post_data(a, {1: "for"})))
    first = BallotSubmission.objects.get(assembly=a)

    # when
    review = client.post(f"/voting/{a.pk}/ballot/", post_data(a, {1: "against"}))
    confirm = client.post(f"/voting/{a.pk}/ballot/", confirmed(post_data(a, {1: "against"})))
    page = client.get(f"/voting/{a.pk}/ballot/")

    # then: the refusal and where the owner stands — the counted ballot's receipt and time — and no form
    for response in (review, confirm):
        html = response.content.decode()
        assert response.status_code == HTTPStatus.CONFLICT
        assert response.context["refusal"]["code"] == "already_voted"
        assert response.context["show_form"] is False
        assert "您已投票，本次会议不允许改票。" in html
        assert not ballot_form_in(html, a)
        assert 'type="radio"' not in html
        assert "确认提交" not in html and "下一步：核对选票" not in html
        assert [b["receipt"] for b in response.context["counted"]] == [first.receipt]
        assert f"<span>{first.receipt[:4]}</span>" in html
        assert timezone.localtime(first.cast_at).strftime("%Y-%m-%d %H:%M:%S") in html
        assert f'href="/voting/{a.pk}/my-ballot/"' in html
    assert list(BallotSubmission.objects.filter(assembly=a).values_list("choices", flat=True)) == [
        {str(a.motions.get().pk): "for"}
    ]
    assert list(VoteRefusal.objects.filter(assembly=a).values_list("code", flat=True)) == [
        "already_voted",
        "already_voted",
    ]
    assert page.status_code == HTTPStatus.OK
    assert page.context["show_form"] is False
    assert page.context["standing"].code == "already_voted"
    assert not ballot_form_in(page.content.decode(), a)
    assert first.receipt[:4] in page.content.decode()


def test_revote_replaces_the_counted_ballot(electorate):
    # given
    e = electorate(["100.00"] * 4)
    a = open_assembly(e, [ORDINARY], revote=True)
    client = browser(e.owners[0])
    client.post(f"/voting/{a.pk}/ballot/", confirmed(post_data(a, {1: "for"})))

    # when
    response = client.post(f"/voting/{a.pk}/ballot/", confirmed(post_data(a, {1: "against"})))

    # then
    assert response.status_code == HTTPStatus.FOUND
    first, last = BallotSubmission.objects.filter(assembly=a).order_by("cast_at", "pk")
    assert CountedBallot.objects.get(assembly=a).submission_id == last.pk
    check = client.get(f"/voting/{a.pk}/check/", {"receipt": first.receipt})
    assert (check.context["outcome"]["found"], check.context["outcome"]["counted"]) == (True, False)
    assert "未计入" in check.content.decode()


def test_someone_not_on_the_roll_is_refused(electorate):
    # given: the street official sees the assembly but holds no unit on its roll
    e = electorate(["100.00"] * 2)
    a = open_assembly(e, [ORDINARY])

    # when
    response = browser(e.official).post(f"/voting/{a.pk}/ballot/", post_data(a, {1: "for"}))

    # then
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.context["refusal"]["code"] == "not_on_roll"
    assert "您不在本次会议的表决名册上。" in response.content.decode()
    assert BallotSubmission.objects.filter(assembly=a).count() == 0


def test_co_owner_who_is_not_the_designated_voter_is_refused(electorate):
    # given: unit 0 is held jointly by persons 0 (certificate holder, designated) and 5
    e = electorate(["100.00"] * 3, holders_of={0: [0, 5]})
    a = open_assembly(e, [ORDINARY])
    co_owner = e.owners[3]
    client = browser(co_owner)

    # when
    page = client.get(f"/voting/{a.pk}/ballot/")
    response = client.post(f"/voting/{a.pk}/ballot/", post_data(a, {1: "for"}))

    # then
    assert page.context["standing"].code == "not_designated_voter"
    assert page.context["show_form"] is False
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.context["refusal"]["code"] == "not_designated_voter"
    assert "共有房屋由指定的共有人表决，您不是该房屋的表决代表。" in response.content.decode()
    assert BallotSubmission.objects.filter(assembly=a).count() == 0


def test_ballot_after_close_is_refused_as_not_open(electorate):
    # given
    e = electorate(["100.00"] * 2)
    a = open_assembly(e, [ORDINARY])
    client = browser(e.owners[0])
    client.get(f"/voting/{a.pk}/ballot/")
    close(e, a)

    # when
    response = client.post(f"/voting/{a.pk}/ballot/", post_data(a, {1: "for"}))

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.context["refusal"]["code"] == "not_open"
    assert "当前不在投票期内。" in html
    assert not ballot_form_in(html, a)
    assert 'type="radio"' not in html
    assert list(VoteRefusal.objects.filter(assembly=a).values_list("code", flat=True)) == ["not_open"]


def test_tampered_choice_is_a_form_error_and_nothing_is_cast(electorate):
    # given
    e = electorate(["100.00"] * 2)
    a = open_assembly(e, [ORDINARY])

    # when
    response = browser(e.owners[0]).post(f"/voting/{a.pk}/ballot/", post_data(a, {1: "maybe"}))

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert list(response.context["form"].errors) == [f"m{a.motions.get().pk}"]
    assert BallotSubmission.objects.filter(assembly=a).count() == 0


def test_receipt_page_without_a_fresh_ballot_goes_to_my_ballot(electorate):
    # given
    e = electorate(["100.00"] * 2)
    a = open_assembly(e, [ORDINARY])

    # when
    response = browser(e.owners[0]).get(f"/voting/{a.pk}/receipt/")

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/voting/{a.pk}/my-ballot/"


def test_my_ballot_shows_only_the_owners_own_choices(electorate):
    # given
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY])
    vote_all(a, [(e.owners[0], "for"), (e.owners[1], "against")])
    mine, theirs = (
        BallotSubmission.objects.get(assembly=a, submitted_by=e.owners[0]),
        BallotSubmission.objects.get(assembly=a, submitted_by=e.owners[1]),
    )

    # when
    response = browser(e.owners[0]).get(f"/voting/{a.pk}/my-ballot/")
    nobody = browser(e.owners[2]).get(f"/voting/{a.pk}/my-ballot/")

    # then
    html = response.content.decode()
    assert [(b["receipt"], b["units"]) for b in response.context["ballots"]] == [
        (mine.receipt, [e.numbers[0]])
    ]
    assert mine.receipt in html
    assert theirs.receipt not in html
    assert "反对" not in html
    assert nobody.context["ballots"] == []
    assert "您在本次会议中还没有计入的选票。" in nobody.content.decode()


def test_receipt_check_unknown_and_malformed(electorate):
    # given
    e = electorate(["100.00"] * 2)
    a = open_assembly(e, [ORDINARY])
    client = browser(e.owners[1])

    # when
    unknown = client.get(f"/voting/{a.pk}/check/", {"receipt": "ab" * 32})
    malformed = client.get(f"/voting/{a.pk}/check/", {"receipt": "not-a-receipt"})
    empty = client.get(f"/voting/{a.pk}/check/")

    # then
    assert unknown.status_code == HTTPStatus.OK
    assert unknown.context["outcome"] == {"receipt": "ab" * 32, "found": False, "counted": False}
    assert "未找到" in unknown.content.decode()
    assert malformed.status_code == HTTPStatus.BAD_REQUEST
    assert "回执码应为 64 位" in malformed.content.decode()
    assert (empty.status_code, empty.context["outcome"]) == (HTTPStatus.OK, None)


def test_receipt_check_shows_no_name_and_no_choice(electorate):
    # given
    e = electorate(["100.00"] * 2)
    a = open_assembly(e, [ORDINARY])
    vote_all(a, [(e.owners[0], "against")])
    receipt = BallotSubmission.objects.get(assembly=a).receipt

    # when
    response = browser(e.owners[1]).get(f"/voting/{a.pk}/check/", {"receipt": receipt})

    # then
    html = response.content.decode()
    assert response.context["outcome"]["counted"] is True
    assert e.owners[0].owner.name not in html
    assert "反对" not in html


def test_participation_lists_units_without_names_or_choices(electorate):
    # given
    e = electorate(["100.00", "90.50", "80.25"])
    a = open_assembly(e, [ORDINARY])
    vote_all(a, [(e.owners[1], "against")])

    # when
    response = browser(e.owners[0]).get(f"/voting/{a.pk}/participation/")

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert sorted((str(r["area"]), r["voted"]) for r in response.context["page"].object_list) == [
        ("100.00", False),
        ("80.25", False),
        ("90.50", True),
    ]
    assert set(response.context["page"].object_list[0]) == {
        "building",
        "entrance",
        "floor",
        "floor_label",
        "room",
        "label",
        "area",
        "voted",
        "planned_use",
    }
    for owner in e.owners:
        assert owner.owner.name not in html
    assert "反对" not in html and "同意" not in html
    assert "1 / 3（33.33%）" in html


def test_participation_query_count_does_not_grow_with_units(electorate, django_assert_max_num_queries):
    # given
    small, large = electorate(["100.00"] * 3), electorate(["100.00"] * 30)
    a_small, a_large = open_assembly(small, [ORDINARY]), open_assembly(large, [ORDINARY])
    vote_all(a_large, [(u, "for") for u in large.owners[:10]])
    with CaptureQueriesContext(connection) as few:
        browser(small.owners[0]).get(f"/voting/{a_small.pk}/participation/")

    # when
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = browser(large.owners[0]).get(f"/voting/{a_large.pk}/participation/")

    # then
    assert len(response.context["page"].object_list) == 30
    assert sum(r["voted"] for r in response.context["page"].object_list) == 10


def test_home_lists_the_owners_assemblies(electorate):
    # given
    e = electorate(["100.00"] * 2)
    a = open_assembly(e, [ORDINARY])

    # when
    response = browser(e.owners[0]).get("/")

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert f'href="/voting/{a.pk}/"' in html
    assert 'href="/voting/"' in html


def test_no_raw_phone_or_id_number_on_any_page(electorate):
    # given: a whole assembly seen by an owner, from the ballot to the published certificate
    e = electorate(["100.00"] * 10)
    a = open_assembly(e, [ORDINARY])
    client = browser(e.owners[0])
    pages = [client.get("/").content.decode(), client.get(f"/voting/{a.pk}/ballot/").content.decode()]
    pages.append(client.post(f"/voting/{a.pk}/ballot/", post_data(a, {1: "for"})).content.decode())
    client.post(f"/voting/{a.pk}/ballot/", confirmed(post_data(a, {1: "for"})))
    pages.append(client.get(f"/voting/{a.pk}/receipt/").content.decode())
    vote_all(a, [(u, "for") for u in e.owners[1:7]] + [(e.owners[7], "against")])
    close(e, a)
    assembly_tally(assembly=a)
    assembly_publish(actor=e.official, assembly=a)

    # when
    for page in ["", "my-ballot/", "check/", "participation/", "results/", "certificate/"]:
        response = client.get(f"/voting/{a.pk}/{page}")
        assert response.status_code == HTTPStatus.OK
        pages.append(response.content.decode())
    pages.append(client.get("/voting/").content.decode())

    # then
    ids = raw_ids(e)
    assert len(pages) == 11
    assert "请核对您的选票" in pages[2] and "投票成功" in pages[3]
    for html in pages:
        assert RAW_PHONE not in html
        assert not [i for i in ids if i in html]


def test_announced_assembly_shows_the_notice_and_no_ballot_yet(electorate):
    # given
    e = electorate(["100.00"] * 2)
    now = timezone.now()
    a = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="第二次业主大会",
        opens_at=now + dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=26),
        motions=[ORDINARY],
    )
    assembly_announce(actor=e.official, assembly=a)
    a.refresh_from_db()
    client = browser(e.owners[0])

    # when
    notice = client.get(f"/voting/{a.pk}/")
    ballot = client.get(f"/voting/{a.pk}/ballot/")
    results = client.get(f"/voting/{a.pk}/results/")

    # then
    assert notice.status_code == HTTPStatus.OK
    assert a.roll_fingerprint in notice.content.decode()
    assert (ballot.status_code, ballot.context["standing"].code, ballot.context["show_form"]) == (
        HTTPStatus.OK,
        "not_open",
        False,
    )
    assert "当前不在投票期内。" in ballot.content.decode()
    assert results.status_code == HTTPStatus.CONFLICT
    assert "投票尚未开始" in results.content.decode()


def test_official_previews_a_draft_without_a_roll(electorate):
    # given
    e = electorate(["100.00"] * 2)
    now = timezone.now()
    a = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="草稿会议",
        opens_at=now + dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=26),
        motions=[ORDINARY],
    )
    client = browser(e.official)

    # when
    notice = client.get(f"/voting/{a.pk}/")
    ballot = client.get(f"/voting/{a.pk}/ballot/")
    owner = browser(e.owners[0]).get(f"/voting/{a.pk}/")

    # then
    assert notice.status_code == HTTPStatus.OK
    assert "名册在会议公告时冻结，届时在此公布。" in notice.content.decode()
    assert (ballot.status_code, ballot.context["show_form"]) == (HTTPStatus.OK, False)
    assert owner.status_code == HTTPStatus.NOT_FOUND


# ------------------------------------------------------------------ the confirmation step, receipts, firm staff


def test_posting_choices_shows_the_confirmation_and_counts_nothing(electorate):
    # given
    e = electorate(["100.00", "88.50", "100.00"])
    a = open_assembly(e, [ORDINARY, RAISE_FUNDS])
    first, second = a.motions.order_by("position")
    client = browser(e.owners[1])

    # when
    response = client.post(f"/voting/{a.pk}/ballot/", post_data(a, {1: "for", 2: "abstain"}))

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "voting/confirm.html"
    assert [(line["motion"].title, line["label"]) for line in response.context["lines"]] == [
        ("选聘物业服务企业", "同意"),
        ("筹集维修资金", "弃权"),
    ]
    assert [p["unit_number"] for p in response.context["standing"].parts] == [e.numbers[1]]
    assert "88.50 ㎡" in html
    assert f'<input type="hidden" name="m{first.pk}" value="for">' in html
    assert f'<input type="hidden" name="m{second.pk}" value="abstain">' in html
    assert '<button type="submit" name="step" value="confirm"' in html and "确认提交" in html
    assert '<button type="submit" name="step" value="edit"' in html and "返回修改" in html
    assert 'type="radio"' not in html
    assert "no-store" in response["Cache-Control"]
    assert CountedBallot.objects.filter(assembly=a).count() == 0
    assert BallotSubmission.objects.filter(assembly=a).count() == 0
    assert VoteRefusal.objects.filter(assembly=a).count() == 0


def test_confirming_casts_exactly_one_ballot(electorate):
    # given: the owner has seen the confirmation
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY, RAISE_FUNDS])
    client = browser(e.owners[0])
    choices = post_data(a, {1: "against", 2: "for"})
    client.post(f"/voting/{a.pk}/ballot/", choices)

    # when
    response = client.post(f"/voting/{a.pk}/ballot/", confirmed(choices))

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/voting/{a.pk}/receipt/"
    assert CountedBallot.objects.filter(assembly=a).count() == 1
    submission = BallotSubmission.objects.get(assembly=a)
    motions = {m.position: str(m.pk) for m in a.motions.all()}
    assert (submission.submitted_by_id, submission.choices) == (
        e.owners[0].pk,
        {motions[1]: "against", motions[2]: "for"},
    )


def test_tampered_hidden_choices_on_confirm_are_refused_and_nothing_is_counted(electorate):
    # given
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY, RAISE_FUNDS])
    first, second = a.motions.order_by("position")
    client = browser(e.owners[0])

    # when: a value no radio offers, then a motion dropped from the hidden fields
    bad_value = client.post(f"/voting/{a.pk}/ballot/", confirmed(post_data(a, {1: "for", 2: "yes"})))
    dropped = client.post(f"/voting/{a.pk}/ballot/", confirmed(post_data(a, {1: "for"})))

    # then
    assert bad_value.status_code == HTTPStatus.BAD_REQUEST
    assert list(bad_value.context["form"].errors) == [f"m{second.pk}"]
    assert dropped.status_code == HTTPStatus.BAD_REQUEST
    assert dropped.context["refusal"]["code"] == "incomplete_ballot"
    assert dropped.context["form"].errors == {f"m{second.pk}": ["请选择同意、反对或弃权。"]}
    assert f'name="m{first.pk}" value="for" id="id_m{first.pk}_0" checked' in dropped.content.decode()
    assert CountedBallot.objects.filter(assembly=a).count() == 0
    assert BallotSubmission.objects.filter(assembly=a).count() == 0
    assert list(VoteRefusal.objects.filter(assembly=a).values_list("code", flat=True)) == [
        "incomplete_ballot"
    ]


def test_back_from_the_confirmation_shows_the_form_ticked_as_chosen(electorate):
    # given
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY, RAISE_FUNDS])
    first, second = a.motions.order_by("position")

    # when
    response = browser(e.owners[0]).post(
        f"/voting/{a.pk}/ballot/", {**post_data(a, {1: "against", 2: "abstain"}), "step": "edit"}
    )

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "voting/ballot.html"
    assert f'name="m{first.pk}" value="against" id="id_m{first.pk}_1" checked' in html
    assert f'name="m{second.pk}" value="abstain" id="id_m{second.pk}_2" checked' in html
    assert html.count(" checked") == 2
    assert response.context["form"].errors == {}
    assert BallotSubmission.objects.filter(assembly=a).count() == 0


def test_revote_form_starts_from_the_owners_own_counted_choices(electorate):
    # given: revote allowed; owner 0 voted against on 1 and abstained on 2, owner 1 voted for on both
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY, RAISE_FUNDS], revote=True)
    first, second = a.motions.order_by("position")
    vote_all(a, [(e.owners[1], "for")])
    browser(e.owners[0]).post(
        f"/voting/{a.pk}/ballot/", confirmed(post_data(a, {1: "against", 2: "abstain"}))
    )

    # when
    mine = browser(e.owners[0]).get(f"/voting/{a.pk}/ballot/")
    fresh = browser(e.owners[2]).get(f"/voting/{a.pk}/ballot/")

    # then
    html = mine.content.decode()
    assert mine.status_code == HTTPStatus.OK
    assert mine.context["show_form"] is True
    assert f'name="m{first.pk}" value="against" id="id_m{first.pk}_1" checked' in html
    assert f'name="m{second.pk}" value="abstain" id="id_m{second.pk}_2" checked' in html
    assert html.count(" checked") == 2
    assert "下面已按您当前计入的选票勾选，只有您本人能看到。" in html
    assert " checked" not in fresh.content.decode()


def test_revote_form_of_an_election_starts_from_the_counted_choices(electorate):
    # given
    e = electorate(["100.00"] * 2)
    a = open_assembly(e, [ELECTION], revote=True)
    motion = a.motions.get()
    c1, c2 = motion.candidates.order_by("position")
    client = browser(e.owners[0])
    client.post(
        f"/voting/{a.pk}/ballot/",
        confirmed({f"m{motion.pk}_c{c1.pk}": "abstain", f"m{motion.pk}_c{c2.pk}": "for"}),
    )

    # when
    html = client.get(f"/voting/{a.pk}/ballot/").content.decode()

    # then
    assert f'name="m{motion.pk}_c{c1.pk}" value="abstain" id="id_m{motion.pk}_c{c1.pk}_2" checked' in html
    assert f'name="m{motion.pk}_c{c2.pk}" value="for" id="id_m{motion.pk}_c{c2.pk}_0" checked' in html
    assert html.count(" checked") == 2


def test_ballot_page_before_opening_shows_the_window_and_no_form(electorate):
    # given
    e = electorate(["100.00"] * 2)
    now = timezone.now()
    a = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="第三次业主大会",
        opens_at=now + dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=26),
        motions=[ORDINARY],
    )
    assembly_announce(actor=e.official, assembly=a)

    # when
    page = browser(e.owners[0]).get(f"/voting/{a.pk}/ballot/")
    post = browser(e.owners[0]).post(f"/voting/{a.pk}/ballot/", confirmed(post_data(a, {1: "for"})))

    # then
    for response in (page, post):
        html = response.content.decode()
        assert "当前不在投票期内。" in html
        assert timezone.localtime(a.opens_at).strftime("%Y-%m-%d %H:%M") in html
        assert not ballot_form_in(html, a)
        assert 'type="radio"' not in html
    assert (page.status_code, post.status_code) == (HTTPStatus.OK, HTTPStatus.CONFLICT)
    assert BallotSubmission.objects.filter(assembly=a).count() == 0


def _grouped(receipt: str) -> str:
    return "".join(f"<span>{receipt[i : i + 4]}</span> " for i in range(0, 64, 4))


def test_receipt_is_shown_in_groups_with_its_short_code_and_a_copy_button(electorate):
    # given
    e = electorate(["100.00"] * 2)
    a = open_assembly(e, [ORDINARY])
    client = browser(e.owners[0])
    client.post(f"/voting/{a.pk}/ballot/", confirmed(post_data(a, {1: "for"})))
    receipt = BallotSubmission.objects.get(assembly=a).receipt

    # when
    pages = [client.get(f"/voting/{a.pk}/receipt/"), client.get(f"/voting/{a.pk}/my-ballot/")]

    # then
    for response in pages:
        html = response.content.decode()
        assert response.status_code == HTTPStatus.OK
        assert f'<p class="receipt-code">{_grouped(receipt)}</p>' in html
        assert f'短码 <strong class="receipt-short">{receipt[:4]} {receipt[4:8]}</strong>' in html
        assert f'<button type="button" class="button receipt-copy" data-copy="{receipt}"' in html
        assert "/static/js/voting.js" in html
        assert "<script>" not in html  # the CSP allows no inline script


def test_check_page_accepts_the_receipt_with_spaces_and_line_breaks(electorate):
    # given
    e = electorate(["100.00"] * 2)
    a = open_assembly(e, [ORDINARY])
    vote_all(a, [(e.owners[0], "for")])
    receipt = BallotSubmission.objects.get(assembly=a).receipt
    spaced = " ".join(receipt[i : i + 4] for i in range(0, 64, 4))
    broken = "\n".join(receipt[i : i + 16] for i in range(0, 64, 16)).upper()
    client = browser(e.owners[1])

    # when
    responses = [client.get(f"/voting/{a.pk}/check/", {"receipt": r}) for r in (spaced, broken)]

    # then
    for response in responses:
        assert response.status_code == HTTPStatus.OK
        assert response.context["outcome"]["receipt"] == receipt
        assert response.context["outcome"]["counted"] is True
        assert _grouped(receipt) in response.content.decode()


def test_check_page_takes_a_short_code_only_when_it_is_unambiguous(electorate):
    # given: three ballots; two receipts share their first eight characters
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY])
    receipts = iter(["ab12cd34" + "0" * 56, "ab12cd34" + "1" * 56, "99887766" + "2" * 56])
    with mock.patch("voting.services.ballots.receipt_for", side_effect=lambda **_: next(receipts)):
        vote_all(a, [(e.owners[0], "for"), (e.owners[1], "against"), (e.owners[2], "abstain")])
    client = browser(e.owners[0])

    # when
    unique = client.get(f"/voting/{a.pk}/check/", {"receipt": "9988 7766"})
    shared = client.get(f"/voting/{a.pk}/check/", {"receipt": "AB12CD34"})
    unknown = client.get(f"/voting/{a.pk}/check/", {"receipt": "0000 0000"})
    nine = client.get(f"/voting/{a.pk}/check/", {"receipt": "998877662"})

    # then
    cast_at = BallotSubmission.objects.get(assembly=a, receipt__startswith="99887766").cast_at
    assert unique.context["outcome"] == {
        "receipt": "99887766",
        "found": True,
        "counted": True,
        "cast_at": cast_at,
        "ambiguous": False,
    }
    assert "已计入" in unique.content.decode()
    assert "2" * 56 not in unique.content.decode()
    assert shared.context["outcome"] == {
        "receipt": "ab12cd34",
        "found": False,
        "counted": False,
        "ambiguous": True,
    }
    assert "请输入完整的 64 位回执码" in shared.content.decode()
    assert "0" * 56 not in shared.content.decode() and "1" * 56 not in shared.content.decode()
    assert unknown.context["outcome"] == {
        "receipt": "00000000",
        "found": False,
        "counted": False,
        "ambiguous": False,
    }
    assert nine.status_code == HTTPStatus.BAD_REQUEST
    assert "回执码应为 64 位（或 8 位短码）" in nine.content.decode()


def test_firm_staff_get_a_message_for_firm_staff_on_the_ballot_tab(world):
    # given
    a = world_assembly(world, "open")
    client = browser(world.firm_a)

    # when
    page = client.get(f"/voting/{a.pk}/ballot/")
    post = client.post(f"/voting/{a.pk}/ballot/", post_data(a, {1: "for"}))
    notice = client.get(f"/voting/{a.pk}/")

    # then
    for response in (page, post):
        html = response.content.decode()
        assert "您是物业服务企业的工作人员，不是本次会议的投票人。" in html
        assert "业主询问如何投票时，请引导其用本人账号登录投票" in html
        assert "您不在本次会议的表决名册上。" not in html
        assert "如您认为名册有误" not in html
        assert not ballot_form_in(html, a)
    assert (page.status_code, page.context["standing"].firm_staff) == (HTTPStatus.OK, True)
    assert (post.status_code, post.context["refusal"]["code"]) == (HTTPStatus.FORBIDDEN, "not_on_roll")
    assert "您是物业服务企业的工作人员，不是本次会议的投票人。" in notice.content.decode()
    assert BallotSubmission.objects.filter(assembly=a).count() == 0
    assert list(VoteRefusal.objects.filter(assembly=a).values_list("code", flat=True)) == ["not_on_roll"]


def test_firm_staff_wording_is_only_for_firm_staff(world):
    # given: the street official sees the assembly, holds no flat on its roll and is not the firm's staff
    a = world_assembly(world, "open")

    # when
    page = browser(world.official_a).get(f"/voting/{a.pk}/ballot/")

    # then
    assert page.context["standing"].code == "not_on_roll"
    assert page.context["standing"].firm_staff is False
    assert "您不在本次会议的表决名册上。" in page.content.decode()
