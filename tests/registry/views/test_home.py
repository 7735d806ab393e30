import datetime as dt
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry.models import CommitteeMember, Firm, FirmStaff, Owner, OwnersCommittee
from registry.services.registration import registration_feed_apply
from tests.conftest import A_0101, FIRM_A, IDS, PARCEL_A, World, browser_as, person, unit_number
from tests.factories import feed_line

RAW_PHONE = "13800138000"


def _committee(compound, *, members: dict[str, str], status=OwnersCommittee.Filing.FILED) -> OwnersCommittee:
    committee = OwnersCommittee.objects.create(
        compound=compound,
        term_starts_on=dt.date(2024, 3, 1),
        term_ends_on=dt.date(2029, 2, 28),
        filing_status=status,
        filed_on=dt.date(2024, 3, 20) if status == OwnersCommittee.Filing.FILED else None,
        filing_no="崂备字2024第17号",
    )
    for name, role in members.items():
        CommitteeMember.objects.create(committee=committee, owner=Owner.objects.get(name=name), role=role)
    return committee


@pytest.fixture
def committees(world: World) -> None:
    Firm.objects.filter(uscc=FIRM_A).update(contact_name="赵经理", contact_phone="13912345678")
    _committee(
        world.compound_a,
        members={"王丽": CommitteeMember.Role.MEMBER, "张伟": CommitteeMember.Role.DIRECTOR},
    )
    _committee(world.compound_b, members={"刘洋": CommitteeMember.Role.DIRECTOR})


def test_anonymous_is_sent_to_login(db):
    # when
    response = Client().get("/")

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/accounts/login/?next=/"


def test_alice_sees_exactly_her_unit_and_compound_a(world: World, committees):
    # when
    response = browser_as(world.alice).get("/")

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "registry/home.html"
    cards = response.context["compounds"]
    assert [c.compound.code for c in cards] == ["QD-370212-0001"]
    assert [u.unit.unit_number for u in cards[0].units] == [A_0101]
    unit = cards[0].units[0]
    assert (str(unit.area), unit.area_source, unit.is_voter) == ("100.00", "登记面积", True)
    assert "我的家" in html
    assert "5号楼 1层 0101" in html
    assert "100.00 ㎡" in html
    assert "单独所有" in html
    assert "本人（由您代表本户投票）" in html
    assert "逸景公馆" in html
    assert "青岛市崂山区海尔路1号" in html
    assert "中韩街道 · 海尔路社区" in html
    assert "青岛甲物业服务有限公司" in html
    assert "139****5678" in html
    assert "2024-03-01 至 2029-02-28" in html
    assert "已备案" in html
    assert '<span class="role">主任</span> 张伟' in html
    assert '<span class="role">委员</span> 王丽' in html
    assert html.index('<span class="role">主任</span>') < html.index('<span class="role">委员</span>')
    for text in (
        "海韵小区",
        "沙子口",
        "青岛乙物业服务有限公司",
        "刘洋",
        "1层 0102",
        "2层 0202",
        "李娜",
        "陈静",
    ):
        assert text not in html


def test_bob_sees_joint_ownership_with_bella(world: World):
    # when
    response = browser_as(world.bob).get("/")

    # then
    html = response.content.decode()
    unit = response.context["compounds"][0].units[0]
    assert [o.owner.name for o in unit.co_owners] == ["李娜"]
    assert (unit.mine.co_ownership, unit.mine.certificate_holder, unit.is_voter) == ("joint", True, True)
    assert "120.50 ㎡" in html
    assert "共同共有" in html
    assert "李娜" in html
    assert "持证人" in html
    assert "本人（由您代表本户投票）" in html


def test_bella_sees_bob_casts_the_vote(world: World):
    # when
    response = browser_as(world.bella).get("/")

    # then
    html = response.content.decode()
    unit = response.context["compounds"][0].units[0]
    assert (unit.is_voter, unit.voter_name) == (False, "张伟")
    assert "张伟（由其代表本户投票）" in html


def test_owner_without_committee_is_told_so(world: World):
    # when
    html = browser_as(world.carol).get("/").content.decode()

    # then
    assert "海韵小区" in html
    assert "本小区尚未成立业主委员会。" in html
    assert "逸景公馆" not in html


@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("official_a", "中韩街道"),
        ("official_district", "崂山区"),
        ("firm_a", "青岛甲物业服务有限公司"),
    ],
)
def test_staff_accounts_are_pointed_to_admin(world: World, username: str, shown: str):
    # given
    user = getattr(world, username)

    # when
    response = browser_as(user).get("/")

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "registry/staff_home.html"
    assert 'href="/admin/"' in html
    assert shown in html
    assert "我的家" not in html


def test_official_page_names_region_with_code(world: World):
    # when
    html = browser_as(world.official_a).get("/").content.decode()

    # then
    assert "政府工作人员" in html
    assert "崂山区 · 中韩街道" in html
    assert "370212001" in html


def test_no_raw_phone_or_id_number_in_any_page(world: World, committees):
    # given
    Owner.objects.filter(user__isnull=False).update(phone=RAW_PHONE)
    Firm.objects.filter(uscc=FIRM_A).update(contact_phone=RAW_PHONE)
    pages = [Client().get("/accounts/login/"), Client().get("/accounts/signup/")]
    for user in (world.alice, world.bob, world.bella, world.carol, world.official_a, world.firm_a):
        pages.append(browser_as(user).get("/"))
    pages.append(
        Client().post(
            "/accounts/signup/",
            {
                "username": "x1",
                "password1": "Aa-123456789",
                "password2": "Aa-123456789",
                "name": "某人",
                "id_number": IDS["dave"],
                "phone": "13700137000",
            },
        )
    )

    # when
    html = "".join(p.content.decode() for p in pages)

    # then
    assert [p.status_code for p in pages] == [200, 200, 200, 200, 200, 200, 200, 200, 400]
    assert RAW_PHONE not in html
    assert "138****8000" in html
    for id_number in IDS.values():
        assert id_number not in html


def test_home_query_count_does_not_grow_with_units(world: World, committees, django_assert_max_num_queries):
    # given
    client = browser_as(world.alice)
    with CaptureQueriesContext(connection) as one_unit:
        client.get("/")
    more = [unit_number(PARCEL_A, 7, f"0{n}01") for n in range(3, 9)]
    registration_feed_apply(
        lines=[
            feed_line(number, [person("alice"), person("bob")], room=number[-4:], area="66.60")
            for number in more
        ],
        source="test-more",
    )

    # when
    with django_assert_max_num_queries(len(one_unit.captured_queries)) as many_units:
        response = client.get("/")

    # then
    assert len(response.context["compounds"][0].units) == 7
    assert len(many_units.captured_queries) == len(one_unit.captured_queries)
    assert len(one_unit.captured_queries) <= 12


def test_firm_service_phone_is_shown_in_full_while_persons_phones_stay_masked(world: World, committees):
    # given: the firm's published hotline, its contact person's mobile, the owners' and the staff's phones
    Firm.objects.filter(uscc=FIRM_A).update(service_phone="0532-88886666", contact_phone="13912345678")
    Owner.objects.filter(user__isnull=False).update(phone=RAW_PHONE)
    FirmStaff.objects.filter(user=world.firm_a).update(phone="13712345678")

    # when
    response = browser_as(world.alice).get("/")

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert '<dt>服务电话</dt><dd><a class="tel" href="tel:053288886666">0532-88886666</a></dd>' in html
    assert "<dt>联系人电话</dt><dd>139****5678</dd>" in html
    assert "13912345678" not in html
    assert RAW_PHONE not in html
    assert "13712345678" not in html


def test_no_service_phone_row_when_the_firm_has_none(world: World, committees):
    # when
    html = browser_as(world.alice).get("/").content.decode()

    # then
    assert "服务电话" not in html
    assert 'href="tel:' not in html
