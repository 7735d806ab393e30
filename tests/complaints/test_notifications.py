import datetime as dt

from complaints.models import Clock, Complaint
from complaints.selectors import street_officials_over
from complaints.services.clocks import clocks_check_due
from registry.models import Compound, Message
from tests.complaints.test_clocks import FRIDAY_10, _file, _move, at
from tests.conftest import NAMES


def _inbox():
    return sorted((m.user.username, m.link) for m in Message.objects.select_related("user"))


def test_filing_notifies_the_firms_account_and_nobody_else(cworld, django_capture_on_commit_callbacks):
    # given / when
    with django_capture_on_commit_callbacks(execute=True):
        case_id = _file(cworld.alice, FRIDAY_10)
    # then
    assert _inbox() == [("firm_a", f"/complaints/queue/{case_id}/")]


def test_a_case_about_the_firm_goes_to_the_committee_never_the_firm(
    cworld, django_capture_on_commit_callbacks
):
    # given / when
    with django_capture_on_commit_callbacks(execute=True):
        case_id = _file(cworld.alice, FRIDAY_10, about="firm")
    # then
    assert _inbox() == [("bob", f"/complaints/queue/{case_id}/")]


def test_two_bounces_notify_the_committee(cworld, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        case_id = _file(cworld.alice, FRIDAY_10)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        _move(cworld.firm_a, case_id, FRIDAY_10, "accepted")
        _move(cworld.firm_a, case_id, FRIDAY_10, "returned", "不属于物业服务范围")
        _move(cworld.firm_a, case_id, FRIDAY_10, "dispatched")
        _move(cworld.firm_a, case_id, FRIDAY_10, "returned", "仍不属于")
    # then
    assert ("bob", f"/complaints/queue/{case_id}/") in _inbox()
    assert Message.objects.filter(user=cworld.bob).count() == 1


def test_a_breach_notifies_handlers_and_the_street_once(cworld, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        case_id = _file(cworld.alice, FRIDAY_10)
    # when: the beat runs twice after the respond clock's 20 minutes
    for _ in range(2):
        with at(FRIDAY_10 + dt.timedelta(minutes=21)), django_capture_on_commit_callbacks(execute=True):
            clocks_check_due()
    # then
    breach = Message.objects.filter(key__contains=":breached:")
    assert sorted(breach.values_list("user__username", flat=True)) == ["firm_a", "official_a"]
    assert {m.link for m in breach} == {f"/complaints/queue/{case_id}/"}


def test_the_complainant_is_asked_to_rate_once_verified(cworld, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        case_id = _file(cworld.alice, FRIDAY_10)
        _move(cworld.firm_a, case_id, FRIDAY_10, "accepted")
        _move(cworld.firm_a, case_id, FRIDAY_10, "dispatched")
        _move(cworld.firm_a, case_id, FRIDAY_10, "in_progress")
        _move(cworld.firm_a, case_id, FRIDAY_10, "resolved", "已处理")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        _move(cworld.bob, case_id, FRIDAY_10, "verified")
    # then
    mine = Message.objects.filter(user=cworld.alice)
    assert [(m.title, m.link) for m in mine] == [(f"请评价：第 {case_id} 号投诉", f"/complaints/{case_id}/")]


def test_no_handler_message_names_the_complainant_or_the_room(cworld, django_capture_on_commit_callbacks):
    # given / when
    with django_capture_on_commit_callbacks(execute=True):
        case_id = _file(cworld.alice, FRIDAY_10)
    with at(FRIDAY_10 + dt.timedelta(minutes=21)), django_capture_on_commit_callbacks(execute=True):
        clocks_check_due()
    # then
    texts = [m.title + m.body for m in Message.objects.exclude(user=cworld.alice)]
    assert len(texts) >= 2
    for text in texts:
        assert "alice" not in text and NAMES["alice"] not in text and "0101" not in text
    assert str(case_id) in texts[0]


def test_eighty_percent_warns_the_handlers_only(cworld, django_capture_on_commit_callbacks):
    # given: the respond clock's 20 minutes; 80 % is reached at 16
    with django_capture_on_commit_callbacks(execute=True):
        case_id = _file(cworld.alice, FRIDAY_10)
    # when
    with at(FRIDAY_10 + dt.timedelta(minutes=17)), django_capture_on_commit_callbacks(execute=True):
        clocks_check_due()
    # then: the firm is warned, the street is not (only a breach reaches it)
    warned = Message.objects.filter(key__contains=":warn80:")
    assert [(m.user.username, m.title) for m in warned] == [("firm_a", f"投诉即将超时：第 {case_id} 号")]


def test_a_fifty_percent_mark_is_shown_in_the_queue_and_sends_nothing(
    cworld, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        _file(cworld.alice, FRIDAY_10)
    # when: the beat after 11 minutes (50 % of the respond clock)
    with at(FRIDAY_10 + dt.timedelta(minutes=11)), django_capture_on_commit_callbacks() as callbacks:
        clocks_check_due()
    # then: the clock's level moved, but no notification task was even scheduled
    assert Clock.objects.get(kind="respond").level == "warn50"
    assert callbacks == []
    assert Message.objects.count() == 1  # the filing's


def test_supervision_after_a_resolve_breach_tells_the_committee(cworld, django_capture_on_commit_callbacks):
    # given: accepted and dispatched in time, never resolved
    with django_capture_on_commit_callbacks(execute=True):
        case_id = _file(cworld.alice, FRIDAY_10)
        _move(cworld.firm_a, case_id, FRIDAY_10, "accepted")
        _move(cworld.firm_a, case_id, FRIDAY_10, "dispatched")
    # when: the beat after the resolve clock's day has run out
    with at(FRIDAY_10 + dt.timedelta(days=1, minutes=1)), django_capture_on_commit_callbacks(execute=True):
        clocks_check_due()
    # then: 督办 raised the case to the committee, whose director hears of it as a new case of theirs
    assert Complaint.objects.get(pk=case_id).tier == "committee"
    bob = Message.objects.filter(user=cworld.bob, key__contains=":tier:committee:")
    assert [(m.title, m.link) for m in bob] == [
        (f"新的投诉待办：第 {case_id} 号", f"/complaints/queue/{case_id}/")
    ]


def test_the_complainant_is_asked_for_details_and_told_of_a_rejection(
    cworld, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        waiting = _file(cworld.alice, FRIDAY_10)
        rejected = _file(cworld.alice, FRIDAY_10, description="楼上装修噪音")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        _move(cworld.firm_a, waiting, FRIDAY_10, "accepted")
        _move(cworld.firm_a, waiting, FRIDAY_10, "dispatched")
        _move(cworld.firm_a, waiting, FRIDAY_10, "in_progress")
        _move(cworld.firm_a, waiting, FRIDAY_10, "waiting_complainant", "请说明具体是哪个垃圾桶")
        _move(cworld.firm_a, rejected, FRIDAY_10, "rejected", "邻里纠纷请联系社区调解")
    # then
    mine = Message.objects.filter(user=cworld.alice).order_by("pk")
    assert [(m.title, m.link) for m in mine] == [
        (f"请补充说明：第 {waiting} 号投诉", f"/complaints/{waiting}/"),
        (f"投诉未受理，可申诉：第 {rejected} 号", f"/complaints/{rejected}/"),
    ]


def test_the_street_officials_over_a_compound_are_found_in_one_query(cworld, django_assert_num_queries):
    # given
    compound = Compound.objects.select_related("community").get(code="QD-370212-0001")
    # when
    with django_assert_num_queries(1):
        officials = street_officials_over(compound=compound)
    # then: the street's and the district's officials are over it; only street and community levels count
    assert [u.username for u in officials] == ["official_a"]
