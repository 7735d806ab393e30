"""The demo's red property (partybuilding.demo through `seed_demo`): organisations, volunteers, open, claimed,
completed and confirmed tasks, a request with its reply, a meeting with an overdue follow-up; a second run adds
nothing."""

import re
from io import StringIO

from django.core.management import call_command

from partybuilding.models import FollowUp, Member, Organisation, RequestReply, Task, Volunteer
from registry.models import User
from tests.conftest import api_as


def _seed(tmp_path) -> str:
    out = StringIO()
    call_command("seed_demo", "--units", "300", "--dir", str(tmp_path), stdout=out)
    return out.getvalue()


def test_seed_demo_builds_the_red_property_once(db, tmp_path):
    # when
    first = _seed(tmp_path)
    state = (
        Organisation.objects.count(),
        Member.objects.count(),
        Task.objects.count(),
        FollowUp.objects.count(),
    )
    second = _seed(tmp_path)

    # then
    assert re.search(r"party building: seeded 5 tasks", first)
    assert "party building: seeded 0 tasks (already present)" in second
    assert state == (4, 3, 5, 2)
    assert (
        Organisation.objects.count(),
        Member.objects.count(),
        Task.objects.count(),
        FollowUp.objects.count(),
    ) == state
    assert sorted(Task.objects.values_list("status", flat=True)) == [
        "claimed",
        "completed",
        "confirmed",
        "open",
        "open",
    ]
    assert Volunteer.objects.filter(active=True).count() == 2
    assert RequestReply.objects.count() == 1
    assert FollowUp.objects.filter(overdue_at__isnull=False).count() == 1
    owner = User.objects.get(username="owner_demo2")
    code = Task.objects.first().compound.code
    volunteers = api_as(owner).get(f"/api/v1/compounds/{code}/party-volunteers/").json()["volunteers"]
    assert [sorted(v) for v in volunteers] == [
        ["id", "name", "posts", "show", "skills"],
        ["building", "id", "show", "skills"],
    ]
    official = User.objects.get(username="official_zhonghan")
    status = api_as(official).get(f"/api/v1/compounds/{code}/party-status/").json()
    assert (
        status["has_branch"] is True and status["project_branch"] is True and status["firm_organised"] is True
    )
    assert status["committee"] == {"seats": 5, "party_seats": 2, "above_half": False}
    assert status["short"] == ["committee_not_majority"]
