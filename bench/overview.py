"""Benchmark: the officials' overview (一图总览) at Qingdao's scale — 2.43 M units in 4,050 compounds, a
year of complaints and a year of operating statements — and, at the same scale, the pages everyone opens every
day.

    .venv/bin/python bench/overview.py --dir /work/benchdata/bench-scopes   # reuse bench/scopes.py's kept city
    .venv/bin/python bench/overview.py --units 20000 --small 5000          # quick
    .venv/bin/python bench/overview.py --check                             # exit 1 if a target is missed

The registry comes from bench/scopes.py (the same databases, loaded through seed_demo: `gongzhi_scopes_<units>`
and `gongzhi_scopes_<small>`, reused when kept, migrated first). On each, a year of complaints is added once by
set-based SQL (`--cases-per-month`, default 100,000 for the city — Qingdao's whole platform, several times
Urumqi's 2,918 a month — and proportionally fewer for the small one), filed over the last twelve Beijing months
up to now, with their outcomes on the case rows (the overview reads those and complaints' figure cells; the
timelines and clocks behind them are bench/complaints.py's business), the figure cells rebuilt once after the
load, then the overview figures refreshed; and a year of monthly operating statements for every compound a firm
serves (three lines each, published the way the service publishes: ~90 % by the due day, some late, ~3 %
missing).

Then, in one child process per database (Django's test Client in-process: server time, no network, warm):
  (a) the refresh of the per-compound figures (overview.services.figures_refresh: one upsert of every
      compound's row) against one hand-written aggregate computing the same figures per district straight
      from the base tables in the same run (prepared, through psycopg) — the floor of computing them at all;
  (b) the overview pages as a city official: the city, the district, a street, a community, a compound's
      card, the city map (every compound a point) and the compound search — p50, p95, queries, and the same
      queries at both scales (constant in the size of the city); target: the city page < 200 ms p95;
  (c) the floor of the stack, `GET /api/v1/me/` with a token.
Then bench/scopes.py's own measurement runs on the same two databases, now holding the year of complaints: the
owner's home, the API's compound and unit lists and the admin's unit, owner and compound lists as the district
official, with their raw-SQL baselines (targets 50 ms for owner pages and the API, 300 ms for admin lists).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import scopes  # noqa: E402 - after the path is set
from bench.timing import percentiles, timed  # noqa: E402

CITY_TARGET_MS = 200
CITY_OFFICIAL = "bench_official_city"
PASSWORD = "Bench-overview-2026"

# A year of cases: status and outcomes by a hash of the case number (r), compounds dealt by another hash.
YEAR_SQL = """
INSERT INTO complaints_complaint (compound_id, complainant_id, kind, category_id, about, severity, first_tier,
    tier, status, description, area, allow_home_visit, round, bounces, satisfaction, solved, submitted_at,
    updated_at, public, respond_met, resolve_met, clocks_breached, clocks_total, escalations, visited)
SELECT ca[1 + (g * 7919) %% array_length(ca, 1)], ua[1 + g %% array_length(ua, 1)], 'complaint',
       cat[1 + g %% array_length(cat, 1)], 'other', 'minor', 'butler', 'butler', s, '楼道灯不亮', '', false, 1, 0,
       CASE WHEN s = 'closed' THEN (ARRAY['satisfied','satisfied','satisfied','satisfied','satisfied',
            'satisfied','basically_satisfied','basically_satisfied','basically_satisfied','unsatisfied'])[1 + r %% 10]
            ELSE '' END,
       CASE WHEN s = 'closed' THEN r %% 10 <> 9 END, at, at, false,
       CASE WHEN s IN ('closed', 'verified', 'resolved', 'in_progress') THEN r %% 20 <> 0 END,
       CASE WHEN s IN ('closed', 'verified') THEN r %% 12 <> 0 END,
       CASE WHEN r %% 12 = 0 THEN 1 ELSE 0 END, 5, 0, s = 'closed' AND r %% 3 = 0
FROM (
    SELECT g, r, at,
           CASE WHEN at < %(recent)s THEN
                CASE WHEN r < 900 THEN 'closed' WHEN r < 950 THEN 'rejected' ELSE 'cancelled' END
           ELSE (ARRAY['submitted','accepted','dispatched','in_progress','resolved','verified','closed',
                       'closed'])[1 + r %% 8] END AS s
    FROM (SELECT g, (g * 2654435761) %% 1000 AS r,
                 %(start)s::timestamptz + (%(end)s::timestamptz - %(start)s::timestamptz) * ((g - 1)::float8 / %(n)s) AS at
            FROM generate_series(1::bigint, %(n)s::bigint) g) x
) y,
(SELECT array_agg(id ORDER BY id) ca FROM registry_compound) c,
(SELECT array_agg(id ORDER BY id) ua FROM registry_user WHERE username LIKE 'bench_complainant_%%') u,
(SELECT array_agg(id ORDER BY id) cat FROM complaints_category) k
"""

CELL_TRIGGERS = ("complaints_figure_cells", "complaints_figure_cells_change")

# A year of monthly operating statements for every compound a firm serves: drafts with three lines each, then
# published the way the service publishes (draft → published, stamped) — ~90 % by the due day (the 15th of the
# next month), ~7 % later, ~3 % never (missing). Amounts add up (income 8,200, expense 800, 70/30 shares).
STATEMENTS_SQL = """
INSERT INTO disclosure_disclosure (compound_id, kind, period, status, content, opening_balance, closing_balance,
    firm_id, author_id, created_at, content_hash, reason)
SELECT c.id, 'operating_statement', to_char(m, 'YYYY-MM'), 'draft', '{"bench": true}'::jsonb, 12000.00, 17180.00,
       c.property_firm_id, %(author)s, now(), '', ''
  FROM registry_compound c
  CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 month') m
 WHERE c.property_firm_id IS NOT NULL AND (c.id * 31 + extract(month FROM m)::int) %% 100 >= 3
   AND NOT EXISTS (SELECT 1 FROM disclosure_disclosure x WHERE x.compound_id = c.id AND x.kind = 'operating_statement')
"""
LINES_SQL = """
INSERT INTO disclosure_statementline (disclosure_id, position, direction, category, amount, summary)
SELECT d.id, l.position, l.direction, l.category, l.amount, l.summary
  FROM disclosure_disclosure d
  CROSS JOIN (VALUES (1, 'income', 'advertising', 3000.00, '电梯广告'), (2, 'income', 'parking', 5200.00, '临时停车'),
                     (3, 'expense', 'other', 800.00, '广告位维护')) AS l (position, direction, category, amount, summary)
 WHERE d.status = 'draft' AND d.content = '{"bench": true}'::jsonb
   AND NOT EXISTS (SELECT 1 FROM disclosure_statementline x WHERE x.disclosure_id = d.id)
"""
PUBLISH_SQL = """
UPDATE disclosure_disclosure SET status = 'published', published_by_id = author_id, content_hash = 'sha256:' || md5(id::text) || md5(period),
       published_at = (to_date(period, 'YYYY-MM') + interval '1 month')::timestamptz
                      + CASE WHEN (id * 7) % 100 < 93 THEN interval '5 days' ELSE interval '20 days' END
 WHERE status = 'draft' AND content = '{"bench": true}'::jsonb
"""

# The floor of (a): the overview's figures per district, computed straight from the base tables.
RAW_FIGURES = """
WITH comp AS (SELECT c.id, split_part(r.path, '/', 2) AS district
                FROM registry_compound c JOIN registry_region r ON r.id = c.community_id),
     u AS (SELECT compound_id, count(*) AS n, sum(coalesce(registered_area, surveyed_area, contract_area, 0)) AS a
             FROM registry_unit GROUP BY compound_id),
     reg AS (SELECT un.compound_id, count(DISTINCT o.unit_id) AS n FROM registry_ownership o
               JOIN registry_owner w ON w.id = o.owner_id AND w.user_id IS NOT NULL
               JOIN registry_unit un ON un.id = o.unit_id
              WHERE o.valid_to IS NULL GROUP BY un.compound_id),
     com AS (SELECT DISTINCT compound_id FROM registry_ownerscommittee
              WHERE filing_status <> 'dissolved' AND term_starts_on <= current_date AND term_ends_on > current_date),
     eq AS (SELECT compound_id, count(*) AS n,
                   count(*) FILTER (WHERE status = 'in_service' AND next_due_on < current_date) AS overdue
              FROM registry_equipment WHERE status <> 'retired' GROUP BY compound_id),
     q AS (SELECT compound_id, count(*) AS open FROM complaints_complaint
            WHERE status IN ('submitted','accepted','dispatched','in_progress','waiting_complainant','returned',
                             'resolved','verified')
            GROUP BY compound_id),
     st AS (SELECT compound_id, min(published_at) AS first FROM disclosure_disclosure
             WHERE kind = 'operating_statement' AND period = to_char(date_trunc('month', now()) - interval '1 month', 'YYYY-MM')
               AND status IN ('published', 'superseded') GROUP BY compound_id),
     br AS (SELECT compound_id, bool_or(kind = 'compound_branch') AS branch FROM partybuilding_organisation
             WHERE compound_id IS NOT NULL GROUP BY compound_id),
     ks AS (SELECT k.compound_id, count(m.id) AS seats, count(pm.id) AS party FROM registry_ownerscommittee k
              JOIN registry_committeemember m ON m.committee_id = k.id JOIN registry_owner w ON w.id = m.owner_id
              LEFT JOIN partybuilding_member pm ON pm.user_id = w.user_id
             WHERE k.filing_status <> 'dissolved' AND k.term_starts_on <= current_date AND k.term_ends_on > current_date
             GROUP BY k.compound_id)
SELECT comp.district, count(*), sum(u.n), sum(u.a), sum(reg.n), count(com.compound_id), sum(eq.n), sum(eq.overdue),
       sum(q.open), count(st.first), count(*) FILTER (WHERE br.branch),
       count(*) FILTER (WHERE ks.party * 2 > ks.seats)
  FROM comp LEFT JOIN u ON u.compound_id = comp.id LEFT JOIN reg ON reg.compound_id = comp.id
  LEFT JOIN com ON com.compound_id = comp.id LEFT JOIN eq ON eq.compound_id = comp.id
  LEFT JOIN q ON q.compound_id = comp.id LEFT JOIN st ON st.compound_id = comp.id
  LEFT JOIN br ON br.compound_id = comp.id LEFT JOIN ks ON ks.compound_id = comp.id
 GROUP BY comp.district
"""


# Complainants: one account per 20 cases of the year (a city's complainants, not a handful of demo owners
# carrying 200,000 cases each, which would distort every page that lists one's own cases).
COMPLAINANTS_SQL = """
INSERT INTO registry_user (username, password, is_superuser, first_name, last_name, email, is_staff, is_active,
    date_joined)
SELECT 'bench_complainant_' || g, '!', false, '', '', '', false, true, now() FROM generate_series(1, %(n)s) g
ON CONFLICT (username) DO NOTHING
"""


def _statements(db_url: str) -> str:
    """Add a year of operating statements once (marker table bench_overview_statements)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    with psycopg.connect(db_url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('bench_overview_statements') IS NOT NULL").fetchone()[0]:
            n = conn.execute("SELECT n FROM bench_overview_statements").fetchone()[0]
            return f"a year of operating statements already loaded ({n:,})"
        this = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
        last = (this - dt.timedelta(days=1)).replace(day=1)
        first = last
        for _ in range(11):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        t = time.monotonic()
        author = conn.execute("SELECT min(id) FROM registry_user").fetchone()[0]
        conn.execute(STATEMENTS_SQL, {"author": author, "first": first, "last": last})
        conn.execute(LINES_SQL)
        n = conn.execute(PUBLISH_SQL).rowcount
        conn.execute("VACUUM (ANALYZE) disclosure_disclosure")
        conn.execute("VACUUM (ANALYZE) disclosure_statementline")
        conn.execute("CREATE TABLE bench_overview_statements (n bigint)")
        conn.execute("INSERT INTO bench_overview_statements VALUES (%s)", [n])
        return f"added {n:,} operating statements ({first:%Y-%m} to {last:%Y-%m}) in {time.monotonic() - t:.0f} s"


def _year(db_url: str, *, per_month: int) -> str:
    """Add a year of complaints once (marker table bench_overview_year); returns what was done."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        done = conn.execute("SELECT to_regclass('bench_overview_year') IS NOT NULL").fetchone()[0]
        if done:
            n = conn.execute("SELECT cases FROM bench_overview_year").fetchone()[0]
            spread = conn.execute(
                "SELECT count(*) FROM registry_user WHERE username LIKE 'bench_complainant_%'"
            ).fetchone()[0]
            if not spread:  # a load from before the complainants were spread: spread them now
                conn.execute(COMPLAINANTS_SQL, {"n": max(1, n // 20)})
                conn.execute(
                    "UPDATE complaints_complaint k SET complainant_id = u.ua[1 + k.id % array_length(u.ua, 1)] "
                    "FROM (SELECT array_agg(id ORDER BY id) ua FROM registry_user "
                    "WHERE username LIKE 'bench_complainant_%') u"
                )
                conn.execute("VACUUM (ANALYZE) complaints_complaint")
                return (
                    f"a year of complaints already loaded ({n:,} cases); complainants spread over {n // 20:,}"
                )
            return f"a year of complaints already loaded ({n:,} cases)"
        import datetime as dt
        from zoneinfo import ZoneInfo

        now = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
        first = now.date().replace(day=1)
        for _ in range(11):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        start = dt.datetime(first.year, first.month, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
        n = per_month * 12
        t = time.monotonic()
        conn.execute(
            "ALTER TABLE complaints_complaint " + ", ".join(f"DISABLE TRIGGER {x}" for x in CELL_TRIGGERS)
        )
        conn.execute(YEAR_SQL, {"start": start, "end": now, "recent": now - dt.timedelta(days=14), "n": n})
        conn.execute("SELECT complaints_figure_cells_rebuild()")
        conn.execute(
            "ALTER TABLE complaints_complaint " + ", ".join(f"ENABLE TRIGGER {x}" for x in CELL_TRIGGERS)
        )
        conn.execute("VACUUM (ANALYZE) complaints_complaint")
        conn.execute("ANALYZE complaints_figurecell")
        conn.execute("CREATE TABLE bench_overview_year (cases bigint)")
        conn.execute("INSERT INTO bench_overview_year VALUES (%s)", [n])
        return f"added a year of complaints: {n:,} cases from {start:%Y-%m} in {time.monotonic() - t:.0f} s"


# ------------------------------------------------------------------------------ measuring (child)


def measure(*, repeat: int, out: Path) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from overview.services import figures_refresh
    from registry.models import Compound, Region, User
    from registry.services.accounts import official_create
    from registry.services.tokens import token_issue

    city = Region.objects.get(level=Region.Level.CITY)
    if not User.objects.filter(username=CITY_OFFICIAL).exists():
        official_create(username=CITY_OFFICIAL, password=PASSWORD, region_code=city.code)
    official = User.objects.get(username=CITY_OFFICIAL)
    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if b.startswith("registry."))
    client = Client()
    client.force_login(official, backend=backend)
    token = token_issue(user=official).key
    floor_client = Client(headers={"authorization": f"Token {token}"})

    # Past months are closed on the 1st by the beat (complaints.close_month): as in production, the trend reads
    # them from their snapshots. Closed here once, oldest first, as the beat would have.
    from complaints.figures import current_month, previous_month
    from complaints.models import ComplaintMonthFigure
    from complaints.services.figures import complaint_month_close

    months, m = [], previous_month(current_month())
    for _i in range(11):
        months.insert(0, m)
        m = previous_month(m)
    for month in months:
        if not ComplaintMonthFigure.objects.filter(month__gte=month).exists():
            t = time.monotonic()
            rows = complaint_month_close(month=month)
            print(f"  closed {month:%Y-%m}: {rows} snapshot rows ({time.monotonic() - t:.1f} s)", flush=True)

    # (a) the refresh and its floor
    refresh = timed(lambda: figures_refresh(), repeat=3)
    raw = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    raw.execute("SET plan_cache_mode = force_custom_plan")
    floor_sql = timed(lambda: raw.execute(RAW_FIGURES, prepare=True).fetchall(), repeat=3)

    compound = Compound.objects.select_related("community__parent__parent").order_by("code").first()
    community = compound.community
    street, district = community.parent, community.parent.parent
    pages = [
        ("city page", "/overview/"),
        ("district page", f"/overview/?region={district.code}"),
        ("street page", f"/overview/?region={street.code}"),
        ("community page", f"/overview/?region={community.code}"),
        ("compound card", f"/overview/compounds/{compound.code}/"),
        ("city map", "/overview/map/"),
        ("compound search", "/overview/search/?q=" + compound.name[:2]),
        ("GET /api/v1/me/ (floor)", "/api/v1/me/"),
    ]
    results = []
    for what, url in pages:
        who = floor_client if url.startswith("/api/") else client

        def get(who=who, url=url):  # noqa: ANN001, ANN202
            response = who.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        samples = timed(get, repeat=repeat)
        with CaptureQueriesContext(connection) as ctx:
            get()
        p50, p95 = percentiles(samples)
        results.append(
            {"what": what, "url": url, "p50": p50, "p95": p95, "queries": len(ctx.captured_queries)}
        )
    counts = {
        "compounds": Compound.objects.count(),
        "units": raw.execute("SELECT count(*) FROM registry_unit").fetchone()[0],
        "cases": raw.execute("SELECT count(*) FROM complaints_complaint").fetchone()[0],
        "cells": raw.execute("SELECT count(*) FROM complaints_figurecell").fetchone()[0],
    }
    r50, _r95 = percentiles(refresh)
    f50, _f95 = percentiles(floor_sql)
    out.write_text(
        json.dumps({"counts": counts, "refresh": r50, "floor": f50, "pages": results}, ensure_ascii=False),
        encoding="utf-8",
    )


def _child(*, db_url: str, redis_url: str, repeat: int, run_dir: Path) -> dict:
    out = run_dir / f"overview-{db_url.rsplit('/', 1)[1]}.json"
    command = [sys.executable, __file__, "--repeat", str(repeat), "--measure-into", str(out)]
    subprocess.run(command, env=scopes._django_env(db_url, redis_url), check=True)
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=2_430_000)
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--cases-per-month", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--dir", type=Path, default=ROOT / ".run" / "bench-scopes")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--skip-daily", action="store_true", help="leave out bench/scopes.py's pages")
    parser.add_argument("--measure-into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_into:
        measure(repeat=args.repeat, out=args.measure_into)
        return

    args.dir.mkdir(parents=True, exist_ok=True)
    base_url, redis_url, _started = scopes._services(args.dir)
    base = base_url.rsplit("/", 1)[0]
    dbs = {}
    for units in (args.units, args.small):
        db_url, how = scopes._database(base=base, units=units, redis_url=redis_url, run_dir=args.dir)
        per_month = max(100, args.cases_per_month * units // args.units)
        print(how, flush=True)
        print(f"  {_year(db_url, per_month=per_month)}", flush=True)
        print(f"  {_statements(db_url)}", flush=True)
        dbs[units] = db_url
    print("measuring the overview …", flush=True)
    big = _child(db_url=dbs[args.units], redis_url=redis_url, repeat=args.repeat, run_dir=args.dir)
    small = _child(db_url=dbs[args.small], redis_url=redis_url, repeat=args.repeat, run_dir=args.dir)

    failures = []
    c = big["counts"]
    print()
    print(
        f"overview at {c['units']:,} units in {c['compounds']:,} compounds, {c['cases']:,} complaints over a year "
        f"({c['cells']:,} figure cells); small: {small['counts']['units']:,} units; server time in ms, in-process"
    )
    print(
        f"(a) refresh of every compound's figures: {big['refresh']:.0f} ms; the same figures by one hand-written "
        f"aggregate: {big['floor']:.0f} ms ({scopes._ratio(big['refresh'] / big['floor'])} of it)"
    )
    floor = next(p for p in big["pages"] if p["url"] == "/api/v1/me/")
    header = f"{'':26} {'p50':>8} {'p95':>8} {'queries':>8} {'small':>6} {'target':>7}    {'p50/floor':>9}"
    print(header)
    print("-" * len(header))
    for page, other in zip(big["pages"], small["pages"], strict=True):
        target = CITY_TARGET_MS if page["what"] == "city page" else None
        ok = target is None or page["p95"] < target
        mark = "" if target is None else ("✔" if ok else "✘")
        print(
            f"{page['what']:26} {page['p50']:8.1f} {page['p95']:8.1f} {page['queries']:8} {other['queries']:6} "
            f"{target or '':>7} {mark:>2} {scopes._ratio(page['p50'] / floor['p50']):>9}"
        )
        if not ok:
            failures.append(f"{page['what']}: p95 {page['p95']:.0f} ms over {target} ms")
        if page["queries"] != other["queries"]:
            failures.append(
                f"{page['what']}: {page['queries']} queries at the city, {other['queries']} small"
            )
    if not args.skip_daily:
        print(
            "\nthe pages everyone opens every day, at the same scale (bench/scopes.py's measurement):",
            flush=True,
        )
        daily_big = scopes._measure_child(
            db_url=dbs[args.units], redis_url=redis_url, repeat=args.repeat, run_dir=args.dir, explain=False
        )
        daily_small = scopes._measure_child(
            db_url=dbs[args.small], redis_url=redis_url, repeat=args.repeat, run_dir=args.dir, explain=False
        )
        failures += scopes._report(daily_big, daily_small, units=args.units, small_units=args.small)
    for f in failures:
        print(f"✘ {f}")
    if args.check and failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
