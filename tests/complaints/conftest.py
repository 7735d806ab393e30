"""The complaints world: tests.conftest's world (alice owns 0101 in 逸景公馆, served by firm_a; bob and bella
co-own 0102; carol lives in 海韵小区) plus an owners' committee of 逸景公馆 with bob as its director."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from pytest_django.plugin import blocking_manager_key

from registry.models import CommitteeMember, Owner, OwnersCommittee


@pytest.fixture
def cworld(world):
    today = timezone.localdate()
    committee = OwnersCommittee.objects.create(
        compound=world.compound_a,
        term_starts_on=today - dt.timedelta(days=100),
        term_ends_on=today + dt.timedelta(days=900),
    )
    CommitteeMember.objects.create(
        committee=committee, owner=Owner.objects.get(user=world.bob), role=CommitteeMember.Role.DIRECTOR
    )
    return world


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    """A transactional test ends with a flush, which also empties what the migrations seeded (the categories
    and the routing table). For one marked `serialized_rollback`, put the seeded rows back once the flush is
    done, so that the next run on a reused test database (`--reuse-db`) finds them."""
    yield
    marker = item.get_closest_marker("django_db")
    contents = getattr(connection, "_test_serialized_contents", None)
    if marker is not None and marker.kwargs.get("serialized_rollback") and contents:
        with item.config.stash[blocking_manager_key].unblock():
            connection.creation.deserialize_db_from_string(contents)
