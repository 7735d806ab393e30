"""An organisation's account is enabled only once the street office has checked it.

An organisation's registered name and credit code are public (the compound API shows the developer's), so
anyone could sign up as the developer and cast its whole bucket. The account therefore starts disabled; an
official over a compound where the organisation holds a unit enables it (or refuses it) with a note of what
was checked, through the service or the owner's admin page.
"""

from http import HTTPStatus

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from config.errors import ApplicationError, Forbidden, WrongState
from registry.models import AuditEvent, Owner, User
from registry.services.accounts import (
    organisation_account_reject,
    organisation_account_verify,
    owner_signup,
)
from tests.conftest import DEVELOPER, PASSWORD, World, browser_as

TOKEN_URL = "/api/v1/auth/token/"


def claim_developer(username: str = "developer", representative: str = "赵建国") -> User:
    return owner_signup(
        username=username,
        password=PASSWORD,
        name="某置业有限公司",
        id_number=DEVELOPER,
        phone="13700137000",
        representative=representative,
        ip_address=None,
    ).user


def developer() -> Owner:
    return Owner.objects.select_related("user").get(name="某置业有限公司")


def test_an_organisation_signs_up_disabled_and_cannot_sign_in(world: World):
    # when: anyone who knows the public name and credit code
    user = claim_developer(username="impostor", representative="冒名者")
    # then: linked, but no token and no session until the street office checks it
    assert developer().user == user
    assert user.is_active is False
    response = APIClient().post(TOKEN_URL, {"username": "impostor", "password": PASSWORD}, format="json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert browser_as(None).login(username="impostor", password=PASSWORD) is False


def test_the_street_office_over_the_compound_enables_it_with_a_note(world: World):
    # given
    claim_developer()
    # when
    organisation_account_verify(
        actor=world.official_a, owner=developer(), note="营业执照（盖章复印件）、授权委托书"
    )
    # then
    assert developer().user.is_active is True
    token = APIClient().post(TOKEN_URL, {"username": "developer", "password": PASSWORD}, format="json")
    assert token.status_code == HTTPStatus.OK
    event = AuditEvent.objects.get(verb="owner.organisation_verify")
    assert (event.actor, event.data["note"], event.compound_id) == (
        world.official_a,
        "营业执照（盖章复印件）、授权委托书",
        world.compound_a.pk,
    )


@pytest.mark.parametrize("who", ["official_b", "firm_a", "alice"])
def test_nobody_else_may_enable_it_and_a_refusal_changes_nothing(world: World, who: str):
    # given
    claim_developer()
    # when / then
    with pytest.raises(Forbidden):
        organisation_account_verify(actor=getattr(world, who), owner=developer(), note="已核")
    assert developer().user.is_active is False
    assert not AuditEvent.objects.filter(verb="owner.organisation_verify").exists()


def test_a_refused_claim_is_unlinked_and_the_real_representative_signs_up_again(world: World):
    # given
    impostor = claim_developer(username="impostor", representative="冒名者")
    # when
    organisation_account_reject(actor=world.official_a, owner=developer(), reason="无授权委托书")
    again = claim_developer(username="developer", representative="赵建国")
    # then
    impostor.refresh_from_db()
    assert impostor.is_active is False
    assert (developer().user, developer().representative) == (again, "赵建国")
    assert AuditEvent.objects.get(verb="owner.organisation_reject").data == {
        "username": "impostor",
        "reason": "无授权委托书",
    }


def test_only_a_pending_organisation_is_checked_and_a_note_is_required(world: World):
    # given
    claim_developer()
    # when / then
    with pytest.raises(ApplicationError) as no_note:
        organisation_account_verify(actor=world.official_a, owner=developer(), note=" ")
    organisation_account_verify(actor=world.official_a, owner=developer(), note="已核")
    with pytest.raises(WrongState) as twice:
        organisation_account_verify(actor=world.official_a, owner=developer(), note="已核")
    with pytest.raises(WrongState) as person:
        organisation_account_verify(actor=world.official_a, owner=world.alice.owner, note="已核")
    assert (no_note.value.code, twice.value.code, person.value.code) == (
        "note_required",
        "not_pending",
        "not_pending",
    )


def test_the_official_checks_it_on_the_owners_admin_page(world: World):
    # given
    claim_developer()
    owner = developer()
    client = browser_as(world.official_a)
    page = reverse("admin:registry_owner_change", args=[owner.pk])
    check = reverse("admin:registry_owner_organisation_check", args=[owner.pk])
    # when
    shown = client.get(page).content.decode()
    done = client.post(check, {"decision": "verify", "note": "营业执照、授权委托书"}, follow=True)
    # then
    assert check in shown and "核验单位账号" in shown
    assert done.status_code == HTTPStatus.OK
    assert [str(m) for m in done.context["messages"]] == ["已核验，某置业有限公司 的账号已启用。"]
    assert developer().user.is_active is True


def test_an_official_of_another_street_finds_no_such_page(world: World):
    # given
    claim_developer()
    owner = developer()
    client = browser_as(world.official_b)
    check = reverse("admin:registry_owner_organisation_check", args=[owner.pk])
    # when
    response = client.post(check, {"decision": "verify", "note": "已核"})
    # then: the developer holds units in compound A only: not visible to them, "does not exist"
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("admin:index")
    assert developer().user.is_active is False
