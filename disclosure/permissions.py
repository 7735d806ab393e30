"""Who sees and who writes disclosure records: the one rule of the API, the pages and the admin, built on the
registry's jurisdiction.

- Published and superseded records of a compound: its owners, the officials over it (and view grants), the firm
  serving it, members of its current owners' committee; nobody else (no public reads).
- Drafts: the firm serving the compound (every account of it), the record's author, and the committee members
  who co-sign them; never owners or officials.
- Only the firm serving the compound, and platform staff (superusers), draft, change drafts, publish and correct.
- Members of the compound's current committee co-sign; its owners raise objections.
- Fee caps are the city's: superusers and city-level officials change them; every official and firm reads them.
"""

from django.db.models import Q

from complaints.permissions import committee_compounds
from disclosure.labels import Status
from disclosure.models import Disclosure
from registry.models import User
from registry.permissions import NOTHING, jurisdiction


def _any(field: str, ids: frozenset[int]) -> Q:
    return Q(**{f"{field}__any": sorted(ids)}) if ids else NOTHING


def disclosure_visible_q(*, user: User) -> Q:
    """A filter over Disclosure for what `user` may see (the rule of the module docstring)."""
    j = jurisdiction(user)
    if j.everything:
        return Q()
    if not user.is_authenticated:
        return NOTHING
    committee = committee_compounds(user)
    published = ~Q(status=Status.DRAFT) & _any("compound_id", j.compounds | committee)
    drafts = Q(status=Status.DRAFT) & (
        _any("compound_id", j.firm_compounds | committee) | Q(author_id=user.pk)
    )
    return published | drafts


def may_draft(*, user: User, compound_id: int) -> bool:
    """The firm serving the compound, and platform staff."""
    j = jurisdiction(user)
    return j.everything or compound_id in j.firm_compounds


def may_edit(*, user: User, disclosure: Disclosure) -> bool:
    """Whether `user` may change, publish or delete the draft, or correct the published record."""
    return may_draft(user=user, compound_id=disclosure.compound_id)


def may_cosign(*, user: User, disclosure: Disclosure) -> bool:
    """Members of the compound's current owners' committee."""
    return disclosure.compound_id in committee_compounds(user)


def may_object(*, user: User, disclosure: Disclosure) -> bool:
    """Owners of the compound, about a published (or superseded) record."""
    return disclosure.is_published and disclosure.compound_id in jurisdiction(user).owned_compounds


def may_use_disclosure_admin(user: User) -> bool:
    """The admin pages of disclosure: superusers, officials and firm accounts (staff users)."""
    if not (user.is_active and user.is_staff):
        return False
    j = jurisdiction(user)
    return j.everything or j.region_path is not None or j.firm_id is not None


def may_edit_fee_caps(user: User) -> bool:
    """Guidance caps are the city's: superusers and city-level officials."""
    j = jurisdiction(user)
    return may_use_disclosure_admin(user) and (j.everything or j.city_wide)


def may_read_figures(user: User) -> bool:
    """Disclosure figures are the officials': superusers and officials."""
    j = jurisdiction(user)
    return j.everything or j.region_path is not None
