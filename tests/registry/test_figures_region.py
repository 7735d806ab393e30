"""The one rule of every officials' figures page (complaints, disclosure and party figures, the overview):
registry.selectors.figures_region_get and figures_parent."""

import pytest
from django.http import Http404

from config.errors import Forbidden
from registry.models import Region
from registry.selectors import figures_parent, figures_region_get


def test_an_official_reads_their_region_and_below_only(world):
    # when / then: their own region by default, a region below by code, 404 beside or above
    assert figures_region_get(user=world.official_a).code == "370212001"
    assert figures_region_get(user=world.official_district, code="370212002").code == "370212002"
    for code in ("370212002", "370212", "999999"):
        with pytest.raises(Http404):
            figures_region_get(user=world.official_a, code=code)


@pytest.mark.parametrize("who", ["alice", "firm_a", "bob"])
def test_owners_and_firms_are_refused_with_the_pages_message(world, who):
    # when
    with pytest.raises(Forbidden) as refused:
        figures_region_get(user=getattr(world, who), refused="总览仅向政府工作人员开放。")

    # then
    assert (refused.value.code, str(refused.value.message)) == ("forbidden", "总览仅向政府工作人员开放。")


def test_the_way_up_is_offered_only_within_ones_jurisdiction(world):
    # given
    street = Region.objects.select_related("parent").get(code="370212001")

    # when / then: the district official goes up from the street to the district; the street official does not
    assert figures_parent(user=world.official_district, region=street).code == "370212"
    assert figures_parent(user=world.official_a, region=street) is None
