"""`manage.py sync_registration --file FEED.jsonl`: apply a registration feed file with a progress bar."""

import sys
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.services.registration import SyncReport, registration_feed_apply


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


class Command(BaseCommand):
    help = "Apply a registration feed (JSON Lines) through the same code as the Celery worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, required=True)
        parser.add_argument("--source", default="", help="cursor name (default: file:<name>)")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, file: Path, source: str, batch_size: int, **options) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        total = _count_lines(file)
        tty = sys.stdout.isatty()

        def progress(report: SyncReport) -> None:
            done = report.total
            left = (total - done) / report.rate if report.rate else 0
            width = 30
            filled = int(width * done / total) if total else width
            line = (
                f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                f"applied {report.applied} skipped {report.skipped} quarantined {report.quarantined} "
                f"{report.rate:,.0f}/s ~{left:,.0f}s left"
            )
            self.stdout.write(("\r" + line) if tty else line, ending="" if tty else "\n")
            self.stdout.flush()

        def lines() -> Iterator[str]:
            with file.open(encoding="utf-8", errors="replace") as f:
                yield from f

        report = registration_feed_apply(
            lines=lines(), source=source or f"file:{file.name}", batch_size=batch_size, progress=progress
        )
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
