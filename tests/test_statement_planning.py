"""Statements are prepared only in the views marked for it (config/db.py): the ballot and the token look-up
keep their prepared statements; a list scoped by a jurisdiction is planned for its values every time."""

from django.db import connection

from tests.conftest import World, api_as


def test_marked_views_prepare_and_scoped_lists_plan_for_their_values(world: World):
    # given
    api = api_as(world.official_a)
    # when / then
    api.get("/api/v1/me/")
    assert connection.connection.prepare_threshold == 2
    api.get("/api/v1/compounds/")
    assert connection.connection.prepare_threshold is None
    api.get("/api/v1/me/")
    assert connection.connection.prepare_threshold == 2
