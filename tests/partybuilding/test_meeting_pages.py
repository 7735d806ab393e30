"""Recording joint meetings (红色议事厅) in the browser, through the same services and permissions as the API:
officials over the compound and members of its owners' committee record; firm staff of another compound and an
owner who is not on the committee are refused and nothing is written; a follow-up item is marked done."""

from http import HTTPStatus

from django.utils import timezone

from partybuilding.labels import FollowUpStatus
from partybuilding.models import Decision, FollowUp, Meeting, MeetingParticipant
from registry.models import AuditEvent, Message
from tests.conftest import browser_as
from tests.partybuilding.conftest import A

NEW = "/party/meetings/new/"


def _form(where: str = f"compound:{A}", owner: str = "firm_a") -> dict:
    return {
        "where": where,
        "title": "逸景公馆停车秩序联席会议",
        "held_at": "2026-12-01T19:00",
        "place": "社区红色议事厅",
        "minutes": "就地面停车秩序议事。",
        "side_community": "社区书记",
        "side_committee": "张伟、王丽",
        "side_firm": "物业项目经理",
        "d-TOTAL_FORMS": "2",
        "d-INITIAL_FORMS": "0",
        "d-MIN_NUM_FORMS": "0",
        "d-MAX_NUM_FORMS": "20",
        "d-0-text": "重新施划地面停车位",
        "d-0-follow_up": "物业出施划方案",
        "d-0-owner": owner,
        "d-0-due_on": "2026-12-10",
        "d-1-text": "",
    }


def _nothing_written() -> None:
    assert Meeting.objects.count() == 0
    assert MeetingParticipant.objects.count() == 0
    assert Decision.objects.count() == 0
    assert FollowUp.objects.count() == 0
    assert AuditEvent.objects.filter(verb="party.meeting.record").count() == 0


def test_an_official_over_the_compound_records_a_meeting_in_the_page(
    pworld, django_capture_on_commit_callbacks
):
    # given
    browser = browser_as(pworld.official_a)
    form_page = browser.get(NEW)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(NEW, _form())

    # then
    assert form_page.status_code == HTTPStatus.OK
    assert f'value="compound:{A}"' in form_page.content.decode()
    assert 'value="community:370212001001"' in form_page.content.decode()
    meeting = Meeting.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/party/meetings/{meeting.pk}/"
    assert (meeting.community.code, meeting.compound.code, meeting.recorded_by) == (
        "370212001001",
        A,
        pworld.official_a,
    )
    assert timezone.localtime(meeting.held_at).isoformat() == "2026-12-01T19:00:00+08:00"  # Beijing time
    assert list(meeting.participants.order_by("pk").values_list("side", "name")) == [
        ("community", "社区书记"),
        ("committee", "张伟"),
        ("committee", "王丽"),
        ("firm", "物业项目经理"),
    ]
    assert list(Decision.objects.values_list("text", flat=True)) == ["重新施划地面停车位"]
    item = FollowUp.objects.get()
    assert (item.text, item.owner, item.due_on.isoformat(), item.status) == (
        "物业出施划方案",
        pworld.firm_a,
        "2026-12-10",
        FollowUpStatus.OPEN,
    )
    assert list(Message.objects.values_list("user__username", flat=True)) == ["firm_a"]
    page = browser.get(response["Location"])
    assert page.status_code == HTTPStatus.OK
    assert "物业出施划方案" in page.content.decode()
    assert f"/party/follow-ups/{item.pk}/done/" in page.content.decode()


def test_a_committee_member_records_a_meeting_of_their_compound(pworld):
    # given: bob directs the committee of 逸景公馆; he may record only for the compound, not the community
    browser = browser_as(pworld.bob)
    form_page = browser.get(NEW).content.decode()

    # when
    response = browser.post(NEW, _form(owner="bob"))
    forged = browser.post(NEW, _form(where="community:370212001001"))

    # then
    assert f'value="compound:{A}"' in form_page
    assert "community:" not in form_page
    assert response.status_code == HTTPStatus.FOUND
    meeting = Meeting.objects.get()
    assert (meeting.compound.code, meeting.recorded_by) == (A, pworld.bob)
    assert forged.status_code == HTTPStatus.BAD_REQUEST  # not one of his choices
    assert Meeting.objects.count() == 1
    # alice sits on the same committee: she sees the meeting
    assert browser_as(pworld.alice).get(f"/party/meetings/{meeting.pk}/").status_code == HTTPStatus.OK


def test_firm_staff_of_another_compound_and_an_owner_off_the_committee_are_refused(pworld):
    # when
    firm_b_get = browser_as(pworld.firm_b).get(NEW)
    firm_b_post = browser_as(pworld.firm_b).post(NEW, _form())
    bella_get = browser_as(pworld.bella).get(NEW)  # co-owns 0102 in 逸景公馆, not on its committee
    bella_post = browser_as(pworld.bella).post(NEW, _form())
    carol_post = browser_as(pworld.carol).post(NEW, _form())
    other_official = browser_as(pworld.official_b).post(NEW, _form())

    # then
    assert firm_b_get.status_code == HTTPStatus.FORBIDDEN
    assert firm_b_post.status_code == HTTPStatus.FORBIDDEN
    assert bella_get.status_code == HTTPStatus.FORBIDDEN
    assert bella_post.status_code == HTTPStatus.FORBIDDEN
    assert carol_post.status_code == HTTPStatus.FORBIDDEN
    assert other_official.status_code == HTTPStatus.BAD_REQUEST  # 逸景公馆 is not among his places
    _nothing_written()


def test_an_unknown_follow_up_owner_is_shown_and_nothing_is_written(pworld):
    # when
    response = browser_as(pworld.official_a).post(NEW, _form(owner="nobody"))

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "责任人账号不存在。" in response.content.decode()
    _nothing_written()


def test_a_follow_up_is_marked_done_by_its_owner_and_not_by_others(pworld):
    # given
    browser_as(pworld.official_a).post(NEW, _form())
    item = FollowUp.objects.get()
    done_url = f"/party/follow-ups/{item.pk}/done/"

    # when
    bella = browser_as(pworld.bella).post(done_url)
    firm_b = browser_as(pworld.firm_b).post(done_url)
    mine = browser_as(pworld.firm_a).get("/party/meetings/")
    item.refresh_from_db()
    status_after_refusals = item.status
    done = browser_as(pworld.firm_a).post(done_url)
    again = browser_as(pworld.firm_a).post(done_url, follow=True)

    # then
    assert bella.status_code == HTTPStatus.NOT_FOUND
    assert firm_b.status_code == HTTPStatus.NOT_FOUND
    assert status_after_refusals == FollowUpStatus.OPEN
    assert "物业出施划方案" in mine.content.decode()  # the owner's own items on the list page
    assert done.status_code == HTTPStatus.FOUND
    assert done["Location"] == "/party/meetings/"  # firm_a does not see the meeting itself
    item.refresh_from_db()
    assert item.status == FollowUpStatus.DONE
    assert item.done_at is not None
    assert "该事项已办结。" in again.content.decode()
    assert AuditEvent.objects.filter(verb="party.follow_up.done", actor=pworld.firm_a).count() == 1


def test_the_committee_marks_an_item_of_their_compound_done(pworld):
    # given: an official recorded the meeting; bob (committee director) did not and owns no item
    browser_as(pworld.official_a).post(NEW, _form())
    item = FollowUp.objects.get()

    # when
    response = browser_as(pworld.bob).post(f"/party/follow-ups/{item.pk}/done/")

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/party/meetings/{item.decision.meeting_id}/"
    item.refresh_from_db()
    assert item.status == FollowUpStatus.DONE


def test_the_meeting_list_counts_its_queries(pworld, django_assert_max_num_queries):
    # given
    browser = browser_as(pworld.official_a)
    for _ in range(3):
        browser.post(NEW, _form())

    # when
    with django_assert_max_num_queries(16):
        page = browser.get("/party/meetings/")

    # then
    assert page.status_code == HTTPStatus.OK
    assert page.content.decode().count("/party/meetings/") >= 4
