"""The owner home's disclosure section (`{% disclosure_home_section compounds %}`, so that registry's view need
not import disclosure): a link to the disclosures of each compound on the home's cards (no query)."""

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("disclosure/_home_section.html")
def disclosure_home_section(cards: Any) -> dict[str, Any]:
    """Links to the disclosures of the compounds of the owner's home cards (`card.compound`)."""
    compounds = [card.compound for card in cards or [] if getattr(card, "compound", None) is not None]
    return {"compounds": compounds}
