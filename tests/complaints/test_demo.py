"""The demo's month of complaints (complaints.demo through `seed_demo`): cases in every stage, owner_demo1's own,
full queues with a breached clock for the firm, and nothing added by a second run."""

import re
from io import StringIO

from django.core.management import call_command
from django.db.models import Count, F

from complaints.labels import ClockLevel, EventKind, Satisfaction, Status
from complaints.models import Clock, Complaint, ComplaintEvent
from complaints.selectors import complaint_queue
from registry.models import User


def _seed(tmp_path) -> str:
    out = StringIO()
    call_command("seed_demo", "--units", "300", "--dir", str(tmp_path), stdout=out)
    return out.getvalue()


def test_seed_demo_files_a_month_of_cases_through_the_services_once(db, tmp_path):
    # when
    first = _seed(tmp_path)
    # then: the summary line counts every case
    seeded = int(re.search(r"complaints: seeded (\d+) cases", first).group(1))
    assert seeded == Complaint.objects.count()
    assert seeded >= 50
    # cases in several states, closed ones rated all three ways
    states = dict(Complaint.objects.values_list("status").annotate(n=Count("id")))
    for state in (
        Status.SUBMITTED,
        Status.IN_PROGRESS,
        Status.WAITING,
        Status.CLOSED,
        Status.REJECTED,
        Status.MERGED,
        Status.CANCELLED,
    ):
        assert states.get(state, 0) >= 1, state
    assert states[Status.CLOSED] > seeded / 3
    ratings = set(Complaint.objects.filter(status=Status.CLOSED).values_list("satisfaction", flat=True))
    assert ratings == {Satisfaction.SATISFIED, Satisfaction.BASICALLY, Satisfaction.UNSATISFIED}
    # every case has its `filed` event; some were escalated (two bounces or 督办), some extended, visited
    kinds = dict(ComplaintEvent.objects.values_list("kind").annotate(n=Count("id")))
    assert kinds[EventKind.FILED] == seeded
    assert kinds[EventKind.ESCALATION] >= 2
    assert kinds[EventKind.EXTENSION] >= 1
    assert kinds[EventKind.RETURN_VISIT] >= 10
    assert Complaint.objects.exclude(tier=F("first_tier")).count() >= 2
    # owner_demo1 has several cases of their own
    assert Complaint.objects.filter(complainant__username="owner_demo1").count() >= 5
    # the firm's queue is full and holds a breached running clock
    queue = complaint_queue(user=User.objects.get(username="firm_demo"))
    assert queue.count() >= 3
    breached = Clock.objects.filter(
        complaint__in=queue.values("pk"), level=ClockLevel.BREACHED, stopped_at__isnull=True
    )
    assert breached.exists()
    assert complaint_queue(user=User.objects.get(username="official_zhonghan")).count() >= 1

    # when: the demo is seeded again
    events = ComplaintEvent.objects.count()
    second = _seed(tmp_path)
    # then: nothing is added
    assert "complaints: seeded 0 cases (already present)" in second
    assert (Complaint.objects.count(), ComplaintEvent.objects.count()) == (seeded, events)
