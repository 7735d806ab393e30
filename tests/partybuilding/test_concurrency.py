"""Two party members claiming the same task at the same moment, each on its own connection to PostgreSQL:
exactly one wins, the other gets `already_claimed`."""

import threading

import pytest
from django.db import connections

from config.errors import ApplicationError
from partybuilding.models import Task
from partybuilding.services.tasks import task_claim, task_post
from registry.models import AuditEvent


def _claim(user, task_id: int, barrier: threading.Barrier, outcomes: list[str]) -> None:
    try:
        task = Task.objects.get(pk=task_id)
        barrier.wait(timeout=10)
        task_claim(actor=user, task=task)
        outcomes.append("claimed")
    except ApplicationError as err:
        outcomes.append(err.code)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_members_claiming_at_once_exactly_one_wins(pworld):
    # given: an open task; alice and bella both party members reaching the compound
    task = task_post(actor=pworld.bob, compound=pworld.compound_a, title="帮忙搬运旧家具")
    for _round in range(5):
        Task.objects.filter(pk=task.pk).update(status="open", claimer=None, claimed_at=None)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []
        threads = [
            threading.Thread(target=_claim, args=(user, task.pk, barrier, outcomes))
            for user in (pworld.alice, pworld.bella)
        ]

        # when
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)

        # then
        assert sorted(outcomes) == ["already_claimed", "claimed"]
        task.refresh_from_db()
        assert task.status == "claimed"
        assert task.claimer.user in (pworld.alice, pworld.bella)
    assert AuditEvent.objects.filter(verb="party.task.claim", target_id=str(task.pk)).count() == 5
