"""Scans of paper ballots and written proxy mandates (voting.md: "with a scan attached").

The one rule for every caller — the API, the admin forms and the services themselves: a scan is required, is a
PDF, JPEG or PNG by its content (the first bytes, whatever its name or declared content type says), and is at
most VOTING_SCAN_MAX_BYTES. Refusals: `scan_required`, `scan_too_large`, `scan_invalid_type` (400).
"""

from typing import Any

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _

from config.errors import ApplicationError

# Magic numbers: PDF "%PDF-", JPEG SOI + marker, PNG signature.
SCAN_SIGNATURES = {
    "pdf": b"%PDF-",
    "jpeg": b"\xff\xd8\xff",
    "png": b"\x89PNG\r\n\x1a\n",
}
_HEAD = max(len(signature) for signature in SCAN_SIGNATURES.values())


def scan_kind(*, scan: File) -> str | None:
    """`pdf`, `jpeg` or `png` by the file's first bytes, else None; leaves the file at its start."""
    scan.seek(0)
    head = scan.read(_HEAD)
    scan.seek(0)
    return next((kind for kind, sig in SCAN_SIGNATURES.items() if head.startswith(sig)), None)


def scan_check(*, scan: Any) -> None:
    """Refuse a missing scan, one above VOTING_SCAN_MAX_BYTES, or one that is not a PDF, JPEG or PNG by its
    content. Reads at most the first 8 bytes; no side effects."""
    if not scan:
        raise ApplicationError(_("请附上书面文件的扫描件（PDF、JPEG 或 PNG）。"), code="scan_required")
    limit = settings.VOTING_SCAN_MAX_BYTES
    if scan.size > limit:
        raise ApplicationError(
            _("扫描件不能超过 %(mb)s MB。") % {"mb": f"{limit / 1024 / 1024:g}"},
            code="scan_too_large",
            extra={"limit": limit, "size": scan.size},
        )
    if scan_kind(scan=scan) is None:
        raise ApplicationError(
            _("扫描件须为 PDF、JPEG 或 PNG 文件。"),
            code="scan_invalid_type",
            extra={"allowed": sorted(SCAN_SIGNATURES)},
        )
