"""The consumer is crash-safe and safe under concurrency, with real processes against PostgreSQL:

- a run killed with SIGKILL mid-way and started again ends in exactly the state of an uninterrupted run;
- two workers started at once on the same feed apply each event once;
- a feed with 5% bad lines of every kind applies every good line and quarantines every bad one.
"""

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from registry.models import Ownership, QuarantinedRecord, RegistrationEvent, SyncCursor, Unit
from registry.services.places import master_data_load
from registry.services.registration import registration_feed_apply
from tests.conftest import MASTER, PARCEL_A, PARCEL_B, child_process_env
from tests.factories import feed_line, holder, resident_id

ROOT = Path(__file__).resolve().parents[3]
REGISTRY_TABLES = [
    "registry_registrationevent",
    "registry_unitchange",
    "registry_ownership",
    "registry_unitnumberversion",
    "registry_committeemember",
    "registry_unit",
    "registry_owner",
    "registry_quarantinedrecord",
    "registry_synccursor",
    "registry_syncrun",
]


def _mixed_feed(n_units: int, *, seed: int = 7) -> list[str]:
    """CREATEs, then transfers, changes, encumbrances and a few bad lines, with increasing seqs."""
    rnd = random.Random(seed)
    lines, seq = [], 0

    def nxt() -> int:
        nonlocal seq
        seq += 1
        return seq

    numbers = []
    for i in range(n_units):
        parcel = PARCEL_A if i % 2 else PARCEL_B
        number = f"{parcel}F{1 + i // 500:04d}{i % 500:04d}"
        numbers.append(number)
        holders = [holder(f"业主{i}", resident_id(i % 997, birth=f"19{60 + i % 30}0101"))]
        if i % 7 == 0:
            holders = [
                holder(f"甲{i}", resident_id(i % 991, birth="19700202"), share="1/2"),
                holder(
                    f"乙{i}", resident_id(i % 983, birth="19710303"), share="50%", certificate_holder=False
                ),
            ]
        lines.append(
            feed_line(number, holders, seq=nxt(), co_ownership="shares" if len(holders) == 2 else None)
        )
    for number in rnd.sample(numbers, n_units // 5):
        kind = rnd.choice(["TRANSFER", "CHANGE", "ENCUMBRANCE_SET"])
        if kind == "TRANSFER":
            line = feed_line(
                number,
                [holder("新业主", resident_id(rnd.randrange(900), birth="19850505"))],
                seq=nxt(),
                event_type="TRANSFER",
            )
        elif kind == "CHANGE":
            line = feed_line(number, [], seq=nxt(), event_type="CHANGE", area=f"{rnd.randrange(50, 150)}.25")
        else:
            line = feed_line(
                number, [], seq=nxt(), event_type="ENCUMBRANCE_SET", encumbrances={"mortgage": True}
            )
        lines.append(line)
    for i in range(0, len(lines), 97):
        lines.insert(i, '{"seq": "broken" ' + str(i))
    return lines


def fingerprint() -> str:
    """A digest of everything the feed decides (not of run bookkeeping or surrogate ids)."""
    parts = []
    for u in Unit.objects.select_related("compound", "building").order_by("unit_number"):
        parts.append(
            f"U {u.unit_number} {u.compound and u.compound.code} {u.building and u.building.number} "
            f"{u.registered_area} {u.mortgage} {u.seizure} {u.developer_held} {u.delivered}"
        )
    for o in Ownership.objects.select_related("unit", "owner").order_by(
        "unit__unit_number", "owner__id_hmac", "valid_from"
    ):
        parts.append(
            f"O {o.unit.unit_number} {o.owner.id_hmac} {o.share} {o.certificate_holder} {o.valid_from} {o.valid_to} "
            f"{o.source_event_id} {o.ended_by_event_id}"
        )
    parts += sorted(f"E {e}" for e in RegistrationEvent.objects.values_list("event_id", flat=True))
    parts += sorted(
        f"Q {q}" for q in QuarantinedRecord.objects.values_list("source", "line_no", "event_id", "code")
    )
    parts += sorted(f"C {c}" for c in SyncCursor.objects.values_list("source", "last_seq"))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _reset_registry() -> None:
    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(REGISTRY_TABLES)} RESTART IDENTITY CASCADE")


def _sync(feed: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "sync_registration", "--file", str(feed), *extra],
        cwd=ROOT,
        env=child_process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_run_killed_with_sigkill_resumes_to_the_state_of_a_clean_run(tmp_path):
    # given
    master_data_load(doc=MASTER)
    lines = _mixed_feed(3000)
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    registration_feed_apply(lines=lines, source="file:feed.jsonl", batch_size=100)
    clean = fingerprint()
    _reset_registry()

    # when: a worker is killed mid-way (after some batches committed), then started again
    worker = _sync(feed, "--batch-size", "100")
    deadline = time.monotonic() + 120
    while RegistrationEvent.objects.count() < 800 and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    applied_before_kill = RegistrationEvent.objects.count()
    resumed = _sync(feed, "--batch-size", "100")
    out, err = resumed.communicate(timeout=300)

    # then
    assert worker.returncode == -signal.SIGKILL
    assert 0 < applied_before_kill < len(lines), "the kill must land mid-way"
    assert resumed.returncode == 0, err
    assert f"skipped as already seen {applied_before_kill}" in out
    assert fingerprint() == clean


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_apply_every_event_exactly_once(tmp_path):
    # given
    master_data_load(doc=MASTER)
    lines = _mixed_feed(1500, seed=11)
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    registration_feed_apply(lines=lines, source="file:feed.jsonl", batch_size=50)
    clean = fingerprint()
    good = RegistrationEvent.objects.count()
    _reset_registry()

    # when: two processes on the same feed, started together
    workers = [_sync(feed, "--batch-size", "50") for _ in range(2)]
    results = [w.communicate(timeout=300) for w in workers]

    # then
    assert [w.returncode for w in workers] == [0, 0], [r[1][-2000:] for r in results]
    assert RegistrationEvent.objects.count() == good
    assert fingerprint() == clean


@pytest.mark.django_db
def test_five_percent_bad_lines_of_every_kind_are_quarantined_and_the_rest_applies():
    # given: 950 good CREATEs and 50 bad lines, ten of each kind below
    master_data_load(doc=MASTER)
    good = [
        feed_line(
            f"{PARCEL_A}F{1 + i // 400:04d}{i % 400:04d}",
            [holder(f"业主{i}", resident_id(i, birth="19810101"))],
        )
        for i in range(950)
    ]
    bad_kinds = {
        "malformed_json": lambda i: '{"seq": 1, "event_id": ' + str(i),
        "unknown_event_type": lambda i: json.dumps({**json.loads(good[i]), "event_type": "MERGE"}),
        "invalid_unit_number": lambda i: feed_line(
            f"340123002004XB0001{i % 10}F00010001", [holder("甲", resident_id(i))]
        ),
        "invalid_id_number": lambda i: feed_line(
            f"{PARCEL_B}F0009{i:04d}", [holder("乙", "110105194912310021")]
        ),
        "shares_not_one": lambda i: feed_line(
            f"{PARCEL_B}F0008{i:04d}",
            [
                holder("丙", resident_id(i, birth="19900101"), share="1/2"),
                holder("丁", resident_id(i, birth="19910101"), share="1/3", certificate_holder=False),
            ],
            co_ownership="shares",
        ),
    }
    lines = list(good)
    rnd = random.Random(3)
    for make in bad_kinds.values():
        for i in range(10):
            lines.insert(rnd.randrange(len(lines)), make(i))
    # when
    report = registration_feed_apply(lines=lines, source="five-percent", batch_size=200)
    # then
    assert (report.applied, report.quarantined) == (950, 50)
    assert report.quarantine_codes == {code: 10 for code in bad_kinds}
    assert Unit.objects.count() == 950
    assert all(r for r in QuarantinedRecord.objects.values_list("reason", flat=True))
    # and replaying the same feed quarantines nothing twice
    again = registration_feed_apply(lines=lines, source="five-percent", batch_size=200)
    assert (again.applied, again.skipped) == (0, 950)
    assert QuarantinedRecord.objects.count() == 50
