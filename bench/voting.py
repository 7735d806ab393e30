"""Benchmark: an owners' assembly of a 10,000-unit compound with 10 motions and every subject voting.

    .venv/bin/python bench/voting.py [--units 10000] [--clients 32] [--workers 4] [--durable]

In one run, against its own PostgreSQL and Redis (scripts/services.py, ports 55472/56419) unless DATABASE_URL
is set:
  (b) ballot casting through HTTP — every owner POSTs /api/v1/assemblies/{id}/ballots/ with their token, from
      `--clients` concurrent keep-alive clients against gunicorn (`--workers` sync workers) — against a bare
      psycopg INSERT + COMMIT loop of the same number of rows from the same number of threads;
      then checks that no ballot was lost or duplicated;
  (a) the tally (voting.services.tally.assembly_tally) against one hand-written SQL aggregate over the same
      counted ballots.
  (c) the floor of the stack: the cheapest authenticated request (GET /api/v1/me/) from the same clients,
      as a ratio of the bare loop — no ballot can beat it.
Targets (issue 4): tally ≤ 1 s and ≤ 3× the aggregate; ≥ 300 ballots/s, p99 < 250 ms, ≥ 30% of the bare loop.
Setup (units, owners, accounts, tokens) is not timed; it writes accounts directly for speed.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _services(*, durable: bool) -> tuple[str, str]:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    # A durable server (fsync on, as deployed) has a directory and ports of its own: a running server keeps
    # the mode it was started in.
    run_dir, pg_port, redis_port = (
        ("bench-voting-durable", "55482", "56429") if durable else ("bench-voting", "55472", "56419")
    )
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "services.py"),
            "start",
            "--dir",
            str(ROOT / ".run" / run_dir),
            "--pg-port",
            pg_port,
            "--redis-port",
            redis_port,
            "--database",
            "postgres",
            *([] if durable else ["--fast"]),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    env = dict(line.split("=", 1) for line in out.strip().splitlines() if "=" in line)
    return env["DATABASE_URL"], env["REDIS_URL"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:  # noqa: PLR0915 - a linear script
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--motions", type=int, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--durable",
        action="store_true",
        help="PostgreSQL with fsync on, as deployed (default: the test server's fsync off)",
    )
    args = parser.parse_args()

    import psycopg

    server_url, redis_url = _services(durable=args.durable)
    base = server_url.rsplit("/", 1)[0]
    db_url = f"{base}/gongzhi_bench_voting"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS gongzhi_bench_voting")
        admin.execute("CREATE DATABASE gongzhi_bench_voting")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(
        {
            k: env[k]
            for k in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "LOG_LEVEL")
        }
    )

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from registry.models import Compound, Owner, User
    from registry.services.accounts import official_create
    from registry.services.places import master_data_load
    from registry.services.registration import registration_feed_apply
    from tests.factories import feed_line, holder, resident_id
    from voting.models import BallotSubmission, CountedBallot, MotionResult
    from voting.services.assemblies import (
        MotionSpec,
        assembly_announce,
        assembly_close,
        assembly_create,
        assembly_open,
    )
    from voting.services.tally import assembly_tally

    call_command("migrate", verbosity=0)
    t = time.monotonic()
    parcel = "370212001002GB00888"
    master_data_load(
        doc={
            "regions": [
                {"code": "370212", "name": "崂山区", "level": "district", "parent": "370200"},
                {"code": "370212001", "name": "中韩街道", "level": "street", "parent": "370212"},
                {"code": "370212001001", "name": "海尔路社区", "level": "community", "parent": "370212001"},
            ],
            "compounds": [
                {
                    "code": "QD-370212-9999",
                    "name": "基准小区",
                    "community": "370212001001",
                    "parcels": [parcel],
                }
            ],
        }
    )
    compound = Compound.objects.get(code="QD-370212-9999")
    lines = (
        feed_line(
            f"{parcel}F{1 + i // 2000:04d}{i % 2000:04d}",
            [holder(f"业主{i}", resident_id(i % 1000, birth=f"{1950 + i // 1000 % 50}0101"))],
            area=f"{60 + i % 90}.{i % 100:02d}",
        )
        for i in range(args.units)
    )
    report = registration_feed_apply(lines=lines, source="bench-voting")
    owners = list(Owner.objects.order_by("pk"))
    users = User.objects.bulk_create([User(username=f"voter{o.pk}", password="!") for o in owners])
    for o, u in zip(owners, users, strict=True):
        o.user = u
    Owner.objects.bulk_update(owners, ["user"])
    tokens = Token.objects.bulk_create([Token(user=u, key=secrets.token_hex(20)) for u in users])
    official = official_create(
        username="bench_official", password="Gongzhi-bench-2026", region_code="370212001"
    ).user
    now = timezone.now()
    assembly = assembly_create(
        actor=official,
        compound=compound,
        title="基准业主大会",
        opens_at=now - dt.timedelta(minutes=1),
        closes_at=now + dt.timedelta(days=6),
        motions=[MotionSpec(title=f"事项{i + 1}", category=4 if i % 3 else 6) for i in range(args.motions)],
    )
    assembly_announce(actor=official, assembly=assembly, now=assembly.opens_at - dt.timedelta(days=20))
    assembly = assembly_open(actor=official, assembly=assembly)
    motions = list(assembly.motions.order_by("position").values_list("pk", flat=True))
    print(
        f"setup: {report.applied:,} units, {len(owners):,} owners/accounts, {assembly.heads_total:,} subjects, "
        f"{len(motions)} motions in {time.monotonic() - t:.1f}s"
    )

    # (b) HTTP: gunicorn + concurrent keep-alive clients
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--keep-alive",
            "30",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        local = threading.local()
        path = f"/api/v1/assemblies/{assembly.pk}/ballots/"

        def cast(i: int) -> tuple[int, float]:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            choice = ("for", "against", "abstain")[i % 3]
            body = json.dumps({"choices": {str(m): choice for m in motions}})
            started = time.perf_counter()
            conn.request(
                "POST",
                path,
                body=body,
                headers={"Authorization": f"Token {tokens[i].key}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            response.read()
            return response.status, time.perf_counter() - started

        t = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = list(pool.map(cast, range(len(tokens))))
        http_seconds = time.monotonic() - t

        # (c) the floor of this stack: the cheapest authenticated API request (GET /api/v1/me/: token look-up,
        # serializer, JSON) from the same clients against the same workers — what any ballot costs at least.
        def me(i: int) -> int:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/v1/me/", headers={"Authorization": f"Token {tokens[i].key}"})
            response = conn.getresponse()
            response.read()
            return response.status

        t = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            me_statuses = set(pool.map(me, range(len(tokens))))
        me_seconds = time.monotonic() - t
        assert me_statuses == {200}, me_statuses
    finally:
        server.terminate()
        server.wait(timeout=30)
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    latencies = sorted(s for _, s in results)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    counted = CountedBallot.objects.filter(assembly=assembly).count()
    submissions = BallotSubmission.objects.filter(assembly=assembly).count()

    # the bare loop: INSERT + COMMIT of the same number of rows from the same number of threads
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_ballot (id bigserial PRIMARY KEY, voter int, choices jsonb, at timestamptz)"
        )
    payload = json.dumps({str(m): "for" for m in motions})

    def bare(chunk: range) -> None:
        with psycopg.connect(db_url) as conn:
            for i in chunk:
                conn.execute(
                    "INSERT INTO bench_ballot (voter, choices, at) VALUES (%s, %s, now())", [i, payload]
                )
                conn.commit()

    n = len(tokens)
    step = -(-n // args.clients)
    t = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        list(pool.map(bare, [range(k, min(k + step, n)) for k in range(0, n, step)]))
    bare_seconds = time.monotonic() - t

    # (a) tally against one SQL aggregate over the same ballots
    assembly = assembly_close(actor=official, assembly=assembly, now=assembly.closes_at)
    t = time.perf_counter()
    assembly_tally(assembly=assembly)
    tally_seconds = time.perf_counter() - t
    with psycopg.connect(db_url) as conn:
        t = time.perf_counter()
        conn.execute(
            """SELECT c.key, c.value, sum(s.area), count(*) FROM voting_countedballot cb
               JOIN voting_ballotsubmission b ON b.id = cb.submission_id
               JOIN voting_votingsubject s ON s.id = cb.subject_id
               CROSS JOIN LATERAL jsonb_each_text(b.choices) c WHERE cb.assembly_id = %s GROUP BY 1, 2""",
            [assembly.pk],
        ).fetchall()
        aggregate_seconds = time.perf_counter() - t
    adopted = MotionResult.objects.filter(motion__assembly=assembly, outcome="adopted").count()

    http_rate, bare_rate, me_rate = n / http_seconds, n / bare_seconds, n / me_seconds
    print()
    print(f"ballots sent                 {n:>10,}   statuses {statuses}")
    print(
        f"counted / submissions        {counted:>10,} / {submissions:,}   lost {n - counted}, duplicated {submissions - counted}"
    )
    print(
        f"HTTP casting                 {http_rate:>10,.0f} ballots/s   p50 {p50:.0f} ms   p99 {p99:.0f} ms "
        f"({args.clients} clients, {args.workers} gunicorn workers)"
    )
    print(f"bare INSERT+COMMIT loop      {bare_rate:>10,.0f} rows/s")
    print(f"ratio HTTP / bare            {http_rate / bare_rate:>12.1%}")
    print(
        f"floor: GET /api/v1/me/       {me_rate:>10,.0f} requests/s = {me_rate / bare_rate:.1%} of the bare loop; "
        f"a ballot costs {me_rate / http_rate:.1f}× it"
    )
    print(
        f"tally                        {tally_seconds * 1000:>10.0f} ms   ({adopted} of {len(motions)} adopted)"
    )
    print(f"SQL aggregate                {aggregate_seconds * 1000:>10.0f} ms")
    print(f"ratio tally / aggregate      {tally_seconds / aggregate_seconds:>12.1f}×")


if __name__ == "__main__":
    main()
