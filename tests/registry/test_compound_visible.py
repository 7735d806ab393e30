"""`compound_visible` answers for one compound exactly what `visible_q(Compound, …)` answers for all."""

import pytest
from guardian.shortcuts import assign_perm

from registry.models import Compound, User
from registry.permissions import compound_visible, visible_q
from tests.conftest import World

USERS = [
    "official_a",
    "official_b",
    "official_district",
    "firm_a",
    "firm_b",
    "alice",
    "bob",
    "bella",
    "carol",
]


@pytest.mark.parametrize("who", USERS)
def test_one_compound_check_agrees_with_the_scope(world: World, who: str):
    # given
    user = User.objects.get(username=who)
    in_scope = set(Compound.objects.filter(visible_q(Compound, user)).values_list("code", flat=True))
    # then
    for compound in Compound.objects.select_related("community"):
        assert compound_visible(user=user, compound=compound) == (compound.code in in_scope), compound.code


def test_a_guardian_grant_widens_both_and_a_global_permission_neither(world: World):
    # given: official_b gets the global view permission (from their group) and one object grant
    user = User.objects.get(username="official_b")
    assert user.has_perm("registry.view_compound")
    assert not compound_visible(user=user, compound=world.compound_a)
    # when
    assign_perm("registry.view_compound", user, world.compound_a)
    user = User.objects.get(username="official_b")  # fresh permission cache
    # then
    assert compound_visible(user=user, compound=world.compound_a)
    assert Compound.objects.filter(visible_q(Compound, user), pk=world.compound_a.pk).exists()
