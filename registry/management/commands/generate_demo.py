"""`manage.py generate_demo --units N --out DIR [--seed S] [--district 370212] [--as-of DATE]`."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.demo import DEFAULT_DISTRICT, DEFAULT_SEED, MIN_UNITS, generate_demo


class Command(BaseCommand):
    help = "Write a deterministic demo district (DIR/master.json and DIR/feed.jsonl) by streaming; any size."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, required=True, help=f"number of units (≥ {MIN_UNITS})")
        parser.add_argument("--out", type=Path, required=True, help="output directory")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--district", default=DEFAULT_DISTRICT, help="a Qingdao district code, e.g. 370212"
        )
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help="date the equipment due dates are relative to",
        )

    def handle(
        self, *args, units: int, out: Path, seed: int, district: str, as_of: dt.date | None, **options
    ) -> None:
        def progress(n: int) -> None:
            self.stdout.write(f"  {n:,} / {units:,} units")
            self.stdout.flush()

        try:
            counts = generate_demo(
                out_dir=out, units=units, seed=seed, district=district, as_of=as_of, progress=progress
            )
        except ValueError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(self.style.SUCCESS(f"{out / 'master.json'}, {out / 'feed.jsonl'}"))
        for key, value in counts.as_dict().items():
            if key != "seconds":
                self.stdout.write(f"  {key:<18} {value:>10,}")
        rate = counts.units / counts.seconds if counts.seconds else 0
        self.stdout.write(f"  written in {counts.seconds:.1f}s ({rate:,.0f} units/s)")
