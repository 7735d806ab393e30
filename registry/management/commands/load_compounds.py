"""`manage.py load_compounds FILE.json`: master data (registry.md), idempotent."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import ApplicationError
from registry.services.places import master_data_load


class Command(BaseCommand):
    help = "Load regions, firms and compounds from a master-data JSON file (re-loading updates, never duplicates)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise CommandError(f"{file}: {e}") from e
        try:
            report = master_data_load(doc=doc, source=str(file))
        except ApplicationError as e:
            lines = "\n".join(f"  - {err}" for err in e.extra.get("errors", []))
            raise CommandError(f"{e.message}\n{lines}") from e
        self.stdout.write(self.style.SUCCESS(f"{file}: {report.summary()}"))
