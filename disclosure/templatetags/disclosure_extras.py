"""The owner home's disclosure section (`{% disclosure_home_section user %}`, so that registry's view need not
import disclosure): a link to each of the owner's compounds' disclosures."""

from typing import Any

from django import template

from registry.permissions import jurisdiction
from registry.selectors import compound_list_visible_to

register = template.Library()


@register.inclusion_tag("disclosure/_home_section.html")
def disclosure_home_section(user: Any) -> dict[str, Any]:
    """Links to the disclosures of the compounds where the user owns a unit."""
    if not user.is_authenticated:
        return {"compounds": []}
    owned = jurisdiction(user).owned_compounds
    compounds = compound_list_visible_to(user=user).filter(pk__in=sorted(owned)).order_by("code")
    return {"compounds": list(compounds[:20])}
