"""Who sees and who may do what in party building: the one rule for the API, the owner pages and the admin,
built on the registry's jurisdiction (registry.permissions.jurisdiction).

- Membership data (a member, their organisation, posts, volunteering settings) is seen in full by the member,
  the secretary of their organisation, and officials whose region contains the organisation's area; superusers
  see everything. Owners see volunteers only through `volunteer_public` — the fields each chose to show.
- Volunteers of a compound are listed to the owners of the compound and the officials over it; an owner of the
  compound sends a volunteer a request; the thread is the requester's and the member's.
- A task is posted by an owner of its compound, a member of its current owners' committee, or an official
  over it (the community); it is seen by those, and by party members who reach the compound (where they
  volunteer, live, registered or are organised) — they may claim it. Completing is the claimer's, confirming
  the requester's (partybuilding.services.tasks holds the states).
- Coverage figures are the officials' (their region and below). Joint meetings are recorded by officials over
  the community and, for a compound's meeting, by the members of its current owners' committee; both see them.
Not visible is a 404; visible but not allowed is a 403.
"""

from django.db.models import Q

from config.request_memo import memoised
from partybuilding.labels import RequesterRole
from partybuilding.models import Member, Organisation
from registry.models import Compound, Region, User
from registry.permissions import NOTHING, jurisdiction, may_read_region_figures, region_figures_q


def _any(field: str, ids: frozenset[int]) -> Q:
    return Q(**{f"{field}__any": sorted(ids)}) if ids else NOTHING


def party_member(user: User) -> Member | None:
    """The user's party-member record, if any."""
    if not user.is_authenticated:
        return None
    return memoised(
        ("partybuilding.member", user.pk),
        lambda: Member.objects.select_related("organisation").filter(user=user).first(),
    )


# ------------------------------------------------------------------------------------ membership data


def organisation_visible_q(*, user: User) -> Q:
    """A filter over Organisation: officials over its area, its secretary, its members."""
    j = jurisdiction(user)
    if j.everything:
        return Q()
    if not user.is_authenticated:
        return NOTHING
    q = Q(secretary_id=user.pk) | Q(members__user_id=user.pk)
    if j.region_path is not None:
        q |= Q(area__path__startswith=j.region_path)
    return q


def member_visible_q(*, user: User, prefix: str = "") -> Q:
    """A filter over Member (or a model reaching it through `prefix`, e.g. "member__"): the member themself,
    their organisation's secretary, officials over the organisation's area."""
    j = jurisdiction(user)
    if j.everything:
        return Q()
    if not user.is_authenticated:
        return NOTHING
    q = Q(**{f"{prefix}user_id": user.pk}) | Q(**{f"{prefix}organisation__secretary_id": user.pk})
    if j.region_path is not None:
        q |= Q(**{f"{prefix}organisation__area__path__startswith": j.region_path})
    return q


def sees_member(*, user: User, member: Member) -> bool:
    """Whether `user` sees the member's full record (the rule of `member_visible_q` for one member)."""
    return Member.objects.filter(member_visible_q(user=user), pk=member.pk).exists()


# --------------------------------------------------------------------------------- find a party member


def may_list_volunteers(*, user: User, compound: Compound) -> bool:
    """The owners of the compound and the officials over it see its volunteers (shown fields only)."""
    j = jurisdiction(user)
    return j.everything or compound.pk in j.owned_compounds or compound.pk in j.official_compounds


def may_request_volunteer(*, user: User, compound: Compound) -> bool:
    """An owner of the compound asks one of its volunteers for help."""
    return compound.pk in jurisdiction(user).owned_compounds


def volunteer_request_visible_q(*, user: User) -> Q:
    """A filter over VolunteerRequest: the requester's and the volunteer's own threads."""
    if not user.is_authenticated:
        return NOTHING
    return Q(requester_id=user.pk) | Q(volunteer__member__user_id=user.pk)


# ---------------------------------------------------------------------------------------------- tasks


def committee_compounds(user: User) -> frozenset[int]:
    """Compounds whose current owners' committee has `user` as a member (the complaints app's rule)."""
    from complaints.permissions import committee_compounds as rule

    return rule(user)


def member_compounds(user: User) -> frozenset[int]:
    """Compounds a party member reaches: where they volunteer, where they own a flat, those of the community
    they registered with, the compound their organisation covers and those in its community or street."""
    member = party_member(user)
    if member is None:
        return frozenset()

    def load() -> frozenset[int]:
        org: Organisation = member.organisation
        q = Q(party_volunteers__member=member, party_volunteers__active=True)
        if member.registered_community_id is not None:
            q |= Q(community_id=member.registered_community_id)
        if org.compound_id is not None:
            q |= Q(pk=org.compound_id)
        if org.community_id is not None:
            q |= Q(community_id=org.community_id)
        if org.street_id is not None:
            q |= Q(community__parent_id=org.street_id)
        if org.firm_id is not None:
            q |= Q(property_firm_id=org.firm_id)
        return (
            frozenset(Compound.objects.filter(q).values_list("pk", flat=True))
            | jurisdiction(user).owned_compounds
        )

    return memoised(("partybuilding.member_compounds", user.pk), load)


def task_visible_q(*, user: User) -> Q:
    """A filter over Task: its requester and claimer; owners, committee members and officials of its compound;
    party members who reach its compound."""
    j = jurisdiction(user)
    if j.everything:
        return Q()
    if not user.is_authenticated:
        return NOTHING
    q = Q(requester_id=user.pk) | Q(claimer__user_id=user.pk)
    reach = j.owned_compounds | j.official_compounds | committee_compounds(user) | member_compounds(user)
    return q | _any("compound_id", reach)


def task_poster_role(*, user: User, compound: Compound) -> str | None:
    """In which capacity `user` may post a task in the compound (the community's officials first, then the
    committee, then an owner), or None."""
    j = jurisdiction(user)
    if j.everything or compound.pk in j.region_compounds:
        return RequesterRole.COMMUNITY
    if compound.pk in committee_compounds(user):
        return RequesterRole.COMMITTEE
    if compound.pk in j.owned_compounds:
        return RequesterRole.OWNER
    return None


# ------------------------------------------------------------------------------- officials' figures


# Coverage figures are the officials' (and superusers'): the one rule of every figures page (registry.permissions).
may_read_coverage = may_read_region_figures
coverage_region_q = region_figures_q


def meeting_visible_q(*, user: User) -> Q:
    """A filter over Meeting: officials over its community, the committee members of its compound, and whoever
    recorded it."""
    j = jurisdiction(user)
    if j.everything:
        return Q()
    if not user.is_authenticated:
        return NOTHING
    q = Q(recorded_by_id=user.pk) | _any("compound_id", committee_compounds(user))
    if j.region_path is not None:
        q |= Q(community__path__startswith=j.region_path)
    return q


def may_record_meeting(*, user: User, community: Region, compound: Compound | None = None) -> bool:
    """Officials over the community record its joint meetings (and mark their follow-ups done); for a meeting
    about one compound, so do the members of the compound's current owners' committee."""
    j = jurisdiction(user)
    if j.everything or (j.region_path is not None and community.path.startswith(j.region_path)):
        return True
    return compound is not None and compound.pk in committee_compounds(user)


def meeting_places(user: User) -> tuple[list[Region], list[Compound]]:
    """Where `user` may record a joint meeting: the communities of their region (officials) and the compounds
    of their region or of their owners' committee, by code (at most 500 each)."""
    j = jurisdiction(user)
    communities = Region.objects.none()
    if j.everything:
        communities = Region.objects.filter(level=Region.Level.COMMUNITY)
    elif j.region_path is not None:
        communities = Region.objects.filter(level=Region.Level.COMMUNITY, path__startswith=j.region_path)
    compound_q = _any("pk", committee_compounds(user))
    if j.everything:
        compound_q = Q()
    elif j.region_path is not None:
        compound_q |= Q(community__path__startswith=j.region_path)
    compounds = Compound.objects.filter(compound_q).select_related("community").order_by("code")
    return list(communities.order_by("code")[:500]), list(compounds[:500])


# ------------------------------------------------------------------------------------------- admin


def may_use_party_admin(user: User) -> bool:
    """The party-building admin pages: superusers and officials (members and owners use their own pages)."""
    return bool(
        user.is_active
        and user.is_staff
        and (user.is_superuser or getattr(user, "official", None) is not None)
    )
