"""Benchmark: a city-scale first load of the registration feed, against a raw COPY of the same lines.

    .venv/bin/python bench/registry_sync.py                 # 200,000 units (quick)
    .venv/bin/python bench/registry_sync.py --units 2430000 # the whole of Qingdao

It starts its own PostgreSQL and Redis (scripts/services.py, ports 55462/56409) unless DATABASE_URL is set,
creates a fresh database, generates the demo district (registry/demo.py), loads the master data, then in the
same run:
  1. baseline — `COPY scratch (line jsonb) FROM STDIN` of every feed line (PostgreSQL parses the JSON, no
     indexes): the fastest the server can take these rows;
  2. the real path — `manage.py sync_registration --file feed.jsonl` in a child process (validation, keyed
     hashes, placement, owners, ownerships, history, quarantine, cursor), its peak RSS read from the kernel.
  3. the write floor — the rows the sync wrote COPYed again into empty copies of their five tables (same
     indexes and checks), i.e. storage alone with no parsing or validation.
It prints events/s of all three, the ratios, and the child's peak RSS.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


FLOOR_TABLES = (
    "registry_unit",
    "registry_unitnumberversion",
    "registry_owner",
    "registry_ownership",
    "registry_registrationevent",
)


def _vm_hwm_mb(pid: int) -> float:
    """Peak resident memory of a running process (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _services() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    run_dir = ROOT / ".run" / "bench"
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "services.py"),
            "start",
            "--dir",
            str(run_dir),
            "--pg-port",
            "55462",
            "--redis-port",
            "56409",
            "--database",
            "postgres",
            "--fast",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    env = dict(line.split("=", 1) for line in out.strip().splitlines() if "=" in line)
    os.environ["REDIS_URL"] = env["REDIS_URL"]
    return env["DATABASE_URL"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=200_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="keep generated files here (default: temp)"
    )
    args = parser.parse_args()

    import psycopg

    server_url = _services()
    base = server_url.rsplit("/", 1)[0]
    db_url = f"{base}/gongzhi_bench"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS gongzhi_bench")
        admin.execute("CREATE DATABASE gongzhi_bench")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
    }
    os.environ.update(DATABASE_URL=db_url, DJANGO_SETTINGS_MODULE="config.settings.local")

    import django

    django.setup()
    from django.core.management import call_command

    from registry.demo import generate_demo
    from registry.services.places import master_data_load

    call_command("migrate", verbosity=0)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="gongzhi-bench-"))
    t = time.monotonic()
    counts = generate_demo(out_dir=workdir, units=args.units)
    print(
        f"generated {counts.units:,} units, {counts.compounds:,} compounds in {time.monotonic() - t:.1f}s → {workdir}"
    )
    import json

    t = time.monotonic()
    report = master_data_load(
        doc=json.loads((workdir / "master.json").read_text(encoding="utf-8")), source="bench"
    )
    print(f"master data in {time.monotonic() - t:.1f}s: {report.summary()}")
    feed = workdir / "feed.jsonl"
    events = sum(1 for _ in feed.open("rb"))

    # 1. baseline: raw COPY of the same lines into a scratch table
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("CREATE UNLOGGED TABLE bench_scratch (line jsonb)")
        t = time.monotonic()
        with feed.open(encoding="utf-8") as f, cur.copy("COPY bench_scratch (line) FROM STDIN") as copy:
            for line in f:
                copy.write_row((line.rstrip("\n"),))
        conn.commit()
        copy_seconds = time.monotonic() - t
        cur.execute("DROP TABLE bench_scratch")
        conn.commit()

    # 2. the real path, in a child process so that its peak RSS is its own: VmHWM of the child's address
    # space, read from /proc while it runs (getrusage's children figure would report this process's peak
    # instead — exec after vfork hands the parent's high-water mark to the child).
    t = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "sync_registration",
                "--file",
                str(feed),
                "--batch-size",
                str(args.batch_size),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        peak_rss_mb = 0.0
        while child.poll() is None:
            peak_rss_mb = max(peak_rss_mb, _vm_hwm_mb(child.pid))
            time.sleep(0.2)
        sync_seconds = time.monotonic() - t
        out.seek(0)
        output = out.read()
    done = subprocess.CompletedProcess(child.args, child.returncode, output, "")
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-4000:])
        sys.exit("sync failed")
    summary = [line for line in output.splitlines() if line.startswith(("applied", "  quarantined"))]

    # 3. the write floor — the rows the sync wrote, COPYed again into empty copies of their tables (same
    # columns, indexes and checks; no parsing, validation, hashing, look-ups or foreign-key checks): what
    # any implementation must at least spend to store them, measured against the same scratch COPY.
    floor_seconds = 0.0
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        for table in FLOOR_TABLES:
            dump = workdir / f"{table}.copy"
            with dump.open("wb") as out, cur.copy(f"COPY {table} TO STDOUT (FORMAT binary)") as copy:
                for chunk in copy:
                    out.write(chunk)
            cur.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
            conn.commit()
            t = time.monotonic()
            with dump.open("rb") as f, cur.copy(f"COPY floor_{table} FROM STDIN (FORMAT binary)") as copy:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            conn.commit()
            floor_seconds += time.monotonic() - t
            cur.execute(f"DROP TABLE floor_{table}")
            conn.commit()
            dump.unlink()

    copy_rate, sync_rate, floor_rate = events / copy_seconds, events / sync_seconds, events / floor_seconds
    print()
    print(f"events                      {events:>12,}")
    print(f"raw COPY (jsonb scratch)    {copy_seconds:>10.1f} s  {copy_rate:>10,.0f} events/s")
    print(f"sync_registration           {sync_seconds:>10.1f} s  {sync_rate:>10,.0f} events/s")
    print(f"ratio sync / COPY           {sync_rate / copy_rate:>12.1%}")
    print(
        f"write floor (5 tables)      {floor_seconds:>10.1f} s  {floor_rate:>10,.0f} events/s "
        f"= {floor_rate / copy_rate:.1%} of the scratch COPY; the sync runs at {sync_rate / floor_rate:.1%} of it"
    )
    print(f"peak RSS of the sync        {peak_rss_mb:>10.0f} MB")
    print(f"full city (2.43 M) at this rate ≈ {2_430_000 / sync_rate / 60:.1f} min")
    for line in summary:
        print(line)


if __name__ == "__main__":
    main()
