"""Staff overrides of the working-day calendar (public holidays, 调休 make-up working days), read by
`registry.calendar` through `registry.selectors.working_calendar_load`."""

from registry.models import User, WorkingDayOverride
from registry.services.records import record_delete, record_save


def working_day_override_save(
    *, actor: User, override: WorkingDayOverride, changed_fields: list[str]
) -> WorkingDayOverride:
    """Save one date's override stamped with its editor; writes the row and one audit row in one transaction.
    Refusal: 403 `forbidden` unless the actor keeps the calendar (a city-level official or a superuser)."""
    override.updated_by = actor
    record_save(actor=actor, instance=override, changed_fields=changed_fields)
    return override


def working_day_override_delete(*, actor: User, override: WorkingDayOverride) -> None:
    """Remove one date's override (the library's answer applies again); audited. Refusal as for saving."""
    record_delete(actor=actor, instance=override)
