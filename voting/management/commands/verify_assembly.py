"""`python manage.py verify_assembly ID`: check the log chain and recompute the tally from the stored ballots."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from voting.models import Assembly
from voting.services.verification import assembly_verify


class Command(BaseCommand):
    help = (
        "Verify an assembly: the hash-chained log, the frozen roll, every ballot's receipt, the counted ballots "
        "by the revote policy, and the stored results recomputed from the ballots. Exit code 1 on any problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("assembly_id", type=int)

    def handle(self, *args: object, assembly_id: int, **options: object) -> None:
        assembly = Assembly.objects.filter(pk=assembly_id).first()
        if assembly is None:
            raise CommandError(f"assembly {assembly_id} does not exist")
        report = assembly_verify(assembly=assembly)
        for note in report.notes:
            self.stdout.write(note)
        if not report.ok:
            for problem in report.problems:
                self.stdout.write(self.style.ERROR(problem))
            raise CommandError(f"assembly {assembly_id}: {len(report.problems)} problem(s) found")
        self.stdout.write(self.style.SUCCESS(f"OK: assembly {assembly_id} verifies ({assembly.title})"))
