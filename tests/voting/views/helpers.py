"""Shared builders for the voting page tests."""

from django.test import Client

from tests.factories import resident_id
from tests.voting.conftest import close
from voting.models import Assembly
from voting.services.assemblies import MotionSpec, assembly_publish
from voting.services.ballots import ballot_cast
from voting.services.tally import assembly_tally

RAW_PHONE = "13800138000"
ORDINARY = MotionSpec(title="选聘物业服务企业", category=4)
RAISE_FUNDS = MotionSpec(title="筹集维修资金", category=6)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_data(a: Assembly, choice_by_position: dict[int, str]) -> dict[str, str]:
    """Form data answering the matters at the given positions (1-based)."""
    motions = {m.position: m for m in a.motions.all()}
    return {f"m{motions[p].pk}": choice for p, choice in choice_by_position.items()}


def vote_all(a: Assembly, users_choices) -> None:
    """Cast, through the service, the same choice on every matter for each (user, choice)."""
    motions = list(a.motions.order_by("position"))
    for user, choice in users_choices:
        ballot_cast(actor=user, assembly=a, choices={str(m.pk): choice for m in motions})


def example_1(e, a: Assembly, *, publish: bool = True) -> Assembly:
    """voting.md example 1 on a 10 × 100 m² electorate: 7 for, 1 against, 2 absent; closed, tallied."""
    vote_all(a, [(u, "for") for u in e.owners[:7]] + [(e.owners[7], "against")])
    close(e, a)
    assembly_tally(assembly=a)
    if publish:
        assembly_publish(actor=e.official, assembly=a)
    a.refresh_from_db()
    return a


def raw_ids(e) -> list[str]:
    """The plain ID numbers the electorate's owners signed up with (see tests/voting/conftest.py)."""
    return [resident_id(int(u.owner.name.removeprefix("业主")), birth="19750505") for u in e.owners]
