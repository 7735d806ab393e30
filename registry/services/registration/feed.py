"""The feed loop: batches of lines → one transaction each, holding the changes, the applied-event rows,
the quarantined lines, the source's high-water mark and the run's progress.

- Idempotent: an `event_id` seen before is skipped and changes nothing.
- Crash-safe: the cursor (`SyncCursor.last_seq`) commits with the changes it covers; a killed run re-run
  over the same input ends in the state of an uninterrupted run.
- One writer at a time: every batch takes a transaction-level advisory lock, so concurrent workers (Celery,
  the command, a re-apply from the admin) serialise per batch and never apply an event twice.
- Streaming: lines are consumed as an iterator, a batch at a time; memory does not grow with the feed. A
  parser thread reads and validates up to two batches ahead while the writer waits on PostgreSQL.
"""

import json
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from config.logging import mask_text
from registry.models import QuarantinedRecord, SyncCursor, SyncRun
from registry.services.registration.creates import apply_creates
from registry.services.registration.events import apply_one
from registry.services.registration.parsing import (
    FeedEvent,
    FeedRecordError,
    masked_line,
    parcel_codes_named,
    parse_feed_line,
)
from registry.services.registration.store import Placement, raw_cursor

FEED_LOCK_KEY = 0x6E5A_0001  # pg_advisory_xact_lock key of the registration feed


@dataclass
class SyncReport:
    """Counts of one feed run; `errors` lists refusals when quarantining is off (re-apply)."""

    applied: int = 0
    skipped: int = 0
    quarantined: int = 0
    last_seq: int = 0
    seconds: float = 0.0
    quarantine_codes: dict[str, int] = field(default_factory=dict)
    errors: list[FeedRecordError] = field(default_factory=list)
    run_id: int | None = None

    @property
    def total(self) -> int:
        return self.applied + self.skipped + self.quarantined

    @property
    def rate(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0


@dataclass
class _Batch:
    events: list[tuple[int | None, str, FeedEvent]] = field(default_factory=list)  # (line_no, raw, event)
    bad: list[tuple[int | None, str, FeedRecordError]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.events) + len(self.bad)


def _quarantine(source: str, items: list[tuple[int | None, str, FeedRecordError]]) -> None:
    """Store refused lines (identity numbers hashed or masked); a replay does not quarantine an event twice."""
    rows: list[QuarantinedRecord] = []
    for line_no, raw, err in items:
        event_id, seq = "", None
        try:
            parsed = json.loads(raw)
            if isinstance(parsed, dict):
                event_id = str(parsed.get("event_id", ""))[:64]
                seq = parsed.get("seq") if isinstance(parsed.get("seq"), int) else None
        except json.JSONDecodeError:
            pass
        rows.append(
            QuarantinedRecord(
                source=source,
                line_no=line_no,
                seq=seq,
                event_id=event_id,
                raw=masked_line(raw),
                parcel_codes=parcel_codes_named(raw),
                code=err.code,
                reason=mask_text(err.reason)[:500],
            )
        )
    open_records = QuarantinedRecord.objects.filter(status=QuarantinedRecord.Status.OPEN)
    known = set(
        open_records.filter(event_id__in=[r.event_id for r in rows if r.event_id]).values_list(
            "event_id", "code"
        )
    )
    # Lines without an event id (malformed JSON) are known by their place in the source.
    known_lines = set(
        open_records.filter(
            source=source, event_id="", line_no__in=[r.line_no for r in rows if not r.event_id]
        ).values_list("line_no", "raw")
    )
    QuarantinedRecord.objects.bulk_create(
        [
            r
            for r in rows
            if ((r.event_id, r.code) not in known if r.event_id else (r.line_no, r.raw) not in known_lines)
        ]
    )


def _apply_batch(
    batch: _Batch,
    *,
    source: str,
    placement: Placement,
    report: SyncReport,
    quarantine: bool,
    run: SyncRun | None,
) -> None:
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK_KEY])
        cursor, _ = SyncCursor.objects.select_for_update().get_or_create(source=source)
        ids = [e.event_id for _, _, e in batch.events]
        with raw_cursor() as raw_cur:  # server-side binding: 1,000s of ids without client-side quoting
            raw_cur.execute("SELECT event_id FROM registry_registrationevent WHERE event_id = ANY(%s)", [ids])
            seen = {r[0] for r in raw_cur.fetchall()}
        bad = list(batch.bad)
        raw_of: dict[object, tuple[int | None, str]] = {}
        creates: list[FeedEvent] = []

        def flush_creates() -> None:
            if creates:
                refused = apply_creates(creates, placement)
                for ev, err in refused:
                    bad.append((*raw_of[ev.event_id], err))
                report.applied += len(creates) - len(refused)
                creates.clear()

        for line_no, raw, e in batch.events:
            if e.event_id in seen:
                report.skipped += 1
                continue
            seen.add(e.event_id)
            raw_of[e.event_id] = (line_no, raw)
            if e.event_type == "CREATE":
                creates.append(e)
                continue
            flush_creates()  # events apply in feed order: a TRANSFER sees the CREATE before it
            try:
                with transaction.atomic():
                    apply_one(e, placement)
                report.applied += 1
            except FeedRecordError as err:
                bad.append((line_no, raw, err))
        flush_creates()

        if quarantine:
            _quarantine(source, bad)
            report.quarantined += len(bad)
        for *_, err in bad:
            report.quarantine_codes[err.code] = report.quarantine_codes.get(err.code, 0) + 1
            if not quarantine:
                report.errors.append(err)
        top = max((e.seq for _, _, e in batch.events), default=cursor.last_seq)
        if top > cursor.last_seq:
            cursor.last_seq = top
            cursor.save(update_fields=["last_seq", "updated_at"])
        report.last_seq = cursor.last_seq
        if run is not None:
            SyncRun.objects.filter(pk=run.pk).update(
                applied=report.applied,
                skipped=report.skipped,
                quarantined=report.quarantined,
                last_seq=report.last_seq,
                updated_at=timezone.now(),
            )


def _batches(lines: Iterable[str], size: int) -> Iterator[_Batch]:
    batch = _Batch()
    for line_no, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        try:
            batch.events.append((line_no, text, parse_feed_line(text)))
        except FeedRecordError as err:
            batch.bad.append((line_no, text, err))
        if len(batch) >= size:
            yield batch
            batch = _Batch()
    if len(batch):
        yield batch


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_END = object()


def _parsed_ahead(batches: Iterator[_Batch], depth: int = 2) -> Iterator[_Batch]:
    """The batches, parsed by a thread one or two batches ahead: while this thread waits on PostgreSQL
    (psycopg releases the GIL), the next lines are read and validated. The parser touches no database, the
    writer stays one thread applying batches in order, so idempotence and crash-safety are unchanged; at most
    `depth` parsed batches wait in memory. An error while reading or parsing is raised here, in order."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not hand_over(batch):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            hand_over(_Failed(exc))
            return
        hand_over(_END)

    parser = threading.Thread(target=produce, name="registration-feed-parser", daemon=True)
    parser.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        parser.join(timeout=10)


def registration_feed_apply(
    *,
    lines: Iterable[str],
    source: str,
    batch_size: int = 1000,
    progress: Callable[[SyncReport], None] | None = None,
    total: int | None = None,
    quarantine: bool = True,
    record_run: bool = True,
) -> SyncReport:
    """Apply a stream of feed lines; writes units, owners, ownerships, history, applied events, quarantine,
    the source's cursor and a SyncRun row (progress per batch). Returns the counts."""
    report = SyncReport()
    started = time.monotonic()
    placement = Placement()
    run = SyncRun.objects.create(source=source, total=total) if record_run else None
    report.run_id = run.pk if run else None
    try:
        for batch in _parsed_ahead(_batches(lines, batch_size)):
            _apply_batch(
                batch, source=source, placement=placement, report=report, quarantine=quarantine, run=run
            )
            report.seconds = time.monotonic() - started
            if progress is not None:
                progress(report)
    except BaseException as exc:
        if run is not None:
            SyncRun.objects.filter(pk=run.pk).update(
                status=SyncRun.Status.FAILED, finished_at=timezone.now(), error=mask_text(repr(exc))[:2000]
            )
        raise
    report.seconds = time.monotonic() - started
    if run is not None:
        SyncRun.objects.filter(pk=run.pk).update(
            status=SyncRun.Status.FINISHED,
            finished_at=timezone.now(),
            applied=report.applied,
            skipped=report.skipped,
            quarantined=report.quarantined,
            last_seq=report.last_seq,
        )
    return report
