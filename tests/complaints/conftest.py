"""The complaints world: tests.conftest's world (alice owns 0101 in 逸景公馆, served by firm_a; bob and bella
co-own 0102; carol lives in 海韵小区) plus an owners' committee of 逸景公馆 with bob as its director."""

import datetime as dt

import pytest
from django.utils import timezone

from registry.models import CommitteeMember, Owner, OwnersCommittee


@pytest.fixture(autouse=True)
def _seeded(migration_data):
    """Categories, routing and clock policy present whatever an earlier transactional test flushed."""


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
