"""The officials' coverage page (/party/coverage/) on the hand-built district of tests/partybuilding/conftest.py:
numerators and denominators summed, rates rounded down to two places (2/3 is 66.66%), what falls short with a
link to each compound, drill-down, the chart's data block, the XLSX (text cells never formulas) and who may
read it (403 owners and firms, 404 outside one's jurisdiction)."""

import io
import json
from http import HTTPStatus

from openpyxl import load_workbook

from registry.models import Compound, User
from registry.services.accounts import firm_user_create
from tests.conftest import PASSWORD, browser_as
from tests.partybuilding.conftest import F1, F2

PAGE = "/party/coverage/"
XLSX = "/party/coverage/export.xlsx"


def _official(name: str = "official_district") -> User:
    return User.objects.get(username=name)


def _chart(response) -> dict:
    text = response.content.decode()
    start = text.index('<script id="coverage-data" type="application/json">') + len(
        '<script id="coverage-data" type="application/json">'
    )
    return json.loads(text[start : text.index("</script>", start)])


def test_the_district_page_shows_numerators_denominators_and_rates_rounded_down(
    district, django_assert_max_num_queries
):
    # given
    browser = browser_as(_official())
    browser.get(PAGE)  # warm the session and the user

    # when
    with django_assert_max_num_queries(12):
        response = browser.get(f"{PAGE}?region=370203")

    # then
    assert response.status_code == HTTPStatus.OK
    tables = response.context["tables"]
    assert tables.title == "市北区 党建覆盖情况"
    assert tables.region == [
        ["指标", "分子", "分母", "比率"],
        ["物业企业建立党组织", 1, 2, "50.00%"],
        ["物业项目建立党支部", 1, 3, "33.33%"],
        ["小区建立党支部", 2, 4, "50.00%"],
        ["业委会党员过半", 2, 3, "66.66%"],
    ]
    assert tables.children[1:] == [
        ["甲街道", "370203001", "50.00%（1/2）", "33.33%（1/3）", "66.66%（2/3）", "50.00%（1/2）"],
        ["乙街道", "370203002", "—（0/0）", "—（0/0）", "0.00%（0/1）", "100.00%（1/1）"],
    ]
    assert tables.short[1:] == [
        ["物业企业建立党组织", "二号物业", F2, "物业企业未建党组织"],
        ["物业项目建立党支部", "二号院", "QD-370203-0002", "项目未建党支部"],
        ["物业项目建立党支部", "三号院", "QD-370203-0003", "项目未建党支部"],
        ["小区建立党支部", "二号院", "QD-370203-0002", "小区未建党支部"],
        ["小区建立党支部", "四号院", "QD-370203-0004", "小区未建党支部"],
        ["业委会党员过半", "二号院", "QD-370203-0002", "业委会 4 人，党员 2 人"],
    ]
    assert F1 not in [row[2] for row in tables.short]
    text = response.content.decode()
    assert 'href="/overview/compounds/QD-370203-0002/"' in text
    assert 'href="/overview/compounds/QD-370203-0004/"' in text
    assert 'href="?region=370203001"' in text and 'href="?region=370203002"' in text
    assert "<script>" not in text  # no inline script: the chart reads the json_script block
    assert "js/party_coverage.js" in text and "vendor/echarts/echarts.min.js" in text
    assert _chart(response) == {
        "names": ["甲街道", "乙街道"],
        "series": [
            {"name": "物业企业建立党组织", "data": [50.0, None]},
            {"name": "物业项目建立党支部", "data": [33.33, None]},
            {"name": "小区建立党支部", "data": [66.66, 0.0]},
            {"name": "业委会党员过半", "data": [50.0, 100.0]},
        ],
    }


def test_drilling_down_to_a_street_and_its_communities(district):
    # when
    street = browser_as(_official()).get(f"{PAGE}?region=370203001")

    # then
    assert street.status_code == HTTPStatus.OK
    tables = street.context["tables"]
    assert tables.region[1:] == [
        ["物业企业建立党组织", 1, 2, "50.00%"],
        ["物业项目建立党支部", 1, 3, "33.33%"],
        ["小区建立党支部", 2, 3, "66.66%"],
        ["业委会党员过半", 1, 2, "50.00%"],
    ]
    assert tables.children[1:] == [
        # one firm (F1) serves both compounds of 一社区: firms are counted once per level
        ["一社区", "370203001001", "100.00%（1/1）", "50.00%（1/2）", "50.00%（1/2）", "50.00%（1/2）"],
        ["二社区", "370203001002", "0.00%（0/1）", "0.00%（0/1）", "100.00%（1/1）", "—（0/0）"],
    ]
    assert 'href="?region=370203"' in street.content.decode()  # back to the district


def test_who_reads_the_coverage_page(district):
    # given
    firm_user_create(username="firm1", password=PASSWORD, firm_uscc=F1)

    # when
    own = browser_as(_official()).get(PAGE)
    street2 = browser_as(_official("official_street2")).get(PAGE)
    above = browser_as(_official("official_street2")).get(f"{PAGE}?region=370203")
    above_xlsx = browser_as(_official("official_street2")).get(f"{XLSX}?region=370203")
    owner = browser_as(User.objects.get(username="o1")).get(f"{PAGE}?region=370203")
    owner_xlsx = browser_as(User.objects.get(username="o1")).get(f"{XLSX}?region=370203")
    firm = browser_as(User.objects.get(username="firm1")).get(f"{PAGE}?region=370203")
    anonymous = browser_as(None).get(PAGE)

    # then
    assert own.status_code == HTTPStatus.OK
    assert own.context["region"].code == "370203"
    assert street2.status_code == HTTPStatus.OK
    assert street2.context["region"].code == "370203002"
    assert street2.context["parent"] is None  # the district is not theirs
    assert above.status_code == HTTPStatus.NOT_FOUND
    assert above_xlsx.status_code == HTTPStatus.NOT_FOUND
    assert owner.status_code == HTTPStatus.FORBIDDEN
    assert owner_xlsx.status_code == HTTPStatus.FORBIDDEN
    assert firm.status_code == HTTPStatus.FORBIDDEN
    assert anonymous.status_code == HTTPStatus.FOUND


def test_the_xlsx_holds_the_tables_as_text_never_formulas(district):
    # given: a compound whose name would be a formula
    Compound.objects.filter(code="QD-370203-0004").update(name='=HYPERLINK("http://x","四号院")')

    # when
    response = browser_as(_official()).get(f"{XLSX}?region=370203")

    # then
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Disposition"] == 'attachment; filename="party-coverage-370203.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["本级", "下级", "未达标"]
    own, children, short = wb["本级"], wb["下级"], wb["未达标"]
    assert own["A1"].value == "市北区 党建覆盖情况"
    assert [[c.value for c in row] for row in own.iter_rows(min_row=3)] == [
        ["指标", "分子", "分母", "比率"],
        ["物业企业建立党组织", 1, 2, "50.00%"],
        ["物业项目建立党支部", 1, 3, "33.33%"],
        ["小区建立党支部", 2, 4, "50.00%"],
        ["业委会党员过半", 2, 3, "66.66%"],
    ]
    assert own["B5"].data_type == "n"
    assert [c.value for c in children[5]] == [
        "乙街道",
        "370203002",
        "—（0/0）",
        "—（0/0）",
        "0.00%（0/1）",
        "100.00%（1/1）",
    ]
    formula_like = [c for row in short.iter_rows() for c in row if str(c.value).startswith("=")]
    assert [c.value for c in formula_like] == ['=HYPERLINK("http://x","四号院")']
    assert formula_like[0].data_type == "s"
    assert formula_like[0].quotePrefix is True


def test_the_officials_workbench_links_to_the_coverage_page(district):
    # when
    page = browser_as(_official()).get("/")

    # then
    assert page.status_code == HTTPStatus.OK
    assert 'href="/party/coverage/"' in page.content.decode()
