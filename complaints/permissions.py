"""Who sees a case and which roles one holds in it (complaints.rules says which roles a move needs). Built on
the registry's jurisdiction: one rule for the API, the pages and the admin.

- The complainant sees their own cases. The street office over the compound sees every case there and may act
  for any tier (supervisor) and review results.
- The firm serving the compound sees the cases first routed to its butlers (it stays accountable after an
  escalation) — never a case about the firm itself (it skips the firm) — and handles them while they are at
  the butler tier.
- Members of the compound's current owners' committee see the butler's and the committee's cases, review the
  butler's results and handle the committee's — never a case about a committee member (it goes to the street).
- Nobody but the complainant receives the complainant's identity through these pages and endpoints.
- Everyone (Open311, no sign-in) sees the snap-reports about public areas that the street office over the
  compound published after moderation — never a complaint, a report about a flat or an unpublished one.
"""

from django.db.models import Q
from django.utils import timezone

from complaints.labels import About, Kind, Tier
from complaints.models import Complaint
from config.request_memo import memoised
from registry.models import CommitteeMember, User
from registry.permissions import NOTHING, jurisdiction, may_read_region_figures, region_figures_q


def committee_compounds(user: User) -> frozenset[int]:
    """Compounds whose current owners' committee has `user` (through their owner record) as a member."""
    if not user.is_authenticated:
        return frozenset()

    def load() -> frozenset[int]:
        today = timezone.localdate()
        return frozenset(
            CommitteeMember.objects.filter(
                owner__user=user, committee__term_starts_on__lte=today, committee__term_ends_on__gte=today
            ).values_list("committee__compound_id", flat=True)
        )

    return memoised(("complaints.committee", user.pk), load)


def _any(field: str, ids: frozenset[int]) -> Q:
    return Q(**{f"{field}__any": sorted(ids)}) if ids else NOTHING


def complaint_visible_q(*, user: User) -> Q:
    """A filter over Complaint for what `user` may see (the rule of the module docstring)."""
    j = jurisdiction(user)
    if j.everything:
        return Q()
    if not user.is_authenticated:
        return NOTHING
    q = Q(complainant_id=user.pk) | _any("compound_id", j.region_compounds)
    q |= _any("compound_id", j.firm_compounds) & Q(first_tier=Tier.BUTLER) & ~Q(about=About.FIRM)
    q |= (
        _any("compound_id", committee_compounds(user))
        & Q(first_tier__in=[Tier.BUTLER, Tier.COMMITTEE])
        & ~Q(about=About.COMMITTEE)
    )
    return q


def complaint_public_q() -> Q:
    """A filter over Complaint for what anyone may see: published snap-reports about public areas."""
    return Q(public=True, kind=Kind.SNAP, unit__isnull=True)


def may_publish(*, user: User, complaint: Complaint) -> bool:
    """Moderation is the street office's over the compound (the supervisor role)."""
    return "supervisor" in roles_in(user=user, complaint=complaint)


def complaint_queue_q(*, user: User) -> Q:
    """Cases waiting on `user` as a handler of their current tier (the street office: the street tier)."""
    j = jurisdiction(user)
    if j.everything:
        return Q(tier=Tier.STREET)
    q = _any("compound_id", j.region_compounds) & Q(tier=Tier.STREET)
    q |= _any("compound_id", j.firm_compounds) & Q(tier=Tier.BUTLER) & ~Q(about=About.FIRM)
    q |= _any("compound_id", committee_compounds(user)) & Q(tier=Tier.COMMITTEE) & ~Q(about=About.COMMITTEE)
    return q


def roles_in(*, user: User, complaint: Complaint) -> set[str]:
    """The roles `user` holds in the case: complainant, handler, reviewer, supervisor (none: a stranger)."""
    roles: set[str] = set()
    if not user.is_authenticated:
        return roles
    if complaint.complainant_id == user.pk:
        roles.add("complainant")
    j = jurisdiction(user)
    c = complaint.compound_id
    if j.everything or c in j.region_compounds:
        roles |= {"supervisor", "reviewer"}
        if complaint.tier == Tier.STREET:
            roles.add("handler")
    if c in j.firm_compounds and complaint.about != About.FIRM and complaint.tier == Tier.BUTLER:
        roles.add("handler")
    if c in committee_compounds(user) and complaint.about != About.COMMITTEE:
        if complaint.tier == Tier.COMMITTEE:
            roles.add("handler")
        elif complaint.tier == Tier.BUTLER:
            roles.add("reviewer")
    return roles


def may_file_in(*, user: User, compound_id: int) -> bool:
    """Owners file cases about the compounds where they hold a unit now."""
    return compound_id in jurisdiction(user).owned_compounds


def may_file(*, user: User) -> bool:
    """Whether `user` may file anywhere: an owner holding a unit now (the filing page's form)."""
    return bool(jurisdiction(user).owned_compounds)


def may_handle(*, user: User) -> bool:
    """Whether `user` may hold a handler's queue at all: the street office, the firm, a committee member."""
    j = jurisdiction(user)
    return bool(j.everything or j.region_compounds or j.firm_compounds or committee_compounds(user))


def sees_internal(*, user: User, complaint: Complaint) -> bool:
    """Internal timeline entries: handlers, reviewers and the street office — not the complainant alone."""
    return bool(roles_in(user=user, complaint=complaint) - {"complainant"}) or _sees_as_staff(user, complaint)


def _sees_as_staff(user: User, complaint: Complaint) -> bool:
    j = jurisdiction(user)
    c = complaint.compound_id
    return (c in j.firm_compounds and complaint.about != About.FIRM) or (
        c in committee_compounds(user) and complaint.about != About.COMMITTEE
    )


def may_use_complaints_admin(user: User) -> bool:
    """The street office's admin pages of complaints: superusers and officials (firms and committees work
    from their queue pages)."""
    return bool(
        user.is_active
        and user.is_staff
        and (user.is_superuser or getattr(user, "official", None) is not None)
    )


def may_edit_complaint_settings(user: User) -> bool:
    """Categories and the routing table are the city's: superusers and city-level officials change them;
    other officials read them."""
    if not may_use_complaints_admin(user):
        return False
    if user.is_superuser:
        return True
    return user.official.region.level == "city"


def complaint_admin_q(*, user: User) -> Q:
    """Cases in the admin: those of the compounds the user sees as an official."""
    if not may_use_complaints_admin(user):
        return NOTHING
    j = jurisdiction(user)
    if j.everything:
        return Q()
    return _any("compound_id", j.official_compounds)


# The officials' figures are one rule for every figures page (registry.permissions).
may_read_figures = may_read_region_figures
figures_region_q = region_figures_q
