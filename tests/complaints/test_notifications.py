import datetime as dt

from complaints.services.clocks import clocks_check_due
from registry.models import Message
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
