"""`manage.py load_party FILE.json`: party organisations and members (partybuilding.md, "Loading"), idempotent;
every error with its location, nothing saved from a document that has any."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import ApplicationError
from partybuilding.services.loading import party_document_load
from registry.models import User


class Command(BaseCommand):
    help = "Load party organisations and members from a JSON document (re-loading updates, never duplicates)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--actor", default="", help="username the audit rows name (default: the system)")

    def handle(self, *args, file: Path, actor: str, **options) -> None:
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise CommandError(f"{file}: {e}") from e
        user = None
        if actor:
            user = User.objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f'--actor: unknown username "{actor}"')
        try:
            report = party_document_load(doc=doc, actor=user)
        except ApplicationError as e:
            lines = "\n".join(f"  - {err}" for err in e.extra.get("errors", []))
            raise CommandError(f"{e.message}\n{lines}") from e
        self.stdout.write(self.style.SUCCESS(f"{file}: {report.summary()}"))
