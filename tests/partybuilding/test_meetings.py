"""Joint meetings (红色议事厅): minutes, participants, decisions and follow-up items; overdue items flagged
once each by the beat task on a controllable clock, their owners told in-app."""

import datetime as dt
from http import HTTPStatus
from zoneinfo import ZoneInfo

from partybuilding.models import FollowUp, Meeting
from partybuilding.services.meetings import follow_ups_flag_overdue
from partybuilding.tasks import flag_overdue_follow_ups
from registry.models import AuditEvent, Message
from tests.conftest import api_as
from tests.partybuilding.conftest import A

BEIJING = ZoneInfo("Asia/Shanghai")
MEETINGS = "/api/v1/party-meetings/"


def _body(first_due="2026-12-10", second_due="2026-12-20") -> dict:
    return {
        "community": "370212001001",
        "compound": A,
        "title": "逸景公馆停车秩序联席会议",
        "held_at": "2026-12-01T19:00:00+08:00",
        "place": "社区红色议事厅",
        "minutes": "社区、业委会、物业、居民代表和社区民警就地面停车秩序议事。",
        "participants": [
            {"side": "community", "name": "社区书记"},
            {"side": "committee", "name": "张伟"},
            {"side": "firm", "name": "物业项目经理"},
            {"side": "police", "name": "社区民警"},
        ],
        "decisions": [
            {
                "text": "重新施划地面停车位",
                "follow_ups": [
                    {"text": "物业出施划方案", "owner": "firm_a", "due_on": first_due},
                    {"text": "业委会征求业主意见", "owner": "bob", "due_on": second_due},
                ],
            }
        ],
    }


def _at(day: str, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=BEIJING)


def test_an_official_records_a_meeting_and_the_owners_hear_of_their_items(
    pworld, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(pworld.official_a).post(MEETINGS, _body(), format="json")

    # then
    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    assert [p["side"] for p in body["participants"]] == ["community", "committee", "firm", "police"]
    assert [(f["owner"], f["due_on"], f["status"]) for f in body["decisions"][0]["follow_ups"]] == [
        ("firm_a", "2026-12-10", "open"),
        ("bob", "2026-12-20", "open"),
    ]
    assert sorted(Message.objects.values_list("user__username", flat=True)) == ["bob", "firm_a"]
    assert AuditEvent.objects.filter(verb="party.meeting.record", actor=pworld.official_a).count() == 1
    assert api_as(pworld.official_b).get(MEETINGS).json()["count"] == 0
    assert api_as(pworld.official_district).get(MEETINGS).json()["count"] == 1


def test_officials_of_another_street_and_owners_cannot_record(pworld):
    # when
    other = api_as(pworld.official_b).post(MEETINGS, _body(), format="json")
    owner = api_as(pworld.bella).post(MEETINGS, _body(), format="json")  # not on the committee

    # then
    assert other.status_code == HTTPStatus.NOT_FOUND  # the compound is not theirs to see
    assert owner.status_code == HTTPStatus.FORBIDDEN
    assert Meeting.objects.count() == 0
    assert FollowUp.objects.count() == 0


def test_overdue_items_are_flagged_once_on_a_controllable_clock(pworld, django_capture_on_commit_callbacks):
    # given
    api_as(pworld.official_a).post(MEETINGS, _body(), format="json")
    firm_item = FollowUp.objects.get(owner=pworld.firm_a)
    bob_item = FollowUp.objects.get(owner=pworld.bob)

    # when: on the due day itself; just after midnight Beijing the day after; once more; bob's done in time
    with django_capture_on_commit_callbacks(execute=True):
        on_due_day = follow_ups_flag_overdue(now=_at("2026-12-10", 23, 59))
        day_after = follow_ups_flag_overdue(now=_at("2026-12-11", 0, 30))
        again = follow_ups_flag_overdue(now=_at("2026-12-11", 9, 0))
    done = api_as(pworld.bob).post(f"/api/v1/party-follow-ups/{bob_item.pk}/done/")
    with django_capture_on_commit_callbacks(execute=True):
        after_bobs_due = follow_ups_flag_overdue(now=_at("2026-12-21"))

    # then
    assert (on_due_day, day_after, again, after_bobs_due) == (0, 1, 0, 0)
    firm_item.refresh_from_db()
    assert firm_item.overdue_at == _at("2026-12-11", 0, 30)
    overdue = Message.objects.filter(key__endswith=".overdue")
    assert list(overdue.values_list("user__username", "key")) == [
        ("firm_a", f"party.followup.{firm_item.pk}.overdue")
    ]
    assert overdue.get().title == "联席会议交办事项已逾期（期限 2026-12-10）"
    assert done.status_code == HTTPStatus.OK
    assert done.json()["status"] == "done"
    assert AuditEvent.objects.filter(verb="party.follow_up.overdue").count() == 1
    meeting = api_as(pworld.official_a).get(f"{MEETINGS}{firm_item.decision.meeting_id}/").json()
    assert [(f["owner"], f["overdue"], f["status"]) for f in meeting["decisions"][0]["follow_ups"]] == [
        ("firm_a", True, "open"),
        ("bob", False, "done"),
    ]


def test_marking_done_twice_or_by_a_stranger_is_refused(pworld):
    # given
    api_as(pworld.official_a).post(MEETINGS, _body(), format="json")
    item = FollowUp.objects.get(owner=pworld.bob)
    api_as(pworld.bob).post(f"/api/v1/party-follow-ups/{item.pk}/done/")
    other = FollowUp.objects.get(owner=pworld.firm_a)

    # when
    twice = api_as(pworld.bob).post(f"/api/v1/party-follow-ups/{item.pk}/done/")
    stranger = api_as(pworld.carol).post(f"/api/v1/party-follow-ups/{other.pk}/done/")

    # then
    assert (twice.status_code, twice.json()["code"]) == (HTTPStatus.CONFLICT, "invalid_transition")
    assert stranger.status_code == HTTPStatus.NOT_FOUND
    other.refresh_from_db()
    assert (other.status, other.done_at) == ("open", None)


def test_the_beat_task_flags_with_the_real_clock(pworld, django_capture_on_commit_callbacks):
    # given: items due long ago
    api_as(pworld.official_a).post(MEETINGS, _body("2020-01-10", "2020-01-20"), format="json")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        flag_overdue_follow_ups()
        flag_overdue_follow_ups()

    # then
    assert FollowUp.objects.filter(overdue_at__isnull=False).count() == 2
    assert Message.objects.filter(key__endswith=".overdue").count() == 2
