"""Who may run, see and vote in an assembly, and what the street office's voting pages show. Built on the
registry's jurisdiction (`registry.permissions`): one rule for the API, the owner pages and the admin.

- Running an assembly (create, announce, open, close, tally, publish, cancel, paper ballots, deliveries,
  proxies, looking at a unit's choices after the close) belongs to the street office: officials whose region
  contains the compound. A view grant or an owned flat never runs anything.
- Everyone who sees the compound sees its assemblies (owners: not drafts). The records behind an assembly
  (ballots handed in, the roll, refusals, the log) are shown in the admin to officials who see the compound as
  officials (their region, or a grant), never to firms or owners; none of them shows a choice.
"""

from django.db.models import Q, QuerySet

from registry.models import Compound, User
from registry.permissions import (
    NOTHING,
    compound_visible,
    jurisdiction,
    official_over,
)
from voting.models import Assembly

VIEW_CHOICES = "voting.view_individual_choices"


def can_run_assembly(*, user: User, compound: Compound) -> bool:
    """The street office over the compound (officials of its street, district or city) convenes and runs it."""
    return official_over(user=user, compound=compound)


def can_view_choices(*, user: User, compound: Compound) -> bool:
    """Individual choices: only the voter (elsewhere) and, access-logged, officials running the assembly."""
    return can_run_assembly(user=user, compound=compound)


def runnable_compounds(*, user: User) -> QuerySet[Compound]:
    """Compounds the user may convene an assembly for (`can_run_assembly`), by code."""
    j = jurisdiction(user)
    if j.everything:
        return Compound.objects.order_by("code")
    return Compound.objects.filter(pk__any=sorted(j.region_compounds)).order_by("code")


def assembly_visible_q(*, user: User) -> Q:
    """A filter over Assembly for what `user` may see: assemblies of compounds they see; drafts (the street
    office's working copies) only where they see the compound as an official."""
    j = jurisdiction(user)
    if j.everything:
        return Q()
    if not j.compounds:
        return NOTHING
    published = Q(compound_id__any=sorted(j.compounds)) & ~Q(status=Assembly.Status.DRAFT)
    if not j.official_compounds:
        return published
    return published | Q(compound_id__any=sorted(j.official_compounds))


def assembly_visible(*, user: User, assembly: Assembly) -> bool:
    """The rule of `assembly_visible_q` for one assembly."""
    j = jurisdiction(user)
    if j.everything:
        return True
    if assembly.status == Assembly.Status.DRAFT:
        return assembly.compound_id in j.official_compounds
    return compound_visible(user=user, compound=assembly.compound)


def may_see_who_voted(*, user: User, assembly: Assembly) -> bool:
    """The per-unit participation list (which flats voted): owners and officials always; a property firm
    that sees the compound only because it serves it gets the counts alone until the vote has closed — the
    assembly may be about re-hiring that firm."""
    j = jurisdiction(user)
    if (
        j.everything
        or assembly.compound_id in j.official_compounds
        or assembly.compound_id in j.owned_compounds
    ):
        return True
    return assembly.status not in (Assembly.Status.ANNOUNCED, Assembly.Status.OPEN)


def may_use_voting_admin(user: User) -> bool:
    """Superusers and officials; property firms and owners never see the street office's voting pages."""
    return bool(
        user.is_active
        and user.is_staff
        and (user.is_superuser or getattr(user, "official", None) is not None)
    )


def voting_records_q(*, user: User, compound_path: str) -> Q:
    """A filter over a voting model reaching Compound by `compound_path` (`assembly__compound_id`…): the
    compounds the user sees as an official."""
    if not may_use_voting_admin(user):
        return NOTHING
    j = jurisdiction(user)
    if j.everything:
        return Q()
    ids = sorted(j.official_compounds)
    return Q(**{f"{compound_path}__any": ids}) if ids else NOTHING
