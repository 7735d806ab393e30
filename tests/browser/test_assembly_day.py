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
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def _transition(page, label: str, confirm: str) -> None:
    """Click a workflow step on the assembly's change page, then confirm it on its own page."""
    page.click(f"a.vt-action:text-is('{label}')")
    page.click(f"input[type=submit][value='{confirm}']")
    page.wait_for_load_state()


# Six owners vote online (flats 0–5), flat 6 on paper (all "for"), the garage (flat 7) not at all.
# Motions: 1 选聘物业 (ordinary), 2 筹集维修资金 (major), 3 the election (张三, 李四, 王五; two seats).
OWNER_CHOICES = [
    {1: "for", 2: "for", 3: {"张三": "for", "李四": "for", "王五": "against"}},
    {1: "for", 2: "for", 3: {"张三": "for", "李四": "for", "王五": "against"}},
    {1: "for", 2: "for", 3: {"张三": "for", "李四": "against", "王五": "for"}},
    {1: "for", 2: "against", 3: {"张三": "for", "李四": "for", "王五": "abstain"}},
    {1: "against", 2: "for", 3: {"张三": "abstain", "李四": "for", "王五": "for"}},
    {1: "abstain", 2: "against", 3: {"张三": "for", "李四": "against", "王五": "against"}},
]
FLATS = [
    "1号楼 1单元 12层 1201",
    "1号楼 1单元 9层 901",
    "1号楼 1单元 10层 1001",
    "1号楼 1单元 1层 101",
    "1号楼 2单元 12层 1201",
    "10号楼 1单元 12层 1201",
]
# 8 flats of 100.00 m² (the garage's space counts: parking_in_area); 7 took part (700.00 m², 87.50%).
# Motion 1: for 5 (paper + 4 online) of 7 → 71.42% > 50%: adopted.
# Motion 2 (major): for 5 of 7 → 71.42% < 75%: rejected.
SUMMARY = [
    "同意面积 500.00㎡ / 参与 700.00㎡ = 71.42% > 50%",
    "同意人数 5 / 参与 7 = 71.42% > 50%",
    "同意面积 500.00㎡ / 参与 700.00㎡ = 71.42% < 75%",
]


def _vote(page, a: Assembly, choices: dict) -> None:
    """Tick the owner's ballot as a person would, by the labels: matters by agenda position, candidates by
    name (the form's radios are named m<motion id> and m<motion id>_c<candidate id>)."""
    motions = {m.position: m for m in a.motions.prefetch_related("candidates")}
    for position, choice in choices.items():
        motion = motions[position]
        if isinstance(choice, dict):
            ids = {c.name: c.pk for c in motion.candidates.all()}
            for name, value in choice.items():
                page.locator(f"input[name='m{motion.pk}_c{ids[name]}'][value='{value}']").check()
        else:
            page.locator(f"input[name='m{motion.pk}'][value='{choice}']").check()


def _review_and_cast(page, *, flat: str, choices: dict, shots=None) -> None:
    """Next step: the confirmation page lists every choice in words and the flat; only "确认提交" casts."""
    page.click("button[name=step][value=review]")
    page.wait_for_load_state()
    text = _text(page)
    assert "请核对您的选票" in text and "您的选票尚未提交" in text
    assert flat in text
    words = {"for": "同意", "against": "反对", "abstain": "弃权"}
    lines = page.locator(".confirm .motion")
    for position, choice in choices.items():
        line = lines.nth(position - 1).inner_text()
        if isinstance(choice, dict):
            for name, value in choice.items():
                assert re.search(rf"{name}\s*{words[value]}", line), line
        else:
            assert words[choice] in line, line
    if shots:
        shots(page, "owner-confirm")
    page.click("button[name=step][value=confirm]")
    page.wait_for_load_state()


def _transition_from(page, change_url: str, label: str, confirm: str) -> None:
    page.goto(change_url)
    _transition(page, label, confirm)


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
    earliest = timezone.localtime(clock.now() + dt.timedelta(days=15), SHANGHAI)
    rules = _text(page)
    assert "本市规定公告须在投票开始前至少 15 天发布" in rules
    assert f"若今天公告，最早可于 {earliest:%Y-%m-%d}" in rules
    assert "投票期不少于 5 天、不超过 60 天" in rules
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
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # the motion table fits the screen
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

    # -- owners vote on their phones
    for i, choices in enumerate(OWNER_CHOICES):
        page = _login_owner(chromium, live_server, f"owner{i}")
        page.goto(f"{live_server.url}/voting/{a.pk}/ballot/")
        assert "/ballot/" in page.url and "login" not in page.url, page.url
        flat = FLATS[i]
        assert flat in _text(page)  # the ballot names the flat it is cast for
        _vote(page, a, choices)
        if i == 0:
            shots(page, "owner-ballot-filled")
        assert CountedBallot.objects.filter(assembly=a).count() == 1 + i
        _review_and_cast(page, flat=flat, choices=choices, shots=shots if i == 0 else None)
        assert CountedBallot.objects.filter(assembly=a).count() == 2 + i
        grouped = page.locator(".receipt-code").first.inner_text().split()
        assert [len(g) for g in grouped] == [4] * 16  # 64 hex characters in groups of four
        receipt = "".join(grouped)
        assert page.locator(".receipt-short").first.inner_text().replace(" ", "") == receipt[:8]
        if i == 0:
            shots(page, "owner-receipt")
            # a second attempt (no revote) shows the counted ballot, not a live form
            page.goto(f"{live_server.url}/voting/{a.pk}/ballot/")
            assert page.locator("button[name=step]").count() == 0
            assert receipt[:4] in _text(page)
            shots(page, "owner-already-voted")
    assert CountedBallot.objects.filter(assembly=a).count() == 7

    # -- voting closes; the official closes, the tally runs, the official publishes
    clock.jump_to(closes + dt.timedelta(minutes=5))
    page = _login_admin(chromium, live_server, "street")
    page.goto(f"{live_server.url}/admin/voting/assembly/{a.pk}/change/")
    _transition(page, "截止投票", "确认截止投票")
    a.refresh_from_db()
    assert a.status == Assembly.Status.TALLIED  # closing queues the tally (eager here)
    page.goto(f"{live_server.url}/admin/voting/assembly/{a.pk}/certificate/")
    shots(page, "official-certificate")
    certificate = _text(page)
    for line in SUMMARY:
        assert line in certificate, line
    assert "当选：张三、李四" in certificate
    page.goto(f"{live_server.url}/admin/voting/auditentry/?assembly={a.pk}")
    log = _text(page)
    assert "网上投票" in log and "录入纸质票" in log and "ballot.online" not in log
    shots(page, "official-audit-log")
    _transition_from(page, f"{live_server.url}/admin/voting/assembly/{a.pk}/change/", "公布", "确认公布")
    a.refresh_from_db()
    assert a.status == Assembly.Status.PUBLISHED

    # -- an owner reads the results on the phone: the summary first, in words
    page = _login_owner(chromium, live_server, "owner3")
    page.goto(f"{live_server.url}/voting/{a.pk}/results/")
    shots(page, "owner-results")
    text = _text(page)
    assert "A_total" not in text and "N_part" not in text
    for line in SUMMARY:
        assert line in text, line
    assert "当选：张三、李四" in text
    assert text.index(SUMMARY[0]) < text.index("候选人")  # the summary comes before the detail
