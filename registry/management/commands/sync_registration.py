"""`manage.py sync_registration --file FEED.jsonl | --url BASE | --dir DIR`: apply the registration feed
with a progress bar, through the same code as the Celery worker."""

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.services.registration import SyncReport, registration_feed_apply
from registry.services.registration.sources import FeedError, registration_sync_dir, registration_sync_http


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


class Command(BaseCommand):
    help = "Apply a registration feed (JSON Lines file, HTTP endpoint or drop directory) as the worker does."

    def add_arguments(self, parser: CommandParser) -> None:
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--file", type=Path, help="a JSON Lines feed file")
        where.add_argument("--url", help="the feed endpoint's base URL (GET {base}/feed?after_seq=N&limit=M)")
        where.add_argument(
            "--dir", type=Path, help="a drop directory: every *.jsonl, renamed .done when applied"
        )
        parser.add_argument("--source", default="", help="cursor name (default: file:<name> or http:<url>)")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--max-pages", type=int, default=None, help="--url: stop after this many pages")

    def _progress(self, total: int | None) -> Callable[[SyncReport], None]:
        tty = sys.stdout.isatty()

        def progress(report: SyncReport) -> None:
            done = report.total
            counts = (
                f"applied {report.applied} skipped {report.skipped} quarantined {report.quarantined} "
                f"{report.rate:,.0f}/s"
            )
            if total is None:  # an endpoint does not say how much is left
                line = f"{done} events {counts}"
            else:
                left = (total - done) / report.rate if report.rate else 0
                width = 30
                filled = min(width, int(width * done / total)) if total else width
                line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {counts} ~{left:,.0f}s left"
            self.stdout.write(("\r" + line) if tty else line, ending="" if tty else "\n")
            self.stdout.flush()

        return progress

    def handle(
        self,
        *args,
        file: Path | None,
        url: str | None,
        dir: Path | None,  # noqa: A002 - the option's name
        source: str,
        batch_size: int,
        max_pages: int | None,
        **options,
    ) -> None:
        tty = sys.stdout.isatty()
        try:
            if file is not None:
                report = self._file(file, source=source, batch_size=batch_size)
            elif url is not None:
                report = registration_sync_http(
                    base_url=url,
                    source=source or None,
                    max_pages=max_pages,
                    progress=self._progress(None),
                    batch_size=batch_size,
                )
            else:
                assert dir is not None
                report = registration_sync_dir(
                    directory=dir, progress=self._progress(None), batch_size=batch_size
                )
        except FeedError as exc:
            if tty:
                self.stdout.write("")
            raise CommandError(exc.message) from exc
        if tty:
            self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"applied {report.applied}, skipped as already seen {report.skipped}, "
                f"quarantined {report.quarantined} in {report.seconds:.1f}s ({report.rate:,.0f} events/s)"
            )
        )
        for code, n in sorted(report.quarantine_codes.items()):
            self.stdout.write(f"  quarantined {code}: {n}")

    def _file(self, file: Path, *, source: str, batch_size: int) -> SyncReport:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        total = _count_lines(file)

        def lines() -> Iterator[str]:
            with file.open(encoding="utf-8", errors="replace") as f:
                yield from f

        return registration_feed_apply(
            lines=lines(),
            source=source or f"file:{file.name}",
            batch_size=batch_size,
            progress=self._progress(total),
        )
