"""The street office's assembly workflow in the admin: scoped to the official's street, every write through a
service, refusals as messages, ballots/results/log read-only for everyone, no choice or partial result on any
page while voting is open, individual choices only after the close with a reason (access-logged)."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from config.errors import ApplicationError, Forbidden, WrongState
from registry.models import User
from tests.conftest import PASSWORD, World, browser_as
from tests.scans import pdf_scan
from tests.voting.conftest import Electorate, close, open_assembly
from voting.models import (
    Assembly,
    AuditEntry,
    BallotSubmission,
    ChoiceAccess,
    CountedBallot,
    Motion,
    MotionResult,
    RollPart,
    VoteRefusal,
    VotingSubject,
)
from voting.selectors import ballot_choices_for_official
from voting.services.assemblies import MotionSpec, assembly_create
from voting.services.ballots import ballot_cast, paper_ballot_enter
from voting.services.delivery import subject_delivery_record
from voting.services.tally import assembly_tally

ORDINARY = MotionSpec(title="选聘物业服务企业", category=4)
RAISE_FUNDS = MotionSpec(title="筹集维修资金", category=6)
RECORDS = [BallotSubmission, CountedBallot, MotionResult, AuditEntry, VoteRefusal, ChoiceAccess]
NOT_FOUND = "不存在"
TURNOUT_LIST_QUERIES = 10  # session, account, scope, estimate, count, two permission look-ups, the page, the
# street and compound filters' choices
BEIJING = dt.timezone(dt.timedelta(hours=8))


# ------------------------------------------------------------------------------------------ helpers


def url(name: str, *args) -> str:
    return reverse(f"admin:voting_{name}", args=args)


def page(assembly: Assembly, name: str, *extra) -> str:
    return url(f"assembly_{name}", assembly.pk, *extra)


def change_url(obj: Model) -> str:
    return url(f"{obj._meta.model_name}_change", obj.pk)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _vote(a: Assembly, owners: list[User], choice: str) -> None:
    for user in owners:
        ballot_cast(actor=user, assembly=a, choices={str(m.pk): choice for m in a.motions.all()})


def _scan() -> SimpleUploadedFile:
    return pdf_scan("ballot.pdf")


def _local(moment: dt.datetime) -> dict[str, str]:
    local = timezone.localtime(moment)
    return {"0": local.strftime("%Y-%m-%d"), "1": local.strftime("%H:%M:%S")}


def _assembly_post(
    e: Electorate, opens_at: dt.datetime, closes_at: dt.datetime, motions: list[dict], **extra
) -> dict:
    """The add/change form's POST: particulars, policy switches and the motions inline formset."""
    data = {
        "compound": str(e.compound.pk),
        "title": "2026年第一次业主大会",
        "kind": "regular",
        "opens_at_0": _local(opens_at)["0"],
        "opens_at_1": _local(opens_at)["1"],
        "closes_at_0": _local(closes_at)["0"],
        "closes_at_1": _local(closes_at)["1"],
        "parking_in_area": "on",
        "proxy_cap": "3",
        "motions-TOTAL_FORMS": str(len(motions)),
        "motions-INITIAL_FORMS": str(sum(1 for m in motions if "id" in m)),
        "motions-MIN_NUM_FORMS": "0",
        "motions-MAX_NUM_FORMS": "1000",
        **extra,
    }
    for i, m in enumerate(motions):
        for key, value in m.items():
            data[f"motions-{i}-{key}"] = str(value)
    return data


class Clock:
    """`timezone.now` under the test's control (services stamp and check times with it)."""

    def __init__(self) -> None:
        self.now = timezone.now().replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(timezone, "now", c)
    return c


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser("root", password=PASSWORD)


@dataclass
class Scene:
    e: Electorate
    draft: Assembly
    open: Assembly
    tallied: Assembly


@pytest.fixture
def scene(world: World, electorate, media) -> Scene:
    """In a street of official_a: a draft, an open assembly with one online and one paper ballot, and a tallied
    assembly of voting.md example 1 (with a refusal and a logged look at one unit's choices)."""
    e = electorate(["100.00"] * 10)
    now = timezone.now()
    draft = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="草稿会议",
        opens_at=now + dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=27),
        motions=[ORDINARY],
    )
    opened = open_assembly(e, [ORDINARY])
    _vote(opened, e.owners[:1], "for")
    motion = opened.motions.get()
    paper_ballot_enter(
        actor=e.official,
        assembly=opened,
        unit_number=e.numbers[1],
        choices={str(motion.pk): "against"},
        scan=pdf_scan(),
    )
    tallied = open_assembly(e, [ORDINARY])
    _vote(tallied, e.owners[:7], "for")
    _vote(tallied, e.owners[7:8], "against")
    with pytest.raises(WrongState):
        _vote(tallied, e.owners[:1], "against")  # revote is off: refused and recorded
    close(e, tallied)
    assembly_tally(assembly=tallied, actor=e.official)
    tallied.refresh_from_db()
    ballot_choices_for_official(user=e.official, assembly=tallied, unit_number=e.numbers[0], reason="复核")
    for a in (draft, opened, tallied):
        a.refresh_from_db()
    return Scene(e=e, draft=draft, open=opened, tallied=tallied)


def _every_page(s: Scene) -> list[str]:
    """Every voting admin page that shows something about the scene's assemblies."""
    records = [
        BallotSubmission.objects.filter(assembly=s.tallied).first(),
        CountedBallot.objects.filter(assembly=s.tallied).first(),
        MotionResult.objects.filter(motion__assembly=s.tallied).first(),
        AuditEntry.objects.filter(assembly=s.tallied).first(),
        VoteRefusal.objects.filter(assembly=s.tallied).first(),
        ChoiceAccess.objects.filter(assembly=s.tallied).first(),
    ]
    return [
        reverse("admin:index"),
        reverse("admin:app_list", args=["voting"]),
        url("assembly_add"),
        *[url(f"{m._meta.model_name}_changelist") for m in [Assembly, *RECORDS]],
        *[change_url(r) for r in records],
        change_url(s.draft),
        change_url(s.open),
        change_url(s.tallied),
        page(s.draft, "action", "announce"),
        page(s.draft, "action", "cancel"),
        page(s.open, "action", "close"),
        page(s.tallied, "action", "publish"),
        page(s.open, "participation"),
        page(s.tallied, "participation"),
        page(s.open, "paper_ballot"),
        page(s.open, "paper_ballot") + f"?q={s.e.numbers[2]}",
        page(s.open, "paper_ballot") + f"?unit={s.e.numbers[2]}",
        page(s.open, "delivery"),
        page(s.tallied, "certificate"),
        page(s.tallied, "choices"),
    ]


# ------------------------------------------------------------------------------------- registration


def test_every_voting_record_is_registered_read_only_for_superusers_too(root):
    # given
    request = type("Request", (), {"user": root})()
    # when
    registered = {m for m in admin.site._registry if m._meta.app_label == "voting"}
    # then
    assert registered == {Assembly, *RECORDS}
    for model in RECORDS:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
    assert not admin.site._registry[Assembly].has_delete_permission(request)


# ------------------------------------------------------------------------------------------- scope


@pytest.mark.parametrize("who", ["root", "official", "official_district"])
def test_every_voting_admin_page_renders_for_a_superuser_and_the_officials_over_the_compound(
    scene, root, world, who
):
    # given
    user = {"root": root, "official": scene.e.official, "official_district": world.official_district}[who]
    client = browser_as(user)
    # when
    statuses = {u: client.get(u).status_code for u in _every_page(scene)}
    # then
    assert statuses == dict.fromkeys(statuses, HTTPStatus.OK)


def test_the_changelist_lists_the_assemblies_of_the_officials_street(scene):
    # given
    client = browser_as(scene.e.official)
    # when
    response = client.get(url("assembly_changelist"))
    # then
    assert {a.pk for a in response.context["cl"].result_list} == {
        scene.draft.pk,
        scene.open.pk,
        scene.tallied.pk,
    }


def test_an_official_of_another_street_sees_no_assembly_and_no_record_of_it(scene, world):
    # given
    client = browser_as(world.official_b)
    # when
    lists = {m: client.get(url(f"{m._meta.model_name}_changelist")) for m in [Assembly, *RECORDS]}
    # then
    for response in lists.values():
        assert response.status_code == HTTPStatus.OK
        assert list(response.context["cl"].result_list) == []


def test_an_official_of_another_street_is_told_the_assembly_does_not_exist_on_every_page(scene, world):
    # given
    client = browser_as(world.official_b)
    a = scene.tallied
    urls = [
        change_url(a),
        page(a, "participation"),
        page(a, "certificate"),
        page(a, "choices"),
        page(scene.open, "paper_ballot"),
        page(scene.open, "delivery"),
        page(scene.draft, "action", "announce"),
    ]
    # when
    responses = [client.get(u, follow=True) for u in urls]
    # then
    for response in responses:
        assert response.redirect_chain[-1] == (reverse("admin:index"), HTTPStatus.FOUND)
        assert NOT_FOUND in messages_of(response)[0]


def test_an_official_of_another_street_cannot_post_a_transition_or_a_paper_ballot(scene, world):
    # given
    client = browser_as(world.official_b)
    motion = scene.open.motions.get()
    before = BallotSubmission.objects.count()
    # when
    announce = client.post(page(scene.draft, "action", "announce"), follow=True)
    ballot = client.post(
        page(scene.open, "paper_ballot"),
        {"unit_number": scene.e.numbers[5], f"m_{motion.pk}": "for", "scan": _scan()},
        follow=True,
    )
    # then
    assert NOT_FOUND in messages_of(announce)[0]
    assert NOT_FOUND in messages_of(ballot)[0]
    scene.draft.refresh_from_db()
    assert scene.draft.status == Assembly.Status.DRAFT
    assert BallotSubmission.objects.count() == before


@pytest.mark.parametrize("who", ["firm_a", "firm_b"])
def test_property_firms_have_no_access_to_any_voting_page(scene, world, who):
    # given
    client = browser_as(getattr(world, who))
    # when
    statuses = {u: client.get(u).status_code for u in _every_page(scene)[2:]}
    index = client.get(reverse("admin:index"))
    # then
    assert statuses == dict.fromkeys(statuses, HTTPStatus.FORBIDDEN)
    assert "voting" not in {app["app_label"] for app in index.context["app_list"]}


def test_owners_are_sent_to_the_login_page(scene, world):
    # given
    client = browser_as(world.alice)
    # when
    response = client.get(change_url(scene.tallied))
    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("admin:login"))


def test_the_compound_choice_offers_only_compounds_the_official_may_convene(world, electorate):
    # given
    e = electorate(["100.00"])
    client = browser_as(world.official_b)
    # when
    response = client.get(url("assembly_add"))
    # then
    offered = set(response.context["adminform"].form.fields["compound"].queryset)
    assert offered == {world.compound_b}
    assert e.compound not in offered


# ------------------------------------------------------------------------------------ the workflow


def test_the_full_workflow_through_the_admin_ends_with_the_certificate_of_example_1(
    world, electorate, clock, media
):
    # given: 10 units × 100 m²; the street official in the admin
    e = electorate(["100.00"] * 10)
    client = browser_as(e.official)
    opens_at = clock.now + dt.timedelta(days=16)
    closes_at = opens_at + dt.timedelta(days=6)
    motions = [
        {"position": 1, "title": "选聘物业服务企业", "category": 4},
        {"position": 2, "title": "筹集维修资金", "category": 6},
    ]

    # when: create with motions
    created = client.post(url("assembly_add"), _assembly_post(e, opens_at, closes_at, motions))
    # then
    assert created.status_code == HTTPStatus.FOUND
    a = Assembly.objects.get(compound=e.compound)
    assert (a.status, a.title, a.opens_at, a.closes_at, a.created_by) == (
        Assembly.Status.DRAFT,
        "2026年第一次业主大会",
        opens_at,
        closes_at,
        e.official,
    )
    assert [(m.position, m.title, m.category, m.threshold) for m in a.motions.order_by("position")] == [
        (1, "选聘物业服务企业", 4, "ordinary"),
        (2, "筹集维修资金", 6, "major"),
    ]
    assert list(AuditEntry.objects.filter(assembly=a).values_list("action", flat=True)) == ["assembly.create"]

    # when: the announcement's confirmation page, then the announcement
    confirm = client.get(page(a, "action", "announce"))
    announced = client.post(page(a, "action", "announce"), follow=True)
    # then: the preview showed what the roll would be; the frozen roll and its fingerprint are shown
    assert confirm.context["preview"]["parts"] == 10
    assert confirm.context["preview"]["area"] == Decimal("1000.00")
    a.refresh_from_db()
    assert (a.status, a.parts_total, a.heads_total, a.area_total) == (
        Assembly.Status.ANNOUNCED,
        10,
        10,
        Decimal("1000.00"),
    )
    assert a.roll_fingerprint.startswith("sha256:")
    assert messages_of(announced) == [
        f"已公告。表决名册已冻结：专有部分 10 个，投票主体（人数）10 个，总面积 1000.00 ㎡，"
        f"名册指纹 {a.roll_fingerprint}。"
    ]
    assert a.roll_fingerprint in announced.content.decode()

    # when: the time comes, voting opens; paper ballots for 7 for and 1 against
    clock.advance(days=16, minutes=1)
    client.force_login(e.official)
    opened = client.post(page(a, "action", "open"), follow=True)
    ids = [m.pk for m in a.motions.order_by("position")]
    for i, choice in enumerate(["for"] * 7 + ["against"]):
        entered = client.post(
            page(a, "paper_ballot"),
            {
                "unit_number": e.numbers[i],
                f"m_{ids[0]}": choice,
                f"m_{ids[1]}": choice,
                "note": f"第{i + 1}张",
                "scan": _scan(),
            },
            follow=True,
        )
        assert messages_of(entered)[0].startswith("已录入")
    participation = client.get(page(a, "participation"))
    # then
    assert messages_of(opened) == ["已开始投票。"]
    assert participation.context["summary"] == {
        "heads_voted": 8,
        "heads_total": 10,
        "area_voted": Decimal("800.00"),
        "area_total": Decimal("1000.00"),
        "heads_percent": "80.00%",
        "area_percent": "80.00%",
    }
    assert BallotSubmission.objects.filter(assembly=a, channel="paper").count() == 8
    assert all(s.scan.name.startswith("ballots/") for s in BallotSubmission.objects.filter(assembly=a))

    # when: the deadline passes: close, tally, review, publish
    clock.advance(days=6)
    client.force_login(e.official)
    closed = client.post(page(a, "action", "close"), follow=True)
    tallied = client.post(page(a, "action", "tally"), follow=True)
    certificate = client.get(page(a, "certificate"))
    published = client.post(page(a, "action", "publish"), follow=True)
    # then
    assert messages_of(closed) == ["已截止投票，系统将自动计票。"]
    assert messages_of(tallied) == ["计票完成，请核对表决结果后公布。"]
    first, second = certificate.context["motions"]
    assert (first["area"], first["heads"], first["outcome"]) == (
        {"participating": "800.00", "for": "700.00", "against": "100.00", "abstain": "0.00"},
        {"participating": 8, "for": 7, "against": 1, "abstain": 0},
        "adopted",
    )
    assert [(r["expression"], r["holds"]) for r in first["checks"]] == [
        ("800.00 × 3 ≥ 1000.00 × 2", True),
        ("8 × 3 ≥ 10 × 2", True),
        ("700.00 × 2 > 800.00", True),
        ("7 × 2 > 8", True),
    ]
    assert (second["threshold"], second["outcome"]) == ("major", "adopted")
    html = certificate.content.decode()
    for text in ("800.00 × 3 ≥ 1000.00 × 2", "8 × 3 ≥ 10 × 2", "700.00 × 2 &gt; 800.00", "7 × 2 &gt; 8"):
        assert text in html
    assert "通过" in html
    assert "第四项：选聘和解聘物业服务企业或者其他管理人" in html
    assert messages_of(published) == ["表决结果已公布。"]
    a.refresh_from_db()
    assert a.status == Assembly.Status.PUBLISHED
    assert list(AuditEntry.objects.filter(assembly=a).values_list("action", flat=True)) == [
        "assembly.create",
        "roll.freeze",
        "assembly.announce",
        "assembly.open",
        *["ballot.paper"] * 8,
        "assembly.close",
        "assembly.tally",
        "assembly.publish",
    ]


def test_creating_without_a_motion_is_refused_on_the_form(world, electorate):
    # given
    e = electorate(["100.00"])
    now = timezone.now()
    # when
    response = browser_as(e.official).post(
        url("assembly_add"),
        _assembly_post(e, now + dt.timedelta(days=20), now + dt.timedelta(days=26), []),
    )
    # then
    assert response.status_code == HTTPStatus.OK
    assert response.context["inline_admin_formsets"][0].formset.non_form_errors() == [
        "至少需要一项表决事项。"
    ]
    assert not Assembly.objects.filter(compound=e.compound).exists()


def test_an_election_needs_as_many_candidates_as_seats(world, electorate):
    # given
    e = electorate(["100.00"])
    now = timezone.now()
    election = {"title": "选举业主委员会", "category": 3, "seats": 3, "candidates": "甲\n乙"}
    # when
    response = browser_as(e.official).post(
        url("assembly_add"),
        _assembly_post(e, now + dt.timedelta(days=20), now + dt.timedelta(days=26), [election]),
    )
    # then
    form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert form.errors == {"candidates": ["候选人数不得少于应选人数。"]}
    assert not Assembly.objects.filter(compound=e.compound).exists()


def test_an_election_is_created_with_its_seats_and_candidates(world, electorate):
    # given
    e = electorate(["100.00"])
    now = timezone.now()
    election = {"title": "选举业主委员会", "category": 3, "seats": 2, "candidates": "甲\n 乙 \n\n丙"}
    # when
    response = browser_as(e.official).post(
        url("assembly_add"),
        _assembly_post(e, now + dt.timedelta(days=20), now + dt.timedelta(days=26), [election]),
    )
    # then
    assert response.status_code == HTTPStatus.FOUND
    motion = Motion.objects.get(assembly__compound=e.compound)
    assert (motion.kind, motion.seats, [c.name for c in motion.candidates.order_by("position")]) == (
        Motion.Kind.ELECTION,
        2,
        ["甲", "乙", "丙"],
    )


def test_a_draft_is_edited_through_the_draft_service(world, electorate):
    # given
    e = electorate(["100.00"])
    now = timezone.now()
    a = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="旧名称",
        opens_at=now + dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=26),
        motions=[ORDINARY, RAISE_FUNDS],
    )
    client = browser_as(e.official)
    first, second = a.motions.order_by("position")
    motions = [
        {"id": first.pk, "assembly": a.pk, "position": 2, "title": first.title, "category": 4},
        {"id": second.pk, "assembly": a.pk, "position": 1, "title": "使用维修资金", "category": 5},
    ]
    data = _assembly_post(e, a.opens_at, a.closes_at, motions, title="新名称", revote="on")
    # when
    response = client.post(change_url(a), data)
    # then
    assert response.status_code == HTTPStatus.FOUND
    a.refresh_from_db()
    assert (a.title, a.revote, a.status) == ("新名称", True, Assembly.Status.DRAFT)
    assert [(m.position, m.title, m.category) for m in a.motions.order_by("position")] == [
        (1, "使用维修资金", 5),
        (2, "选聘物业服务企业", 4),
    ]
    assert AuditEntry.objects.filter(assembly=a).latest("seq").action == "assembly.update"


def test_after_the_announcement_the_assembly_is_read_only(scene):
    # given
    client = browser_as(scene.e.official)
    a = scene.open
    motion = a.motions.get()
    data = _assembly_post(
        scene.e, a.opens_at, a.closes_at, [{"id": motion.pk, "position": 1, "title": "改", "category": 6}]
    )
    # when
    shown = client.get(change_url(a))
    posted = client.post(change_url(a), data)
    deleted = client.post(url("assembly_delete", a.pk), {"post": "yes"})
    # then
    assert shown.context["has_change_permission"] is False
    assert (posted.status_code, deleted.status_code) == (HTTPStatus.FORBIDDEN, HTTPStatus.FORBIDDEN)
    motion.refresh_from_db()
    assert (motion.title, motion.category) == (ORDINARY.title, ORDINARY.category)


def test_a_seconded_official_sees_the_assembly_but_the_service_refuses_their_edit(scene, world):
    # given: official_b may view the compound (a guardian grant) but does not run its assemblies
    assign_perm("registry.view_compound", world.official_b, scene.e.compound)
    client = browser_as(world.official_b)
    a = scene.draft
    motion = a.motions.get()
    data = _assembly_post(
        scene.e,
        a.opens_at,
        a.closes_at,
        [{"id": motion.pk, "assembly": a.pk, "position": 1, "title": motion.title, "category": 4}],
        title="越权修改",
    )
    # when
    edited = client.post(change_url(a), data)
    announce = client.post(page(a, "action", "announce"))
    paper = client.get(page(scene.open, "paper_ballot"))
    shown = client.get(page(scene.tallied, "participation"))
    # then
    assert edited.status_code == HTTPStatus.OK
    assert messages_of(edited) == ["只有小区所在辖区的街道办事处工作人员可以组织业主大会。"]
    assert edited.context["adminform"].form.non_field_errors() == [
        "只有小区所在辖区的街道办事处工作人员可以组织业主大会。"
    ]
    assert (announce.status_code, paper.status_code, shown.status_code) == (
        HTTPStatus.FORBIDDEN,
        HTTPStatus.FORBIDDEN,
        HTTPStatus.OK,
    )
    a.refresh_from_db()
    assert (a.title, a.status) == ("草稿会议", Assembly.Status.DRAFT)


def test_the_change_page_offers_the_next_steps_of_each_state(scene):
    # given
    client = browser_as(scene.e.official)
    # when
    offered = {
        a.status: [str(label) for label, _url in client.get(change_url(a)).context["workflow"]["actions"]]
        for a in (scene.draft, scene.open, scene.tallied)
    }
    # then
    assert offered == {"draft": ["公告", "取消"], "open": ["截止投票"], "tallied": ["公布"]}


def test_an_announcement_too_close_to_the_opening_is_refused_with_a_message(world, electorate, clock):
    # given: it is 2026-12-01 10:00 Beijing time
    e = electorate(["100.00"] * 2)
    clock.now = dt.datetime(2026, 12, 1, 10, 0, tzinfo=BEIJING)
    a = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="仓促",
        opens_at=clock.now + dt.timedelta(days=2),
        closes_at=clock.now + dt.timedelta(days=9),
        motions=[ORDINARY],
    )
    # when
    response = browser_as(e.official).post(page(a, "action", "announce"), follow=True)
    # then: the refusal names the earliest lawful opening
    assert messages_of(response) == [
        "公告须在投票开始前至少 15 天发布：现在公告的，投票最早可于 2026-12-16 10:00（北京时间）开始。"
    ]
    a.refresh_from_db()
    assert (a.status, a.roll_fingerprint) == (Assembly.Status.DRAFT, "")


def test_the_tally_is_refused_while_voting_is_open(scene):
    # given
    client = browser_as(scene.e.official)
    # when
    response = client.post(page(scene.open, "action", "tally"), follow=True)
    # then
    assert messages_of(response) == ["投票截止后才能计票。"]
    scene.open.refresh_from_db()
    assert scene.open.status == Assembly.Status.OPEN
    assert not MotionResult.objects.filter(motion__assembly=scene.open).exists()


def test_closing_before_the_deadline_is_refused_with_a_message(scene):
    # when
    response = browser_as(scene.e.official).post(page(scene.open, "action", "close"), follow=True)
    # then
    assert messages_of(response) == ["尚未到投票截止时间。"]
    scene.open.refresh_from_db()
    assert scene.open.status == Assembly.Status.OPEN


def test_cancelling_needs_a_reason_and_is_logged_with_it(scene):
    # given
    client = browser_as(scene.e.official)
    # when
    without = client.post(page(scene.draft, "action", "cancel"), {"reason": ""})
    with_reason = client.post(
        page(scene.draft, "action", "cancel"), {"reason": "议程需重新征求意见"}, follow=True
    )
    # then
    assert without.context["form"].errors == {"reason": ["该字段是必填项。"]}
    assert messages_of(with_reason) == ["会议已取消。"]
    scene.draft.refresh_from_db()
    assert scene.draft.status == Assembly.Status.CANCELLED
    assert AuditEntry.objects.filter(assembly=scene.draft).latest("seq").data == {
        "reason": "议程需重新征求意见"
    }


# ------------------------------------------------------------------------------------ paper ballots


def test_a_paper_ballot_for_a_subject_that_voted_is_refused_and_recorded(scene):
    # given: unit 2 voted on paper already; revote is off
    client = browser_as(scene.e.official)
    motion = scene.open.motions.get()
    before = BallotSubmission.objects.filter(assembly=scene.open).count()
    # when
    response = client.post(
        page(scene.open, "paper_ballot"),
        {"unit_number": scene.e.numbers[1], f"m_{motion.pk}": "for", "scan": _scan()},
        follow=True,
    )
    # then
    assert messages_of(response) == ["您已投票，本次会议不允许改票。"]
    assert BallotSubmission.objects.filter(assembly=scene.open).count() == before
    assert (
        VoteRefusal.objects.filter(assembly=scene.open, user=scene.e.official).get().code == "already_voted"
    )


def test_a_paper_ballot_for_a_unit_not_on_the_roll_is_refused_and_recorded(scene, world):
    # given
    client = browser_as(scene.e.official)
    motion = scene.open.motions.get()
    # when
    response = client.post(
        page(scene.open, "paper_ballot"),
        {"unit_number": "370212001002GB00123F00050101", f"m_{motion.pk}": "for", "scan": _scan()},
        follow=True,
    )
    # then
    assert messages_of(response) == ["该房屋不在本次会议的表决名册上。"]
    assert VoteRefusal.objects.filter(assembly=scene.open, user=scene.e.official).get().code == "not_on_roll"


def test_the_paper_ballot_page_finds_units_on_the_roll_by_number(scene):
    # given
    client = browser_as(scene.e.official)
    # when
    found = client.get(page(scene.open, "paper_ballot"), {"q": scene.e.numbers[1]})
    # then
    assert [(m["unit_number"], m["voted"]) for m in found.context["matches"]] == [(scene.e.numbers[1], True)]


# -------------------------------------------------------------------------------- no choices while open


def test_no_page_shows_a_choice_or_a_result_while_voting_is_open(scene):
    # given: one online ballot "for" and one paper ballot "against" are in
    client = browser_as(scene.e.official)
    submission = BallotSubmission.objects.filter(assembly=scene.open).first()
    urls = [
        change_url(scene.open),
        page(scene.open, "participation"),
        page(scene.open, "paper_ballot"),
        page(scene.open, "paper_ballot") + f"?q={scene.e.numbers[1]}",
        url("ballotsubmission_changelist") + f"?assembly={scene.open.pk}",
        change_url(submission),
        url("countedballot_changelist") + f"?assembly={scene.open.pk}",
        change_url(CountedBallot.objects.get(submission=submission)),
        url("auditentry_changelist") + f"?assembly={scene.open.pk}",
        *[change_url(e) for e in AuditEntry.objects.filter(assembly=scene.open)],
    ]
    # when
    pages = {u: client.get(u) for u in urls}
    certificate = client.get(page(scene.open, "certificate"), follow=True)
    choices = client.get(page(scene.open, "choices"), follow=True)
    # then
    for u, response in pages.items():
        html = response.content.decode()
        assert response.status_code == HTTPStatus.OK, u
        for leak in ('"for"', '"against"', "'for'", "'against'", "field-choices"):
            assert leak not in html, (u, leak)
    assert messages_of(certificate) == ["计票完成前不公布任何结果。"]
    assert messages_of(choices) == ["投票截止前不得查看个人表决内容。"]
    assert not MotionResult.objects.filter(motion__assembly=scene.open).exists()
    assert not ChoiceAccess.objects.filter(assembly=scene.open).exists()


def test_participation_shows_no_names(scene):
    # given
    names = [u.owner.name for u in scene.e.owners]
    # when
    html = browser_as(scene.e.official).get(page(scene.open, "participation")).content.decode()
    # then
    assert [n for n in names if n in html] == []


# --------------------------------------------------------------------------------- individual choices


def test_looking_at_a_units_choices_needs_a_reason_and_is_logged(scene):
    # given
    client = browser_as(scene.e.official)
    a = scene.tallied
    before = ChoiceAccess.objects.filter(assembly=a).count()
    # when
    refused = client.post(page(a, "choices"), {"unit_number": scene.e.numbers[7], "reason": ""})
    shown = client.post(page(a, "choices"), {"unit_number": scene.e.numbers[7], "reason": "业主申请复核"})
    # then
    assert refused.context["form"].errors == {"reason": ["该字段是必填项。"]}
    assert shown.context["shown"]["lines"] == [("1. 选聘物业服务企业", "反对")]
    assert shown.context["shown"]["unit_number"] == scene.e.numbers[7]
    access = ChoiceAccess.objects.filter(assembly=a).order_by("-pk").first()
    assert ChoiceAccess.objects.filter(assembly=a).count() == before + 1
    assert (access.user, access.reason, access.subject.parts.get().unit_number) == (
        scene.e.official,
        "业主申请复核",
        scene.e.numbers[7],
    )


def test_looking_at_a_unit_not_on_the_roll_logs_nothing(scene):
    # given
    before = ChoiceAccess.objects.count()
    # when
    response = browser_as(scene.e.official).post(
        page(scene.tallied, "choices"), {"unit_number": "370212001002GB00123F00050101", "reason": "核对"}
    )
    # then
    assert response.context["form"].errors == {"unit_number": ["该房屋不在本次会议的表决名册上。"]}
    assert ChoiceAccess.objects.count() == before


# ------------------------------------------------------------------------------- nothing is editable


@pytest.mark.parametrize("model", RECORDS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("who", ["root", "official"])
def test_ballots_results_and_the_log_cannot_be_added_changed_or_deleted(scene, root, model, who):
    # given
    client = browser_as(root if who == "root" else scene.e.official)
    path = "motion__assembly" if model is MotionResult else "assembly"
    obj = model.objects.filter(**{path: scene.tallied}).first()
    before = list(model.objects.order_by("pk").values())
    name = model._meta.model_name
    # when
    responses = [
        client.post(url(f"{name}_change", obj.pk), {"reason": "改", "code": "x", "note": "x"}),
        client.post(url(f"{name}_delete", obj.pk), {"post": "yes"}),
        client.get(url(f"{name}_add")),
        client.post(url(f"{name}_add"), {"reason": "x"}),
        client.post(url(f"{name}_changelist"), {"action": "delete_selected", "_selected_action": [obj.pk]}),
    ]
    # then
    assert [r.status_code for r in responses[:4]] == [HTTPStatus.FORBIDDEN] * 4
    assert responses[4].status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    assert list(model.objects.order_by("pk").values()) == before


# --------------------------------------------------------------------------------- deemed consent


def test_deemed_consent_and_an_election_on_the_certificate(world, electorate, media):
    # given: deemed consent on; units 9 and 10 get the ballot and the warning and stay silent
    e = electorate(["100.00"] * 10)
    election = MotionSpec(title="选举业主委员会", category=3, seats=2, candidates=("甲", "乙", "丙", "丁"))
    a = open_assembly(e, [ORDINARY, election], deemed_consent=True)
    client = browser_as(e.official)
    delivered = timezone.localtime(timezone.now() - dt.timedelta(hours=1)).replace(microsecond=0)
    for number in e.numbers[8:]:
        response = client.post(
            page(a, "delivery"),
            {
                "unit_number": number,
                "delivered_at_0": delivered.strftime("%Y-%m-%d"),
                "delivered_at_1": delivered.strftime("%H:%M:%S"),
                "warned": "on",
            },
            follow=True,
        )
        assert messages_of(response)[0].startswith("已登记")
    matter, elect = a.motions.order_by("position")
    ids = {c.name: str(c.pk) for c in elect.candidates.all()}

    def ballot(choice: str, others: str) -> dict:
        return {
            str(matter.pk): choice,
            str(elect.pk): {ids["甲"]: "for", ids["乙"]: others, ids["丙"]: others, ids["丁"]: "against"},
        }

    for user in e.owners[:7]:
        ballot_cast(actor=user, assembly=a, choices=ballot("for", "for"))
    ballot_cast(actor=e.owners[7], assembly=a, choices=ballot("against", "against"))
    close(e, a)
    assembly_tally(assembly=a, actor=e.official)
    # when
    response = client.get(page(a, "certificate"))
    # then
    first, second = response.context["motions"]
    parts = RollPart.objects.filter(assembly=a, unit_number__in=e.numbers[8:]).order_by("unit_number")
    assert first["deemed"]["units"] == [{"number": p.unit_number, "place": p.label} for p in parts]
    assert [p.label for p in parts] == ["1号楼 1层 0009", "1号楼 1层 0010"]
    total, participating, agreed = first["deemed"]["table"][:3]
    assert (participating["area"], participating["heads"]) == (Decimal("1000.00"), 10)
    assert (agreed["area"], agreed["area_percent"], agreed["heads"]) == (Decimal("900.00"), "90.00%", 9)
    assert str(first["deemed"]["outcome_label"]) == "通过"
    assert [(c["name"], c["status"]) for c in second["candidate_rows"]] == [
        ("甲", "elected"),
        ("乙", "tie"),
        ("丙", "tie"),
        ("丁", "not_elected"),
    ]
    html = response.content.decode()
    assert "票数相同，未自动决定" in html and "当选" in html
    subjects = VotingSubject.objects.filter(assembly=a, delivered_at__isnull=False)
    assert sorted(s.parts.get().unit_number for s in subjects) == e.numbers[8:]
    assert AuditEntry.objects.filter(assembly=a, action="subject.delivery").count() == 2


def test_delivery_refusals(scene, world):
    # given
    now = timezone.now()
    # when / then
    with pytest.raises(Forbidden):
        subject_delivery_record(
            actor=world.official_b,
            assembly=scene.open,
            unit_number=scene.e.numbers[0],
            delivered_at=now,
            warned=True,
        )
    with pytest.raises(WrongState):
        subject_delivery_record(
            actor=scene.e.official,
            assembly=scene.tallied,
            unit_number=scene.e.numbers[9],
            delivered_at=now,
            warned=True,
        )
    with pytest.raises(ApplicationError) as future:
        subject_delivery_record(
            actor=scene.e.official,
            assembly=scene.open,
            unit_number=scene.e.numbers[9],
            delivered_at=now + dt.timedelta(hours=1),
            warned=True,
        )
    with pytest.raises(ApplicationError) as missing:
        subject_delivery_record(
            actor=scene.e.official, assembly=scene.open, unit_number="nope", delivered_at=now, warned=True
        )
    assert (future.value.code, missing.value.code) == ("delivery_in_future", "not_on_roll")
    assert not VotingSubject.objects.filter(delivered_at__isnull=False).exists()


def test_a_corrected_delivery_is_logged_with_the_previous_values(scene):
    # given
    now = timezone.now()
    number = scene.e.numbers[9]
    subject_delivery_record(
        actor=scene.e.official, assembly=scene.open, unit_number=number, delivered_at=now, warned=False
    )
    # when
    subject = subject_delivery_record(
        actor=scene.e.official, assembly=scene.open, unit_number=number, delivered_at=now, warned=True
    ).subject
    # then
    assert (subject.delivered_at, subject.warned) == (now, True)
    entry = AuditEntry.objects.filter(assembly=scene.open).latest("seq")
    assert (entry.action, entry.data["previous"], entry.data["units"]) == (
        "subject.delivery",
        {"delivered_at": timezone.localtime(now).isoformat(), "warned": False},
        [number],
    )


# -------------------------------------------------------------------------------------- query counts


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == HTTPStatus.OK
    return len(ctx.captured_queries)


def test_the_assembly_changelist_runs_a_bounded_number_of_queries(world, electorate):
    # given
    e = electorate(["100.00"])
    client = browser_as(e.official)
    now = timezone.now()

    def add(n: int) -> None:
        for i in range(n):
            assembly_create(
                actor=e.official,
                compound=e.compound,
                title=f"会议{i}",
                opens_at=now + dt.timedelta(days=20),
                closes_at=now + dt.timedelta(days=26),
                motions=[ORDINARY],
            )

    add(2)
    few = _queries(client, url("assembly_changelist"))
    add(8)
    # when
    many = _queries(client, url("assembly_changelist"))
    # then
    assert many == few
    assert many <= 12


@pytest.mark.parametrize("model", [BallotSubmission, AuditEntry, CountedBallot], ids=lambda m: m.__name__)
def test_record_changelists_run_a_bounded_number_of_queries(world, electorate, model):
    # given
    e = electorate(["100.00"] * 12)
    a = open_assembly(e, [ORDINARY])
    client = browser_as(e.official)
    _vote(a, e.owners[:2], "for")
    few = _queries(client, url(f"{model._meta.model_name}_changelist"))
    _vote(a, e.owners[2:12], "against")
    # when
    many = _queries(client, url(f"{model._meta.model_name}_changelist"))
    # then
    assert many == few
    assert many <= 12


def test_the_participation_page_runs_a_bounded_number_of_queries(world, electorate):
    # given
    small, large = electorate(["100.00"] * 3), electorate(["100.00"] * 30)
    a, b = open_assembly(small, [ORDINARY]), open_assembly(large, [ORDINARY])
    _vote(a, small.owners[:2], "for")
    _vote(b, large.owners[:20], "for")
    client = browser_as(small.official)
    client.get(page(a, "participation"))  # the session and the account are loaded once
    # when
    few = _queries(client, page(a, "participation"))
    many = _queries(client, page(b, "participation"))
    # then
    assert many == few
    assert many <= 12


# --------------------------------------------------------------------------- words, times, turnout, errors


def _headers(response) -> list[str]:
    """The column headers of a changelist, as shown (the action checkbox left out)."""
    from django.contrib.admin.templatetags.admin_list import result_headers

    return [str(h["text"]) for h in result_headers(response.context["cl"]) if "<input" not in str(h["text"])]


def _visible_text(response) -> str:
    """The page's text without tags and attributes (filter links carry codes in their query strings)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_log_is_listed_in_chinese_words_and_keeps_the_code_on_the_entrys_page(scene):
    # given
    client = browser_as(scene.e.official)
    ballot = AuditEntry.objects.filter(assembly=scene.tallied, action="ballot.online").first()
    # when
    listed = client.get(url("auditentry_changelist") + f"?assembly={scene.tallied.pk}")
    entry = client.get(change_url(ballot))
    # then
    text = _visible_text(listed)
    assert _headers(listed) == ["会议", "序号", "时间", "操作人", "操作"]
    for words in ["创建会议", "冻结表决名册", "发布会议公告", "开始投票", "网上投票", "截止投票", "计票"]:
        assert words in text
    for code in ["assembly.create", "roll.freeze", "assembly.announce", "ballot.online", "assembly.tally"]:
        assert code not in text
    assert [str(label) for _code, label in listed.context["cl"].filter_specs[1].lookup_choices][:3] == [
        "创建会议",
        "修改会议草稿",
        "冻结表决名册",
    ]
    assert entry.status_code == HTTPStatus.OK
    entry_text = _visible_text(entry)
    assert "操作代码（计入哈希链）" in entry_text
    assert "ballot.online" in entry_text


def test_refusals_and_choice_accesses_are_listed_in_chinese_words(scene):
    # given: the scene's tallied assembly has one refused revote and one logged look at a unit's choices
    client = browser_as(scene.e.official)
    # when
    refusals = client.get(url("voterefusal_changelist") + f"?assembly={scene.tallied.pk}")
    filtered = client.get(url("voterefusal_changelist") + "?code=already_voted")
    looks = client.get(url("choiceaccess_changelist"))
    # then
    assert _headers(refusals) == ["时间", "会议", "账号", "拒绝原因"]
    assert "已投票，本次会议不允许改票" in _visible_text(refusals)
    assert "already_voted" not in _visible_text(refusals)
    assert [r.code for r in filtered.context["cl"].result_list] == ["already_voted"]
    assert _headers(looks) == ["查看时间", "会议", "查看人", "投票主体（房屋）", "事由"]


@pytest.mark.parametrize("model", [Assembly, *RECORDS], ids=lambda m: m.__name__)
def test_every_column_of_every_voting_list_is_headed_in_chinese(scene, root, model):
    # given
    client = browser_as(root)
    # when
    response = client.get(url(f"{model._meta.model_name}_changelist"))
    # then
    headers = _headers(response)
    assert headers
    assert [h for h in headers if not re.search(r"[\u4e00-\u9fff]", h)] == []


def test_every_log_action_and_refusal_code_the_services_write_has_a_label():
    # given: the codes written in the source (ballots log as `ballot.<channel>`)
    from pathlib import Path

    from voting.labels import AUDIT_ACTION_LABELS, REFUSAL_LABELS

    root = Path(__file__).resolve().parents[2] / "voting"
    services = "".join(p.read_text() for p in sorted((root / "services").glob("*.py")))
    actions = set(re.findall(r'action="([a-z_.]+)"', services))
    actions |= {"assembly.tally", "assembly.retally"}  # written as a conditional expression
    actions |= {f"ballot.{c}" for c in BallotSubmission.Channel.values}
    refusing = "".join(
        (root / name).read_text() for name in ["services/ballots.py", "services/scans.py", "selectors.py"]
    )
    not_refusals = {"forbidden", "not_tallied", "still_open"}  # raised, never recorded as a refusal
    codes = set(re.findall(r'code="([a-z_]+)"', refusing)) - not_refusals
    # when
    missing_actions = actions - set(AUDIT_ACTION_LABELS)
    missing_codes = codes - set(REFUSAL_LABELS)
    # then
    assert len(actions) == 15
    assert missing_actions == set()
    assert missing_codes == set()


def test_records_read_in_beijing_time_across_the_utc_date_boundary(world, electorate, clock):
    # given: everything happens at 17:30 UTC on 3 December, 01:30 on 4 December in Beijing
    clock.now = dt.datetime(2026, 12, 3, 17, 30, tzinfo=dt.UTC)
    e = electorate(["100.00"] * 2)
    a = open_assembly(e, [ORDINARY])
    _vote(a, e.owners[:1], "for")
    with pytest.raises(WrongState):
        _vote(a, e.owners[:1], "against")  # revote is off: refused and recorded
    close(e, a)
    assembly_tally(assembly=a, actor=e.official)
    a.refresh_from_db()
    ballot_choices_for_official(user=e.official, assembly=a, unit_number=e.numbers[0], reason="复核")
    submission = BallotSubmission.objects.get(assembly=a)
    counted = CountedBallot.objects.get(assembly=a)
    place = f"{e.compound.name} 测试业主大会"
    when = "2026-12-04 01:30（北京时间）"
    # when
    shown = {
        "submission": str(submission),
        "counted": str(counted),
        "refusal": str(VoteRefusal.objects.get(assembly=a)),
        "log": str(AuditEntry.objects.get(assembly=a, action="ballot.online")),
        "look": str(ChoiceAccess.objects.get(assembly=a)),
        "result": str(MotionResult.objects.get(motion__assembly=a)),
    }
    page_of_counted = browser_as(e.official).get(change_url(counted))
    # then
    seq = AuditEntry.objects.get(assembly=a, action="ballot.online").seq
    assert shown == {
        "submission": f"第{submission.pk}张选票（网上投票） · {place} · {when}",
        "counted": f"第{submission.pk}张计入的选票 · {place} · {when}",
        "refusal": f"被拒绝的投票：已投票，本次会议不允许改票 · {place} · {when}",
        "log": f"会议日志第{seq}条：网上投票 · {place} · {when}",
        "look": f"{e.official.username} 查看个人表决内容 · {place} · {when}",
        "result": "1. 选聘物业服务企业 · 未达到参与表决的法定比例",
    }
    assert f"第{submission.pk}张计入的选票 · {place} · {when}" in page_of_counted.content.decode()
    page_text = _visible_text(page_of_counted)
    assert "投票时间: 2026年12月4日 01:30" in page_text
    assert ("2026-12-03" in page_text, "12月3日" in page_text) == (False, False)


def test_the_assembly_list_shows_turnout_by_heads_and_area(world, electorate):
    # given: 4 heads over 400 m²; the owners of 100 m² and 150 m² voted — 2 / 4 heads, 250 / 400 = 62.50 %
    e = electorate(["100.00", "100.00", "50.00", "150.00"])
    a = open_assembly(e, [ORDINARY])
    _vote(a, [e.owners[0], e.owners[3]], "for")
    now = timezone.now()
    draft = assembly_create(
        actor=e.official,
        compound=e.compound,
        title="草稿会议",
        opens_at=now + dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=27),
        motions=[ORDINARY],
    )
    client = browser_as(e.official)
    # when
    response = client.get(url("assembly_changelist"))
    # then
    model_admin = admin.site._registry[Assembly]
    rows = {obj.pk: model_admin.turnout(obj) for obj in response.context["cl"].result_list}
    assert rows == {a.pk: "2 / 4 人 · 面积 62.50%", draft.pk: "-"}
    assert "参与投票（人数 · 面积）" in _headers(response)
    assert "2 / 4 人 · 面积 62.50%" in response.content.decode()


def test_the_assembly_list_with_turnout_runs_a_fixed_number_of_queries(world, electorate):
    # given: one assembly with votes, then four more with votes each
    e = electorate(["100.00"] * 6)
    client = browser_as(e.official)
    _vote(open_assembly(e, [ORDINARY]), e.owners[:2], "for")
    few = _queries(client, url("assembly_changelist"))
    for i in range(4):
        _vote(open_assembly(e, [ORDINARY]), e.owners[: i + 3], "for")
    # when
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url("assembly_changelist"))
    # then
    assert len(response.context["cl"].result_list) == 5
    assert len(ctx.captured_queries) == few == TURNOUT_LIST_QUERIES
    assert sum("voting_countedballot" in q["sql"] for q in ctx.captured_queries) == 1


def _site_page(response) -> str:
    assert "base.html" in [t.name for t in response.templates]
    return response.content.decode()


def test_a_forbidden_admin_page_answers_with_the_sites_403_page_in_chinese(scene, world):
    # given: a property firm's account, and an official who sees the assembly but does not run it
    assign_perm("registry.view_compound", world.official_b, scene.e.compound)
    firm, seconded = browser_as(world.firm_a), browser_as(world.official_b)
    # when
    responses = [firm.get(url("assembly_changelist")), seconded.get(page(scene.draft, "action", "announce"))]
    # then
    for response in responses:
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert "403.html" in [t.name for t in response.templates]
        content = _site_page(response)
        assert "无权访问" in content
        assert "403 Forbidden" not in content


def test_a_missing_page_answers_with_the_sites_404_page_in_chinese(scene, world):
    # given: an owner of another compound, and an official asking for an admin page that does not exist
    other_owner, official = browser_as(world.alice), browser_as(scene.e.official)
    # when
    responses = [
        other_owner.get(f"/voting/{scene.open.pk}/"),
        other_owner.get(f"/voting/{scene.open.pk}/ballot/"),
        official.get("/admin/voting/nothing-here/"),
    ]
    # then
    for response in responses:
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert "404.html" in [t.name for t in response.templates]
        content = _site_page(response)
        assert "页面不存在" in content
        assert "您要找的页面不存在，或您无权查看。" in content
        assert "Not Found" not in content


def test_the_motion_table_carries_its_screen_fitting_style(world, electorate):
    # given
    e = electorate(["100.00"])
    client = browser_as(e.official)
    # when
    response = client.get(url("assembly_add"))
    # then
    content = response.content.decode()
    assert '<link href="/static/voting/admin_motions.css" media="all" rel="stylesheet">' in content
    assert 'id="motions-group"' in content
    title_box = re.search(r'<textarea[^>]*name="motions-0-title"[^>]*>', content)
    assert title_box is not None
    assert ('rows="3"' in title_box.group(0), 'maxlength="300"' in title_box.group(0)) == (True, True)
