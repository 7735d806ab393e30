"""`{% voting_home_section user %}`: the owner's assemblies on "my home" (registry/home.html), without the
registry view having to import voting/."""

from typing import Any

from django import template

from voting.owner_selectors import owner_assemblies_for_home

register = template.Library()


@register.inclusion_tag("voting/_home_section.html")
def voting_home_section(user: Any) -> dict[str, Any]:
    """A few of the user's assemblies (announced or open first) with a link to all of them."""
    return {"assemblies": owner_assemblies_for_home(user=user) if user.is_authenticated else []}
