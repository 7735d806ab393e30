"""One trust layer: the API, the owner pages and the admin answer "may see" and "may change" alike, for every
persona, and a view grant or an owned flat never gives change rights.

The world (tests/conftest.py) plus three people who tried the doors in the issue:
- `seconded`: an official of 沙子口街道 (compound B) holding a guardian view grant on compound A;
- `official_owner`: an official of 沙子口街道 who owns a flat (A_0301) in compound A;
- `root`: a superuser.
"""

from dataclasses import dataclass
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.db import models
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory
from django.urls import reverse
from guardian.shortcuts import assign_perm

from config.errors import Forbidden
from registry.models import (
    Building,
    Compound,
    Equipment,
    Owner,
    Parcel,
    Region,
    Unit,
    User,
)
from registry.permissions import may_change, visible
from registry.services.accounts import official_create
from registry.services.equipment import equipment_register
from registry.services.records import record_save
from registry.services.registration import registration_feed_apply
from tests.conftest import (
    A_0101,
    A_0102,
    A_0201,
    A_0202,
    B_0101,
    PARCEL_A,
    PASSWORD,
    World,
    api_as,
    browser_as,
    unit_number,
)
from tests.factories import feed_line, holder, resident_id
from tests.snapshots import database_state

A_0301 = unit_number(PARCEL_A, 5, "0301")
CODE_A, CODE_B = "QD-370212-0001", "QD-370212-0002"
UNITS_A = {A_0101, A_0102, A_0201, A_0202, A_0301}
UNITS_B = {B_0101}


@dataclass
class Trust:
    world: World
    users: dict[str, User]


@pytest.fixture
def trust(world: World) -> Trust:
    root = User.objects.create_superuser("root", password=PASSWORD)
    seconded = official_create(username="seconded", password=PASSWORD, region_code="370212002").user
    assign_perm("registry.view_compound", seconded, world.compound_a)
    official_owner = official_create(
        username="official_owner", password=PASSWORD, region_code="370212002"
    ).user
    registration_feed_apply(
        lines=[feed_line(A_0301, [holder("赵敏", resident_id(77))], room="0301")], source="test-trust"
    )
    # The street official of B also holds a flat in A (their owner record is linked to their account).
    Owner.objects.filter(name="赵敏").update(user=official_owner)
    for compound, firm in ((world.compound_a, world.firm_a), (world.compound_b, world.firm_b)):
        equipment_register(
            actor=firm,
            compound=compound,
            category=Equipment.Category.GATE,
            name="东门道闸",
            maintenance_interval_days=30,
            common_area="东门",
        )
    w = world
    users = {
        "root": root,
        "official_a": w.official_a,
        "official_b": w.official_b,
        "official_district": w.official_district,
        "seconded": seconded,
        "official_owner": User.objects.get(pk=official_owner.pk),
        "firm_a": w.firm_a,
        "firm_b": w.firm_b,
        "alice": w.alice,
        "carol": w.carol,
    }
    return Trust(world=world, users=users)


# who sees which compound, who changes it, who sees which unit — written out once, checked on every door
SEES = {
    "root": {CODE_A, CODE_B},
    "official_a": {CODE_A},
    "official_b": {CODE_B},
    "official_district": {CODE_A, CODE_B},
    "seconded": {CODE_A, CODE_B},
    "official_owner": {CODE_A, CODE_B},
    "firm_a": {CODE_A},
    "firm_b": {CODE_B},
    "alice": {CODE_A},
    "carol": {CODE_B},
}
CHANGES = {
    "root": {CODE_A, CODE_B},
    "official_a": {CODE_A},
    "official_b": {CODE_B},
    "official_district": {CODE_A, CODE_B},
    "seconded": {CODE_B},
    "official_owner": {CODE_B},
    "firm_a": set(),
    "firm_b": set(),
    "alice": set(),
    "carol": set(),
}
UNITS = {
    "root": UNITS_A | UNITS_B,
    "official_a": UNITS_A,
    "official_b": UNITS_B,
    "official_district": UNITS_A | UNITS_B,
    "seconded": UNITS_A | UNITS_B,
    "official_owner": UNITS_B | {A_0301},
    "firm_a": UNITS_A,
    "firm_b": UNITS_B,
    "alice": {A_0101},
    "carol": {B_0101},
}
STAFF = [
    "root",
    "official_a",
    "official_b",
    "official_district",
    "seconded",
    "official_owner",
    "firm_a",
    "firm_b",
]
PERSONAS = list(SEES)


def admin_list(client: Client, model: type[models.Model]) -> list[models.Model]:
    response = client.get(reverse(f"admin:registry_{model._meta.model_name}_changelist"))
    assert response.status_code == HTTPStatus.OK
    return list(response.context["cl"].result_list)


def api_list(client, url: str, key: str) -> set[str]:
    response = client.get(url, {"page_size": 500})
    assert response.status_code == HTTPStatus.OK
    return {row[key] for row in response.json()["results"]}


@pytest.mark.parametrize("who", PERSONAS)
def test_api_admin_and_selectors_agree_on_compounds(trust: Trust, who: str):
    # given
    user = trust.users[who]
    api = api_as(user)
    # when
    listed_by_api = api_list(api, "/api/v1/compounds/", "code")
    detail = {code: api.get(f"/api/v1/compounds/{code}/").status_code for code in (CODE_A, CODE_B)}
    by_selector = set(visible(Compound, user).values_list("code", flat=True))
    # then
    assert listed_by_api == by_selector == SEES[who]
    assert detail == {code: HTTPStatus.OK if code in SEES[who] else HTTPStatus.NOT_FOUND for code in detail}
    if who in STAFF:
        assert {c.code for c in admin_list(browser_as(user), Compound)} == SEES[who]


@pytest.mark.parametrize("who", PERSONAS)
def test_api_admin_and_selectors_agree_on_units(trust: Trust, who: str):
    # given
    user = trust.users[who]
    api = api_as(user)
    # when
    by_compound = set()
    for code in SEES[who]:
        by_compound |= api_list(api, f"/api/v1/compounds/{code}/units/", "unit_number")
    detail = {n: api.get(f"/api/v1/units/{n}/").status_code for n in UNITS_A | UNITS_B}
    by_selector = set(visible(Unit, user).values_list("unit_number", flat=True))
    # then
    assert by_compound == by_selector == UNITS[who]
    assert detail == {n: HTTPStatus.OK if n in UNITS[who] else HTTPStatus.NOT_FOUND for n in detail}
    if who in STAFF:
        assert {u.unit_number for u in admin_list(browser_as(user), Unit)} == UNITS[who]


OWNS = {"alice": {A_0101}, "carol": {B_0101}, "official_owner": {A_0301}}


@pytest.mark.parametrize("who", sorted(OWNS))
def test_the_home_page_and_the_api_list_only_ones_own_flats(trust: Trust, who: str):
    # given
    user = trust.users[who]
    # when
    cards = browser_as(user).get("/").context["compounds"]
    on_page = {card.unit.unit_number for compound in cards for card in compound.units}
    by_api = set(api_as(user).get("/api/v1/me/").json()["owner"]["units"])
    # then
    assert on_page == by_api == OWNS[who]


@pytest.mark.parametrize("who", STAFF)
@pytest.mark.parametrize("code", [CODE_A, CODE_B])
def test_moving_a_compound_into_ones_own_community_needs_change_rights_over_it(
    trust: Trust, who: str, code: str
):
    """The attack of the issue: see a compound (a grant, an owned flat), edit it, move it into one's own
    community, then run its assemblies. Only the street office over it (and superusers) may edit it."""
    # given: the edit form as rendered, with the community set to the attacker's own (B's) community
    user = trust.users[who]
    compound = Compound.objects.get(code=code)
    root = browser_as(trust.users["root"])
    url = reverse("admin:registry_compound_change", args=[compound.pk])
    from tests.registry.test_admin import form_data

    data = form_data(root.get(url))
    own_community = Region.objects.get(code="370212002001" if code == CODE_A else "370212001001")
    data.update(name="改名", community=str(own_community.pk))
    before = model_to_dict(Compound.objects.get(pk=compound.pk))
    state = database_state()
    # when
    page = browser_as(user).get(url)
    response = browser_as(user).post(url, data)
    # then
    after = model_to_dict(Compound.objects.get(pk=compound.pk))
    if code not in CHANGES[who] or who not in ("root", "official_district"):
        assert database_state() == state
    if code not in SEES[who]:
        assert page.status_code == HTTPStatus.FOUND  # "does not exist" redirect
        assert after == before
    elif code not in CHANGES[who]:
        assert page.status_code == HTTPStatus.OK
        assert page.context["has_change_permission"] is False  # read-only page
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert after == before
    elif who in ("root", "official_district"):
        # moving within one's own region is allowed
        assert response.status_code == HTTPStatus.FOUND
        assert after["name"] == "改名"
    else:
        # a street office may edit its compound but not move it out of its street
        assert response.status_code == HTTPStatus.OK
        assert "community" in response.context["adminform"].form.errors
        assert after == before


@pytest.mark.parametrize("who", ["seconded", "official_owner", "firm_a", "official_b"])
def test_the_service_refuses_an_edit_outside_the_change_scope_whoever_calls_it(trust: Trust, who: str):
    # given: compound A, seen by all four (a grant, an owned flat, the serving firm) or not at all
    compound = Compound.objects.get(code=CODE_A)
    compound.name = "改名"
    # when / then
    with pytest.raises(Forbidden):
        record_save(actor=trust.users[who], instance=compound, changed_fields=["name"])
    assert Compound.objects.get(code=CODE_A).name == "逸景公馆"


def test_an_official_cannot_add_a_building_to_another_streets_compound(trust: Trust):
    # given
    official = trust.users["official_a"]
    client = browser_as(official)
    url = reverse("admin:registry_building_add")
    # when: the choice is not offered, and posting its id anyway is an invalid choice
    page = client.get(url)
    posted = client.post(url, {"compound": trust.world.compound_b.pk, "number": "0009", "name": "9号楼"})
    # then
    assert list(page.context["adminform"].form.fields["compound"].queryset) == [trust.world.compound_a]
    assert "compound" in posted.context["adminform"].form.errors
    assert not Building.objects.filter(number="0009").exists()
    with pytest.raises(Forbidden):
        record_save(
            actor=official,
            instance=Building(compound=trust.world.compound_b, number="0009", name="9号楼"),
            changed_fields=[],
        )
    assert not Building.objects.filter(number="0009").exists()


@pytest.mark.parametrize(
    ("who", "code", "allowed"),
    [
        ("official_a", "370212001009GB00001", True),  # 崂山区 (370212): the official's own county
        ("official_a", "370202001009GB00001", False),  # 市南区 (370202): another county
        ("official_district", "370203001009GB00001", False),
        ("root", "370203001009GB00001", True),
    ],
)
def test_parcels_are_added_only_in_ones_own_county(trust: Trust, who: str, code: str, allowed: bool):
    # given
    parcel = Parcel(code=code, compound=trust.world.compound_a)
    # when / then
    if allowed:
        record_save(actor=trust.users[who], instance=parcel, changed_fields=["code"])
        assert Parcel.objects.filter(code=code).exists()
    else:
        with pytest.raises(Forbidden):
            record_save(actor=trust.users[who], instance=parcel, changed_fields=["code"])
        assert not Parcel.objects.filter(code=code).exists()


@pytest.mark.parametrize("who", ["official_a", "seconded", "official_owner", "official_district"])
def test_the_designated_voter_is_set_only_by_the_street_office_over_the_compound(trust: Trust, who: str):
    # given
    api = api_as(trust.users[who])
    unit = Unit.objects.get(unit_number=A_0102)
    before = unit.designated_voter_id
    state = database_state()
    # when
    response = api.post(f"/api/v1/units/{A_0102}/designated-voter/", {"username": "bella"}, format="json")
    # then
    unit.refresh_from_db()
    if who in ("official_a", "official_district"):
        assert response.status_code == HTTPStatus.OK
        assert unit.designated_voter.user.username == "bella"
    else:  # the seconded official sees the flat but may not change it; the official owner does not see it
        expected = HTTPStatus.FORBIDDEN if who == "seconded" else HTTPStatus.NOT_FOUND
        assert response.status_code == expected
        assert unit.designated_voter_id == before
        assert database_state() == state


REGISTRY_ADMINS = [
    (model, model_admin)
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
    if model._meta.app_label == "registry" and model is not User
]


@pytest.mark.parametrize("who", STAFF)
def test_every_admin_page_offers_change_exactly_where_the_rule_allows_and_refuses_a_post_elsewhere(
    trust: Trust, who: str
):
    """For every registry model and every object the persona sees: the admin's change permission equals
    `may_change`, and where it is refused a POST to the change page is a 403 that changes nothing."""
    user = trust.users[who]
    client = browser_as(user)
    request = RequestFactory().get("/")
    request.user = user
    checked = 0
    for model, model_admin in REGISTRY_ADMINS:
        if not model_admin.has_view_permission(request):
            continue
        for obj in model_admin.get_queryset(request)[:20]:
            expected = model_admin.has_change_permission(request, obj)
            assert expected == (
                may_change(user=user, obj=obj) and user.has_perm(f"registry.change_{model._meta.model_name}")
            ) or model_admin.has_change_permission.__qualname__.startswith("ReadOnlyMixin"), (model, obj)
            if expected:
                continue
            before = model_to_dict(model._default_manager.get(pk=obj.pk))
            url = reverse(f"admin:registry_{model._meta.model_name}_change", args=[obj.pk])
            response = client.post(url, {"name": "x", "title": "x", "number": "0001"})
            assert response.status_code == HTTPStatus.FORBIDDEN, (model, obj)
            assert model_to_dict(model._default_manager.get(pk=obj.pk)) == before
            checked += 1
    assert checked > 0 or who == "root"


def test_former_owners_are_shown_to_officials_only(trust: Trust):
    """An ended ownership record names a former owner (name, masked ID): the street office sees it, the buyer,
    the co-holders and the firm do not."""
    # given: alice sells A_0101 to a buyer who signs up
    from django.utils import timezone

    from registry.services.accounts import owner_signup

    now = timezone.now().isoformat()
    registration_feed_apply(
        lines=[
            feed_line(
                A_0101,
                [holder("钱买", resident_id(88))],
                event_type="TRANSFER",
                registration={"business_no": "2026-88", "certificate_no": "", "registered_at": now},
                occurred_at=now,
            )
        ],
        source="test-trust-sale",
    )
    buyer = owner_signup(
        username="buyer",
        password=PASSWORD,
        name="钱买",
        id_number=resident_id(88),
        phone="13900000088",
        ip_address=None,
    ).user
    seen = {}
    # when
    for who, user in [
        ("official_a", trust.users["official_a"]),
        ("firm_a", trust.users["firm_a"]),
        ("buyer", buyer),
    ]:
        response = api_as(user).get(f"/api/v1/units/{A_0101}/")
        assert response.status_code == HTTPStatus.OK, who
        seen[who] = [(r["name"], r["valid_to"] is None) for r in response.json()["ownership_history"]]
    former = api_as(trust.users["alice"]).get(f"/api/v1/units/{A_0101}/")
    # then
    assert seen["official_a"] == [("钱买", True), ("王丽", False)]
    assert seen["firm_a"] == [("钱买", True)]
    assert seen["buyer"] == [("钱买", True)]
    assert former.status_code == HTTPStatus.NOT_FOUND  # a former owner no longer sees the flat


def test_a_draft_is_seen_only_where_one_is_an_official_not_where_one_owns_a_flat(trust: Trust):
    # given: a draft assembly of compound A
    from tests.voting.apis.helpers import world_assembly

    draft = world_assembly(trust.world, "draft")
    # when
    seen = {who: api_as(trust.users[who]).get(f"/api/v1/assemblies/{draft.pk}/").status_code for who in SEES}
    # then: the street office over A and seconded officials see it; an official owning a flat in A does not
    assert {who for who, status in seen.items() if status == HTTPStatus.OK} == {
        "root",
        "official_a",
        "official_district",
        "seconded",
    }
