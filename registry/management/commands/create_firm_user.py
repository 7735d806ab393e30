"""`manage.py create_firm_user --username U --password P --firm USCC`."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import ApplicationError
from registry.services.accounts import firm_user_create


class Command(BaseCommand):
    help = "Create a property-firm account (the firm's account administrator)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--firm", required=True, help="the firm's unified social credit code")

    def handle(self, *args, username: str, password: str, firm: str, **options) -> None:
        try:
            staff = firm_user_create(username=username, password=password, firm_uscc=firm)
        except ApplicationError as e:
            raise CommandError(e.message) from e
        self.stdout.write(self.style.SUCCESS(f"firm user {username} → {staff.firm}"))
