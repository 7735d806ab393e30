"""The admin of the registration feed: fixing and re-applying quarantined lines, and the live progress of sync
runs (an htmx-polled fragment that stops polling once a run has ended)."""

import datetime as dt
import json
from dataclasses import dataclass
from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry.models import AuditEvent, Ownership, QuarantinedRecord, SyncRun, Unit, User
from registry.services.registration import registration_feed_apply
from tests.conftest import IDS, PARCEL_A, PASSWORD, World, browser_as, person, unit_number
from tests.factories import feed_line

SOURCE = "file:feed-2025-03-02.jsonl"
A_0301 = unit_number(PARCEL_A, 5, "0301")
A_0401 = unit_number(PARCEL_A, 5, "0401")
HTMX_SCRIPT = '<script src="/static/django_htmx/htmx-2.min.js" defer></script>'


@dataclass
class Feed:
    world: World
    root: User
    shares: QuarantinedRecord  # shares summing to 2/3
    transfer: QuarantinedRecord  # a TRANSFER whose unit is not registered yet


@pytest.fixture
def feed(world: World) -> Feed:
    root = User.objects.create_superuser("root", password=PASSWORD)
    shares = feed_line(
        A_0301,
        [{**person("alice"), "share": "1/3"}, {**person("bob"), "share": "1/3", "certificate_holder": False}],
        co_ownership="shares",
    )
    transfer = feed_line(A_0401, [person("carol")], event_type="TRANSFER")
    registration_feed_apply(lines=[shares, transfer], source=SOURCE)
    records = QuarantinedRecord.objects.filter(source=SOURCE)
    return Feed(
        world=world,
        root=root,
        shares=records.get(code="shares_not_one"),
        transfer=records.get(code="unknown_unit"),
    )


def page(client: Client, url: str, **params: str):
    """GET a page and check it shows no raw ID number."""
    response = client.get(url, params)
    assert_no_id_numbers(response.content.decode())
    return response


def assert_no_id_numbers(html: str) -> None:
    for id_number in IDS.values():
        assert id_number not in html


def change_url(obj) -> str:
    return reverse(f"admin:registry_{obj._meta.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    return reverse(f"admin:registry_{model._meta.model_name}_changelist")


def reapply_url(record: QuarantinedRecord) -> str:
    return reverse("admin:registry_quarantinedrecord_reapply", args=[record.pk])


def progress_url(run: SyncRun) -> str:
    return reverse("admin:registry_syncrun_progress", args=[run.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def fixed_shares(record: QuarantinedRecord) -> str:
    event = json.loads(record.raw)
    for holder in event["holders"]:
        holder["share"] = "1/2"
    return json.dumps(event, ensure_ascii=False, indent=2)


def sync_run(*, status: str = SyncRun.Status.RUNNING, source: str = SOURCE, **counts: int) -> SyncRun:
    """A run that started two minutes before its last progress report."""
    run = SyncRun.objects.create(source=source, status=status, **counts)
    started = timezone.now() - dt.timedelta(minutes=5)
    ended = started + dt.timedelta(minutes=2)
    finished = ended if status != SyncRun.Status.RUNNING else None
    SyncRun.objects.filter(pk=run.pk).update(started_at=started, updated_at=ended, finished_at=finished)
    run.refresh_from_db()
    return run


# ----------------------------------------------------------------------------------------- quarantine


def test_the_page_of_an_open_line_offers_the_text_to_fix_and_both_buttons(feed: Feed):
    # given
    client = browser_as(feed.world.official_a)

    # when
    response = page(client, change_url(feed.shares))

    # then
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert f'action="{reapply_url(feed.shares)}"' in html
    assert 'name="_reapply"' in html
    assert 'name="_dismiss"' in html
    textarea = response.context["reapply_raw"]
    assert json.loads(textarea) == json.loads(feed.shares.raw)
    assert textarea.count("\n") > 10  # indented for editing
    assert 'name="raw"' in html


def test_an_official_fixes_the_text_and_reapplies_it_from_the_page(feed: Feed):
    # given
    client = browser_as(feed.world.official_a)

    # when
    response = client.post(reapply_url(feed.shares), {"raw": fixed_shares(feed.shares), "_reapply": "1"})

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == change_url(feed.shares)
    assert messages_of(response) == [f"已重新应用 隔离记录 #{feed.shares.pk}（序号 {feed.shares.seq}）。"]
    feed.shares.refresh_from_db()
    assert feed.shares.status == QuarantinedRecord.Status.REAPPLIED
    unit = Unit.objects.get(unit_number=A_0301)
    assert Ownership.objects.filter(unit=unit, valid_to__isnull=True).count() == 2
    audit = AuditEvent.objects.get(verb="quarantine.reapply")
    assert (audit.actor, audit.data["corrected"]) == (feed.world.official_a, True)


def test_a_reapplied_line_is_read_only(feed: Feed):
    # given
    client = browser_as(feed.world.official_a)
    client.post(reapply_url(feed.shares), {"raw": fixed_shares(feed.shares), "_reapply": "1"})

    # when
    response = page(client, change_url(feed.shares))
    again = client.post(reapply_url(feed.shares), {"raw": fixed_shares(feed.shares), "_reapply": "1"})

    # then
    html = response.content.decode()
    assert (response.status_code, 'name="raw"' in html, 'name="_reapply"' in html) == (
        HTTPStatus.OK,
        False,
        False,
    )
    assert again.status_code == HTTPStatus.OK
    assert "只有待处理的隔离记录可以重新应用（当前状态：已重新应用）。" in messages_of(again)
    assert AuditEvent.objects.filter(verb="quarantine.reapply").count() == 1


def test_a_refused_fix_shows_the_reason_and_keeps_the_text_with_identity_numbers_hashed(feed: Feed):
    # given: the staff member types a plain ID number but the shares still do not sum to 1
    event = json.loads(feed.shares.raw)
    event["holders"][0] = {**person("alice"), "share": "1/2"}
    client = browser_as(feed.world.official_a)

    # when
    response = client.post(
        reapply_url(feed.shares), {"raw": json.dumps(event, ensure_ascii=False), "_reapply": "1"}
    )

    # then
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert_no_id_numbers(html)
    assert messages_of(response) == ["重新应用被拒绝：份额合计为 5/6，不等于 1"]
    shown = json.loads(response.context["reapply_raw"])
    assert (shown["holders"][0]["share"], "id_number" in shown["holders"][0]) == ("1/2", False)
    assert 'name="_reapply"' in html
    feed.shares.refresh_from_db()
    assert (feed.shares.status, feed.shares.reason) == (
        QuarantinedRecord.Status.OPEN,
        "份额合计为 5/6，不等于 1",
    )
    assert not Unit.objects.filter(unit_number=A_0301).exists()


def test_an_official_dismisses_a_line_from_its_page(feed: Feed):
    # given
    client = browser_as(feed.world.official_a)

    # when
    response = client.post(reapply_url(feed.shares), {"raw": feed.shares.raw, "_dismiss": "1"})

    # then
    assert (response.status_code, response.url) == (HTTPStatus.FOUND, change_url(feed.shares))
    assert messages_of(response) == ["已驳回 1 条隔离记录。"]
    feed.shares.refresh_from_db()
    assert feed.shares.status == QuarantinedRecord.Status.DISMISSED
    assert not Unit.objects.filter(unit_number=A_0301).exists()


def test_the_reapply_action_reports_each_line(feed: Feed):
    # given: the CREATE the TRANSFER needed has arrived; the shares line is still wrong
    registration_feed_apply(lines=[feed_line(A_0401, [person("alice")])], source=SOURCE)
    client = browser_as(feed.world.official_a)
    data = {"action": "reapply", "_selected_action": [feed.shares.pk, feed.transfer.pk]}

    # when
    response = client.post(changelist_url(QuarantinedRecord), data)

    # then
    assert response.status_code == HTTPStatus.FOUND
    assert messages_of(response) == [
        f"隔离记录 #{feed.shares.pk}（序号 {feed.shares.seq}）：重新应用被拒绝：份额合计为 2/3，不等于 1",
        f"已重新应用 隔离记录 #{feed.transfer.pk}（序号 {feed.transfer.seq}）。",
    ]
    statuses = dict(QuarantinedRecord.objects.filter(source=SOURCE).values_list("pk", "status"))
    assert statuses == {
        feed.shares.pk: QuarantinedRecord.Status.OPEN,
        feed.transfer.pk: QuarantinedRecord.Status.REAPPLIED,
    }
    owner = Ownership.objects.get(unit__unit_number=A_0401, valid_to__isnull=True).owner
    assert owner.name == "刘洋"


def test_an_official_of_another_street_does_not_find_the_line(feed: Feed):
    # given
    client = browser_as(feed.world.official_b)

    # when
    response = client.post(reapply_url(feed.shares), {"raw": fixed_shares(feed.shares), "_reapply": "1"})
    action = client.post(
        changelist_url(QuarantinedRecord), {"action": "reapply", "_selected_action": [feed.shares.pk]}
    )

    # then
    assert (response.status_code, response.url) == (HTTPStatus.FOUND, reverse("admin:index"))
    assert action.status_code == HTTPStatus.FOUND
    feed.shares.refresh_from_db()
    assert feed.shares.status == QuarantinedRecord.Status.OPEN
    assert not Unit.objects.filter(unit_number=A_0301).exists()


def test_a_firm_account_is_refused(feed: Feed):
    # given
    client = browser_as(feed.world.firm_a)

    # when
    response = client.post(reapply_url(feed.shares), {"raw": fixed_shares(feed.shares), "_reapply": "1"})
    changelist = client.get(changelist_url(QuarantinedRecord))

    # then
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert changelist.status_code == HTTPStatus.FORBIDDEN
    feed.shares.refresh_from_db()
    assert feed.shares.status == QuarantinedRecord.Status.OPEN


def test_the_quarantine_changelist_queries_are_bounded(feed: Feed, django_assert_max_num_queries):
    # given
    lines = [feed_line(unit_number(PARCEL_A, 5, f"09{i:02d}"), [person("dave")]) for i in range(8)]
    registration_feed_apply(lines=[line.replace('"sole"', '"joint"') for line in lines], source=SOURCE)
    client = browser_as(feed.world.official_a)
    client.get(changelist_url(QuarantinedRecord))

    # when
    # (the count is preceded by the planner's estimate: config.admin.CappedCountPaginator)
    with django_assert_max_num_queries(13):
        response = client.get(changelist_url(QuarantinedRecord))

    # then
    assert response.status_code == HTTPStatus.OK
    assert len(response.context["cl"].result_list) == 10
    assert_no_id_numbers(response.content.decode())


# ----------------------------------------------------------------------------------------- sync runs


def test_the_progress_of_a_running_run_polls_itself_with_the_right_numbers(feed: Feed):
    # given: 360 of 1,000 events done in 120 s
    run = sync_run(total=1000, applied=300, skipped=50, quarantined=10)
    client = browser_as(feed.root)

    # when
    response = client.get(progress_url(run))

    # then
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert f'hx-get="{progress_url(run)}" hx-trigger="every 2s" hx-swap="outerHTML"' in html
    assert '<progress style="width: 16em; vertical-align: middle" max="100" value="36">' in html
    assert '<strong class="sync-done">360 / 1,000（36%）</strong>' in html
    assert '<span class="sync-applied">300</span>' in html
    assert '<span class="sync-skipped">50</span>' in html
    assert '<span class="sync-quarantined">10</span>' in html
    assert '<span class="sync-rate-value">3.0</span>' in html
    assert '<span class="sync-eta">0:03:33</span>' in html  # 640 left at 3 a second


@pytest.mark.parametrize("status", [SyncRun.Status.FINISHED, SyncRun.Status.FAILED])
def test_the_progress_of_an_ended_run_stops_polling(feed: Feed, status: str):
    # given
    run = sync_run(status=status, applied=1200, skipped=0, quarantined=3)

    # when
    response = browser_as(feed.root).get(progress_url(run))

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert ("hx-trigger" in html, "hx-get" in html, "sync-eta" in html) == (False, False, False)
    assert '<progress style="width: 16em; vertical-align: middle" max="1" value="1">' in html
    assert '<strong class="sync-done">1,203</strong>' in html
    assert '<span class="sync-rate-value">10.0</span>' in html


def test_the_progress_of_a_run_without_a_total_shows_the_done_count(feed: Feed):
    # given
    run = sync_run(applied=40)

    # when
    html = browser_as(feed.root).get(progress_url(run)).content.decode()

    # then
    assert '<progress style="width: 16em; vertical-align: middle">40</progress>' in html  # indeterminate
    assert '<strong class="sync-done">40</strong>' in html
    assert 'hx-trigger="every 2s"' in html
    assert "sync-eta" not in html


def test_the_changelist_shows_a_bar_per_run_with_htmx_served_locally(
    feed: Feed, django_assert_max_num_queries
):
    # given
    running = sync_run(total=1000, applied=300, skipped=50, quarantined=10)
    finished = [sync_run(status=SyncRun.Status.FINISHED, applied=10 * i) for i in range(1, 9)]
    client = browser_as(feed.root)
    client.get(changelist_url(SyncRun))

    # when
    with django_assert_max_num_queries(10):
        response = page(client, changelist_url(SyncRun))

    # then
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert HTMX_SCRIPT in html
    assert html.count("<progress ") == SyncRun.objects.count() == 11  # with the world's and the fixture's
    assert html.count('hx-trigger="every 2s"') == 1
    assert f'hx-get="{progress_url(running)}"' in html
    assert all(f'hx-get="{progress_url(run)}"' not in html for run in finished)


def test_the_change_page_of_a_running_run_shows_the_polling_bar_and_links_to_the_quarantine(feed: Feed):
    # given
    run = sync_run(total=1000, applied=300, skipped=50, quarantined=10)
    client = browser_as(feed.root)

    # when
    response = page(client, change_url(run))
    quarantine = page(client, changelist_url(QuarantinedRecord), source=SOURCE)

    # then
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert HTMX_SCRIPT in html
    assert f'hx-get="{progress_url(run)}" hx-trigger="every 2s"' in html
    link = f"{changelist_url(QuarantinedRecord)}?source=file%3Afeed-2025-03-02.jsonl"
    assert f'<a href="{link}">查看该数据源的隔离记录（本次 10 条）</a>' in html
    assert {r.pk for r in quarantine.context["cl"].result_list} == {feed.shares.pk, feed.transfer.pk}


def test_a_sync_run_stays_read_only(feed: Feed):
    # given
    run = sync_run(total=1000, applied=300)
    client = browser_as(feed.root)

    # when
    change = client.post(change_url(run), {"applied": "0"})

    # then
    assert change.status_code == HTTPStatus.FORBIDDEN
    run.refresh_from_db()
    assert run.applied == 300


def test_officials_watch_runs_of_feed_sources_only(feed: Feed):
    # given
    file_run = sync_run(total=10, applied=5)
    demo_run = sync_run(source="demo:qingdao", total=10, applied=5)
    client = browser_as(feed.world.official_b)

    # when
    listed = page(client, changelist_url(SyncRun))
    hidden = client.get(progress_url(demo_run))
    shown = client.get(progress_url(file_run))

    # then
    assert listed.status_code == HTTPStatus.OK
    assert file_run in listed.context["cl"].result_list
    assert demo_run not in listed.context["cl"].result_list
    assert (hidden.status_code, shown.status_code) == (HTTPStatus.NOT_FOUND, HTTPStatus.OK)


def test_firm_accounts_do_not_see_sync_runs(feed: Feed):
    # given
    run = sync_run(total=10, applied=5)
    client = browser_as(feed.world.firm_a)

    # when
    listed = client.get(changelist_url(SyncRun))
    progress = client.get(progress_url(run))

    # then
    assert listed.status_code == HTTPStatus.FORBIDDEN
    assert progress.status_code == HTTPStatus.NOT_FOUND
