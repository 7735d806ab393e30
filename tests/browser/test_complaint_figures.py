"""The officials' figures page in real Chromium (desktop, 1366×768): the charts are drawn by the locally
served ECharts under the site's CSP (no console errors), each above its table."""

import re

import pytest

from tests.browser.conftest import DESKTOP
from tests.complaints.conftest import cworld  # noqa: F401 - the fixture
from tests.complaints.test_figures import november

PASSWORD = "Gongzhi-test-2026"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def test_the_district_official_reads_the_month_with_its_charts(chromium, live_server, cworld, shots):  # noqa: F811
    # given
    november(cworld)
    context = chromium.new_context(**DESKTOP, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "official_district")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))

    # when
    page.goto(f"{live_server.url}/complaints/figures/?region=370212&month=2026-11")
    page.wait_for_selector("#trend-chart canvas")
    page.wait_for_selector("#ranking-chart canvas")
    shots(page, "figures")

    # then
    text = page.inner_text("body")
    assert "崂山区 2026-11 投诉与报事统计" in text
    assert "66.66%" in text
    assert page.locator("#trend-chart + #trend-table").count() == 1
    assert page.locator("#ranking-chart + #ranking-table").count() == 1
    assert page.evaluate("typeof echarts.version") == "string"
    assert [u for u in missing if not u.endswith("/favicon.ico")] == []
    assert [e for e in errors if "Failed to load resource" not in e] == []
