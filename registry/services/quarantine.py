"""The quarantine of the registration feed: staff review refused lines and dismiss those that need no fix."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from config.errors import Forbidden
from registry.models import QuarantinedRecord, User
from registry.services.audit import audit_record

DISMISS_PERMISSION = "registry.change_quarantinedrecord"


def quarantine_dismiss(
    *, actor: User, records: QuerySet[QuarantinedRecord] | Iterable[QuarantinedRecord]
) -> int:
    """Mark the open ones of `records` dismissed; writes one audit row per record. Returns how many changed.

    Records already dismissed or re-applied are left as they are (not counted), so a repeated call is harmless.
    Refusal: 403 unless the actor holds `registry.change_quarantinedrecord` (officials, superusers).
    """
    if not actor.is_active or not actor.has_perm(DISMISS_PERMISSION):
        raise Forbidden(_("您没有处理隔离记录的权限。"), code="forbidden")
    if isinstance(records, QuerySet):
        ids = list(records.values_list("pk", flat=True))
    else:
        ids = [r.pk for r in records]
    with transaction.atomic():
        # Lock in primary-key order so two staff dismissing overlapping selections cannot deadlock.
        open_records = list(
            QuarantinedRecord.objects.select_for_update()
            .filter(pk__in=ids, status=QuarantinedRecord.Status.OPEN)
            .order_by("pk")
        )
        if not open_records:
            return 0
        QuarantinedRecord.objects.filter(pk__in=[r.pk for r in open_records]).update(
            status=QuarantinedRecord.Status.DISMISSED
        )
        for record in open_records:
            record.status = QuarantinedRecord.Status.DISMISSED
            audit_record(
                actor=actor,
                verb="quarantine.dismiss",
                target=record,
                data={"source": record.source, "code": record.code, "seq": record.seq},
            )
    return len(open_records)
