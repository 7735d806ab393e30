from registry.models import Owner, Ownership, Unit
from tests.conftest import A_0102, A_0201, World


def test_world_builds_through_services(world: World):
    # then
    assert Unit.objects.filter(compound=world.compound_a).count() == 4
    assert Unit.objects.get(unit_number=A_0201).developer_held is True
    assert Unit.objects.get(unit_number=A_0201).delivered is False
    assert Ownership.objects.filter(unit__unit_number=A_0102, valid_to__isnull=True).count() == 2
    assert Owner.objects.filter(user__isnull=False).count() == 4
