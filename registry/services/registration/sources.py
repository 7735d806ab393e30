"""Where feed lines come from: the registration system's HTTP endpoint and a drop directory of JSON Lines
files. Both stream into `registration_feed_apply`, so the cursor still commits with each batch it covers.

- HTTP: `GET {base}/feed?after_seq=N&limit=500` from the source's cursor until an empty page; transient
  failures (timeouts, dropped connections, 5xx, 429, truncated pages) are retried with exponential back-off,
  then `FeedUnavailable`; other 4xx raise `FeedRejected` at once.
- Directory: every `*.jsonl` in name order; a fully applied file becomes `<name>.done`. Producers should
  write under another name and rename to `.jsonl` when complete.

Raw lines carry ID numbers: log counts and seq numbers only, never a line or an exception's text that may
quote one (`http.client.IncompleteRead` does).
"""

import http.client
import json
import logging
import os
import random
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from functools import partial
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.errors import ApplicationError
from registry.models import SyncCursor, SyncRun
from registry.services.registration.feed import SyncReport, registration_feed_apply

logger = logging.getLogger(__name__)

_SEQ_RE = re.compile(rb'"seq"\s*:\s*(\d+)')


class FeedError(ApplicationError):
    """The feed source could not be read."""

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, for Celery's retry and result machinery
        return (partial(type(self), code=self.code, extra=self.extra), (self.message,))


class FeedUnavailable(FeedError):
    """Transient failures outlasted every attempt; running again later is expected to succeed."""

    def __init__(self, message: str, *, attempts: int, after_seq: int):
        super().__init__(
            message, code="feed_unavailable", extra={"attempts": attempts, "after_seq": after_seq}
        )
        self.attempts = attempts
        self.after_seq = after_seq

    def __reduce__(self) -> tuple[Any, ...]:
        return (partial(type(self), attempts=self.attempts, after_seq=self.after_seq), (self.message,))


class FeedRejected(FeedError):
    """The endpoint refused the request or broke the protocol; retrying will not help."""

    def __init__(self, message: str, *, after_seq: int, status: int | None = None):
        super().__init__(message, code="feed_rejected", extra={"after_seq": after_seq, "status": status})
        self.after_seq = after_seq
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:
        return (partial(type(self), after_seq=self.after_seq, status=self.status), (self.message,))


class _Transient(Exception):
    """One failed attempt worth retrying; `reason` is safe to log (no body, no exception text)."""

    def __init__(self, reason: str, *, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Page:
    lines: list[str]
    top_seq: int | None  # highest seq on the page; None when no line names one


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int
    base_delay: float
    max_delay: float

    @classmethod
    def from_settings(cls) -> "RetryPolicy":
        return cls(
            attempts=max(1, settings.REGISTRATION_FEED_RETRY_ATTEMPTS),
            base_delay=settings.REGISTRATION_FEED_RETRY_BASE_DELAY_SECONDS,
            max_delay=settings.REGISTRATION_FEED_RETRY_MAX_DELAY_SECONDS,
        )

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Exponential back-off with jitter after failed `attempt` (1-based); a server's Retry-After wins."""
        if retry_after is not None:
            return min(self.max_delay, retry_after)
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return backoff * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not cryptography


def _retry_after(headers: Message) -> float | None:
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # an HTTP date: fall back to our own back-off
        return None


def _seq_of(line: str) -> int | None:
    """The seq a line names: from its JSON, else (a malformed line) from the text, else None."""
    try:
        seq = orjson.loads(line).get("seq")
        if isinstance(seq, int) and not isinstance(seq, bool):
            return seq
    except (orjson.JSONDecodeError, AttributeError):
        pass
    match = _SEQ_RE.search(line.encode())
    return int(match.group(1)) if match else None


def _is_json(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def _parse_page(body: bytes, content_type: str, *, after_seq: int) -> list[str]:
    """Feed lines of one response body: JSON Lines, or a JSON document `{"events": [...]}`."""
    text = body.decode("utf-8", errors="replace")
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise _Transient("truncated_json_document") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
            raise FeedRejected("feed page is JSON but has no `events` list", after_seq=after_seq)
        return [json.dumps(e, ensure_ascii=False) for e in doc["events"]]
    lines = [line for line in text.split("\n") if line.strip()]
    if lines and not text.endswith("\n") and not _is_json(lines[-1]):
        raise _Transient("truncated_page")
    if len(lines) == 1:  # a `{"events": [...]}` document without its content type
        try:
            doc = orjson.loads(lines[0])
        except orjson.JSONDecodeError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("events"), list):
            return [json.dumps(e, ensure_ascii=False) for e in doc["events"]]
    return lines


class FeedClient:
    """Fetches pages of the registration feed over HTTP with bounded, backed-off retries."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout if timeout is not None else settings.REGISTRATION_FEED_TIMEOUT_SECONDS
        self.retry = retry or RetryPolicy.from_settings()
        self.sleep = sleep
        self.requests = 0

    def _fetch_once(self, after_seq: int, limit: int) -> list[str]:
        url = f"{self.base_url}/feed?{urlencode({'after_seq': after_seq, 'limit': limit})}"
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in registration_sync_http
            url, headers={"Accept": "application/x-ndjson, application/json"}
        )
        self.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == HTTPStatus.TOO_MANY_REQUESTS or exc.code >= HTTPStatus.INTERNAL_SERVER_ERROR:
                raise _Transient(f"http_{exc.code}", retry_after=_retry_after(exc.headers)) from None
            raise FeedRejected(
                f"feed endpoint answered HTTP {exc.code}", after_seq=after_seq, status=exc.code
            ) from None
        except http.client.IncompleteRead:  # body shorter than its Content-Length (or a cut chunk)
            raise _Transient("incomplete_read") from None
        except TimeoutError:
            raise _Transient("timeout") from None
        except urllib.error.URLError as exc:
            reason = "timeout" if isinstance(exc.reason, TimeoutError) else type(exc.reason).__name__
            raise _Transient(f"connection:{reason}") from None
        except (OSError, http.client.HTTPException) as exc:  # reset, refused, remote closed without answer
            raise _Transient(f"connection:{type(exc).__name__}") from None
        return _parse_page(body, content_type, after_seq=after_seq)

    def page(self, *, after_seq: int, limit: int) -> _Page:
        """One page after `after_seq`, retrying transient failures; raises FeedUnavailable or FeedRejected."""
        for attempt in range(1, self.retry.attempts + 1):
            try:
                lines = self._fetch_once(after_seq, limit)
            except _Transient as exc:
                if attempt == self.retry.attempts:
                    logger.error(
                        "registration feed unavailable after %d attempts (after_seq=%d, last failure %s)",
                        attempt,
                        after_seq,
                        exc.reason,
                    )
                    raise FeedUnavailable(
                        f"registration feed unavailable after {attempt} attempts "
                        f"(after_seq={after_seq}, last failure: {exc.reason})",
                        attempts=attempt,
                        after_seq=after_seq,
                    ) from None
                delay = self.retry.delay(attempt, exc.retry_after)
                logger.warning(
                    "registration feed attempt %d/%d failed (%s, after_seq=%d); retrying in %.2fs",
                    attempt,
                    self.retry.attempts,
                    exc.reason,
                    after_seq,
                    delay,
                )
                self.sleep(delay)
                continue
            except FeedRejected as exc:
                logger.error(
                    "registration feed refused the request (after_seq=%d): %s", after_seq, exc.message
                )
                raise
            seqs = [s for s in map(_seq_of, lines) if s is not None]
            return _Page(lines=lines, top_seq=max(seqs) if seqs else None)
        raise AssertionError("unreachable")  # pragma: no cover


class _PageStream:
    """Feed lines page after page; a failure ends the stream and is kept in `error`, so the lines already
    handed over still commit before the error is raised."""

    def __init__(
        self, client: FeedClient, first: _Page, *, after_seq: int, limit: int, max_pages: int | None
    ):
        self.client = client
        self.first = first
        self.after_seq = after_seq
        self.limit = limit
        self.max_pages = max_pages
        self.pages = 0
        self.error: FeedError | None = None

    def _advance(self, page: _Page) -> None:
        if page.top_seq is None or page.top_seq <= self.after_seq:
            raise FeedRejected(
                f"feed page after seq {self.after_seq} does not move forward (top seq {page.top_seq})",
                after_seq=self.after_seq,
            )
        self.after_seq = page.top_seq

    def lines(self) -> Iterator[str]:
        page = self.first
        while True:
            self.pages += 1
            logger.debug(
                "registration feed page %d: %d lines up to seq %s", self.pages, len(page.lines), page.top_seq
            )
            try:
                self._advance(page)
            except FeedRejected as exc:
                self.error = exc
                return
            yield from page.lines
            if self.max_pages is not None and self.pages >= self.max_pages:
                return
            try:
                page = self.client.page(after_seq=self.after_seq, limit=self.limit)
            except FeedError as exc:
                self.error = exc
                return
            if not page.lines:
                return


def _cursor_of(source: str) -> int:
    return SyncCursor.objects.filter(source=source).values_list("last_seq", flat=True).first() or 0


def registration_sync_http(
    *,
    base_url: str,
    source: str | None = None,
    limit: int | None = None,
    max_pages: int | None = None,
    progress: Callable[[SyncReport], None] | None = None,
    batch_size: int = 1000,
) -> SyncReport:
    """Pull the feed from `base_url` after the source's cursor until an empty page and apply it; writes what
    `registration_feed_apply` writes (one SyncRun when there is anything new). Raises FeedUnavailable (transient)
    or FeedRejected after committing every line it did receive."""
    if not base_url.startswith(("http://", "https://")):
        raise FeedRejected(f"feed URL must be http(s): {base_url!r}", after_seq=0)
    base = base_url.rstrip("/")
    source = (source or f"http:{base}")[:255]
    limit = limit or settings.REGISTRATION_FEED_PAGE_SIZE
    client = FeedClient(base)
    start = _cursor_of(source)
    first = client.page(after_seq=start, limit=limit)  # a dead feed raises here, before any run is recorded
    if not first.lines:
        logger.info("registration feed %s: nothing after seq %d", source, start)
        return SyncReport(last_seq=start)
    stream = _PageStream(client, first, after_seq=start, limit=limit, max_pages=max_pages)
    report = registration_feed_apply(
        lines=stream.lines(), source=source, batch_size=batch_size, progress=progress
    )
    logger.info(
        "registration feed %s: %d pages, %d requests, applied %d, skipped %d, quarantined %d, seq %d -> %d",
        source,
        stream.pages,
        client.requests,
        report.applied,
        report.skipped,
        report.quarantined,
        start,
        report.last_seq,
    )
    if stream.error is not None:
        if report.run_id is not None:
            SyncRun.objects.filter(pk=report.run_id).update(
                status=SyncRun.Status.FAILED, finished_at=timezone.now(), error=stream.error.message[:2000]
            )
        raise stream.error
    return report


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def _file_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", errors="replace") as f:
        yield from f


def _add(total: SyncReport, part: SyncReport) -> SyncReport:
    merged = SyncReport(
        applied=total.applied + part.applied,
        skipped=total.skipped + part.skipped,
        quarantined=total.quarantined + part.quarantined,
        last_seq=max(total.last_seq, part.last_seq),
        seconds=total.seconds + part.seconds,
        quarantine_codes=dict(total.quarantine_codes),
        errors=[*total.errors, *part.errors],
        run_id=part.run_id or total.run_id,
    )
    for code, n in part.quarantine_codes.items():
        merged.quarantine_codes[code] = merged.quarantine_codes.get(code, 0) + n
    return merged


def registration_sync_dir(
    *,
    directory: str | os.PathLike[str],
    progress: Callable[[SyncReport], None] | None = None,
    batch_size: int = 1000,
) -> SyncReport:
    """Apply every `*.jsonl` file of `directory` in name order (source `file:<name>`), renaming each fully
    applied file to `<name>.done`; a file that fails stays in place and the error is raised. Returns the sum."""
    folder = Path(directory)
    if not folder.is_dir():
        raise FeedError(f"feed directory not found: {folder}", code="feed_dir_missing")
    total = SyncReport()
    for path in sorted(folder.glob("*.jsonl")):
        if not path.is_file():
            continue
        try:
            expected = _count_lines(path)
        except FileNotFoundError:  # another worker finished it meanwhile
            continue
        done_before = total

        def report_progress(report: SyncReport, done_before: SyncReport = done_before) -> None:
            if progress is not None:
                progress(_add(done_before, report))

        # Later files may build on earlier ones (a TRANSFER after its CREATE): stop at the first failure.
        part = registration_feed_apply(
            lines=_file_lines(path),
            source=f"file:{path.name}",
            batch_size=batch_size,
            progress=report_progress,
            total=expected,
        )
        try:
            os.replace(path, path.with_name(path.name + ".done"))
        except FileNotFoundError:  # a concurrent run applied (as no-ops) and renamed it first
            pass
        logger.info(
            "registration feed file %s: applied %d, skipped %d, quarantined %d, last seq %d",
            path.name,
            part.applied,
            part.skipped,
            part.quarantined,
            part.last_seq,
        )
        total = _add(total, part)
    return total


_SYNC_SESSION_LOCK = 0x6E5A_0002  # one scheduled sync at a time (session-level, non-blocking)


def registration_sync_configured() -> SyncReport | None:
    """Run the configured source: REGISTRATION_FEED_URL, else REGISTRATION_FEED_DIR, else nothing (None).

    A run that finds another scheduled run still going returns None at once instead of fetching and parsing
    the same pages again (correctness does not depend on this: the consumer locks every batch)."""
    if not (settings.REGISTRATION_FEED_URL or settings.REGISTRATION_FEED_DIR):
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [_SYNC_SESSION_LOCK])
        if not cur.fetchone()[0]:
            logger.info("registration sync: another run is in progress, skipping this tick")
            return None
    try:
        if settings.REGISTRATION_FEED_URL:
            return registration_sync_http(base_url=settings.REGISTRATION_FEED_URL)
        return registration_sync_dir(directory=settings.REGISTRATION_FEED_DIR)
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", [_SYNC_SESSION_LOCK])
