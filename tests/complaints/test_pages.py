"""The complaint pages as owners and handlers use them: filing through the form, the case page with its public
timeline and the complainant's moves, the handlers' queue and case page; every refusal changes nothing."""

import re
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint, ComplaintEvent
from complaints.selectors import complaint_moves_for
from complaints.services.cases import Location, complaint_file, complaint_rate, complaint_transition
from tests.conftest import A_0101, A_0102, NAMES, browser_as

NEW = "/complaints/new/"
QUEUE = "/complaints/queue/"


def _case_url(case_id: int) -> str:
    return f"/complaints/{case_id}/"


def _handle_url(case_id: int) -> str:
    return f"/complaints/queue/{case_id}/"


def _form(**overrides) -> dict[str, str]:
    return {
        "compound": "QD-370212-0001",
        "kind": "snap",
        "category": "environment",
        "about": "other",
        "place": "building:QD-370212-0001:0005",
        "area": "5号楼门口",
        "description": "5号楼门口垃圾桶满溢两天无人清运",
    } | overrides


def _file(world, **overrides) -> Complaint:
    args = {
        "actor": world.alice,
        "compound": world.compound_a,
        "kind": "snap",
        "category_code": "environment",
        "description": "垃圾桶满溢",
        "location": Location(building="0005", area="5号楼门口"),
    } | overrides
    return complaint_file(**args)


def _state(case: Complaint) -> tuple:
    case.refresh_from_db()
    return (case.status, case.tier, case.round, ComplaintEvent.objects.filter(complaint=case).count())


def _to_verified(world, case: Complaint) -> None:
    for to, note in (("accepted", ""), ("dispatched", ""), ("in_progress", ""), ("resolved", "已清运")):
        complaint_transition(actor=world.firm_a, complaint=case, to=to, note=note)
    complaint_transition(actor=world.bob, complaint=case, to="verified")


# ------------------------------------------------------------------------------------------------ owners


def test_an_owner_files_through_the_form_and_lands_on_the_case_page(cworld):
    # given
    client = browser_as(cworld.alice)
    form_page = client.get(NEW)

    # when
    response = client.post(NEW, _form())

    # then
    assert form_page.status_code == HTTPStatus.OK
    case = Complaint.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == _case_url(case.pk)
    assert (case.complainant, case.kind, case.category.code, case.building.number, case.area, case.tier) == (
        cworld.alice,
        "snap",
        "environment",
        "0005",
        "5号楼门口",
        "butler",
    )
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert "由<strong>物业管家</strong>处理" in html
    assert '<ol class="timeline">' in html and "投诉人 · 已提交" in html
    assert "撤回" in html  # cancellable while submitted


def test_the_filing_form_lists_the_owners_own_flats_by_label_and_the_kinds_categories(cworld):
    # when
    html = browser_as(cworld.alice).get(f"{NEW}?kind=praise").content.decode()

    # then: her flat by its label, never another owner's; categories of other kinds disabled
    assert f'value="unit:{A_0101}">5号楼 1层 0101</option>' in html
    assert A_0102 not in html
    assert 'value="home_repair" data-kinds="repair" disabled hidden>' in html
    assert 'value="environment" data-kinds="complaint snap suggestion praise">' in html
    assert "投诉物业服务企业或其工作人员：不经物业" in html


def test_a_refused_filing_keeps_the_form_with_the_message_and_stores_nothing(cworld):
    # when: alice names bob's flat
    response = browser_as(cworld.alice).post(NEW, _form(place=f"unit:{A_0102}"))

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "只能选择您本人在本小区的房屋。" in html
    assert "5号楼门口垃圾桶满溢两天无人清运</textarea>" in html  # nothing lost
    assert Complaint.objects.count() == 0 and ComplaintEvent.objects.count() == 0


def test_the_rating_form_appears_only_once_verified_and_rating_closes_the_case(cworld):
    # given
    case = _file(cworld)
    client = browser_as(cworld.alice)
    before = client.get(_case_url(case.pk)).content.decode()
    _to_verified(cworld, case)

    # when
    verified = client.get(_case_url(case.pk)).content.decode()
    response = client.post(
        _case_url(case.pk), {"action": "rate", "satisfaction": "basically_satisfied", "solved": "yes"}
    )

    # then
    assert 'name="satisfaction"' not in before
    assert 'name="satisfaction"' in verified and "评价处理结果" in verified
    assert response.status_code == HTTPStatus.FOUND
    case.refresh_from_db()
    assert (case.status, case.satisfaction, case.solved) == ("closed", "basically_satisfied", True)
    closed = client.get(_case_url(case.pk)).content.decode()
    assert 'name="satisfaction"' not in closed
    assert "要求返工" in closed and "投诉人 · 评价：基本满意" in closed


def test_rework_needs_a_reason_and_then_reopens_the_case(cworld):
    # given: a closed case
    case = _file(cworld)
    _to_verified(cworld, case)
    complaint_rate(actor=cworld.alice, complaint=case, satisfaction="unsatisfied", solved=False)
    client = browser_as(cworld.alice)
    before = _state(case)

    # when
    refused = client.post(_case_url(case.pk), {"action": "move", "to": "in_progress", "note": ""})
    after_refusal = _state(case)
    done = client.post(_case_url(case.pk), {"action": "move", "to": "in_progress", "note": "仍未清运"})

    # then
    assert refused.status_code == HTTPStatus.BAD_REQUEST and "请填写说明。" in refused.content.decode()
    assert after_refusal == before
    assert done.status_code == HTTPStatus.FOUND
    assert _state(case)[:3] == ("in_progress", "butler", 2)


def test_the_owner_cancels_and_answers_through_the_case_page(cworld):
    # given: one case waiting for her, one just filed
    waiting = _file(cworld)
    for to, note in (
        ("accepted", ""),
        ("dispatched", ""),
        ("in_progress", ""),
        ("waiting_complainant", "请说明位置"),
    ):
        complaint_transition(actor=cworld.firm_a, complaint=waiting, to=to, note=note)
    fresh = _file(cworld, description="又满了")
    client = browser_as(cworld.alice)
    waiting_page = client.get(_case_url(waiting.pk)).content.decode()

    # when
    answered = client.post(_case_url(waiting.pk), {"action": "move", "to": "in_progress", "note": "东侧"})
    cancelled = client.post(_case_url(fresh.pk), {"action": "move", "to": "cancelled"})

    # then
    assert "补充说明/已回复" in waiting_page
    assert answered.status_code == cancelled.status_code == HTTPStatus.FOUND
    assert _state(waiting)[0] == "in_progress" and _state(fresh)[0] == "cancelled"


def test_an_owner_trying_a_handler_move_gets_403_and_nothing_changes(cworld):
    # given
    case = _file(cworld)
    before = _state(case)

    # when
    on_case_page = browser_as(cworld.alice).post(_case_url(case.pk), {"action": "move", "to": "accepted"})
    on_handler_page = browser_as(cworld.alice).post(_handle_url(case.pk), {"to": "accepted"})

    # then
    assert on_case_page.status_code == on_handler_page.status_code == HTTPStatus.FORBIDDEN
    assert 'data-status="403"' in on_case_page.content.decode()
    assert _state(case) == before


@pytest.mark.parametrize("who", ["carol", "bella", "firm_b", "official_b"])
def test_a_case_not_visible_is_404_on_both_pages(cworld, who):
    # given
    case = _file(cworld)
    before = _state(case)
    client = browser_as(getattr(cworld, who))

    # when
    pages = [client.get(_case_url(case.pk)), client.get(_handle_url(case.pk))]
    posted = client.post(_handle_url(case.pk), {"to": "accepted"})

    # then
    assert [p.status_code for p in pages] == [HTTPStatus.NOT_FOUND, HTTPStatus.NOT_FOUND]
    assert posted.status_code == HTTPStatus.NOT_FOUND
    assert _state(case) == before


def test_pages_need_a_login(cworld):
    # given
    case = _file(cworld)

    # when
    responses = [browser_as(None).get(url) for url in ("/complaints/", NEW, _case_url(case.pk), QUEUE)]

    # then
    assert [r.status_code for r in responses] == [HTTPStatus.FOUND] * 4
    assert all(r["Location"].startswith("/accounts/login/?next=") for r in responses)


def test_my_cases_list_shows_status_category_time_and_tier(cworld):
    # given
    case = _file(cworld)
    _file(cworld, actor=cworld.bob, description="bob 的")

    # when
    html = browser_as(cworld.alice).get("/complaints/").content.decode()

    # then
    assert re.findall(r'href="/complaints/(\d+)/"', html) == [str(case.pk)]  # hers only
    assert "随手拍 · 环境卫生" in html and "已提交" in html and "处理方：物业管家" in html
    beijing = case.submitted_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{beijing:%Y-%m-%d %H:%M} 提交" in html


def test_the_owner_home_links_the_complaint_pages(cworld):
    # when
    html = browser_as(cworld.alice).get("/").content.decode()

    # then
    assert "投诉与报事" in html and 'href="/complaints/new/"' in html and 'href="/complaints/"' in html


# ---------------------------------------------------------------------------------------------- handlers


def test_the_firms_queue_lists_the_butler_case_and_not_a_case_about_the_firm(cworld):
    # given
    butler = _file(cworld)
    about_firm = _file(cworld, kind="complaint", category_code="service", about="firm")

    # when
    html = browser_as(cworld.firm_a).get(QUEUE).content.decode()

    # then
    assert f'href="{_handle_url(butler.pk)}"' in html
    assert f'href="{_handle_url(about_firm.pk)}"' not in html
    assert f"#{about_firm.pk}" not in html


def test_the_queue_filters_by_state(cworld):
    # given
    first = _file(cworld)
    second = _file(cworld, description="第二件")
    complaint_transition(actor=cworld.firm_a, complaint=second, to="accepted")

    # when
    html = browser_as(cworld.firm_a).get(f"{QUEUE}?status=accepted").content.decode()

    # then
    assert f'href="{_handle_url(second.pk)}"' in html and f'href="{_handle_url(first.pk)}"' not in html


def test_the_firms_case_page_shows_internal_entries_and_never_the_complainants_identity(cworld):
    # given: a repair in alice's flat without a home visit, with an internal note
    case = _file(
        cworld, kind="repair", category_code="facility_repair", location=Location(unit_number=A_0101)
    )
    complaint_transition(
        actor=cworld.firm_a, complaint=case, to="accepted", note="内部：先查配件", public=False
    )

    # when
    firm_page = browser_as(cworld.firm_a).get(_handle_url(case.pk))
    owner_page = browser_as(cworld.alice).get(_case_url(case.pk)).content.decode()

    # then
    html = firm_page.content.decode()
    assert firm_page.status_code == HTTPStatus.OK
    assert "内部：先查配件" in html and "内部记录" in html
    for secret in ("alice", NAMES["alice"], "13800138000", A_0101, "0101"):
        assert secret not in html, secret
    assert "内部：先查配件" not in owner_page
    assert "5号楼 1层 0101" in owner_page


def test_the_firm_moves_a_case_through_the_page(cworld):
    # given
    case = _file(cworld)
    client = browser_as(cworld.firm_a)
    page = client.get(_handle_url(case.pk)).content.decode()

    # when
    accepted = client.post(_handle_url(case.pk), {"to": "accepted", "note": "", "public": "on"})
    dispatched = client.post(_handle_url(case.pk), {"to": "dispatched", "note": "派保洁班组"})
    no_note = client.post(_handle_url(case.pk), {"to": "returned", "note": ""})

    # then
    assert 'id="move-accepted"' in page and 'id="move-rejected"' in page and 'id="move-merged"' in page
    assert 'id="move-cancelled"' not in page and 'id="move-verified"' not in page
    assert accepted.status_code == dispatched.status_code == HTTPStatus.FOUND
    assert no_note.status_code == HTTPStatus.BAD_REQUEST and "请填写说明。" in no_note.content.decode()
    case.refresh_from_db()
    assert case.status == "dispatched"
    events = list(case.events.order_by("at", "pk").values_list("to_status", "role", "public", "text"))
    assert events[1:] == [("accepted", "firm", True, ""), ("dispatched", "firm", False, "派保洁班组")]


def test_the_moves_offered_come_from_the_rules_for_each_role(cworld):
    # given
    case = _file(cworld)
    _to_verified(cworld, case)
    submitted = _file(cworld, description="另一件")
    case.refresh_from_db()

    # then
    assert complaint_moves_for(user=cworld.alice, complaint=submitted) == ["cancelled"]
    assert complaint_moves_for(user=cworld.firm_a, complaint=submitted) == ["accepted", "rejected", "merged"]
    assert complaint_moves_for(user=cworld.bob, complaint=submitted) == []
    assert complaint_moves_for(user=cworld.official_a, complaint=submitted) == [
        "accepted",
        "rejected",
        "merged",
    ]
    assert complaint_moves_for(user=cworld.carol, complaint=submitted) == []
    assert complaint_moves_for(user=cworld.alice, complaint=case) == []  # verified: her turn is the rating


def test_a_handler_opening_the_owner_page_is_sent_to_the_handler_page(cworld):
    # given
    case = _file(cworld)

    # when
    firm = browser_as(cworld.firm_a).get(_case_url(case.pk))
    owner = browser_as(cworld.alice).get(_handle_url(case.pk))

    # then
    assert (firm.status_code, firm["Location"]) == (HTTPStatus.FOUND, _handle_url(case.pk))
    assert (owner.status_code, owner["Location"]) == (HTTPStatus.FOUND, _case_url(case.pk))


def test_the_queue_page_costs_the_same_queries_for_one_case_or_five(cworld, django_assert_max_num_queries):
    # given
    client = browser_as(cworld.firm_a)
    _file(cworld, location=Location(unit_number=A_0101), allow_home_visit=True)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as one:
        assert client.get(QUEUE).status_code == HTTPStatus.OK
    for i in range(4):
        _file(
            cworld, description=f"第{i}件", location=Location(unit_number=A_0101), allow_home_visit=i % 2 == 0
        )

    # when / then
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(QUEUE).content.decode()
    assert html.count('class="q-row') == 5


def test_the_case_page_reads_in_english_from_the_catalogue(cworld):
    # given
    case = _file(cworld)
    client = browser_as(cworld.alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    # when
    html = client.get(_case_url(case.pk)).content.decode()

    # then
    assert "Handled by <strong>Property butler</strong>." in html
    assert "Complainant · Submitted" in html and "Snap report" in html


def test_the_committee_verifies_the_butlers_result_through_the_page_and_the_owner_may_then_rate(cworld):
    # given: the butler resolved it
    case = _file(cworld)
    for to, note in (("accepted", ""), ("dispatched", ""), ("in_progress", ""), ("resolved", "已清运")):
        complaint_transition(actor=cworld.firm_a, complaint=case, to=to, note=note)
    client = browser_as(cworld.bob)
    page = client.get(_handle_url(case.pk)).content.decode()

    # when
    response = client.post(_handle_url(case.pk), {"to": "verified", "public": "on"})

    # then: the reviewer's two moves were offered (verify, or send back with a reason)
    assert 'id="move-verified"' in page and 'id="move-in_progress"' in page and "核查不通过，退回重办" in page
    assert response.status_code == HTTPStatus.FOUND
    assert _state(case)[0] == "verified"
    assert 'name="satisfaction"' in browser_as(cworld.alice).get(_case_url(case.pk)).content.decode()


def test_a_move_made_stale_by_another_handler_is_refused_on_the_page_and_changes_nothing(cworld):
    # given: the case was accepted meanwhile
    case = _file(cworld)
    complaint_transition(actor=cworld.official_a, complaint=case, to="accepted")
    before = _state(case)

    # when
    response = browser_as(cworld.firm_a).post(_handle_url(case.pk), {"to": "accepted", "public": "on"})

    # then
    assert response.status_code == HTTPStatus.CONFLICT
    assert "案件当前为“已受理”，不能变为“已受理”。" in response.content.decode()
    assert _state(case) == before


def test_merging_into_a_case_the_handler_cannot_see_is_refused_without_saying_more(cworld):
    # given: a case in 海韵小区 the firm of 逸景公馆 cannot see
    case = _file(cworld)
    elsewhere = _file(cworld, actor=cworld.carol, compound=cworld.compound_b, location=Location(area="大门"))
    before = _state(case)

    # when
    response = browser_as(cworld.firm_a).post(
        _handle_url(case.pk), {"to": "merged", "merged_into": str(elsewhere.pk), "public": "on"}
    )

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "请选择本小区一件未办结的案件作为合并目标。" in response.content.decode()
    assert _state(case) == before


def test_the_street_office_queue_holds_the_street_cases_and_filters_by_tier(cworld):
    # given
    street = _file(cworld, kind="complaint", category_code="illegal_construction")
    butler = _file(cworld)

    # when
    all_of_it = browser_as(cworld.official_a).get(QUEUE).content.decode()
    butler_tier = browser_as(cworld.official_a).get(f"{QUEUE}?tier=butler").content.decode()

    # then
    assert f'href="{_handle_url(street.pk)}"' in all_of_it
    assert f'href="{_handle_url(butler.pk)}"' not in all_of_it
    assert 'class="q-row' not in butler_tier and "目前没有待您处理的案件。" in butler_tier
