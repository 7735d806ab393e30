"""Shared pieces of the voting API tests: URLs, a clock, assemblies built through the API or the services."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any
from unittest import mock

from django.utils import timezone
from rest_framework.test import APIClient

from registry.models import User
from tests.conftest import World, api_as
from tests.voting.conftest import Electorate
from voting.models import Assembly
from voting.services.assemblies import (
    MotionSpec,
    assembly_announce,
    assembly_close,
    assembly_create,
    assembly_open,
    assembly_publish,
)
from voting.services.ballots import ballot_cast
from voting.services.tally import assembly_tally

ASSEMBLIES = "/api/v1/assemblies/"
ORDINARY = {"title": "选聘物业服务企业", "category": 4}
RAISE_FUNDS = {"title": "筹集维修资金", "category": 6}

# The permission matrix of every endpoint (STYLE.md, rule 10), in this order.
CALLERS = ["anonymous", "alice", "carol", "firm_a", "official_b", "official_a"]

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# Forty days ahead at 09:00 Beijing time (the city's 15 days' notice is met whatever day the suite runs),
# closing ten days later at 18:00.
OPENS = dt.datetime.combine(
    dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=40), dt.time(9, 0), tzinfo=SHANGHAI
)
CLOSES = dt.datetime.combine(OPENS.date() + dt.timedelta(days=10), dt.time(18, 0), tzinfo=SHANGHAI)
COMPOUND_A = "QD-370212-0001"

STATES = ("draft", "announced", "open", "closed", "tallied", "published")


def url(assembly_id: int, action: str = "") -> str:
    return f"{ASSEMBLIES}{assembly_id}/{action + '/' if action else ''}"


def client_for(world: World, who: str) -> APIClient:
    """An API client authenticated with a token as `who` (a World attribute), or anonymous."""
    return api_as(None if who == "anonymous" else getattr(world, who))


@contextmanager
def clock(moment: dt.datetime) -> Iterator[None]:
    """Every `timezone.now()` (services, models) answers `moment` — the server's clock, stopped."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def create_body(
    compound: str,
    motions: list[dict[str, Any]],
    *,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    **policy: Any,
) -> dict[str, Any]:
    return {
        "compound": compound,
        "title": "2026年第一次业主大会",
        "kind": "regular",
        "opens_at": opens_at.isoformat(),
        "closes_at": closes_at.isoformat(),
        "policy": {"revote": False, "deemed_consent": False, "parking_in_area": True, **policy},
        "motions": motions,
    }


def api_open(e: Electorate, motions: list[dict[str, Any]], **policy: Any) -> dict[str, Any]:
    """Create, announce and open an assembly through the API as the electorate's official; voting runs from a
    minute ago for six days. The notice is published 16 days before opening (on a stopped clock)."""
    official = api_as(e.official)
    now = timezone.now()
    opens, closes = now - dt.timedelta(minutes=1), now + dt.timedelta(days=6)
    created = official.post(
        ASSEMBLIES,
        create_body(e.compound.code, motions, opens_at=opens, closes_at=closes, **policy),
        format="json",
    )
    assert created.status_code == HTTPStatus.CREATED, created.json()
    assembly_id = created.json()["id"]
    with clock(opens - dt.timedelta(days=16)):
        announced = official.post(url(assembly_id, "announce"))
    assert announced.status_code == HTTPStatus.OK, announced.json()
    opened = official.post(url(assembly_id, "open"))
    assert opened.status_code == HTTPStatus.OK, opened.json()
    assert opened.json()["status"] == "open"
    return opened.json()


def api_close(official: User, body: dict[str, Any]) -> dict[str, Any]:
    """Close through the API once the clock has reached `closes_at`."""
    with clock(dt.datetime.fromisoformat(body["closes_at"])):
        closed = api_as(official).post(url(body["id"], "close"))
    assert closed.status_code == HTTPStatus.OK, closed.json()
    return closed.json()


def ballot(motions: list[dict[str, Any]], *choices: str) -> dict[str, Any]:
    """`{"choices": {"<motion id>": choice}}`; one choice answers every motion."""
    per = choices if len(choices) == len(motions) else choices * len(motions)
    return {"choices": {str(m["id"]): c for m, c in zip(motions, per, strict=True)}}


def json_words(document: Any) -> set[str]:
    """Every key and string value anywhere in a JSON document (to prove a choice appears nowhere)."""
    if isinstance(document, dict):
        return set(document) | {w for v in document.values() for w in json_words(v)}
    if isinstance(document, list):
        return {w for v in document for w in json_words(v)}
    return {document} if isinstance(document, str) else set()


CHOICE_WORDS = {"for", "against", "abstain", "choices"}


def world_assembly(
    world: World,
    state: str = "open",
    *,
    motions: list[MotionSpec] | None = None,
    ballots: dict[str, str] | None = None,
    **policy: Any,
) -> Assembly:
    """An assembly of compound A in `state`, driven by the services (voting open from a minute ago for six
    days); `ballots` ({"alice": "for"}) are cast while it is open."""
    now = timezone.now()
    opens, closes = now - dt.timedelta(minutes=1), now + dt.timedelta(days=6)
    a = assembly_create(
        actor=world.official_a,
        compound=world.compound_a,
        title="2026年第一次业主大会",
        opens_at=opens,
        closes_at=closes,
        motions=motions or [MotionSpec(title="选聘物业服务企业", category=4)],
        policy=policy,
    )
    steps = [
        lambda: assembly_announce(actor=world.official_a, assembly=a, now=opens - dt.timedelta(days=20)),
        lambda: assembly_open(actor=world.official_a, assembly=a),
        lambda: assembly_close(actor=world.official_a, assembly=a, now=closes),
        lambda: assembly_tally(assembly=a, actor=world.official_a),
        lambda: assembly_publish(actor=world.official_a, assembly=a),
    ]
    for reached, step in zip(STATES[1:], steps, strict=True):
        if STATES.index(state) < STATES.index(reached):
            break
        step()
        a.refresh_from_db()
        if reached == "open":
            for who, choice in (ballots or {}).items():
                ids = a.motions.order_by("position").values_list("pk", flat=True)
                ballot_cast(actor=getattr(world, who), assembly=a, choices={str(i): choice for i in ids})
    a.refresh_from_db()
    assert a.status == state
    return a
