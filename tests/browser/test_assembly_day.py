"""The whole assembly day in real Chromium, as the street office and the owners live it.

The street official (desktop, 1366×768) creates an assembly with three motions — one of them an election —,
reads the rules on the form, announces it; when voting opens, enters a paper ballot found by its written
address; owners vote on phones (a confirmation step before the ballot is cast); the official closes, tallies
and publishes; an owner reads the results. Every screen is checked for what it says, and screenshotted.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from registry.services.accounts import official_create, owner_signup
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import address_compound, resident_id
from tests.scans import PNG
from voting.models import Assembly, CountedBallot

PASSWORD = "Gongzhi-test-2026"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _text(page) -> str:
    return page.inner_text("body")


def _login_admin(browser, live_server, username: str):
    context = browser.new_context(**DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    return page


def _login_owner(browser, live_server, username: str):
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state()
    return page


def _transition(page, label: str, confirm: str) -> None:
    """Click a workflow step on the assembly's change page, then confirm it on its own page."""
    page.click(f"a.vt-action:text-is('{label}')")
    page.click(f"input[type=submit][value='{confirm}']")
    page.wait_for_load_state()


def test_an_assembly_day_from_creation_to_results(chromium, live_server, clock, shots):
    # given: 地址小区 (1号楼 two entrances, 2号楼, 10号楼, a garage), its street official and seven owners
    compound = address_compound()
    official_create(username="street", password=PASSWORD, region_code="370212001")
    for i in range(7):
        owner_signup(
            username=f"owner{i}",
            password=PASSWORD,
            name=f"住户{i}",
            id_number=resident_id(900 + i),
            phone="13800138000",
            ip_address=None,
        )
    today = timezone.localtime(timezone.now(), SHANGHAI).date()
    opens = dt.datetime.combine(today + dt.timedelta(days=16), dt.time(9, 0), tzinfo=SHANGHAI)
    closes = dt.datetime.combine(opens.date() + dt.timedelta(days=7), dt.time(18, 0), tzinfo=SHANGHAI)

    # -- the official creates the assembly with three motions (desktop)
    page = _login_admin(chromium, live_server, "street")
    page.goto(f"{live_server.url}/admin/voting/assembly/add/")
    page.select_option("#id_compound", value=str(compound.pk))
    page.fill("#id_title", "2027年第一次业主大会")
    page.fill("#id_opens_at_0", opens.strftime("%Y-%m-%d"))
    page.fill("#id_opens_at_1", "09:00:00")
    page.fill("#id_closes_at_0", closes.strftime("%Y-%m-%d"))
    page.fill("#id_closes_at_1", "18:00:00")
    page.click("text=添加另一个")  # a third motion row
    rows = [
        ("选聘青岛海颐物业管理有限公司为物业服务企业", "4", "", ""),
        ("筹集建筑物及其附属设施的维修资金", "6", "", ""),
        ("选举第一届业主委员会委员", "3", "2", "张三\n李四\n王五"),
    ]
    for i, (title, category, seats, candidates) in enumerate(rows):
        page.fill(f"#id_motions-{i}-title", title)
        page.select_option(f"#id_motions-{i}-category", category)
        if seats:
            page.fill(f"#id_motions-{i}-seats", seats)
            page.fill(f"#id_motions-{i}-candidates", candidates)
    shots(page, "official-add-form")
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    assert "errornote" not in page.content(), _text(page)
    a = Assembly.objects.get(title="2027年第一次业主大会")
    assert [m.title for m in a.motions.order_by("position")] == [r[0] for r in rows]

    # -- announces it
    _transition(page, "公告", "确认公告")
    shots(page, "official-announced")
    a.refresh_from_db()
    assert a.status == Assembly.Status.ANNOUNCED
    assert a.heads_total == 8

    # -- voting opens; the official enters a paper ballot found by its written address
    clock.jump_to(opens + dt.timedelta(minutes=5))
    page = _login_admin(chromium, live_server, "street")
    page.goto(f"{live_server.url}/admin/voting/assembly/{a.pk}/change/")
    _transition(page, "开始投票", "确认开始投票")
    a.refresh_from_db()
    assert a.status == Assembly.Status.OPEN
    page.goto(f"{live_server.url}/admin/voting/assembly/{a.pk}/paper-ballot/")
    page.fill("input[name=q]", "1号楼1201")
    page.click("input[type=submit][value='查找']")
    assert "1号楼 1单元 12层 1201" in _text(page) and "1号楼 2单元 12层 1201" in _text(page)
    shots(page, "official-paper-ballot-ambiguous")
    page.fill("input[name=q]", "2-1-1201")
    page.click("input[type=submit][value='查找']")
    matches = page.locator("#roll-search-matches tbody tr")
    assert matches.count() == 1
    assert "2号楼 1单元 12层 1201" in matches.inner_text()
    matches.locator("a").click()
    page.wait_for_load_state()
    assert "录入 2号楼 1单元 12层 1201 的纸质票" in _text(page)
    for name in page.eval_on_selector_all(
        "input[type=radio][value=for]", "els => [...new Set(els.map(e => e.name))]"
    ):
        page.check(f"input[type=radio][name='{name}'][value=for]")
    page.set_input_files(
        "input[type=file]", files=[{"name": "ballot.png", "mimeType": "image/png", "buffer": PNG}]
    )
    shots(page, "official-paper-ballot-form")
    page.click("input[type=submit][value='提交纸质票']")
    page.wait_for_load_state()
    assert "已录入 2号楼 1单元 12层 1201 的纸质票" in _text(page)
    assert CountedBallot.objects.filter(assembly=a).count() == 1
