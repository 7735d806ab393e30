"""Template helpers of the complaint pages: labels from complaints.labels, and the owner home's section
(`{% complaints_home_section user %}`, so that registry's view need not import complaints)."""

from typing import Any

from django import template

from complaints.labels import Satisfaction
from complaints.permissions import may_handle
from complaints.selectors import complaint_list_mine_brief

register = template.Library()

HOME_CASES = 3


@register.filter
def satisfaction_label(value: str) -> str:
    """满意 / 基本满意 / 不满意 for a stored rating value ('' when unknown)."""
    return str(Satisfaction(value).label) if value in Satisfaction.values else ""


@register.inclusion_tag("complaints/_home_section.html")
def complaints_home_section(user: Any) -> dict[str, Any]:
    """The owner's latest cases with links to file one and to all of them (and the queue for handlers)."""
    if not user.is_authenticated:
        return {"cases": [], "handles": False}
    return {"cases": complaint_list_mine_brief(user=user, limit=HOME_CASES), "handles": may_handle(user=user)}
