"""Scaling out (issue 13, part 6): dashboard reads on a replica through config/routers.py — decided in memory, on a
test mirror of the test database, and on a real streaming replica started by scripts/services.py — and one
Celery queue per workload, all consumed by the development worker."""

import contextlib
import datetime as dt
import importlib.util
import re
import shlex
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, Error, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from complaints.apis import ComplaintStatsApi
from config import routers
from config.celery import app
from config.routers import DashboardReadRouter, dashboard_alias, dashboard_connection, dashboard_reads
from config.settings import base as base_settings
from registry.models import AuditEvent, Region, SignupAttempt, User
from registry.services.audit import audit_record

ROOT = Path(__file__).resolve().parent.parent
PROBE = "scaling-probe"
BEIJING = ZoneInfo("Asia/Shanghai")


def _services():
    spec = importlib.util.spec_from_file_location("gongzhi_services", ROOT / "scripts" / "services.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gongzhi_services", module)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def replica_alias(*, port: int | str | None = None) -> Iterator[None]:
    """A `replica` alias as settings build it from DATABASE_REPLICA_URL, on this run's test database (a TEST
    MIRROR of default), on `port` (a real standby) or the primary's own (a second connection to it)."""
    default = connections[DEFAULT_DB_ALIAS].settings_dict
    url = f"postgres://{default['USER']}@{default['HOST']}:{port or default['PORT']}/{default['NAME']}"
    entry = base_settings.replica(url)
    entry.update(CONN_MAX_AGE=0, TEST={"MIRROR": DEFAULT_DB_ALIAS})
    previous = connections.settings.get("replica")  # a run with DATABASE_REPLICA_URL set has one
    if previous is not None:
        connections["replica"].close()
    connections.settings["replica"] = entry
    connections.configure_settings(connections.settings)  # Django's defaults for the new entry
    connections["replica"] = connections.create_connection("replica")
    # connected here, not on first use: a transactional test refuses to open connections it was not told of
    # when it started, and this alias did not exist then
    connections["replica"].connect()
    try:
        assert routers.replica_configured()  # connections.settings is settings.DATABASES
        yield
    finally:
        connections["replica"].close()
        if previous is None:
            del connections["replica"]
            del connections.settings["replica"]
            assert not routers.replica_configured()
        else:
            connections.settings["replica"] = previous
            connections["replica"] = connections.create_connection("replica")


def _attempt(username: str) -> SignupAttempt:
    return SignupAttempt.objects.create(username=username, ip_address=None, matched=False, reason="probe")


# --- the router's decisions ---------------------------------------------------------------------------------


def test_without_a_replica_every_read_and_write_uses_default(monkeypatch):
    # given: no DATABASE_REPLICA_URL
    monkeypatch.setattr(routers, "replica_configured", lambda: False)
    router = DashboardReadRouter()
    # when / then: even inside a dashboard block
    with dashboard_reads():
        assert dashboard_alias(Region) == "default"
        assert router.db_for_read(Region) == "default"
        assert router.db_for_write(Region) == "default"
    assert settings.DATABASE_ROUTERS == ["config.routers.DashboardReadRouter"]


def test_with_a_replica_only_marked_reads_outside_transactions_go_to_it(monkeypatch):
    # given: a replica configured
    monkeypatch.setattr(routers, "replica_configured", lambda: True)
    router = DashboardReadRouter()
    # then: outside a dashboard block, reads stay on the primary
    assert router.db_for_read(Region) == "default"
    assert router.db_for_read(SignupAttempt) == "default"
    with dashboard_reads():
        # the dashboard's own rows come from the replica …
        assert router.db_for_read(Region) == "replica"
        assert router.db_for_read(SignupAttempt) == "replica"
        # … never accounts, sessions, tokens or permissions: the trust layer reads the primary
        assert router.db_for_read(User) == "default"
        assert router.db_for_read(Session) == "default"
        assert router.db_for_read(Token) == "default"
        assert router.db_for_read(User.user_permissions.through) == "default"
        # and every write goes to the primary
        assert router.db_for_write(Region) == "default"
        with dashboard_reads():  # nested: still a dashboard read, and still after the inner block
            assert router.db_for_read(Region) == "replica"
        assert router.db_for_read(Region) == "replica"
    assert router.db_for_read(Region) == "default"
    # migrations only on the primary; rows of the two aliases may be related (the same data)
    assert router.allow_migrate("default", "registry") is True
    assert router.allow_migrate("replica", "registry") is False
    assert router.allow_relation(Region(), Region()) is True


@pytest.mark.django_db
def test_a_read_inside_a_transaction_stays_on_default(monkeypatch):
    # given: a replica configured, and the test's transaction open on default
    monkeypatch.setattr(routers, "replica_configured", lambda: True)
    # when
    with dashboard_reads():
        with transaction.atomic():
            inside = DashboardReadRouter().db_for_read(Region)
    # then
    assert connections["default"].in_atomic_block
    assert inside == "default"


def test_the_decorator_marks_one_call_and_one_thread_only(monkeypatch):
    # given
    monkeypatch.setattr(routers, "replica_configured", lambda: True)
    seen: dict[str, str] = {}

    def elsewhere() -> None:
        seen["other thread"] = dashboard_alias(Region)

    @dashboard_reads
    def view(x: int) -> int:
        seen["view"] = dashboard_alias(Region)
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        return x + 1

    # when
    result = view(41)
    # then
    assert result == 42
    assert seen == {"view": "replica", "other thread": "default"}
    assert dashboard_alias(Region) == "default"
    assert view.dashboard_reads is True
    assert view.__name__ == "view"


def test_the_complaints_figures_page_export_and_stats_api_read_as_dashboards():
    # when
    page = resolve(reverse("complaint_figures:page")).func
    xlsx = resolve(reverse("complaint_figures:xlsx")).func
    # then: the mark survives login_required and never_cache; the API's GET carries it
    assert page.dashboard_reads is True
    assert xlsx.dashboard_reads is True
    assert ComplaintStatsApi.get.dashboard_reads is True
    # and every page of the officials' overview
    for name in ("region", "xlsx", "search", "map"):
        assert resolve(reverse(f"overview:{name}")).func.dashboard_reads is True
    assert resolve(reverse("overview:compound", args=["QD-1"])).func.dashboard_reads is True


def test_the_replica_alias_is_built_like_default_but_never_prepares():
    # when
    built = base_settings.databases("postgres://u@db1:5432/gongzhi", "postgres://u@db2:5432/gongzhi")
    # then
    assert set(built) == {"default", "replica"}
    assert (built["default"]["HOST"], built["replica"]["HOST"]) == ("db1", "db2")
    assert built["default"]["OPTIONS"]["prepare_threshold"] == 2
    assert built["replica"]["OPTIONS"]["prepare_threshold"] is None
    assert built["replica"]["OPTIONS"]["options"] == built["default"]["OPTIONS"]["options"]
    assert set(base_settings.databases("postgres://u@db1:5432/gongzhi", "")) == {"default"}


# --- a TEST MIRROR of default: a second connection to the test database ---------------------------------


@pytest.mark.django_db(transaction=True)
def test_on_a_test_mirror_dashboard_reads_use_the_replica_connection():
    # given: a committed row (a transactional test: the mirror is another connection, it sees committed rows)
    with replica_alias():
        _attempt(f"{PROBE}-1")
        with dashboard_reads():
            # when: a read inside the block, and a write
            with CaptureQueriesContext(connections["replica"]) as on_replica:
                with CaptureQueriesContext(connections["default"]) as on_default:
                    names = list(
                        SignupAttempt.objects.filter(username__startswith=PROBE).values_list(
                            "username", flat=True
                        )
                    )
                    _attempt(f"{PROBE}-2")
        # then: the read went to the mirror, the write to default
        assert names == [f"{PROBE}-1"]
        assert len(on_replica.captured_queries) == 1
        assert on_replica.captured_queries[0]["sql"].startswith("SELECT")
        assert len(on_default.captured_queries) == 1
        assert on_default.captured_queries[0]["sql"].startswith("INSERT")
        assert SignupAttempt.objects.filter(username__startswith=PROBE).count() == 2


# --- a real streaming replica -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_replayed(timeout: float = 10.0) -> float:
    """Wait until the replica has replayed the primary's WAL as of now; returns the seconds it took."""
    with connections["default"].cursor() as cur:
        cur.execute(
            "SELECT pg_current_wal_insert_lsn()::text"
        )  # with synchronous_commit off, past the commit
        target = cur.fetchone()[0]
    start = time.monotonic()
    while True:
        with connections["replica"].cursor() as cur:
            cur.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cur.fetchone()[0]:
                return time.monotonic() - start
        assert time.monotonic() - start < timeout, f"the replica did not replay {target} in {timeout} s"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_streaming_replica_serves_dashboard_reads_and_the_primary_takes_writes():
    services = _services()
    pg_bin = services._pg_bin()
    missing = [name for name in ("pg_basebackup", "pg_ctl", "postgres") if not (pg_bin / name).exists()]
    if missing:
        reason = f"no PostgreSQL binaries for a replica in {pg_bin}: {', '.join(missing)} missing"
        print(reason, file=sys.stderr)
        pytest.skip(reason)
    default = connections["default"].settings_dict
    run_dir = Path(tempfile.mkdtemp(prefix="gongzhi-replica-"))
    try:
        # given: a standby copied from this run's PostgreSQL, and a row committed on the primary after the copy
        port = _free_port()
        services.start_replica(run_dir, port, int(default["PORT"]), default["NAME"], fast=True)
        with replica_alias(port=port):
            _attempt(f"{PROBE}-before")
            assert _wait_replayed() < 10
            with dashboard_reads():
                # when: a dashboard reads, then writes
                names = list(
                    SignupAttempt.objects.filter(username__startswith=PROBE).values_list(
                        "username", flat=True
                    )
                )
                with dashboard_connection().cursor() as cur:
                    cur.execute("SELECT pg_is_in_recovery()")
                    routed_in_recovery = cur.fetchone()[0]
                written = _attempt(f"{PROBE}-inside")
                # then: the read came from the standby, which had replayed the row
                assert names == [f"{PROBE}-before"]
                assert routed_in_recovery is True
                assert SignupAttempt.objects.filter(username__startswith=PROBE).db == "replica"
                # and the write went to the primary, where a transaction reads it back at once
                assert written._state.db == "default"
                with transaction.atomic():
                    assert SignupAttempt.objects.filter(pk=written.pk).db == "default"
                    assert SignupAttempt.objects.filter(pk=written.pk).count() == 1
            with connections["default"].cursor() as cur:
                cur.execute("SELECT pg_is_in_recovery()")
                assert cur.fetchone()[0] is False
            # and the standby itself refuses writes
            with pytest.raises(Error, match="read-only"):
                with connections["replica"].cursor() as cur:
                    cur.execute("DELETE FROM registry_signupattempt")
            _wait_replayed()
            with dashboard_reads():
                assert SignupAttempt.objects.filter(username__startswith=PROBE).count() == 2
    finally:
        services.stop(run_dir)
        shutil.rmtree(run_dir, ignore_errors=True)
    assert not run_dir.exists()


# --- Celery queues per workload -----------------------------------------------------------------------------


def _queue(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_every_task_of_the_project_is_routed_to_a_named_queue():
    # given: every task module loaded, as a worker does
    app.loader.import_default_modules()
    ours = sorted(name for name in app.tasks if not name.startswith("celery."))
    # then
    assert settings.TASK_QUEUES == ("celery", "sync", "tally", "notifications", "figures")
    assert [q.name for q in settings.CELERY_TASK_QUEUES] == list(settings.TASK_QUEUES)
    assert {name: _queue(name) for name in ours if _queue(name) not in settings.TASK_QUEUES} == {}
    assert len(ours) >= 8
    known = {
        "registry.sync_registration_feed": "sync",
        "voting.tally_assembly": "tally",
        "complaints.notify": "notifications",
        "voting.notify_owners": "notifications",
        "complaints.close_month": "figures",
        "complaints.check_clocks": "celery",
        "registry.purge_signup_attempts": "celery",
        "voting.advance_assemblies": "celery",
    }
    assert {name: _queue(name) for name in known} == known
    assert set(known) <= set(ours)
    # tasks still to come: the overview's refreshes, any app's `notify`, anything else
    assert _queue("overview.refresh_figures") == "figures"
    assert _queue("disclosure.notify") == "notifications"
    assert _queue("partybuilding.something_new") == "celery"


def _worker_queues(command: str) -> set[str]:
    words = shlex.split(command)
    assert words[words.index("worker") - 2 : words.index("worker")] == ["-A", "config"]
    return set(words[words.index("-Q") + 1].split(","))


def test_the_development_worker_consumes_every_queue():
    # given
    lines = [
        line
        for line in (ROOT / "scripts" / "run").read_text().splitlines()
        if re.match(r"^\S*celery -A config worker ", line)
    ]
    # then: one worker, every queue
    assert len(lines) == 1
    assert _worker_queues(lines[0].split(">")[0]) == set(settings.TASK_QUEUES)


def test_the_compose_worker_consumes_every_queue():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert _worker_queues(compose["services"]["worker"]["command"]) == set(settings.TASK_QUEUES)


# --- monthly partitions of an append-only log (the README's plan, on one table, rolled back) ---------------


def _month_after(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _bound(month: dt.date) -> str:
    return f"'{month:%Y-%m-%d} 00:00+08'"  # Beijing months


def partition_by_month(cur, *, table: str, column: str, first_month: dt.date, months: int) -> None:
    """The README's switch: `table` becomes partitioned by month of `column`; the existing table, renamed
    `<table>_history`, is its partition for everything before `first_month` (no row copied); `months`
    partitions follow. (In production step 1 builds the index CONCURRENTLY, outside the transaction.)"""
    history, bound = f"{table}_history", _bound(first_month)
    cur.execute(f"CREATE UNIQUE INDEX {table}_id_at ON {table} (id, {column})")
    cur.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_history_range CHECK ({column} < {bound}) NOT VALID"
    )
    cur.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {table}_history_range")
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN (%s, %s)",
        [table, f"{table}_pkey", f"{table}_id_at"],
    )
    indexes = cur.fetchall()
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype = 'f'",
        [table],
    )
    foreign_keys = cur.fetchall()
    cur.execute(
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
        [table],
    )
    triggers = cur.fetchall()
    cur.execute(f"ALTER TABLE {table} RENAME TO {history}")
    cur.execute(
        f"ALTER TABLE {history} DROP CONSTRAINT {table}_pkey, "
        f"ADD CONSTRAINT {history}_pkey PRIMARY KEY USING INDEX {table}_id_at"
    )
    cur.execute(f"ALTER TABLE {history} ALTER id DROP IDENTITY")
    cur.execute(f"CREATE TABLE {table} (LIKE {history} INCLUDING DEFAULTS) PARTITION BY RANGE ({column})")
    cur.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id, {column})")
    cur.execute(f"ALTER TABLE {table} ALTER id ADD GENERATED BY DEFAULT AS IDENTITY")  # PostgreSQL >= 17
    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {history}))")
    cur.execute(f"ALTER TABLE {table} ATTACH PARTITION {history} FOR VALUES FROM (MINVALUE) TO ({bound})")
    month = first_month
    for _ in range(months):
        following = _month_after(month)
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {table}_y{month:%Y}m{month:%m} PARTITION OF {table} "
            f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(following)})"
        )
        month = following
    for name, definition in indexes:  # the history's equal indexes are attached, not rebuilt
        cur.execute(
            definition.replace(f"INDEX {name} ON", f"INDEX {name}_p ON", 1).replace(history, table, 1)
        )
    for name, definition in foreign_keys:
        cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name}_p {definition}")
    for name, definition in triggers:
        cur.execute(f"DROP TRIGGER {name} ON {history}")
        cur.execute(definition.replace(f" ON public.{table} ", f" ON {table} "))


def _partition_of(pk: int) -> str:
    with connections["default"].cursor() as cur:
        cur.execute("SELECT tableoid::regclass::text FROM registry_auditevent WHERE id = %s", [pk])
        return cur.fetchone()[0]


@pytest.mark.django_db
def test_the_audit_log_partitioned_by_month_keeps_working():
    # given: an audit row from before the switch, then the switch with the next two months' partitions
    target = _attempt(f"{PROBE}-target")
    before = audit_record(actor=None, verb="scaling.before", target=target)
    next_month = _month_after(timezone.localdate().replace(day=1))
    with connections["default"].cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction: no deferred checks pending
        partition_by_month(cur, table="registry_auditevent", column="at", first_month=next_month, months=2)
        cur.execute("SELECT relkind FROM pg_class WHERE relname = 'registry_auditevent'")
        assert cur.fetchone()[0] == "p"
    # when: the audit service writes now, and a row is written in next month
    now_row = audit_record(actor=None, verb="scaling.now", target=target)
    with connections["default"].cursor() as cur:
        cur.execute(
            "INSERT INTO registry_auditevent (verb, target_type, target_id, data, at) "
            "VALUES ('scaling.later', 'registry.signupattempt', %s, '{}', %s::timestamptz + interval '1 day') "
            "RETURNING id",
            [str(target.pk), f"{next_month:%Y-%m-%d} 00:00+08"],
        )
        later_pk = cur.fetchone()[0]
    history = "registry_auditevent_history"
    # then: each row in its month's partition, ids from one sequence, the ORM unchanged
    assert _partition_of(before.pk) == history
    assert _partition_of(now_row.pk) == history
    assert _partition_of(later_pk) == f"registry_auditevent_y{next_month:%Y}m{next_month:%m}"
    assert before.pk < now_row.pk < later_pk
    assert AuditEvent.objects.get(pk=later_pk).verb == "scaling.later"
    assert list(
        AuditEvent.objects.filter(target_id=str(target.pk)).order_by("id").values_list("verb", flat=True)
    ) == ["scaling.before", "scaling.now", "scaling.later"]
    # a month's read touches that month's partition only
    plan = AuditEvent.objects.filter(
        at__gte=dt.datetime.combine(next_month, dt.time(), tzinfo=BEIJING)
    ).explain()
    assert f"y{next_month:%Y}m{next_month:%m}" in plan
    assert history not in plan
    # still append-only, in every partition
    for pk in (now_row.pk, later_pk):
        with pytest.raises(Error, match="append-only table registry_auditevent_"):
            with transaction.atomic():
                AuditEvent.objects.filter(pk=pk).update(verb="changed")
    assert AuditEvent.objects.get(pk=later_pk).verb == "scaling.later"
    # a unique key without the partition key is refused
    with pytest.raises(Error, match="must include all partitioning columns"):
        with transaction.atomic(), connections["default"].cursor() as cur:
            cur.execute("ALTER TABLE registry_auditevent ADD CONSTRAINT scaling_verb UNIQUE (verb)")
    # archiving: the history is detached whole, without a row trigger firing
    with connections["default"].cursor() as cur:
        cur.execute(f"ALTER TABLE registry_auditevent DETACH PARTITION {history}")
        cur.execute(f"SELECT count(*) FROM {history} WHERE target_id = %s", [str(target.pk)])
        assert cur.fetchone()[0] == 2
    assert list(AuditEvent.objects.filter(target_id=str(target.pk)).values_list("pk", flat=True)) == [
        later_pk
    ]
