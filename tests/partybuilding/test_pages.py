"""Owner pages (phone first): find a party member and tasks, through the same services and permissions as
the API."""

import io
from http import HTTPStatus

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from partybuilding.models import Task, TaskPhoto, Volunteer, VolunteerRequest
from registry.models import Message
from tests.conftest import browser_as


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 10)).save(buffer, "JPEG")
    return SimpleUploadedFile("done.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_the_find_a_member_page_shows_only_the_chosen_fields(pworld):
    # when
    page = browser_as(pworld.alice).get("/party/")
    elsewhere = browser_as(pworld.carol).get("/party/")
    anonymous = browser_as(None).get("/party/")

    # then
    text = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert "王丽" in text  # alice shows her name
    assert "李娜" not in text  # bella shows her building and post, not her name
    assert "5号楼" in text and "业委会委员" in text and "调解、助老" in text
    assert "13800138000" not in text
    assert 'name="viewport"' in text
    assert "本小区暂时没有登记的志愿党员。" in elsewhere.content.decode()
    assert anonymous.status_code == HTTPStatus.FOUND


def test_asking_a_volunteer_and_replying_through_the_pages(pworld, django_capture_on_commit_callbacks):
    # given
    bella = Volunteer.objects.get(member__user=pworld.bella)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        asked = browser_as(pworld.bob).post(
            f"/party/volunteers/{bella.pk}/ask/", {"text": "能帮忙修下水管吗"}
        )
    request = VolunteerRequest.objects.get()
    replied = browser_as(pworld.bella).post(f"/party/requests/{request.pk}/", {"text": "明早过去"})
    thread = browser_as(pworld.bob).get(f"/party/requests/{request.pk}/")
    stranger = browser_as(pworld.alice).get(f"/party/requests/{request.pk}/")

    # then
    assert asked.status_code == HTTPStatus.FOUND
    assert asked["Location"] == f"/party/requests/{request.pk}/"
    assert replied.status_code == HTTPStatus.FOUND
    assert "明早过去" in thread.content.decode()
    assert stranger.status_code == HTTPStatus.NOT_FOUND
    assert Message.objects.filter(user=pworld.bella, link=f"/party/requests/{request.pk}/").count() == 1


def test_a_task_through_the_pages_from_posting_to_confirmation(pworld):
    # given
    posted = browser_as(pworld.bob).post(
        "/party/tasks/new/", {"compound": "QD-370212-0001", "title": "楼道杂物清理", "description": "3楼"}
    )
    task = Task.objects.get()

    # when
    claim_page = browser_as(pworld.alice).get(f"/party/tasks/{task.pk}/")
    claimed = browser_as(pworld.alice).post(f"/party/tasks/{task.pk}/", {"action": "claim"})
    not_mine = browser_as(pworld.bella).post(
        f"/party/tasks/{task.pk}/", {"action": "complete", "report": "好了"}
    )
    completed = browser_as(pworld.alice).post(
        f"/party/tasks/{task.pk}/", {"action": "complete", "report": "已清理", "photos": [_photo()]}
    )
    confirmed = browser_as(pworld.bob).post(
        f"/party/tasks/{task.pk}/", {"action": "confirm", "rating": "4", "note": "好"}
    )

    # then
    assert posted.status_code == HTTPStatus.FOUND
    assert "我来认领" in claim_page.content.decode()
    assert (claimed.status_code, not_mine.status_code, completed.status_code, confirmed.status_code) == (
        HTTPStatus.FOUND,
        HTTPStatus.FORBIDDEN,
        HTTPStatus.FOUND,
        HTTPStatus.FOUND,
    )
    task.refresh_from_db()
    assert (task.status, task.report, task.rating, task.note) == ("confirmed", "已清理", 4, "好")
    assert TaskPhoto.objects.filter(task=task).count() == 1
    listing = browser_as(pworld.bob).get("/party/tasks/?status=confirmed").content.decode()
    assert "楼道杂物清理" in listing


def test_claiming_twice_on_the_page_shows_the_refusal(pworld):
    # given
    browser_as(pworld.bob).post("/party/tasks/new/", {"compound": "QD-370212-0001", "title": "帮忙取快递"})
    task = Task.objects.get()
    browser_as(pworld.alice).post(f"/party/tasks/{task.pk}/", {"action": "claim"})

    # when
    again = browser_as(pworld.bella).post(f"/party/tasks/{task.pk}/", {"action": "claim"})

    # then
    assert again.status_code == HTTPStatus.CONFLICT
    assert "该任务已被其他党员认领。" in again.content.decode()
    task.refresh_from_db()
    assert task.claimer.user == pworld.alice


def test_who_may_post_on_the_page(pworld):
    # when
    firm = browser_as(pworld.firm_a).get("/party/tasks/new/")
    refused = browser_as(pworld.carol).post("/party/tasks/new/", {"compound": "QD-370212-0001", "title": "x"})

    # then
    assert "只有小区业主、业主委员会和社区可以发布需求。" in firm.content.decode()
    assert refused.status_code == HTTPStatus.BAD_REQUEST  # not among her choices
    assert Task.objects.count() == 0


def test_the_owner_home_points_to_the_party_pages(pworld):
    # when
    home = browser_as(pworld.bob).get("/").content.decode()

    # then
    assert 'href="/party/"' in home
    assert 'href="/party/tasks/"' in home
