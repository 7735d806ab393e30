"""The officials' overview (一图总览): the per-compound refresh and the region sums on a hand-built district
(崂山区 370212 with 中韩街道's 逸景公馆 A and 沙子口街道's 海韵小区 B), the pages' scopes tried the way an
attacker would, the compound search and card, the map's points and hulls, the XLSX, constant query counts.

The district by hand (tests.conftest's world, plus what each test adds through `district`):
  A: units 0101 (alice, signed up), 0102 (bob and bella, signed up), 0201 (developer), 0202 (dave) — 4 units,
     390.75 m², 2 with a registered owner; a committee in office; equipment: a lift overdue, a pump not yet
     due, a retired gate (not counted); complaints filed this month: one open, one cancelled; one published
     assembly with 4 owners: motion 1 adopted with 3 participating, motion 2 rejected with 2.
  B: unit 0101 (carol, signed up) — 1 unit, 110.00 m², 1 registered; no committee; a camera overdue;
     one open complaint.
  A's firm published last month's operating statement on time; B's has not (both are due). A has a compound
  party branch, and bob — its committee's one member — is a party member.
District: 2 compounds, 5 units, 500.75 m², 3 registered (60.00%), committees 1/2 (50.00%), assemblies 1,
participation 3/4 (75.00%), motions adopted 1/2, equipment 3 counted with 2 overdue, open complaints 2,
complaints this month 3, statements on time 1/2, branches 1/2, committees above half 1/1.
"""

import datetime as dt
import io
from decimal import Decimal
from http import HTTPStatus

import openpyxl
import pytest
from django.utils import timezone

from complaints.services.cases import complaint_file, complaint_transition
from disclosure.services.records import disclosure_create, disclosure_publish
from overview.figures import compound_search, firm_ranking, hull, map_points, region_overview, street_hulls
from overview.models import CompoundFigure
from overview.services import figures_refresh
from partybuilding.models import Member, Organisation
from registry.models import CommitteeMember, Equipment, Owner, OwnersCommittee, Region
from tests.conftest import browser_as
from tests.disclosure.conftest import statement
from voting.models import Assembly, Motion, MotionResult

PAGE = "/overview/"


def _equipment(compound, seq, category, name, *, due, status=Equipment.Status.IN_SERVICE):
    return Equipment.objects.create(
        code=f"{compound.code}-{category}-{seq:03d}",
        compound=compound,
        category=category,
        sequence=seq,
        name=name,
        common_area="地下室",
        maintenance_interval_days=15,
        next_due_on=due,
        status=status,
    )


@pytest.fixture
def district(world, settings):
    settings.DISCLOSURE_DUE_DAY = 31  # last month's statement is due at the end of this month: on time today
    today = timezone.localdate()
    a, b = world.compound_a, world.compound_b
    committee = OwnersCommittee.objects.create(
        compound=a, term_starts_on=today - dt.timedelta(days=100), term_ends_on=today + dt.timedelta(days=900)
    )
    CommitteeMember.objects.create(
        committee=committee, owner=Owner.objects.get(user=world.bob), role=CommitteeMember.Role.DIRECTOR
    )
    OwnersCommittee.objects.create(  # an older term, ended: not in office
        compound=b,
        term_starts_on=today - dt.timedelta(days=2000),
        term_ends_on=today - dt.timedelta(days=200),
    )
    _equipment(a, 1, "LIFT", "1号电梯", due=today - dt.timedelta(days=3))
    _equipment(a, 2, "FIRE", "消防泵", due=today + dt.timedelta(days=10))
    _equipment(a, 3, "GATE", "东门道闸", due=today - dt.timedelta(days=30), status=Equipment.Status.RETIRED)
    _equipment(b, 1, "CAM", "监控", due=today - dt.timedelta(days=1))
    complaint_file(
        actor=world.alice, compound=a, kind="snap", category_code="environment", description="垃圾"
    )
    cancelled = complaint_file(
        actor=world.alice, compound=a, kind="snap", category_code="environment", description="又满了"
    )
    complaint_transition(actor=world.alice, complaint=cancelled, to="cancelled", note="")
    complaint_file(
        actor=world.carol, compound=b, kind="snap", category_code="environment", description="楼道杂物"
    )
    now = timezone.now()
    assembly = Assembly.objects.create(
        compound=a,
        title="2026年第一次业主大会",
        status=Assembly.Status.PUBLISHED,
        opens_at=now - dt.timedelta(days=20),
        closes_at=now - dt.timedelta(days=10),
        published_at=now - dt.timedelta(days=9),
        roll_fingerprint="sha256:" + "0" * 64,
        heads_total=4,
        area_total=Decimal("390.75"),
        parts_total=4,
    )
    for position, (outcome, heads) in enumerate([("adopted", 3), ("rejected", 2)], start=1):
        motion = Motion.objects.create(
            assembly=assembly, position=position, title=f"事项{position}", category=9
        )
        MotionResult.objects.create(
            motion=motion,
            area_participating=Decimal("300.00"),
            area_for=Decimal("200.00"),
            area_against=Decimal("100.00"),
            area_abstain=Decimal("0"),
            heads_participating=heads,
            heads_for=heads - 1,
            heads_against=1,
            heads_abstain=0,
            outcome=outcome,
        )
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    record = disclosure_create(
        actor=world.firm_a,
        compound=a,
        kind="operating_statement",
        period=last_month,
        data={
            k: v for k, v in statement(period=last_month).items() if k not in ("compound", "kind", "period")
        },
    )
    disclosure_publish(actor=world.firm_a, disclosure=record)
    branch = Organisation.objects.create(
        code="ZB-QD-370212-0001", name="逸景公馆党支部", kind="compound_branch", compound=a
    )
    Member.objects.create(user=world.bob, organisation=branch)
    figures_refresh()
    return world


def test_the_refresh_writes_each_compounds_figures(district):
    # when
    a = CompoundFigure.objects.get(compound=district.compound_a)
    b = CompoundFigure.objects.get(compound=district.compound_b)

    # then
    assert (a.units, a.area, a.units_registered, a.committee_until is not None) == (
        4,
        Decimal("390.75"),
        2,
        True,
    )
    assert (
        a.assemblies_held,
        a.heads_participating,
        a.heads_total,
        a.motions_adopted,
        a.motions_decided,
    ) == (
        1,
        3,
        4,
        1,
        2,
    )
    assert (a.equipment, a.equipment_overdue, a.complaints_open) == (2, 1, 1)
    assert (b.units, b.area, b.units_registered, b.committee_until) == (1, Decimal("110.00"), 1, None)
    assert (b.assemblies_held, b.equipment, b.equipment_overdue, b.complaints_open) == (0, 1, 1, 1)
    # last month's statement: A published on time, B not yet; A has a branch and its one committee member is
    # a party member
    assert (a.disclosure_due, a.disclosure_on_time, a.disclosure_late) == (1, 1, 0)
    assert (b.disclosure_due, b.disclosure_on_time, b.disclosure_late) == (1, 0, 0)
    assert (a.party_branch, a.committee_seats, a.committee_party_seats) == (True, 1, 1)
    assert (b.party_branch, b.committee_seats) == (False, 0)


def test_a_second_refresh_clears_what_no_longer_holds(district):
    # given: the lift maintained, the committee dissolved
    Equipment.objects.filter(category="LIFT").update(next_due_on=timezone.localdate() + dt.timedelta(days=15))
    OwnersCommittee.objects.filter(compound=district.compound_a).update(filing_status="dissolved")

    # when
    rows, _seconds = figures_refresh()

    # then
    a = CompoundFigure.objects.get(compound=district.compound_a)
    assert rows == 2
    assert (a.equipment_overdue, a.committee_until) == (0, None)


def test_the_district_sums_its_streets_and_never_averages(district, django_assert_num_queries):
    # given
    region = Region.objects.get(code="370212")

    # when
    with django_assert_num_queries(7):  # children, figures, the month, the trend (snapshots twice, live)
        ov = region_overview(region=region)

    # then: the district's own figures are sums of its compounds'
    f = ov.own.figures
    assert [f[k] for k in ("compounds", "units", "units_registered", "committees")] == [2, 5, 3, 1]
    assert f["area"] == Decimal("500.75")
    assert [f[k] for k in ("assemblies_held", "heads_participating", "heads_total")] == [1, 3, 4]
    assert [f[k] for k in ("motions_adopted", "motions_decided", "equipment", "equipment_overdue")] == [
        1,
        2,
        3,
        2,
    ]
    assert (f["complaints_open"], f["m.cases"], f["m.cancelled"]) == (2, 3, 1)
    assert [f[k] for k in ("disclosure_due", "disclosure_on_time", "disclosure_late")] == [2, 1, 0]
    assert [f[k] for k in ("party_branches", "committees_seated", "committees_above_half")] == [1, 1, 1]
    # and each street holds one compound
    streets = {row.code: row.figures for row in ov.children}
    assert streets["370212001"]["units"] == 4 and streets["370212001"]["committees"] == 1
    assert streets["370212002"]["units"] == 1 and streets["370212002"]["committees"] == 0
    assert streets["370212001"]["m.cases"] == 2 and streets["370212002"]["m.cases"] == 1
    # the trend holds 12 months, the last this month's 3 cases
    assert len(ov.trend) == 12 and ov.trend[-1][1]["cases"] == 3


def test_a_community_lists_its_compounds(district):
    # when
    ov = region_overview(region=Region.objects.get(code="370212001001"))

    # then
    assert [(r.code, r.level, r.figures["units"]) for r in ov.children] == [("QD-370212-0001", "compound", 4)]


@pytest.mark.parametrize(
    ("who", "region", "expected"),
    [
        (None, "", HTTPStatus.FOUND),  # to the sign-in page
        ("alice", "", HTTPStatus.FORBIDDEN),
        ("firm_a", "", HTTPStatus.FORBIDDEN),
        ("bob", "", HTTPStatus.FORBIDDEN),  # the committee director is an owner, not an official
        ("official_a", "", HTTPStatus.OK),
        ("official_a", "370212002", HTTPStatus.NOT_FOUND),  # the other street
        ("official_a", "370212", HTTPStatus.NOT_FOUND),  # above one's own street
        ("official_district", "370212", HTTPStatus.OK),
        ("official_district", "370212002", HTTPStatus.OK),
    ],
)
def test_who_reads_which_region(district, who, region, expected):
    # given
    client = browser_as(getattr(district, who) if who else None)

    # when
    response = client.get(PAGE, {"region": region} if region else {})

    # then
    assert response.status_code == expected


def test_the_street_page_shows_its_figures_and_links_to_the_lists_behind_them(district):
    # given
    client = browser_as(district.official_a)

    # when
    html = client.get(PAGE).content.decode()

    # then
    assert "中韩街道 一图总览" in html and "海尔路社区" in html and "沙子口" not in html
    assert "2（50.00%）" in html  # 2 of 4 units with a registered owner
    assert "/admin/registry/unit/?region=370212001001" in html
    assert "/admin/registry/equipment/?region=370212001001&amp;overdue=yes" in html
    assert "/admin/voting/assembly/?region=370212001001&amp;status=published" in html
    assert 'src="/static/vendor/echarts/echarts.min.js"' in html and "<script>" not in html


def test_the_lists_behind_a_figure_hold_exactly_the_counted_rows(district):
    # given
    client = browser_as(district.official_district)

    # when
    units = client.get("/admin/registry/unit/", {"region": "370212001"})
    overdue = client.get("/admin/registry/equipment/", {"region": "370212", "overdue": "yes"})
    other = browser_as(district.official_a).get("/admin/registry/unit/", {"region": "370212002"})

    # then
    assert units.status_code == HTTPStatus.OK and len(units.context["cl"].result_list) == 4
    assert sorted(e.name for e in overdue.context["cl"].result_list) == ["1号电梯", "监控"]
    assert other.status_code == HTTPStatus.OK and len(other.context["cl"].result_list) == 0  # not one's own


def test_the_search_finds_compounds_only_within_ones_jurisdiction(district):
    # when / then
    assert [c.code for c in compound_search(user=district.official_district, q="海")] == [
        "QD-370212-0001",  # 海尔路 in its address
        "QD-370212-0002",
    ]
    assert [c.code for c in compound_search(user=district.official_a, q="海")] == ["QD-370212-0001"]
    assert [c.code for c in compound_search(user=district.official_a, q="QD-370212-0002")] == []
    page = browser_as(district.official_a).get("/overview/search/", {"q": "逸景"}).content.decode()
    assert "/overview/compounds/QD-370212-0001/" in page


def test_the_compound_card_answers_jinans_question_in_one_screen(district, django_assert_max_num_queries):
    # given
    client = browser_as(district.official_a)

    # when
    with django_assert_max_num_queries(20):
        response = client.get("/overview/compounds/QD-370212-0001/")
    refused = client.get("/overview/compounds/QD-370212-0002/")
    owner = browser_as(district.alice).get("/overview/compounds/QD-370212-0001/")

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "青岛甲物业服务有限公司" in html and "2.50" in html  # firm and contract
    assert "委员 1 人" in html
    assert "4 套房屋" in html and "已注册业主的房屋 2 套（50.00%）" in html
    assert "1号电梯" in html and "东门道闸" not in html  # overdue and in service only
    assert "2026年第一次业主大会" in html
    assert "已提交：1" in html  # open complaints by status, labelled
    assert refused.status_code == HTTPStatus.NOT_FOUND and owner.status_code == HTTPStatus.FORBIDDEN


def test_the_map_points_and_the_approximate_street_areas(district):
    # given: B placed, so both compounds have coordinates
    district.compound_b.lat, district.compound_b.lng = Decimal("36.0900"), Decimal("120.5600")
    district.compound_b.save(update_fields=["lat", "lng"])

    # when
    points = map_points(region=Region.objects.get(code="370212"), figure="units_registered")
    page = browser_as(district.official_district).get("/overview/map/", {"region": "370212"})

    # then
    assert [(p["code"], p["value"]) for p in points] == [("QD-370212-0001", 50.0), ("QD-370212-0002", 100.0)]
    assert street_hulls(points) == []  # one compound per street: no area to draw
    assert page.status_code == HTTPStatus.OK
    assert page.context["data"]["district"] == "370212"
    assert 'data-geo="/static/geo/370200-districts.json"' in page.content.decode()


def test_the_hull_of_a_streets_compounds():
    # given: a square with a point inside
    points = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 0.5)]

    # when / then: counter-clockwise, closed, the inner point left out
    assert hull(points) == [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
    assert hull([(0.0, 0.0), (1.0, 1.0)]) == []


def test_the_xlsx_holds_the_page_tables_as_text(district):
    # given
    client = browser_as(district.official_district)

    # when
    response = client.get("/overview/export.xlsx", {"region": "370212"})

    # then
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = [[c.value for c in row] for row in wb.worksheets[0].iter_rows(min_row=3)]
    assert rows[0][:3] == ["名称", "小区", "房屋"]
    assert rows[1][:3] == ["崂山区", 2, 5] and rows[2][0] == "中韩街道"
    assert len(wb.worksheets[1]["A"]) >= 14  # title, blank, header, 12 months


def test_the_city_page_costs_the_same_queries_with_more_compounds(district, django_assert_num_queries):
    # given: a superuser reads the city (all compounds); then a third compound appears
    from registry.models import User

    root = User.objects.create_superuser("root_overview", password="x")  # noqa: S106
    client = browser_as(root)
    client.get(PAGE)

    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PAGE).status_code == HTTPStatus.OK
        return len(ctx.captured_queries)

    before = queries()
    from registry.models import Compound

    Compound.objects.create(code="QD-370212-0003", name="新小区", community=district.compound_a.community)
    figures_refresh()

    # then
    assert queries() == before


def test_the_firms_are_ranked_by_the_months_cases_per_hundred_units(district):
    # when: 甲 serves A (4 units, 2 cases this month), 乙 serves B (1 unit, 1 case)
    firms = firm_ranking(region=Region.objects.get(code="370212"), month=timezone.localdate().replace(day=1))
    page = browser_as(district.official_district).get(PAGE, {"region": "370212"})

    # then
    assert [(f.name, f.figures["units"], f.figures["cases"], f.per_hundred_units) for f in firms] == [
        ("青岛甲物业服务有限公司", 4, 2, "50.00"),
        ("青岛乙物业服务有限公司", 1, 1, "100.00"),
    ]
    assert (firms[0].figures["disclosure_on_time"], firms[0].figures["disclosure_due"]) == (1, 1)
    rows = page.context["firm_rows"]
    assert rows[1][:6] == [1, "青岛甲物业服务有限公司", 1, 4, 2, "50.00"]
    assert rows[1][-1] == "1/1（100.00%）" and rows[2][-1] == "0/1（0.00%）"
