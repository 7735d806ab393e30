"""The officials' overview in real Chromium (desktop, 1366×768): a street official and a district official
each sign in and read what their jurisdiction holds — and neither reaches what it does not; the charts and
the map are drawn by the locally served ECharts on the pinned district boundaries under the site's CSP (no
console errors, no request outside the site)."""

import re
from decimal import Decimal

import pytest

from tests.browser.conftest import DESKTOP
from tests.conftest import PASSWORD
from tests.overview.test_overview import district  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def _signed_in(chromium, live_server, username: str):
    context = chromium.new_context(**DESKTOP, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None,
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: (
            problems.append(f"outside request {r.url}") if not r.url.startswith(live_server.url) else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page, problems


def test_a_street_official_reads_the_street_and_nothing_beyond(chromium, live_server, district, shots):  # noqa: F811
    # given
    page, problems = _signed_in(chromium, live_server, "official_a")

    # when: from the workbench to the overview
    page.click("text=一图总览")
    page.wait_for_selector("#trend-chart canvas")
    shots(page, "overview-street")
    text = page.inner_text("body")

    # then: the street and its community; not the other street
    assert "中韩街道 一图总览" in text and "海尔路社区" in text
    assert "沙子口" not in text
    assert page.evaluate("document.querySelector('#region-table tbody tr').children.length") == 18
    # the other street's page and compound card answer "not found"
    other = page.goto(f"{live_server.url}/overview/?region=370212002")
    assert other.status == 404
    card = page.goto(f"{live_server.url}/overview/compounds/QD-370212-0002/")
    assert card.status == 404
    # the compound search finds only the street's compound
    page.goto(f"{live_server.url}/overview/search/?q=海")
    assert page.locator(".ov-found li a").all_inner_texts() == ["逸景公馆"]
    assert problems == [
        f"404 {live_server.url}/overview/?region=370212002",
        f"404 {live_server.url}/overview/compounds/QD-370212-0002/",
    ]


def test_a_district_official_reads_both_streets_and_the_map(chromium, live_server, district, shots):  # noqa: F811
    # given: the second compound placed on the map
    district.compound_b.lat, district.compound_b.lng = Decimal("36.1300"), Decimal("120.5900")
    district.compound_b.save(update_fields=["lat", "lng"])
    page, problems = _signed_in(chromium, live_server, "official_district")

    # when
    page.goto(f"{live_server.url}/overview/?region=370212")
    page.wait_for_selector("#ranking-chart canvas")
    shots(page, "overview-district")
    text = page.inner_text("body")
    page.click("#region-table a:text-is('中韩街道')")
    page.wait_for_url(re.compile(r"region=370212001"))
    street = page.inner_text("body")
    page.goto(f"{live_server.url}/overview/map/?region=370212&figure=equipment_overdue")
    page.wait_for_selector("#map-chart canvas")
    page.wait_for_function("echarts.getInstanceByDom(document.getElementById('map-chart')) !== undefined")
    shots(page, "overview-map")
    drawn = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('map-chart')).getOption().series[0].data.length"
    )
    card = page.goto(f"{live_server.url}/overview/compounds/QD-370212-0002/")

    # then
    assert "崂山区 一图总览" in text and "中韩街道" in text and "沙子口街道" in text
    assert "中韩街道 一图总览" in street
    assert drawn == 2
    assert card.status == 200 and "海韵小区" in page.inner_text("body")
    assert problems == []
