"""`manage.py create_open311_key --user USERNAME --name NAME`: prints the new key once (only its hash is kept)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.services.cases import open311_key_create
from config.errors import ApplicationError
from registry.models import User


class Command(BaseCommand):
    help = "Create an Open311 api_key; requests POSTed with it are filed as USERNAME. The key is shown once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the account the key files as")
        parser.add_argument("--name", required=True, help="who the key is for, e.g. the client's name")

    def handle(self, *args, user: str, name: str, **options) -> None:
        account = User.objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"no account {user}")
        try:
            row, key = open311_key_create(user=account, name=name)
        except ApplicationError as e:
            raise CommandError(e.message) from e
        self.stdout.write(key)
        self.stderr.write(
            self.style.SUCCESS(f"Open311 key “{row.name}” for {user}: shown once, keep it now.")
        )
