"""Celery tasks of voting/: ids in, one service call out, explicit names, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from config.errors import WrongState
from voting.models import Assembly
from voting.services.assemblies import assembly_close, assembly_open
from voting.services.notifications import assemblies_closing_soon, assembly_notify
from voting.services.tally import assembly_tally


@shared_task(name="voting.tally_assembly", ignore_result=True)
def tally_assembly(*, assembly_id: int) -> None:
    """Tally a closed assembly (idempotent; a crash re-runs to the same stored result)."""
    assembly_tally(assembly=Assembly.objects.get(pk=assembly_id))


@shared_task(name="voting.notify_owners", ignore_result=True)
def notify_owners(*, assembly_id: int, kind: str, audit_entry_id: int | None = None) -> None:
    """Send one kind of notice to the owners on the roll (once per owner and kind; a reschedule once per owner
    and log entry)."""
    assembly_notify(assembly=Assembly.objects.get(pk=assembly_id), kind=kind, audit_entry_id=audit_entry_id)


@shared_task(name="voting.advance_assemblies", ignore_result=True)
def advance_assemblies() -> None:
    """Open assemblies whose time has come, close those past their deadline, remind a day before closing."""
    now = timezone.now()
    for a in Assembly.objects.filter(status=Assembly.Status.ANNOUNCED, opens_at__lte=now):
        try:
            assembly_open(actor=None, assembly=a, now=now)
        except WrongState:
            pass
    for a in Assembly.objects.filter(status=Assembly.Status.OPEN, closes_at__lte=now):
        try:
            assembly_close(actor=None, assembly=a, now=now)
        except WrongState:
            pass
    for a in assemblies_closing_soon(now=now):
        notify_owners.delay(assembly_id=a.pk, kind="closing")
