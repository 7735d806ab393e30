"""Benchmark: complaints at city scale — a month of 1,000,000 cases over 4,000 compounds with their timelines
and clocks — the month's roll-up, a handler's queue and the floor of the stack.

    .venv/bin/python bench/complaints.py                               # 1 M cases, 4,000 compounds
    .venv/bin/python bench/complaints.py --cases 50000 --compounds 500  # quick
    .venv/bin/python bench/complaints.py --keep                        # leave the database for the next run
    .venv/bin/python bench/complaints.py --check                       # exit 1 if a target or a count is missed

It starts its own PostgreSQL and Redis (scripts/services.py, ports 55641/56641, data in .run/bench-complaints
or --dir) unless DATABASE_URL is set, and builds `gongzhi_complaints_<cases>`: the registry through its real
import path (master_data_load: the demo district's regions and firms, `--compounds` compounds, every 40th
firm serving ~1/40 of them), a firm account (firm_user_create) and the street official of the first compound
(official_create); then the month itself by set-based SQL (INSERT … SELECT generate_series), not through the
services — a million cases through complaint_file would take hours; the demo (complaints.demo) and the tests
cover the services. Each case gets its `filed` event and the transitions of its state (a closed case: accepted,
dispatched, in progress, resolved, verified and the rating with its satisfaction), ~88 % closed and rated,
~8 % open (spread over the queue's states and the three tiers), the rest rejected, cancelled or unrated; and
its clocks (respond, plan, resolve, verify, return visit; stopped and met/breached for finished ones, running
for open ones). A database left by `--keep` is reused when it holds a complete load of the same size.

Then, in this process, on a warm connection:
  (a) the month roll-up per compound as the app computes it — complaints.figures.rollup, the one query behind
      the figures page, the stats API and the month close (counts by kind, category, tier and severity, the
      rates' numerators and denominators), read from the figure cells a trigger keeps per compound and month —
      against one hand-written SQL aggregate over the same events and clocks (filed, closed, satisfaction from
      the rating events, per clock kind stopped and met; prepared, through psycopg; cases and the response and
      on-time-resolution pairs must agree), against the floor of reading the cells (one raw GROUP BY over
      them, nothing joined), and the same roll-up computed from the cases (complaints.figures.rollup_live,
      which must give the same counters); then what the trigger adds to a write (single-case UPDATEs of a
      counted column with and without it, rolled back). The month is the last whole Beijing-time month;
  (b) the handler queue, `GET /api/v1/complaints/queue/` with Django's test Client in-process (server time,
      no network), as the firm account (~compounds/40 compounds) and as the street official, at page sizes 10
      and 50 — p50/p95 and queries per request (must be the same at both sizes: constant in queue length);
  (c) the floor of the stack: `GET /api/v1/me/` as the firm account.
Printed: p50, p95, queries, target, ✔/✘, and the ratio of each p50 to its raw statement's (roll-up) or to the
floor's (queue). Targets (the complaints issue): roll-up < 2 s; queue p95 < 50 ms; queue queries equal at
both page sizes.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import percentiles, timed  # noqa: E402 - after the path is set

PG_PORT, REDIS_PORT = 55641, 56641
DISTRICT = "370212"
FIRMS_SERVING = 40  # compounds are dealt round-robin to this many property firms (~100 each at 4,000)
FIRM_USER, OFFICIAL_USER = "bench_firm", "bench_official"
ROLLUP_TARGET_MS, QUEUE_TARGET_MS = 2000, 50
CELL_TRIGGERS = ("complaints_figure_cells", "complaints_figure_cells_change")  # complaints migration 0013


def _services(run_dir: Path) -> tuple[str, str, bool]:
    """(server URL, Redis URL, whether this run started the servers)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), False
    running = (run_dir / "pgdata" / "postmaster.pid").exists()
    ports = f"--pg-port {PG_PORT} --redis-port {REDIS_PORT} --database postgres --fast".split()
    services = [sys.executable, str(ROOT / "scripts" / "services.py"), "start", "--dir", str(run_dir), *ports]
    out = subprocess.run(services, check=True, capture_output=True, text=True).stdout
    env = dict(line.split("=", 1) for line in out.strip().splitlines() if "=" in line)
    return env["DATABASE_URL"], env["REDIS_URL"], not running


def _ratio(x: float) -> str:
    return f"{x:.1f}×" if x < 10 else f"{x:.0f}×"


# ----------------------------------------------------------------------------------------------- the month

# status by r = a hash of the case number mod 1000
STATES_SQL = """
CASE WHEN r < 880 THEN 'closed' WHEN r < 900 THEN 'rejected' WHEN r < 910 THEN 'cancelled'
     WHEN r < 920 THEN 'closed_unrated'
     ELSE (ARRAY['submitted','accepted','dispatched','in_progress','waiting_complainant','returned','resolved',
                 'verified'])[1 + r % 8] END
"""

CASES_SQL = f"""
INSERT INTO complaints_complaint (id, compound_id, complainant_id, kind, category_id, about, severity, first_tier,
    tier, status, description, area, allow_home_visit, round, bounces, satisfaction, solved, submitted_at,
    updated_at, public, clocks_breached, clocks_total, escalations, visited)
SELECT g, ca[1 + (g * 7919) % array_length(ca, 1)], ua[1 + g % array_length(ua, 1)], 'complaint',
       cat[1 + g % array_length(cat, 1)], 'other', 'minor', t, t, s, '楼道灯不亮，垃圾清运不及时', '', false, 1, 0,
       CASE WHEN s = 'closed' THEN (ARRAY['satisfied','satisfied','satisfied','satisfied','satisfied',
            'satisfied','basically_satisfied','basically_satisfied','basically_satisfied','unsatisfied'])[1 + r % 10]
            ELSE '' END,
       CASE WHEN s = 'closed' THEN r % 10 <> 9 END, at, at, false, 0, 0, 0, false
FROM (
    SELECT g, r, at,
           (ARRAY['butler','butler','butler','butler','butler','butler','committee','committee','committee',
                  'street'])[1 + (g / 7) % 10] AS t,
           {STATES_SQL} AS s
    FROM (
        SELECT g, (g * 2654435761) % 1000 AS r,
               %(start)s::timestamptz + (%(days)s * interval '1 day') * ((g - 1)::float8 / %(n)s) AS at
        FROM generate_series(1::bigint, %(n)s::bigint) g
    ) x
) y,
(SELECT array_agg(id ORDER BY id) ca FROM registry_compound WHERE code LIKE 'QD-%%') c,
(SELECT array_agg(id ORDER BY id) ua FROM registry_user WHERE username LIKE 'bench_owner_%%') u,
(SELECT array_agg(id ORDER BY id) cat FROM complaints_category) k
"""

# The steps of a case by its state: step k exists when k < steps; (to_status, role, kind) of step k.
EVENTS_SQL = """
INSERT INTO complaints_complaintevent (complaint_id, at, actor_id, role, kind, from_status, to_status, tier, public,
    text, data)
SELECT c.id, c.submitted_at + k * interval '37 minutes', NULL,
       CASE WHEN k = 0 OR (k = 6) THEN 'complainant' ELSE 'firm' END,
       CASE WHEN k = 0 THEN 'filed' WHEN k = 6 THEN 'rating' ELSE 'transition' END,
       CASE WHEN k = 0 THEN '' ELSE (ARRAY['submitted','accepted','dispatched','in_progress','resolved',
            'verified'])[k] END,
       CASE WHEN k = 0 THEN 'submitted' WHEN k = 6 THEN 'closed' ELSE (ARRAY['accepted','dispatched',
            'in_progress','resolved','verified'])[k] END,
       c.tier, true, CASE WHEN k = 4 THEN '已处理完毕' ELSE '' END,
       CASE WHEN k = 6 THEN jsonb_build_object('satisfaction', c.satisfaction, 'solved', c.solved, 'round', 1)
            ELSE '{}'::jsonb END
FROM complaints_complaint c
CROSS JOIN LATERAL generate_series(0, CASE c.status WHEN 'closed' THEN 6 WHEN 'closed_unrated' THEN 5
    WHEN 'verified' THEN 5 WHEN 'resolved' THEN 4 WHEN 'in_progress' THEN 3 WHEN 'waiting_complainant' THEN 3
    WHEN 'dispatched' THEN 2 WHEN 'accepted' THEN 1 ELSE 0 END) k
ORDER BY c.id, k
"""

# Clocks: respond 20 min, plan 30 min, resolve 1 day, verify and return visit ~1/2 working days (wall here).
CLOCKS_SQL = """
INSERT INTO complaints_clock (complaint_id, kind, policy_id, started_at, due_at, stopped_at, met, level,
    overdue_periods, check_at)
SELECT c.id, p.kind, p.id, c.submitted_at, c.submitted_at + p.budget,
       CASE WHEN finished THEN c.submitted_at + p.budget * ((c.id * 31 + p.n) % 13) / 10.0 END,
       CASE WHEN finished THEN (c.id * 31 + p.n) % 13 <= 10 END,
       CASE WHEN finished AND (c.id * 31 + p.n) % 13 > 10 THEN 'breached'
            WHEN finished THEN 'ok'
            WHEN c.submitted_at + p.budget < %(now)s THEN 'breached'
            WHEN c.submitted_at + p.budget * 0.8 < %(now)s THEN 'warn80'
            WHEN c.submitted_at + p.budget * 0.5 < %(now)s THEN 'warn50' ELSE 'ok' END,
       0, CASE WHEN NOT finished THEN %(now)s::timestamptz + interval '1 hour' END
FROM complaints_complaint c,
     LATERAL (SELECT c.status IN ('closed','closed_unrated','rejected','cancelled') AS finished) f,
     (SELECT id, kind, n, budget FROM (VALUES ('respond', 1, interval '20 minutes'), ('plan', 2, interval '30 minutes'),
             ('resolve', 3, interval '1 day'), ('verify', 4, interval '1 day'), ('return_visit', 5, interval '2 days'))
             AS v(kind, n, budget)
      JOIN LATERAL (SELECT id FROM complaints_clockpolicy cp WHERE cp.kind = v.kind ORDER BY valid_from DESC LIMIT 1)
           pol ON true) p
"""


# Each case's figures as complaints.services keeps them (clocks_refresh, escalations, return visits): one pass over
# the clocks and the timeline — the same definition as the migration that fills them for older cases.
CASE_FIGURES_SQL = """
UPDATE complaints_complaint k SET
  respond_met = t.respond_met, resolve_met = t.resolve_met, clocks_breached = t.breached, clocks_total = t.total,
  escalations = coalesce(e.escalations, 0), visited = coalesce(e.visited, false), next_due = t.next_due
FROM (SELECT complaint_id, min(due_at) FILTER (WHERE stopped_at IS NULL) AS next_due,
             bool_or(met) FILTER (WHERE kind = 'respond') AS respond_met,
             bool_or(met) FILTER (WHERE kind = 'resolve') AS resolve_met,
             count(*) FILTER (WHERE level = 'breached') AS breached, count(*) AS total
        FROM complaints_clock GROUP BY complaint_id) t
LEFT JOIN (SELECT complaint_id, count(*) FILTER (WHERE kind = 'escalation') AS escalations,
                  bool_or(kind = 'return_visit') AS visited
             FROM complaints_complaintevent WHERE kind IN ('escalation', 'return_visit')
            GROUP BY complaint_id) e ON e.complaint_id = t.complaint_id
WHERE k.id = t.complaint_id
"""


def _registry(*, compounds: int) -> dict:
    """Regions and firms of the demo district, `compounds` compounds dealt to FIRMS_SERVING firms, through
    master_data_load; the firm account and the street official of the first compound."""
    from registry.demo import DemoPlan
    from registry.models import Compound
    from registry.services.accounts import firm_user_create, official_create
    from registry.services.places import master_data_load

    plan = DemoPlan(units=compounds * 600, seed=7, district=DISTRICT)
    regions = list(plan.regions())
    firms = [
        {k: v for k, v in f.items() if k != "staff"} for f in plan.firms() if f["kind"] == "property_firm"
    ]
    serving = firms[:FIRMS_SERVING]
    communities = [r["code"] for r in regions if r["level"] == "community"]
    doc = {
        "regions": regions,
        "firms": serving,
        "compounds": [
            {
                "code": f"QD-{DISTRICT}-{i + 1:05d}",
                "name": f"基准小区{i + 1}",
                "community": communities[i % len(communities)],
                "property_firm": serving[i % len(serving)]["uscc"],
            }
            for i in range(compounds)
        ],
    }
    master_data_load(doc=doc, source="bench/complaints.py")
    first = Compound.objects.select_related("community__parent").order_by("code").first()
    firm = firm_user_create(
        username=FIRM_USER, password="Bench-complaints-2026", firm_uscc=serving[0]["uscc"]
    )
    street = first.community.parent
    official_create(username=OFFICIAL_USER, password="Bench-complaints-2026", region_code=street.code)
    return {"firm": firm.user.username, "street": street.name}


def _triggers(verb: str) -> str:
    return "ALTER TABLE complaints_complaint " + ", ".join(f"{verb} TRIGGER {t}" for t in CELL_TRIGGERS)


def _load(*, db_url: str, cases: int, compounds: int, start, days: int) -> None:  # noqa: ANN001 - a datetime
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    t = time.monotonic()
    _registry(compounds=compounds)
    print(f"  registry: {compounds:,} compounds, accounts ({time.monotonic() - t:.1f}s)", flush=True)
    now = timezone.now()
    with psycopg.connect(db_url, autocommit=True) as conn:
        steps = [
            (
                "owners",
                "INSERT INTO registry_user (username, password, is_superuser, first_name, last_name, email, "
                "is_staff, is_active, date_joined) SELECT 'bench_owner_' || g, '!', false, '', '', '', false, "
                "true, now() FROM generate_series(1, %(owners)s) g",
            ),
            # the figure cells are rebuilt once after the bulk load instead of row by row by their trigger
            ("figure-cell triggers off", _triggers("DISABLE")),
            ("cases", CASES_SQL),
            ("events", EVENTS_SQL),
            ("clocks", CLOCKS_SQL),
            ("case figures", CASE_FIGURES_SQL),
            ("figure cells", "SELECT complaints_figure_cells_rebuild()"),
            ("figure-cell triggers on", _triggers("ENABLE")),
            ("sequences", "SELECT setval(pg_get_serial_sequence('complaints_complaint', 'id'), %(n)s)"),
            ("analyze", "ANALYZE"),
        ]
        params = {
            "n": cases,
            "start": start,
            "days": days,
            "now": now,
            "owners": max(1000, cases // 20),
        }
        for name, sql in steps:
            t = time.monotonic()
            cur = conn.execute(sql.replace(" % ", " %% "), params)  # modulo, not a placeholder
            print(f"  {name}: {cur.rowcount:,} rows ({time.monotonic() - t:.1f}s)", flush=True)
        conn.execute("CREATE TABLE IF NOT EXISTS bench_complete (cases int)")
        conn.execute("INSERT INTO bench_complete VALUES (%s)", [cases])


# ----------------------------------------------------------------------------------------------- (a) roll-up


def month_rollup(*, start, end):  # noqa: ANN001, ANN201 - datetimes; complaints.figures.Rollup
    """The app's month roll-up: complaints.figures.rollup, the one query behind the figures page, the stats API
    and the month close (per compound; regions are sums of these)."""
    from complaints.figures import rollup

    return rollup(start=start, end=end)


def agrees(app, raw: dict[int, tuple]) -> bool:  # noqa: ANN001 - complaints.figures.Rollup
    """The app's per-compound cases and response / on-time resolution pairs equal the raw aggregate's."""
    mine = {compound: c for (_month, compound), c in app.counters.items()}
    if set(mine) != set(raw):
        return False
    for compound, (filed, _closed, _sat, _basic, _unsat, clocks) in raw.items():
        c = mine[compound]
        respond, resolve = clocks.get("respond", (0, 0)), clocks.get("resolve", (0, 0))
        if (c.get("cases", 0), c.get("response.den", 0), c.get("response.num", 0)) != (filed, *respond):
            return False
        if (c.get("on_time_resolution.den", 0), c.get("on_time_resolution.num", 0)) != resolve:
            return False
    return True


RAW_ROLLUP = """
WITH cases AS (
    SELECT id, compound_id FROM complaints_complaint WHERE submitted_at >= %(start)s AND submitted_at < %(end)s
), ev AS (
    SELECT c.compound_id,
           count(*) FILTER (WHERE e.kind = 'filed') AS filed,
           count(*) FILTER (WHERE e.kind = 'rating') AS closed,
           count(*) FILTER (WHERE e.data->>'satisfaction' = 'satisfied') AS satisfied,
           count(*) FILTER (WHERE e.data->>'satisfaction' = 'basically_satisfied') AS basically,
           count(*) FILTER (WHERE e.data->>'satisfaction' = 'unsatisfied') AS unsatisfied
    FROM complaints_complaintevent e JOIN cases c ON c.id = e.complaint_id
    WHERE e.kind IN ('filed', 'rating')
    GROUP BY c.compound_id
), ck AS (
    SELECT compound_id, jsonb_object_agg(kind, jsonb_build_array(stopped, met)) AS clocks FROM (
        SELECT c.compound_id, k.kind, count(*) AS stopped, count(*) FILTER (WHERE k.met) AS met
        FROM complaints_clock k JOIN cases c ON c.id = k.complaint_id
        WHERE k.stopped_at IS NOT NULL GROUP BY c.compound_id, k.kind
    ) x GROUP BY compound_id
)
SELECT ev.*, ck.clocks FROM ev LEFT JOIN ck USING (compound_id)
"""


# The floor of reading the cells: the same cells summed per compound, dimension and value, nothing joined.
RAW_CELLS = """
SELECT compound_id, dim, value, sum(cases), sum(respond_met), sum(respond_stopped), sum(resolve_met),
       sum(resolve_stopped), sum(rated), sum(rated_satisfied), sum(rated_basically), sum(rated_unsatisfied)
  FROM complaints_figurecell WHERE month >= %(start)s AND month < %(end)s GROUP BY 1, 2, 3
"""

UPKEEP_CHANGES = 2000


def _cell_upkeep(conn) -> tuple[float, float]:  # noqa: ANN001
    """What the trigger costs a write: ms per single-case UPDATE of a counted column (a rating given and taken
    back), with the cells' triggers and without them (rolled back either way)."""
    ids = [r[0] for r in conn.execute(
        "SELECT id FROM complaints_complaint WHERE satisfaction = '' ORDER BY id LIMIT %s", [UPKEEP_CHANGES // 2]
    ).fetchall()]  # fmt: skip
    out = []
    for verb in ("ENABLE", "DISABLE"):
        with conn.transaction(force_rollback=True):
            conn.execute(_triggers(verb))
            t = time.perf_counter()
            for case_id in ids:
                for value in ("satisfied", ""):
                    conn.execute(
                        "UPDATE complaints_complaint SET satisfaction = %s WHERE id = %s", [value, case_id]
                    )
            out.append((time.perf_counter() - t) * 1000 / (2 * len(ids)))
    return out[0], out[1]


def _raw_rollup(conn, *, start, end) -> dict[int, tuple]:  # noqa: ANN001
    rows = conn.execute(RAW_ROLLUP, {"start": start, "end": end}, prepare=True).fetchall()
    return {
        r[0]: (r[1], r[2], r[3], r[4], r[5], {k: tuple(v) for k, v in (r[6] or {}).items()}) for r in rows
    }


# ----------------------------------------------------------------------------------------------- (b), (c)


def _page(client, url: str) -> tuple[list[float], int, int]:
    """Samples (ms), queries of one request, rows on the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response

    samples = timed(get, repeat=ARGS.repeat)
    with CaptureQueriesContext(connection) as ctx:
        response = get()
    return samples, len(ctx.captured_queries), len(response.json().get("results", []))


def main() -> None:  # noqa: PLR0915 - a linear script
    global ARGS
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--compounds", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--dir", type=Path, default=ROOT / ".run" / "bench-complaints")
    parser.add_argument("--keep", action="store_true", help="leave the database for the next run")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target or a query count is missed")
    ARGS = args = parser.parse_args()

    server_url, redis_url, started = _services(args.dir)
    base = server_url.rsplit("/", 1)[0]
    name = f"gongzhi_complaints_{args.cases}_{args.compounds}"
    db_url = f"{base}/{name}"
    reuse = False
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            with psycopg.connect(db_url) as conn:
                reuse = bool(conn.execute("SELECT to_regclass('bench_complete') IS NOT NULL").fetchone()[0])
        if not reuse:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ.update({
        "DATABASE_URL": db_url, "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "testserver", "LOG_LEVEL": "WARNING",
    })  # fmt: skip

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from complaints.figures import current_month, month_start, next_month, previous_month
    from registry.models import User

    month = previous_month(current_month())  # the last whole Beijing-time month
    if reuse:
        call_command("migrate", verbosity=0)
        with psycopg.connect(db_url) as conn:
            first = conn.execute("SELECT min(submitted_at) FROM complaints_complaint").fetchone()[0]
        month = timezone.localtime(first).date().replace(day=1)
        print(f"{name}: reusing the kept load", flush=True)
    start, end = month_start(month), month_start(next_month(month))
    if not reuse:
        print(f"{name}: loading {args.cases:,} cases over {args.compounds:,} compounds …", flush=True)
        t = time.monotonic()
        _load(db_url=db_url, cases=args.cases, compounds=args.compounds, start=start, days=(end - start).days)
        print(f"  loaded in {time.monotonic() - t:.0f}s", flush=True)

    rows = []  # (what, p50, p95, queries, target, ok, ratio)
    failures = []
    # (a) the roll-up
    print("measuring the roll-up …", flush=True)
    app = timed(lambda: month_rollup(start=start, end=end), repeat=max(3, args.repeat // 10))
    with psycopg.connect(db_url) as raw:
        raw.execute("SET plan_cache_mode = force_custom_plan")
        raw_samples = timed(lambda: _raw_rollup(raw, start=start, end=end), repeat=max(3, args.repeat // 10))
        same = agrees(month_rollup(start=start, end=end), _raw_rollup(raw, start=start, end=end))
    a50, a95 = percentiles(app)
    r50, r95 = percentiles(raw_samples)
    rows.append(
        (
            "month roll-up (app)",
            a50,
            a95,
            2,
            ROLLUP_TARGET_MS,
            a95 < ROLLUP_TARGET_MS,
            _ratio(a50 / r50) + " raw",
        )
    )
    rows.append(("month roll-up (raw SQL, events)", r50, r95, 1, None, True, ""))
    with psycopg.connect(db_url) as raw:
        cells = timed(
            lambda: raw.execute(RAW_CELLS, {"start": month, "end": next_month(month)}).fetchall(),
            repeat=args.repeat,
        )
        c50, c95 = percentiles(cells)
        rows.append(("month roll-up (raw SQL, cells)", c50, c95, 1, None, True, ""))
        rows[-3] = (*rows[-3][:-1], f"{rows[-3][-1]}, {_ratio(a50 / c50)} cells")
        from complaints.figures import rollup_live

        live = timed(lambda: rollup_live(start=start, end=end), repeat=3)
        l50, l95 = percentiles(live)
        rows.append(("month roll-up from the cases", l50, l95, 1, None, True, _ratio(l50 / r50) + " raw"))
        if rollup_live(start=start, end=end).counters != month_rollup(start=start, end=end).counters:
            failures.append("the figure cells differ from the figures computed from the cases")
        upkeep = _cell_upkeep(raw)
    if not same:
        failures.append("the app's roll-up differs from the raw aggregate")

    # (c) the floor, (b) the queue
    print("measuring the queue and the floor …", flush=True)
    clients = {}
    for username in (FIRM_USER, OFFICIAL_USER):
        clients[username] = Client()
        clients[username].force_login(User.objects.get(username=username))
    floor, floor_q, _n = _page(clients[FIRM_USER], "/api/v1/me/")
    f50, f95 = percentiles(floor)
    queue_counts = {}
    for username, who in ((FIRM_USER, "firm"), (OFFICIAL_USER, "street official")):
        for size in (10, 50):
            samples, queries, shown = _page(clients[username], f"/api/v1/complaints/queue/?page_size={size}")
            p50, p95 = percentiles(samples)
            queue_counts.setdefault(who, {})[size] = queries
            rows.append((
                f"queue as {who}, {shown} rows", p50, p95, queries, QUEUE_TARGET_MS, p95 < QUEUE_TARGET_MS,
                _ratio(p50 / f50) + " floor",
            ))  # fmt: skip
        if len(set(queue_counts[who].values())) != 1:
            failures.append(f"queue as {who}: queries grow with the page ({queue_counts[who]})")
    rows.append(("GET /api/v1/me/ (floor)", f50, f95, floor_q, None, True, ""))
    with psycopg.connect(db_url) as conn:
        sizes = conn.execute(
            """SELECT (SELECT count(*) FROM complaints_complaint), (SELECT count(*) FROM complaints_complaintevent),
                      (SELECT count(*) FROM complaints_clock),
                      (SELECT count(*) FROM complaints_complaint WHERE status NOT IN
                          ('closed','closed_unrated','rejected','cancelled','merged','verified'))"""
        ).fetchone()

    print()
    print(
        f"complaints at {sizes[0]:,} cases, {sizes[1]:,} events, {sizes[2]:,} clocks over {args.compounds:,} "
        f"compounds ({sizes[3]:,} open in queues); server time in ms, in-process; targets: roll-up < "
        f"{ROLLUP_TARGET_MS} ms p95, queue < {QUEUE_TARGET_MS} ms p95 and queries equal at both page sizes."
    )
    header = f"{'':34} {'p50':>8} {'p95':>8} {'queries':>8} {'target':>7}    {'ratio of p50':>14}"
    print(header)
    print("-" * len(header))
    for what, p50, p95, queries, target, ok, ratio in rows:
        mark = "" if target is None else ("✔" if ok else "✘")
        tgt = "" if target is None else f"{target}"
        print(f"{what:34} {p50:8.1f} {p95:8.1f} {queries:8} {tgt:>7} {mark:>2} {ratio:>14}")
        if target is not None and not ok:
            failures.append(f"{what}: p95 {p95:.0f} ms over {target} ms")
    print(f"roll-up agrees with the raw aggregate: {'yes' if same else 'NO'}")
    print(
        f"cell upkeep per case change (UPDATE of a counted column, {UPKEEP_CHANGES:,} changes): "
        f"{upkeep[0]:.3f} ms with the trigger, {upkeep[1]:.3f} ms without (+{upkeep[0] - upkeep[1]:.3f} ms)"
    )
    for f in failures:
        print(f"✘ {f}")
    if not args.keep:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            from django.db import connections

            connections.close_all()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print("\ndropped the database (--keep leaves it for the next run)")
    if started and not args.keep:
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "services.py"), "stop", "--dir", str(args.dir)],
            check=False,
        )
    if args.check and failures:
        sys.exit(1)


ARGS: argparse.Namespace

if __name__ == "__main__":
    main()
