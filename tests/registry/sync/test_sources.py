"""The feed sources: the HTTP endpoint (paged, retried with back-off against a flaky fake server), the drop
directory, the Celery task and `manage.py sync_registration --url/--dir`."""

import hashlib
import json
import logging
import pickle
import threading
from io import StringIO
from pathlib import Path

import pytest
from celery.exceptions import Retry
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connections, transaction

from registry.models import Ownership, QuarantinedRecord, RegistrationEvent, SyncCursor, SyncRun, Unit
from registry.services.registration import registration_feed_apply, sources
from registry.services.registration.sources import (
    FeedError,
    FeedRejected,
    FeedUnavailable,
    registration_sync_dir,
    registration_sync_http,
)
from registry.tasks import sync_registration_feed
from tests.conftest import PARCEL_A, World, unit_number
from tests.factories import feed_line, holder, resident_id
from tests.fakes.feed_server import Fault, FeedServer

WORLD_EVENTS = 5  # events the `world` fixture applied before each test


@pytest.fixture(autouse=True)
def _fast_feed(settings):
    settings.REGISTRATION_FEED_TIMEOUT_SECONDS = 0.25
    settings.REGISTRATION_FEED_RETRY_ATTEMPTS = 4
    settings.REGISTRATION_FEED_RETRY_BASE_DELAY_SECONDS = 0.001
    settings.REGISTRATION_FEED_RETRY_MAX_DELAY_SECONDS = 0.01
    settings.REGISTRATION_FEED_PAGE_SIZE = 500
    settings.REGISTRATION_SYNC_TASK_MAX_RETRIES = 1
    settings.REGISTRATION_SYNC_TASK_RETRY_DELAY_SECONDS = 0
    settings.REGISTRATION_FEED_URL = ""
    settings.REGISTRATION_FEED_DIR = ""


def _feed(n_units: int, *, n_transfers: int = 0, first_seq: int = 1) -> list[str]:
    """CREATEs of units on PARCEL_A (every tenth held by shares), then transfers of some of them."""
    numbers = [unit_number(PARCEL_A, 20 + i // 100, f"{i % 100 + 1:04d}") for i in range(n_units)]
    lines, seq = [], first_seq
    for i, number in enumerate(numbers):
        holders = [holder(f"业主{i}", resident_id(i, birth="19800101"))]
        if i % 10 == 0:
            holders = [
                holder(f"甲{i}", resident_id(i, birth="19700101"), share="1/3"),
                holder(f"乙{i}", resident_id(i, birth="19710101"), share="2/3", certificate_holder=False),
            ]
        lines.append(feed_line(number, holders, seq=seq, co_ownership="shares" if len(holders) > 1 else None))
        seq += 1
    for j in range(n_transfers):
        number = numbers[(j * 7) % n_units]
        buyer = holder(f"买受人{j}", resident_id(j, birth="19900101"))
        lines.append(feed_line(number, [buyer], seq=seq, event_type="TRANSFER"))
        seq += 1
    return lines


def _fingerprint() -> str:
    """Sorted unit numbers and the current holders (keyed hash, share) of every unit."""
    units = sorted(Unit.objects.values_list("unit_number", flat=True))
    holders = sorted(
        f"{number} {id_hmac} {num}/{den}"
        for number, id_hmac, num, den in Ownership.objects.filter(valid_to__isnull=True).values_list(
            "unit__unit_number", "owner__id_hmac", "share_numerator", "share_denominator"
        )
    )
    return hashlib.sha256("\n".join(units + holders).encode()).hexdigest()


def _cursor(source: str) -> int | None:
    return SyncCursor.objects.filter(source=source).values_list("last_seq", flat=True).first()


@pytest.mark.slow
def test_clean_http_sync_applies_every_page_and_the_cursor_ends_on_the_last_seq(world: World):
    # given: 1,000 creates and 200 transfers, served 500 a page
    lines = _feed(1000, n_transfers=200)
    with FeedServer(lines) as server:
        # when
        report = registration_sync_http(base_url=server.url)
        # then: three full pages, then the empty page that ends the sync
        assert [(r.after_seq, r.limit, r.served) for r in server.log] == [
            (0, 500, 500),
            (500, 500, 500),
            (1000, 500, 200),
            (1200, 500, 0),
        ]
    source = f"http:{server.url}"
    assert (report.applied, report.skipped, report.quarantined, report.last_seq) == (1200, 0, 0, 1200)
    assert _cursor(source) == 1200
    assert RegistrationEvent.objects.count() == WORLD_EVENTS + 1200
    assert Unit.objects.filter(unit_number__startswith=f"{PARCEL_A}F002").count() == 1000
    assert SyncRun.objects.filter(source=source).values_list("status", "applied", "last_seq").get() == (
        SyncRun.Status.FINISHED,
        1200,
        1200,
    )


@pytest.mark.slow
def test_flaky_server_ends_in_the_state_of_a_clean_run_without_duplicates(world: World):
    # given: the state a clean run leaves, then rolled back
    lines = _feed(1000, n_transfers=200)
    clean_point = transaction.savepoint()
    with FeedServer(lines) as clean:
        registration_sync_http(base_url=clean.url, source="http:feed")
    expected = (_fingerprint(), RegistrationEvent.objects.count(), Ownership.objects.count())
    transaction.savepoint_rollback(clean_point)
    assert RegistrationEvent.objects.count() == WORLD_EVENTS
    # a timeout, two 500s, a 429, a truncated page, a short body and a dropped connection over the pages
    faults = {
        1: Fault.TIMEOUT,
        2: Fault.ERROR,
        4: Fault.TRUNCATE,
        5: Fault.ERROR,
        6: Fault.TOO_MANY,
        8: Fault.DROP,
        9: Fault.SHORT,
    }
    with FeedServer(lines, faults=faults, hang_seconds=1.0) as flaky:
        # when
        report = registration_sync_http(base_url=flaky.url, source="http:feed")
        # then: every fault was retried, page by page
        assert [(r.after_seq, r.fault) for r in flaky.log] == [
            (0, Fault.TIMEOUT),
            (0, Fault.ERROR),
            (0, None),
            (500, Fault.TRUNCATE),
            (500, Fault.ERROR),
            (500, Fault.TOO_MANY),
            (500, None),
            (1000, Fault.DROP),
            (1000, Fault.SHORT),
            (1000, None),
            (1200, None),
        ]
    assert (report.applied, report.skipped, report.quarantined, report.last_seq) == (1200, 0, 0, 1200)
    assert (_fingerprint(), RegistrationEvent.objects.count(), Ownership.objects.count()) == expected
    assert QuarantinedRecord.objects.count() == 0
    assert _cursor("http:feed") == 1200


def test_logs_name_failures_and_seqs_never_a_line(world: World, caplog):
    # given: faults whose exceptions quote the partial body (IncompleteRead) or cut a line
    lines = _feed(8)
    faults = {1: Fault.SHORT, 2: Fault.TRUNCATE, 3: Fault.ERROR}
    with FeedServer(lines, faults=faults) as server, caplog.at_level(logging.DEBUG):
        # when
        registration_sync_http(base_url=server.url)
    # then
    failures = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert [m.split(";")[0] for m in failures] == [
        "registration feed attempt 1/4 failed (incomplete_read, after_seq=0)",
        "registration feed attempt 2/4 failed (truncated_page, after_seq=0)",
        "registration feed attempt 3/4 failed (http_500, after_seq=0)",
    ]
    assert not any(resident_id(i, birth="19800101") in caplog.text for i in range(8))
    assert "业主" not in caplog.text


def test_feed_errors_survive_pickling_for_celery():
    # given
    errors = [
        FeedUnavailable("down", attempts=3, after_seq=7),
        FeedRejected("refused", after_seq=7, status=404),
        FeedError("no dir", code="feed_dir_missing"),
    ]
    # when
    copies = [pickle.loads(pickle.dumps(e)) for e in errors]  # noqa: S301 - our own bytes
    # then
    assert [(type(c), c.message, c.code, c.extra) for c in copies] == [
        (FeedUnavailable, "down", "feed_unavailable", {"attempts": 3, "after_seq": 7}),
        (FeedRejected, "refused", "feed_rejected", {"after_seq": 7, "status": 404}),
        (FeedError, "no dir", "feed_dir_missing", {}),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_syncs_at_once_apply_each_event_once(world: World):
    # given: two workers on the same source and endpoint, started together
    lines = _feed(300, n_transfers=60)
    reports, failures = [], []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            reports.append(
                registration_sync_http(base_url=server.url, source="http:twice", limit=50, batch_size=50)
            )
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    with FeedServer(lines) as server:
        threads = [threading.Thread(target=worker) for _ in range(2)]
        # when
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    # then: every event applied once between them, the other run skipped it
    assert failures == []
    assert sum(r.applied for r in reports) == 360
    assert sum(r.applied + r.skipped for r in reports) >= 360
    assert RegistrationEvent.objects.count() == WORLD_EVENTS + 360
    # every tenth unit has two holders; six of those (j = 0, 10, …, 50) were sold to one buyer
    current = Ownership.objects.filter(valid_to__isnull=True, unit__unit_number__startswith=f"{PARCEL_A}F002")
    assert current.count() == 300 + 30 - 6
    assert _cursor("http:twice") == 360


def test_json_document_pages_are_accepted(world: World):
    # given
    lines = _feed(30)
    with FeedServer(lines, body_format="json") as server:
        # when
        report = registration_sync_http(base_url=server.url, limit=20)
        # then
        assert [r.served for r in server.log] == [20, 10, 0]
    assert (report.applied, report.last_seq) == (30, 30)


def test_truncated_json_document_is_retried(world: World):
    # given
    lines = _feed(12)
    with FeedServer(lines, body_format="json", faults={1: Fault.TRUNCATE}) as server:
        # when
        report = registration_sync_http(base_url=server.url)
        # then
        assert [r.fault for r in server.log] == [Fault.TRUNCATE, None, None]
    assert report.applied == 12


def test_server_that_always_fails_raises_after_the_configured_attempts_and_the_cursor_stays(world, settings):
    # given
    settings.REGISTRATION_FEED_RETRY_ATTEMPTS = 3
    runs_before = SyncRun.objects.count()
    with FeedServer(_feed(10), always=Fault.UNAVAILABLE) as server:
        # when
        with pytest.raises(FeedUnavailable) as failure:
            registration_sync_http(base_url=server.url, source="http:down")
        # then
        assert server.requests == 3
    assert (failure.value.attempts, failure.value.after_seq, failure.value.code) == (3, 0, "feed_unavailable")
    assert str(failure.value) == (
        "registration feed unavailable after 3 attempts (after_seq=0, last failure: http_503)"
    )
    assert _cursor("http:down") is None
    assert SyncRun.objects.count() == runs_before
    assert RegistrationEvent.objects.count() == WORLD_EVENTS


def test_failure_after_some_pages_keeps_what_was_applied_and_a_rerun_completes(world: World, settings):
    # given: page 1 served, then the server breaks down for good on the second page
    settings.REGISTRATION_FEED_RETRY_ATTEMPTS = 2
    lines = _feed(25)
    with FeedServer(lines, faults={2: Fault.ERROR, 3: Fault.ERROR}) as server:
        # when
        with pytest.raises(FeedUnavailable):
            registration_sync_http(base_url=server.url, source="http:half", limit=10, batch_size=10)
        # then: the first page committed, the cursor on its last seq, the run marked failed
        assert _cursor("http:half") == 10
        assert RegistrationEvent.objects.count() == WORLD_EVENTS + 10
        run = SyncRun.objects.get(source="http:half")
        assert (run.status, run.applied, run.last_seq) == (SyncRun.Status.FAILED, 10, 10)
        assert (
            run.error
            == "registration feed unavailable after 2 attempts (after_seq=10, last failure: http_500)"
        )
        # when: the server recovered
        report = registration_sync_http(base_url=server.url, source="http:half", limit=10, batch_size=10)
        # then: it resumes after the cursor
        assert [r.after_seq for r in server.log[3:]] == [10, 20, 25]
    assert (report.applied, report.skipped, report.last_seq) == (15, 0, 25)
    assert RegistrationEvent.objects.count() == WORLD_EVENTS + 25


def test_second_sync_finds_nothing_new_with_one_empty_page(world: World):
    # given
    with FeedServer(_feed(40)) as server:
        registration_sync_http(base_url=server.url, limit=25)
        requests, runs = server.requests, SyncRun.objects.count()
        # when
        again = registration_sync_http(base_url=server.url, limit=25)
        # then
        assert server.requests - requests == 1
        assert server.log[-1].after_seq == 40 and server.log[-1].served == 0
    assert (again.applied, again.skipped, again.quarantined, again.last_seq) == (0, 0, 0, 40)
    assert SyncRun.objects.count() == runs  # an empty poll records no run
    assert RegistrationEvent.objects.count() == WORLD_EVENTS + 40


@pytest.mark.parametrize("fault", [Fault.BAD_REQUEST, Fault.NOT_FOUND])
def test_client_errors_are_not_retried(world, fault):
    # given
    with FeedServer(_feed(5), always=fault) as server:
        # when
        with pytest.raises(FeedRejected) as refused:
            registration_sync_http(base_url=server.url)
        # then
        assert server.requests == 1
    assert refused.value.status == int(fault.value)
    assert refused.value.code == "feed_rejected"
    assert _cursor(f"http:{server.url}") is None


def test_bad_lines_from_the_endpoint_are_quarantined_and_the_sync_goes_on(world: World):
    # given: an invalid ID number in the middle of a page
    lines = _feed(6)
    bad = json.loads(lines[2])
    bad["holders"][0]["id_number"] = "110105194912310021"
    lines[2] = json.dumps(bad, ensure_ascii=False)
    with FeedServer(lines) as server:
        # when
        report = registration_sync_http(base_url=server.url, limit=4)
    # then
    assert (report.applied, report.quarantined, report.last_seq) == (5, 1, 6)
    assert QuarantinedRecord.objects.get().seq == 3


def test_a_server_that_ignores_after_seq_is_refused_instead_of_looping(world: World):
    # given: a page whose lines are all at or before the cursor
    lines = _feed(5)
    registration_feed_apply(lines=lines, source="http:stuck")
    SyncCursor.objects.filter(source="http:stuck").update(last_seq=9)
    with FeedServer(lines) as server:
        server.page = lambda after_seq, limit: lines[:limit]  # type: ignore[method-assign]
        # when
        with pytest.raises(FeedRejected) as refused:
            registration_sync_http(base_url=server.url, source="http:stuck")
        # then
        assert server.requests == 1
    assert str(refused.value) == "feed page after seq 9 does not move forward (top seq 5)"
    assert _cursor("http:stuck") == 9


def test_dir_source_applies_files_in_name_order_and_renames_them_done(world: World, tmp_path: Path):
    # given: the transfer file sorts after the create file
    creates = _feed(20)
    unit = json.loads(creates[0])["unit_number"]
    transfer = feed_line(unit, [holder("新业主", resident_id(900))], seq=21, event_type="TRANSFER")
    (tmp_path / "2025-03-02-b.jsonl").write_text(transfer + "\n", encoding="utf-8")
    (tmp_path / "2025-03-02-a.jsonl").write_text("\n".join(creates) + "\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a feed", encoding="utf-8")
    seen = []
    # when
    report = registration_sync_dir(directory=tmp_path, progress=lambda r: seen.append(r.applied))
    # then
    assert (report.applied, report.skipped, report.quarantined) == (21, 0, 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2025-03-02-a.jsonl.done",
        "2025-03-02-b.jsonl.done",
        "notes.txt",
    ]
    assert seen == [20, 21]
    assert Ownership.objects.get(unit__unit_number=unit, valid_to__isnull=True).owner.name == "新业主"
    assert (_cursor("file:2025-03-02-a.jsonl"), _cursor("file:2025-03-02-b.jsonl")) == (20, 21)
    assert SyncRun.objects.get(source="file:2025-03-02-a.jsonl").total == 20
    # when: nothing is left to read
    again = registration_sync_dir(directory=tmp_path)
    # then
    assert (again.applied, again.skipped) == (0, 0)


def test_dir_source_leaves_a_file_that_fails_midway_and_the_next_run_resumes(world, tmp_path, monkeypatch):
    # given: reading the file fails at its 26th line (a disk error), batches of 10
    lines = _feed(30)
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    real_lines = sources._file_lines

    def failing_lines(p: Path):
        for i, line in enumerate(real_lines(p)):
            if i == 25:
                raise OSError("disk read error")
            yield line

    monkeypatch.setattr(sources, "_file_lines", failing_lines)
    # when
    with pytest.raises(OSError, match="disk read error"):
        registration_sync_dir(directory=tmp_path, batch_size=10)
    # then: two batches committed, the file still in place
    assert [p.name for p in tmp_path.iterdir()] == ["feed.jsonl"]
    assert _cursor("file:feed.jsonl") == 20
    assert RegistrationEvent.objects.count() == WORLD_EVENTS + 20
    # when: the next run reads it whole
    monkeypatch.setattr(sources, "_file_lines", real_lines)
    report = registration_sync_dir(directory=tmp_path, batch_size=10)
    # then: applied events are skipped by their event id
    assert (report.applied, report.skipped) == (10, 20)
    assert [p.name for p in tmp_path.iterdir()] == ["feed.jsonl.done"]
    assert RegistrationEvent.objects.count() == WORLD_EVENTS + 30


def test_dir_source_refuses_a_missing_directory(world: World, tmp_path: Path):
    # when
    with pytest.raises(FeedError) as refused:
        registration_sync_dir(directory=tmp_path / "nowhere")
    # then
    assert (refused.value.code, refused.value.message) == (
        "feed_dir_missing",
        f"feed directory not found: {tmp_path / 'nowhere'}",
    )


def test_task_pulls_from_the_url_when_one_is_configured(world, settings, tmp_path):
    # given: both sources configured; the URL wins
    (tmp_path / "x.jsonl").write_text(_feed(3, first_seq=900)[0] + "\n", encoding="utf-8")
    with FeedServer(_feed(12)) as server:
        settings.REGISTRATION_FEED_URL = server.url
        settings.REGISTRATION_FEED_DIR = str(tmp_path)
        # when: eager in test settings
        result = sync_registration_feed.delay().get()
        # then
        assert server.requests == 2
    assert result == {"applied": 12, "skipped": 0, "quarantined": 0, "last_seq": 12}
    assert _cursor(f"http:{server.url}") == 12
    assert [p.name for p in tmp_path.iterdir()] == ["x.jsonl"]


def test_task_falls_back_to_the_directory_then_to_nothing(world, settings, tmp_path):
    # given
    (tmp_path / "x.jsonl").write_text("\n".join(_feed(4)) + "\n", encoding="utf-8")
    settings.REGISTRATION_FEED_DIR = str(tmp_path)
    # when
    result = sync_registration_feed.delay().get()
    # then
    assert result == {"applied": 4, "skipped": 0, "quarantined": 0, "last_seq": 4}
    assert [p.name for p in tmp_path.iterdir()] == ["x.jsonl.done"]
    # when: no source at all
    settings.REGISTRATION_FEED_DIR = ""
    runs = SyncRun.objects.count()
    # then
    assert sync_registration_feed.delay().get() is None
    assert SyncRun.objects.count() == runs


def test_task_retries_an_unavailable_feed_then_gives_up_with_the_error(world, settings):
    # given: 2 attempts per page, 1 task retry
    settings.REGISTRATION_FEED_RETRY_ATTEMPTS = 2
    with FeedServer(_feed(3), always=Fault.ERROR) as server:
        settings.REGISTRATION_FEED_URL = server.url
        # when: run eagerly, letting Celery carry out the retry instead of propagating it
        with pytest.raises(FeedUnavailable):
            sync_registration_feed.apply(throw=False)
        # then: the task ran twice, each time trying the page twice
        assert server.requests == 4


def test_task_hands_an_unavailable_feed_to_celery_retry(world, settings):
    # given
    settings.REGISTRATION_FEED_RETRY_ATTEMPTS = 1
    settings.REGISTRATION_SYNC_TASK_RETRY_DELAY_SECONDS = 20
    with FeedServer(_feed(3), always=Fault.TOO_MANY) as server:
        settings.REGISTRATION_FEED_URL = server.url
        # when
        with pytest.raises(Retry) as retry:
            sync_registration_feed.delay()
        # then
        assert server.requests == 1
    assert isinstance(retry.value.exc, FeedUnavailable)
    assert (retry.value.exc.attempts, retry.value.exc.after_seq) == (1, 0)
    assert retry.value.when == 20


def test_task_does_not_retry_a_refused_request(world, settings):
    # given
    with FeedServer(_feed(3), always=Fault.NOT_FOUND) as server:
        settings.REGISTRATION_FEED_URL = server.url
        # when
        with pytest.raises(FeedRejected):
            sync_registration_feed.delay()
        # then
        assert server.requests == 1


def test_beat_runs_the_sync_every_interval():
    # given
    from config.celery import app

    interval = django_settings.REGISTRATION_SYNC_INTERVAL_SECONDS  # 60 unless the environment says otherwise
    # when
    entry = app.conf.beat_schedule["registry.sync_registration_feed"]
    # then
    assert entry == {
        "task": "registry.sync_registration_feed",
        "schedule": float(interval),
        "options": {"expires": interval},
    }


def test_command_syncs_from_a_url(world: World):
    # given
    out = StringIO()
    with FeedServer(_feed(15)) as server:
        # when
        call_command("sync_registration", "--url", server.url, "--source", "http:cmd", stdout=out)
    # then
    assert (
        out.getvalue().splitlines()[-1].startswith("applied 15, skipped as already seen 0, quarantined 0 in ")
    )
    assert _cursor("http:cmd") == 15


def test_command_syncs_a_directory(world: World, tmp_path: Path):
    # given
    (tmp_path / "a.jsonl").write_text("\n".join(_feed(7)) + "\n", encoding="utf-8")
    out = StringIO()
    # when
    call_command("sync_registration", "--dir", str(tmp_path), stdout=out)
    # then
    assert (
        out.getvalue().splitlines()[-1].startswith("applied 7, skipped as already seen 0, quarantined 0 in ")
    )
    assert [p.name for p in tmp_path.iterdir()] == ["a.jsonl.done"]


def test_command_reports_an_unavailable_feed_as_a_command_error(world, settings):
    # given
    settings.REGISTRATION_FEED_RETRY_ATTEMPTS = 2
    with FeedServer(_feed(3), always=Fault.DROP) as server:
        # when
        with pytest.raises(CommandError) as failure:
            call_command("sync_registration", "--url", server.url, stdout=StringIO())
    # then
    assert str(failure.value) == (
        "registration feed unavailable after 2 attempts (after_seq=0, last failure: connection:RemoteDisconnected)"
    )
