"""The registration feed (不动产登记) consumer: parse, validate, quarantine, apply in set-based batches.

One code path serves the Celery task, `manage.py sync_registration --file`, the demo loader and re-applying
quarantined lines from the admin:

- `parsing`: one JSON line → a validated FeedEvent (identity numbers become keyed hashes at once)
- `creates`: CREATE events in bulk (COPY)
- `events`: TRANSFER, CHANGE, CORRECTION, CANCEL, ENCUMBRANCE_SET/RELEASE, UNIT_RENUMBER
- `feed`: the batch loop — idempotence, crash safety, the advisory lock, quarantine, progress
- `sources`: the HTTP endpoint and the drop directory
"""

from registry.services.registration.feed import SyncReport, registration_feed_apply
from registry.services.registration.parsing import FeedEvent, FeedRecordError, parse_feed_line, parse_share

__all__ = [
    "FeedEvent",
    "FeedRecordError",
    "SyncReport",
    "parse_feed_line",
    "parse_share",
    "registration_feed_apply",
]
