"""Receipts for reading: `{{ receipt|receipt_groups }}` (groups of four characters, for the grouped display)
and `{{ receipt|receipt_short }}` (the 短码, its first eight characters as "a1b2 c3d4"). The receipt itself —
what is copied and looked up — is always the ungrouped 64 characters."""

from django import template

from voting.services.ballots import SHORT_RECEIPT_LENGTH

register = template.Library()
GROUP = 4


@register.filter
def receipt_groups(receipt: str) -> list[str]:
    """'a1b2c3d4…' → ['a1b2', 'c3d4', …]."""
    return [receipt[i : i + GROUP] for i in range(0, len(receipt), GROUP)]


@register.filter
def receipt_short(receipt: str) -> str:
    """'a1b2c3d4…' → 'a1b2 c3d4'."""
    return " ".join(receipt_groups(receipt[:SHORT_RECEIPT_LENGTH]))
