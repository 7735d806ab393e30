"""The owner's disclosure pages in real Chromium on a 390-px phone: the chart of income and expense drawn by the
locally served ECharts under the site's CSP (no console errors), the record page with its figures, all within
the phone's width."""

import pytest

from disclosure.models import Disclosure
from tests.browser.conftest import PHONE
from tests.disclosure.conftest import COMPOUND_A, dworld  # noqa: F401 - the fixture
from tests.disclosure.test_pages import two_months  # noqa: F401 - the fixture

PASSWORD = "Gongzhi-test-2026"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def test_an_owner_reads_the_compounds_statements_on_a_phone(chromium, live_server, dworld, two_months, shots):  # noqa: F811
    context = chromium.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # when
    page.goto(f"{live_server.url}/disclosure/{COMPOUND_A}/")
    page.wait_for_selector("#disclosure-chart canvas")
    shots(page, "compound")
    # then
    assert "逸景公馆 · 信息公开" in page.inner_text("body")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # when: the October statement
    october = Disclosure.objects.get(period="2026-10")
    page.goto(f"{live_server.url}/disclosure/record/{october.pk}/")
    shots(page, "record")
    text = page.inner_text("body")
    assert "17180.00" in text and "提出异议" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert [u for u in missing if not u.endswith("/favicon.ico")] == []
    assert [e for e in errors if "404" not in e] == []
