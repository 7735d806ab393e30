"""`manage.py create_official --username U --password P --region CODE`."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import ApplicationError
from registry.services.accounts import official_create


class Command(BaseCommand):
    help = "Create a government account scoped to a region (street, district or city)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--region", required=True, help="region code, e.g. 370212001")
        parser.add_argument("--title", default="")

    def handle(self, *args, username: str, password: str, region: str, title: str, **options) -> None:
        try:
            official = official_create(username=username, password=password, region_code=region, title=title)
        except ApplicationError as e:
            raise CommandError(e.message) from e
        self.stdout.write(self.style.SUCCESS(f"official {username} → {official.region}"))
