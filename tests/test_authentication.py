"""Token authentication: one statement loads the token, the user and every role record."""

from http import HTTPStatus

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from registry.tokens import token_with_roles
from tests.conftest import World, api_as


def _roles_read(token: Token) -> tuple:
    user = token.user
    official = getattr(user, "official", None)
    return (
        user.username,
        getattr(user, "owner", None) and user.owner.name,
        getattr(user, "firm_staff", None) and user.firm_staff.firm_id,
        official and (official.region.code, official.user.username),
    )


def test_each_role_comes_with_the_token_in_one_query(world: World):
    # given
    tokens = {
        who: Token.objects.get_or_create(user=getattr(world, who))[0]
        for who in ("alice", "firm_a", "official_a")
    }

    # when
    with CaptureQueriesContext(connection) as queries:
        read = {who: _roles_read(token_with_roles(t.key)) for who, t in tokens.items()}

    # then: one statement per token, and the same records the ORM finds
    assert len(queries.captured_queries) == 3
    expected = {
        who: _roles_read(Token.objects.select_related("user").get(key=t.key)) for who, t in tokens.items()
    }
    assert read == expected
    assert read["alice"][1] and read["alice"][2:] == (None, None)
    assert read["firm_a"][2] and read["firm_a"][1] is None and read["firm_a"][3] is None
    assert read["official_a"][3][0] == world.official_a.official.region.code


def test_unknown_and_inactive_tokens_are_refused(world: World):
    # given
    token, _ = Token.objects.get_or_create(user=world.bob)
    world.bob.is_active = False
    world.bob.save(update_fields=["is_active"])

    # when
    unknown = api_as(None)
    unknown.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    answers = [unknown.get("/api/v1/me/"), api_as(world.bob).get("/api/v1/me/")]

    # then
    assert token_with_roles("0" * 40) is None
    assert [a.status_code for a in answers] == [HTTPStatus.UNAUTHORIZED, HTTPStatus.UNAUTHORIZED]
