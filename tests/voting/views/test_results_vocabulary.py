"""One results vocabulary (issue 9, item 3): the owner results page, the printable certificate, the admin's
review page and the XLSX name every figure in words, state each percentage's basis in its column header,
render elections alike, open with a summary, and close with the issuer, the seal line and the objection
period. Worked numbers throughout: 10 subjects × 100.00 m² unless stated."""

import io
import re
from html import unescape
from http import HTTPStatus

from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from tests.voting.conftest import close, open_assembly
from tests.voting.views.helpers import ORDINARY, RAISE_FUNDS, browser, example_1, vote_all
from voting.certificate import certificate_context
from voting.services.assemblies import MotionSpec, assembly_publish
from voting.services.ballots import ballot_cast
from voting.services.tally import assembly_tally

SYMBOLS = re.compile(r"\b[AN]_(total|part|for|against|abstain)\b")
ELECTION = MotionSpec(title="选举业主委员会委员", category=3, seats=1, candidates=("赵一", "钱二"))


def _pages(e, a) -> dict[str, str]:
    """The owner results page, the print certificate and the admin review page, as HTML."""
    owner, official = browser(e.owners[0]), browser(e.official)
    responses = {
        "results": owner.get(f"/voting/{a.pk}/results/"),
        "certificate": owner.get(f"/voting/{a.pk}/certificate/"),
        "admin": official.get(reverse("admin:voting_assembly_certificate", args=[a.pk])),
    }
    assert {k: r.status_code for k, r in responses.items()} == dict.fromkeys(responses, HTTPStatus.OK)
    return {k: r.content.decode() for k, r in responses.items()}


def _rows(e, a) -> list[tuple]:
    response = browser(e.owners[0]).get(f"/voting/{a.pk}/certificate.xlsx")
    assert response.status_code == HTTPStatus.OK
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def _table_after(rows: list[tuple], first_header: str, second_header: str) -> list[dict]:
    """The XLSX table whose header row starts with (first_header, second_header), as dicts by header."""
    start = next(i for i, r in enumerate(rows) if r[:2] == (first_header, second_header))
    header = [h for h in rows[start] if h is not None]
    out = []
    for row in rows[start + 1 :]:
        if row[0] is None:
            break
        out.append(dict(zip(header, row, strict=False)))
    return out


def _motions(rows: list[tuple]) -> list[dict]:
    """The XLSX's one-row-per-motion table."""
    start = next(i for i, r in enumerate(rows) if r[:4] == ("序号", "事项", "类别", "表决规则"))
    return _table_after(rows[start:], "序号", "事项")


def _text(fragment: str) -> list[str]:
    """The cell texts of an HTML table row."""
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", fragment, re.S)
    return [_plain(c) for c in cells]


def _plain(fragment: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def _line(html: str, key: str) -> list[str]:
    """The cells of a count-table line (`data-line`) and the header cells of the section it sits in."""
    match = re.search(rf'<tr data-line="{key}">(.*?)</tr>', html, re.S)
    assert match, key
    *_, header = re.finditer(r'<thead>\s*<tr>|<tr class="subhead">', html[: match.start()])
    section = html[header.start() : match.start()]
    return _text(section[: section.index("</tr>")]) + ["|"] + _text(match.group(1))


def _summary(html: str) -> list[str]:
    block = re.search(r'<ul class="summary">(.*?)</ul>', html, re.S)
    assert block
    return [_plain(li) for li in re.findall(r"<li[^>]*>(.*?)</li>", block.group(1), re.S)]


def test_summary_of_an_adopted_ordinary_and_an_adopted_major_motion(electorate):
    # given: voting.md example 1 on both motions: 7 for, 1 against, 2 absent
    e = electorate(["100.00"] * 10)
    a = example_1(e, open_assembly(e, [ORDINARY, RAISE_FUNDS]))

    # when
    pages = _pages(e, a)
    rows = _rows(e, a)

    # then: each motion one line, the approval inequalities worked out
    ordinary = "同意面积 700.00㎡ / 参与 800.00㎡ = 87.50% > 50%；同意人数 7 / 参与 8 = 87.50% > 50%"
    major = "同意面积 700.00㎡ / 参与 800.00㎡ = 87.50% ≥ 75%；同意人数 7 / 参与 8 = 87.50% ≥ 75%"
    for html in pages.values():
        assert _summary(html) == [f"1. 选聘物业服务企业 通过 {ordinary}", f"2. 筹集维修资金 通过 {major}"]
        assert html.index("表决结果摘要") < html.index("会议信息") < html.index('id="motion-')
    summary = _table_after(rows, "序号", "事项")
    assert [tuple(r.values()) for r in summary] == [
        (1, "选聘物业服务企业", "通过", ordinary),
        (2, "筹集维修资金", "通过", major),
    ]
    assert rows.index(next(r for r in rows if r[0] == "表决结果摘要")) == 3
    assert rows.index(next(r for r in rows if r[0] == "表决结果摘要")) < rows.index(
        next(r for r in rows if r[0] == "小区")
    )


def test_summary_of_a_rejected_and_of_a_quorum_not_met_motion(electorate):
    # given: one assembly where 4 vote for and 4 against (exactly half: rejected); another where only 6 vote
    e = electorate(["100.00"] * 10)
    rejected = open_assembly(e, [ORDINARY])
    vote_all(rejected, [(u, "for") for u in e.owners[:4]] + [(u, "against") for u in e.owners[4:8]])
    close(e, rejected)
    assembly_tally(assembly=rejected)
    assembly_publish(actor=e.official, assembly=rejected)
    absent = open_assembly(e, [ORDINARY])
    vote_all(absent, [(u, "for") for u in e.owners[:5]] + [(e.owners[5], "against")])
    close(e, absent)
    assembly_tally(assembly=absent)
    assembly_publish(actor=e.official, assembly=absent)

    # when
    pages = {"rejected": _pages(e, rejected), "absent": _pages(e, absent)}
    sheets = {"rejected": _rows(e, rejected), "absent": _rows(e, absent)}

    # then: the sign is the exact check's: exactly half is not more than half; 6 of 10 is short of 2/3
    half = "同意面积 400.00㎡ / 参与 800.00㎡ = 50.00% ≤ 50%；同意人数 4 / 参与 8 = 50.00% ≤ 50%"
    short = "参与面积 600.00㎡ / 总面积 1000.00㎡ = 60.00% < 2/3；参与人数 6 / 总人数 10 = 60.00% < 2/3"
    for html in pages["rejected"].values():
        assert _summary(html) == [f"1. 选聘物业服务企业 未通过 {half}"]
    for html in pages["absent"].values():
        assert _summary(html) == [f"1. 选聘物业服务企业 未达到参与表决的法定比例 {short}"]
    assert [tuple(r.values()) for r in _table_after(sheets["rejected"], "序号", "事项")] == [
        (1, "选聘物业服务企业", "未通过", half)
    ]
    assert [tuple(r.values()) for r in _table_after(sheets["absent"], "序号", "事项")] == [
        (1, "选聘物业服务企业", "未达到参与表决的法定比例", short)
    ]


def test_the_same_percentage_basis_on_every_page_and_the_xlsx(electorate):
    # given: example 1: participation 800 of 1000 (80.00% of the total), for 700 of 800 (87.50% of participants,
    # which would be 70.00% of the total)
    e = electorate(["100.00"] * 10)
    a = example_1(e, open_assembly(e, [ORDINARY]))

    # when
    pages = _pages(e, a)
    motions = _motions(_rows(e, a))

    # then: the basis is in the column header, and each line is read against the law's basis
    for html in pages.values():
        assert _line(html, "participating") == [
            "项目", "面积（㎡）", "占总面积", "人数", "占总人数", "|", "参与表决", "800.00", "80.00%", "8", "80.00%"
        ]  # fmt: skip
        assert _line(html, "for") == [
            "表决意见", "面积（㎡）", "占参与表决面积", "人数", "占参与表决人数", "|",
            "同意", "700.00", "87.50%", "7", "87.50%",
        ]  # fmt: skip
        assert _line(html, "against")[-5:] == ["反对", "100.00", "12.50%", "1", "12.50%"]
        assert "70.00%" not in html
    [row] = motions
    assert {k: v for k, v in row.items() if "占" in k} == {
        "参与表决面积占总面积": "80.00%",
        "参与表决人数占总人数": "80.00%",
        "同意面积占参与表决面积": "87.50%",
        "同意人数占参与表决人数": "87.50%",
        "反对面积占参与表决面积": "12.50%",
        "反对人数占参与表决人数": "12.50%",
        "弃权面积占参与表决面积": "0.00%",
        "弃权人数占参与表决人数": "0.00%",
    }
    assert (row["专有部分总面积（㎡）"], row["业主总人数"], row["同意面积（㎡）"], row["同意人数"]) == (
        1000,
        10,
        700,
        7,
    )


def test_an_election_renders_alike_on_every_page_and_the_xlsx(electorate):
    # given: three subjects of 100.00 m², one seat; 赵一 gets every vote, 钱二 one for and two against
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ELECTION])
    motion = a.motions.get()
    ids = {c.name: str(c.pk) for c in motion.candidates.all()}
    ballot_cast(
        actor=e.owners[0], assembly=a, choices={str(motion.pk): {ids["赵一"]: "for", ids["钱二"]: "for"}}
    )
    for user in e.owners[1:]:
        ballot_cast(
            actor=user, assembly=a, choices={str(motion.pk): {ids["赵一"]: "for", ids["钱二"]: "against"}}
        )
    close(e, a)
    assembly_tally(assembly=a)
    assembly_publish(actor=e.official, assembly=a)

    # when
    pages = _pages(e, a)
    rows = _rows(e, a)

    # then: per candidate the votes for with their share of participants, the ratio outcome and the status
    expected = [
        ["赵一", "300.00 100.00%", "3 100.00%", "达到同意比例", "当选"],
        ["钱二", "100.00 33.33%", "1 33.33%", "未达到同意比例", "未当选"],
    ]
    quorum = "参与面积 300.00㎡ / 总面积 300.00㎡ = 100.00% ≥ 2/3；参与人数 3 / 总人数 3 = 100.00% ≥ 2/3"
    for html in pages.values():
        table = re.search(r'<table class="grid candidates">(.*?)</table>', html, re.S).group(1)
        header, *body = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
        assert _text(header) == [
            "候选人", "同意面积（㎡） 占参与表决面积", "同意人数 占参与表决人数", "是否达到法定比例", "当选情况"
        ]  # fmt: skip
        assert [_text(r) for r in body] == expected
        assert _summary(html) == [f"1. 选举业主委员会委员 当选：赵一 {quorum}"]
        assert 'data-line="abstain"' not in html  # no "everyone abstained" line for an election
        assert "是否过半" not in html
    candidates = _table_after(rows, "序号", "选举事项")
    assert [list(r.values())[3:] for r in candidates] == [
        ["赵一", 300, "100.00%", 3, "100.00%", "达到同意比例", "当选"],
        ["钱二", 100, "33.33%", 1, "33.33%", "未达到同意比例", "未当选"],
    ]
    assert list(candidates[0])[3:] == [
        "候选人", "同意面积（㎡）", "同意面积占参与表决面积", "同意人数", "同意人数占参与表决人数",
        "是否达到法定比例", "当选情况",
    ]  # fmt: skip
    [row] = _motions(rows)
    assert (row["参与表决面积（㎡）"], row["参与表决面积占总面积"], row["参与表决人数"]) == (
        300,
        "100.00%",
        3,
    )
    assert {row[k] for k in row if k.startswith(("同意", "反对", "弃权"))} == {"—"}
    assert row["结果"] == "当选：赵一"
    assert _table_after(rows, "序号", "事项")[0]["结果"] == "当选：赵一"


def test_no_algebraic_symbol_anywhere_a_person_reads(electorate):
    # given: a matter with deemed consent on, and an election
    e = electorate(["100.00"] * 3)
    a = open_assembly(e, [ORDINARY, ELECTION], deemed_consent=True)
    matter, election = a.motions.order_by("position")
    ids = [str(c.pk) for c in election.candidates.all()]
    for user in e.owners:
        ballot_cast(
            actor=user,
            assembly=a,
            choices={str(matter.pk): "for", str(election.pk): dict.fromkeys(ids, "for")},
        )
    close(e, a)
    assembly_tally(assembly=a)
    assembly_publish(actor=e.official, assembly=a)

    # when
    pages = _pages(e, a)
    cells = [str(c) for row in _rows(e, a) for c in row if c is not None]

    # then
    for name, html in pages.items():
        assert SYMBOLS.findall(html) == [], name
    assert [c for c in cells if SYMBOLS.search(c)] == []
    assert "专有部分总面积（㎡）" in cells and "业主总人数" in cells


def test_issuer_seal_and_objection_period_default_to_the_street_office(electorate):
    # given: the compound lies in 中韩街道; the objection period is 15 days by default
    e = electorate(["100.00"] * 10)
    a = example_1(e, open_assembly(e, [ORDINARY]))
    day = timezone.localtime(a.published_at)

    # when
    pages = _pages(e, a)
    rows = _rows(e, a)

    # then
    objection = "业主对表决结果有异议的，可自公告之日起 15 日内向中韩街道办事处提出。"
    date = f"{day.year}年{day.month}月{day.day}日"
    for html in pages.values():
        assert f'<p class="objection">{objection}</p>' in html
        assert '发布单位：中韩街道办事处<span class="seal">（盖章）</span>' in html
        assert f"日期：{date}" in html
    assert ("异议期", objection) in [r[:2] for r in rows]
    assert ("发布单位", "中韩街道办事处（盖章）") in [r[:2] for r in rows]
    assert ("日期", date) in [r[:2] for r in rows]


def test_issuer_and_objection_period_come_from_settings(electorate, settings):
    # given
    settings.VOTING_RESULT_ISSUER = "青岛市市南区八大关街道办事处"
    settings.VOTING_OBJECTION_DAYS = 7
    e = electorate(["100.00"] * 10)
    a = example_1(e, open_assembly(e, [ORDINARY]))

    # when
    pages = _pages(e, a)
    rows = _rows(e, a)

    # then
    objection = "业主对表决结果有异议的，可自公告之日起 7 日内向青岛市市南区八大关街道办事处提出。"
    for html in pages.values():
        assert objection in html
        assert "发布单位：青岛市市南区八大关街道办事处" in html
        assert "中韩街道办事处" not in html
    assert ("异议期", objection) in [r[:2] for r in rows]
    assert ("发布单位", "青岛市市南区八大关街道办事处（盖章）") in [r[:2] for r in rows]


def test_the_date_line_stays_blank_until_publication(electorate):
    # given: tallied, not published
    e = electorate(["100.00"] * 10)
    a = example_1(e, open_assembly(e, [ORDINARY]), publish=False)

    # when
    html = browser(e.official).get(f"/voting/{a.pk}/certificate/").content.decode()

    # then
    assert "日期：　　年　　月　　日" in html
    assert "计票结果，尚未公布" in html


def test_the_summary_and_the_notice_read_in_english_through_the_catalogue(electorate):
    # given
    e = electorate(["100.00"] * 10)
    a = example_1(e, open_assembly(e, [ORDINARY]))

    # when
    with translation.override("en"):
        ctx = certificate_context(assembly=a)
        headers = {
            k: str(v) for k, v in ctx["count_headers"].items() if k.endswith(("_total", "_participating"))
        }

    # then
    [entry] = ctx["summary"]
    assert (entry["outcome_label"], entry["line"]) == (
        "Adopted",
        "Area for 700.00 m² / participating 800.00 m² = 87.50% > 50%; "
        "Owners for 7 / participating 8 = 87.50% > 50%",
    )
    assert ctx["notice"]["objection"] == (
        "Owners who object to the result may raise the objection with 中韩街道 Sub-district Office "
        "within 15 days of this notice."
    )
    assert headers == {
        "area_of_total": "Share of total area",
        "heads_of_total": "Share of all owners",
        "area_of_participating": "Share of participating area",
        "heads_of_participating": "Share of participating owners",
    }
