"""The owner home's party-building section (`{% party_home_section user %}`, so that registry's view need not
import partybuilding): links to find a party member and to the tasks. No query — the home page keeps its
query budget (tests/registry/views/test_home.py); the counts are on the party pages."""

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("partybuilding/_home_section.html")
def party_home_section(user: Any) -> dict[str, Any]:
    """Links for a signed-in owner; nothing for anyone else."""
    return {"show": bool(getattr(user, "is_authenticated", False))}
