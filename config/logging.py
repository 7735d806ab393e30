"""Logging plumbing: no unmasked identifiers ever reach a log line."""

import logging
import re

# An 18-character resident ID or credit code, or an 11-digit mobile number, standing alone.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])([0-9]{3})[0-9]{11}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<![0-9A-Za-z])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9A-Za-z])")


def mask_text(text: str) -> str:
    """Mask anything that looks like a resident ID or a mobile number."""
    text = _ID_RE.sub(lambda m: m.group(1) + "*" * 11 + m.group(2), text)
    return _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


class MaskIdentifiersFilter(logging.Filter):
    """Rewrites the formatted message of every record with identifiers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
