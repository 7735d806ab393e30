"""Benchmark: the permission scopes at city scale — what a district official's and an owner's pages cost when
the registry holds the whole of Qingdao, against one hand-written SQL statement per page.

    .venv/bin/python bench/scopes.py                                   # 2.43 M units (the city) and 20,000
    .venv/bin/python bench/scopes.py --units 20000 --small 5000        # quick
    .venv/bin/python bench/scopes.py --keep                            # leave the databases for the next run
    .venv/bin/python bench/scopes.py --check                           # exit 1 if a target or a count is missed

It starts its own PostgreSQL and Redis (scripts/services.py, ports 55631/56631, data in .run/bench-scopes or
--dir) unless DATABASE_URL is set, and loads two databases through the real paths (`manage.py seed_demo`: the
demo generator, master data, the registration feed, the demo logins): `gongzhi_scopes_<units>` for the city
and `gongzhi_scopes_<small>` for the query-count comparison. A database left by `--keep` is reused when it
holds a complete load of the same size: `migrate` is run on it first (new migrations are applied to the kept
data) and it is reloaded only when they fail or when it has migrations this checkout does not know.

Then, in one child process per database, in-process with Django's test Client (server time: from the
request to the rendered response, no network, on a warm connection), each URL is warmed up, requested
`--repeat` times and once more under CaptureQueriesContext:
  - as the district official (崂山区, seed_demo's `official_laoshan`; created with official_create if
    missing): the API's unit list of a compound of ~600 units (first and last page), the compound list and
    the compound; the admin lists of units, owners and compounds, and the ownership and equipment lists;
    units and compounds also filtered the way the changelist sidebar offers it (a street; units also one
    compound, offered only while the street has at most 100 compounds — beyond, the admin ignores
    `compound=`, which the check of the count each page shows against its raw statement's reports);
  - as an owner of several units (`owner_demo3`): the home page `/`.
Baselines in the same run: (a) raw PostgreSQL — for each URL one hand-written statement fetching what the
page shows (its rows, their holders, the count it prints; not the sidebar's choices nor the session),
prepared, through psycopg, timed the same way, planned for its values every time (plan_cache_mode =
force_custom_plan: the best such a statement can do); (b) the floor of the stack — `GET /api/v1/me/` with a
token. Printed per URL: p50, p95 (and p95 at the small scale), the time in SQL of one request, queries per
request at both scales, the target, ✔/✘, and the ratios of its p50 to the raw statement's and to the
floor's. Targets (the scopes issue): the compound's unit list, the compound list and the owner home ≤ 50 ms
p95; the admin unit, owner and compound lists ≤ 300 ms p95; the same number of queries at both scales for
every URL. For each URL over its target, its slowest query goes to <dir>/explain/<page>.txt with EXPLAIN
(ANALYZE, BUFFERS) of both its custom and its generic plan — the app prepares its statements (settings:
DATABASE_PREPARED) and PostgreSQL may reuse a generic plan from a statement's sixth run on — and a summary of
the one the app ran (pg_prepared_statements) is printed here.
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.timing import percentiles, timed  # noqa: E402 - after the path is set

PG_PORT, REDIS_PORT = 55631, 56631
DISTRICT = "370212"  # the demo's district (registry.demo.DEFAULT_DISTRICT): 崂山区
OFFICIAL_FALLBACK = "bench_official_370212"
OWNER = "owner_demo3"  # seed_demo's owner of several units
COMPOUND_SIZE = 600  # units of the compound whose pages are measured (the city's average)
API_TARGET_MS, ADMIN_TARGET_MS = 50, 300
MARKER = "bench/scopes: {units} units loaded in {seconds:.0f} s"

# ------------------------------------------------------------------------------ raw SQL baselines
# One statement per page: its rows with everything it prints, and the count it shows (paginated pages).
# Scopes are the official's materialised region path; `{extra}` is filled in from constants, never input.

HOLDERS = """(SELECT json_agg(json_build_object('owner', o.id, 'name', o.name, 'id_masked', o.id_masked,
                'co_ownership', s.co_ownership, 'share_numerator', s.share_numerator,
                'share_denominator', s.share_denominator, 'certificate_holder', s.certificate_holder)
                ORDER BY s.certificate_holder DESC, s.id)
          FROM registry_ownership s JOIN registry_owner o ON o.id = s.owner_id
         WHERE s.unit_id = {unit} AND s.valid_to IS NULL)"""

COMMITTEE = """(SELECT json_build_object('starts_on', k.term_starts_on, 'ends_on', k.term_ends_on,
               'filing_status', k.filing_status, 'filed_on', k.filed_on, 'filing_no', k.filing_no,
               'members', (SELECT json_agg(json_build_object('name', mo.name, 'role', m.role)
                                  ORDER BY CASE m.role WHEN 'director' THEN 0 WHEN 'deputy' THEN 1 ELSE 2 END, m.id)
                             FROM registry_committeemember m JOIN registry_owner mo ON mo.id = m.owner_id
                            WHERE m.committee_id = k.id))
          FROM registry_ownerscommittee k
         WHERE k.compound_id = {compound} AND k.filing_status <> 'dissolved'
         ORDER BY (k.term_starts_on <= current_date AND current_date < k.term_ends_on) DESC,
                  k.term_starts_on DESC
         LIMIT 1)"""

SQL_ME = """
SELECT u.id, u.username, u.is_active, o.id, f.id, x.title, r.code, r.name, r.level
  FROM authtoken_token t JOIN registry_user u ON u.id = t.user_id
  LEFT JOIN registry_owner o ON o.user_id = u.id
  LEFT JOIN registry_firmstaff f ON f.user_id = u.id
  LEFT JOIN registry_official x ON x.user_id = u.id
  LEFT JOIN registry_region r ON r.id = x.region_id
 WHERE t.key = %(token)s"""

SQL_API_UNITS = f"""
WITH c AS (SELECT c.id FROM registry_compound c JOIN registry_region r ON r.id = c.community_id
            WHERE c.code = %(code)s AND r.path LIKE %(scope)s),
     page AS (SELECT * FROM registry_unit WHERE compound_id = (SELECT id FROM c)
               ORDER BY unit_number LIMIT 50 OFFSET %(offset)s)
SELECT p.unit_number, b.number, b.name, e.number, e.name, p.floor, p.room, p.planned_use,
       p.registered_area, p.surveyed_area, p.contract_area, p.developer_held, p.delivered, p.mortgage,
       p.seizure, v.name AS designated_voter, {HOLDERS.format(unit="p.id")} AS holders,
       (SELECT count(*) FROM registry_unit WHERE compound_id = (SELECT id FROM c)) AS total
  FROM page p
  LEFT JOIN registry_building b ON b.id = p.building_id
  LEFT JOIN registry_entrance e ON e.id = p.entrance_id
  LEFT JOIN registry_owner v ON v.id = p.designated_voter_id
 ORDER BY p.unit_number"""

SQL_COMPOUNDS = """
SELECT c.code, c.name, cm.code, cm.name, st.code, st.name, d.code, d.name, c.address, c.lat, c.lng,
       f.uscc, f.name, dv.uscc, dv.name,
       (SELECT count(*) FROM registry_compound c2 JOIN registry_region r2 ON r2.id = c2.community_id
         WHERE r2.path LIKE %(scope)s) AS total
  FROM registry_compound c
  JOIN registry_region cm ON cm.id = c.community_id
  LEFT JOIN registry_region st ON st.id = cm.parent_id
  LEFT JOIN registry_region d ON d.id = st.parent_id
  LEFT JOIN registry_firm f ON f.id = c.property_firm_id
  LEFT JOIN registry_firm dv ON dv.id = c.developer_id
 WHERE cm.path LIKE %(scope)s
 ORDER BY c.code LIMIT %(limit)s"""

SQL_COMPOUND = f"""
WITH c AS (SELECT c.* FROM registry_compound c JOIN registry_region r ON r.id = c.community_id
            WHERE c.code = %(code)s AND r.path LIKE %(scope)s)
SELECT c.code, c.name, cm.code, cm.name, st.code, st.name, d.code, d.name, c.address, c.lat, c.lng,
       f.uscc, f.name, dv.uscc, dv.name,
       (SELECT count(*) FROM registry_building WHERE compound_id = c.id) AS buildings,
       u.units, u.area_total, o.owners, o.owners_registered, {COMMITTEE.format(compound="c.id")} AS committee
  FROM c
  JOIN registry_region cm ON cm.id = c.community_id
  LEFT JOIN registry_region st ON st.id = cm.parent_id
  LEFT JOIN registry_region d ON d.id = st.parent_id
  LEFT JOIN registry_firm f ON f.id = c.property_firm_id
  LEFT JOIN registry_firm dv ON dv.id = c.developer_id
 CROSS JOIN LATERAL (SELECT count(*) AS units,
                            sum(coalesce(registered_area, surveyed_area, contract_area)) AS area_total
                       FROM registry_unit WHERE compound_id = c.id) u
 CROSS JOIN LATERAL (SELECT count(*) AS owners, count(*) FILTER (WHERE ow.user_id IS NOT NULL) AS owners_registered
                       FROM registry_owner ow
                      WHERE ow.id IN (SELECT s.owner_id FROM registry_ownership s
                                        JOIN registry_unit su ON su.id = s.unit_id
                                       WHERE su.compound_id = c.id AND s.valid_to IS NULL)) o"""

SQL_HOME = f"""
SELECT u.unit_number, u.floor, u.room, u.planned_use, u.registered_area, u.surveyed_area, u.contract_area,
       u.designated_voter_id, b.name, e.name, c.code, c.name, c.address, cm.name, st.name,
       f.name, f.contact_name, f.contact_phone,
       {HOLDERS.format(unit="u.id")} AS holders, {COMMITTEE.format(compound="c.id")} AS committee
  FROM registry_unit u
  LEFT JOIN registry_compound c ON c.id = u.compound_id
  LEFT JOIN registry_region cm ON cm.id = c.community_id
  LEFT JOIN registry_region st ON st.id = cm.parent_id
  LEFT JOIN registry_firm f ON f.id = c.property_firm_id
  LEFT JOIN registry_building b ON b.id = u.building_id
  LEFT JOIN registry_entrance e ON e.id = u.entrance_id
 WHERE u.id IN (SELECT unit_id FROM registry_ownership WHERE owner_id = %(owner)s AND valid_to IS NULL)
 ORDER BY u.unit_number"""

# The official's compounds: a semi-join the planner runs from the compound-id indexes (twice as fast over the
# city as joining every row to its compound and region).
IN_SCOPE = """IN (SELECT c.id FROM registry_compound c JOIN registry_region r ON r.id = c.community_id
                 WHERE r.path LIKE %(scope)s)"""

SQL_ADMIN_UNITS = f"""
WITH page AS (SELECT * FROM registry_unit u WHERE u.compound_id {IN_SCOPE} {{extra}}
               ORDER BY u.compound_id, u.building_id, u.room, u.unit_number LIMIT 100)
SELECT p.unit_number, c.name, b.name, e.name, p.floor, p.room, p.planned_use, p.registered_area,
       (SELECT string_agg(o.name, '、' ORDER BY s.certificate_holder DESC, s.id)
          FROM registry_ownership s JOIN registry_owner o ON o.id = s.owner_id
         WHERE s.unit_id = p.id AND s.valid_to IS NULL) AS holders,
       p.developer_held, p.delivered, p.mortgage, p.seizure,
       (SELECT count(*) FROM registry_unit u WHERE u.compound_id {IN_SCOPE} {{extra}}) AS total
  FROM page p
  LEFT JOIN registry_compound c ON c.id = p.compound_id
  LEFT JOIN registry_building b ON b.id = p.building_id
  LEFT JOIN registry_entrance e ON e.id = p.entrance_id
 ORDER BY p.compound_id, p.building_id, p.room, p.unit_number"""

CURRENT_IN_SCOPE = f"""registry_ownership s JOIN registry_unit u ON u.id = s.unit_id
         WHERE s.valid_to IS NULL AND u.compound_id {IN_SCOPE}"""

SQL_ADMIN_OWNERS = f"""
SELECT o.name, o.holder_type, o.id_type, o.id_masked, o.phone, o.user_id IS NOT NULL, o.created_at,
       (SELECT count(DISTINCT s.owner_id) FROM {CURRENT_IN_SCOPE} {{extra}}) AS total
  FROM registry_owner o
 WHERE EXISTS (SELECT FROM {CURRENT_IN_SCOPE} {{extra}} AND s.owner_id = o.id)
 ORDER BY o.id LIMIT 100"""

SQL_ADMIN_OWNERSHIPS = f"""
WITH page AS (SELECT s.* FROM registry_ownership s JOIN registry_unit u ON u.id = s.unit_id
               WHERE u.compound_id {IN_SCOPE} ORDER BY s.unit_id, s.valid_from DESC, s.id DESC LIMIT 100)
SELECT u.unit_number, o.name, o.id_masked, p.co_ownership, p.share_numerator, p.share_denominator,
       p.certificate_holder, p.certificate_no, p.valid_from, p.valid_to,
       (SELECT count(*) FROM registry_ownership s JOIN registry_unit u ON u.id = s.unit_id
         WHERE u.compound_id {IN_SCOPE}) AS total
  FROM page p JOIN registry_unit u ON u.id = p.unit_id JOIN registry_owner o ON o.id = p.owner_id
 ORDER BY p.unit_id, p.valid_from DESC, p.id DESC"""

SQL_ADMIN_EQUIPMENT = f"""
WITH page AS (SELECT * FROM registry_equipment q WHERE q.compound_id {IN_SCOPE} ORDER BY q.code LIMIT 100)
SELECT p.code, p.name, c.name, p.category, b.name, e.name, p.common_area, p.status, p.last_maintained_on,
       p.next_due_on, (SELECT count(*) FROM registry_equipment q WHERE q.compound_id {IN_SCOPE}) AS total
  FROM page p
  JOIN registry_compound c ON c.id = p.compound_id
  LEFT JOIN registry_building b ON b.id = p.building_id
  LEFT JOIN registry_entrance e ON e.id = p.entrance_id
 ORDER BY p.code"""


def _pages(ctx: dict) -> list[dict]:
    """The measured URLs: who asks, the target, and the raw statement with its parameters."""
    code, scope, street_scope = ctx["code"], ctx["scope"], ctx["street_scope"]
    api = f"/api/v1/compounds/{code}"
    one = f"?street={ctx['street']}&compound={ctx['compound_id']}"  # the sidebar: a street, then its compound

    def page(name, url, who, target, sql, **params):
        return {"name": name, "url": url, "who": who, "target": target, "sql": sql, "params": params}

    return [
        page("floor", "/api/v1/me/", "token", None, SQL_ME, token=ctx["token"]),
        page(
            "api-units",
            f"{api}/units/",
            "token",
            API_TARGET_MS,
            SQL_API_UNITS,
            code=code,
            scope=scope,
            offset=0,
        ),
        page(
            "api-units-last",
            f"{api}/units/?page={ctx['last_page']}",
            "token",
            API_TARGET_MS,
            SQL_API_UNITS,
            code=code,
            scope=scope,
            offset=(ctx["last_page"] - 1) * 50,
        ),
        page(
            "api-compounds",
            "/api/v1/compounds/",
            "token",
            API_TARGET_MS,
            SQL_COMPOUNDS,
            scope=scope,
            limit=50,
        ),
        page("api-compound", f"{api}/", "token", None, SQL_COMPOUND, code=code, scope=scope),
        page("home", "/", "owner", API_TARGET_MS, SQL_HOME, owner=ctx["owner_id"]),
        page(
            "admin-units",
            "/admin/registry/unit/",
            "official",
            ADMIN_TARGET_MS,
            SQL_ADMIN_UNITS.format(extra=""),
            scope=scope,
        ),
        page(
            "admin-units-street",
            f"/admin/registry/unit/?street={ctx['street']}",
            "official",
            ADMIN_TARGET_MS,
            SQL_ADMIN_UNITS.format(extra=""),
            scope=street_scope,
        ),
        page(
            "admin-units-compound",
            f"/admin/registry/unit/{one}",
            "official",
            ADMIN_TARGET_MS,
            SQL_ADMIN_UNITS.format(extra="AND u.compound_id = %(compound)s"),
            scope=street_scope,
            compound=ctx["compound_id"],
        ),
        page(
            "admin-owners",
            "/admin/registry/owner/",
            "official",
            ADMIN_TARGET_MS,
            SQL_ADMIN_OWNERS.format(extra=""),
            scope=scope,
        ),
        page(
            "admin-owners-street",
            f"/admin/registry/owner/?street={ctx['street']}",
            "official",
            ADMIN_TARGET_MS,
            SQL_ADMIN_OWNERS.format(extra=""),
            scope=street_scope,
        ),
        page(
            "admin-owners-compound",
            f"/admin/registry/owner/{one}",
            "official",
            ADMIN_TARGET_MS,
            SQL_ADMIN_OWNERS.format(extra="AND u.compound_id = %(compound)s"),
            scope=street_scope,
            compound=ctx["compound_id"],
        ),
        page(
            "admin-compounds",
            "/admin/registry/compound/",
            "official",
            ADMIN_TARGET_MS,
            SQL_COMPOUNDS,
            scope=scope,
            limit=100,
        ),
        page(
            "admin-compounds-street",
            f"/admin/registry/compound/?street={ctx['street']}",
            "official",
            ADMIN_TARGET_MS,
            SQL_COMPOUNDS,
            scope=street_scope,
            limit=100,
        ),
        page(
            "admin-ownerships",
            "/admin/registry/ownership/",
            "official",
            None,
            SQL_ADMIN_OWNERSHIPS,
            scope=scope,
        ),
        page(
            "admin-equipment",
            "/admin/registry/equipment/",
            "official",
            None,
            SQL_ADMIN_EQUIPMENT,
            scope=scope,
        ),
    ]


NOT_MEASURED = [
    "/admin/registry/compound/ filtered to one compound: its sidebar offers the street only (and the firm)",
]

# ------------------------------------------------------------------------------ measuring (child process)


def _plan_summary(plan: dict) -> list[str]:
    """The three plan nodes with the most time of their own (children's time subtracted, summed over loops
    and parallel workers), and the totals."""
    nodes = []

    def walk(node: dict) -> None:
        children = node.get("Plans", [])
        own = node["Actual Total Time"] * node["Actual Loops"] - sum(
            c["Actual Total Time"] * c["Actual Loops"] for c in children
        )
        what = node["Node Type"]
        if "Relation Name" in node:
            what += f" on {node['Relation Name']}"
        if "Index Name" in node:
            what += f" using {node['Index Name']}"
        nodes.append((max(own, 0.0), what, node["Actual Rows"], node["Actual Loops"], node))
        for c in children:
            walk(c)

    walk(plan["Plan"])
    lines = [
        f"planning {plan['Planning Time']:.1f} ms, execution {plan['Execution Time']:.1f} ms; most time in:"
    ]
    for own, what, rows, loops, node in sorted(nodes, key=lambda n: n[0], reverse=True)[:3]:
        extra = (
            f", removed by filter {node['Rows Removed by Filter']:,.0f}"
            if node.get("Rows Removed by Filter")
            else ""
        )
        lines.append(f"{what}: {rows:,.0f} rows × {loops:,} loops{extra} — {own:,.0f} ms")
    return lines


def _plans(raw, sql: str, params: list) -> tuple[dict[str, tuple[str, dict]], str]:
    """EXPLAIN (ANALYZE, BUFFERS) of a captured query as a prepared statement, planned both ways: `custom`
    for its values and `generic` (what PostgreSQL reuses for every value once it judges that cheaper, from
    the sixth run of a prepared statement on — and the app prepares every statement it runs twice); and the
    statement's text as the server knows it."""
    n = 0

    def placeholder(match: re.Match) -> str:
        nonlocal n
        if match.group() == "%%":
            return "%"
        n += 1
        return f"${n}"

    text = re.sub(r"%s|%%", placeholder, sql)  # what psycopg sends to the server
    args = psycopg.ClientCursor(raw).mogrify(", ".join(["%s"] * n), params) if n else ""
    raw.execute(f"PREPARE bench_explain AS {text}")
    plans = {}
    try:
        for mode in ("custom", "generic"):
            raw.execute(f"SET plan_cache_mode = force_{mode}_plan")
            execute = f"EXECUTE bench_explain({args})"  # arguments may hold braces: no str.format here
            lines = "\n".join(
                row[0] for row in raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + execute).fetchall()
            )
            plans[mode] = (
                lines,
                raw.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + execute).fetchone()[0][0],
            )
    finally:
        raw.execute("DEALLOCATE bench_explain")
        raw.execute("SET plan_cache_mode = force_custom_plan")
    return plans, text


def _explain(raw, *, page: dict, executed: list, p95: float, explain_dir: Path) -> dict:
    """Write the slowest query of a request and both of its plans to a file; return a short summary of the
    plan the app ran (from its connection's pg_prepared_statements)."""
    from django.db import connection

    i = max(range(len(executed)), key=lambda k: executed[k][2])
    sql, params, query_ms = executed[i]
    plans, text = _plans(raw, sql, list(params or ()))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = %s", [text]
        )
        row = cur.fetchone()
    if row is not None:
        ran = "generic" if row[0] else "custom"
        how = f"the app's prepared statement ran {row[0]} generic and {row[1]} custom plans"
    else:  # not prepared: a custom plan each time
        ran, how = "custom", "not a prepared statement of the app (planned for its values each time)"
    summary = [f"{ran} plan ({how}):", *_plan_summary(plans[ran][1])]
    other = "generic" if ran == "custom" else "custom"
    summary.append(f"the {other} plan would take {plans[other][1]['Execution Time']:,.1f} ms")
    explain_dir.mkdir(parents=True, exist_ok=True)
    path = explain_dir / f"{page['name']}.txt"
    queries = sorted(executed, key=lambda q: q[2], reverse=True)
    literal = connection.ops.compose_sql(sql, params)  # as CaptureQueriesContext shows it
    path.write_text(
        f"GET {page['url']}  (p95 {p95:.0f} ms; {len(executed)} queries)\n\n"
        "Queries of one request, slowest first (ms):\n"
        + "".join(f"  {ms:9.1f}  {' '.join(q.split())[:150]}\n" for q, _params, ms in queries)
        + f"\nSlowest query ({query_ms:.0f} ms), {how}:\n{literal}\n\n"
        + "".join(f"EXPLAIN (ANALYZE, BUFFERS), {mode} plan:\n{plans[mode][0]}\n\n" for mode in (ran, other))
        + "Summary:\n"
        + "".join(f"  {line}\n" for line in summary),
        encoding="utf-8",
    )
    return {
        "file": str(path),
        "slowest_ms": query_ms,
        "sql": " ".join(literal.split()),
        "summary": summary,
    }


def _context() -> dict:
    """Who asks and what they look at, found in the loaded database."""
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from registry.models import Compound, Official, User
    from registry.services.accounts import official_create

    official = (
        Official.objects.filter(region__code=DISTRICT, user__is_active=True)
        .select_related("user", "region")
        .order_by("pk")
        .first()
    )
    if official is None:
        official = official_create(
            username=OFFICIAL_FALLBACK, password="Gongzhi-bench-2026", region_code=DISTRICT, title="bench"
        )
    owner_user = User.objects.select_related("owner").get(username=OWNER)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT compound_id, count(*) FROM registry_unit WHERE compound_id IS NOT NULL GROUP BY compound_id "
            "ORDER BY abs(count(*) - %s), compound_id LIMIT 1",
            [COMPOUND_SIZE],
        )
        compound_id, units = cur.fetchone()
    compound = Compound.objects.select_related("community__parent").get(pk=compound_id)
    token, _created = Token.objects.get_or_create(user=official.user)
    return {
        "official": official.user,
        "owner": owner_user,
        "owner_id": owner_user.owner.pk,
        "token": token.key,
        "scope": official.region.path + "%",
        "code": compound.code,
        "compound_id": compound.pk,
        "compound_units": units,
        "last_page": math.ceil(units / 50),
        "street": compound.community.parent.code,
        "street_scope": compound.community.parent.path + "%",
    }


def _shown_count(response) -> int | None:
    """The number of rows a list page says it has: the admin changelist's count (None where the page says it
    shows the planner's estimate, past the count's cap), the API's `count`."""
    cl = (getattr(response, "context_data", None) or {}).get("cl")
    if cl is not None:
        return None if getattr(cl.paginator, "estimated", False) else cl.result_count
    data = getattr(response, "data", None)
    return data.get("count") if isinstance(data, dict) else None


def _measure_page(page: dict, *, client, raw, repeat: int, explain_dir: Path | None) -> dict:
    """One URL: server time, its queries (counted, timed, kept for EXPLAIN) and its raw statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        response = client.get(page["url"])
        if response.status_code != 200:
            raise SystemExit(f"GET {page['url']} answered {response.status_code}")
        return response

    print(f"  {page['url']}", file=sys.stderr, flush=True)
    samples = timed(get, repeat=repeat)
    executed = []  # (sql, params, ms) of each query: for EXPLAIN, and timed finer than the captured ones

    def record(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            executed.append((sql, params, (time.perf_counter() - t) * 1000))

    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(record):
        response = get()
    rows, columns = [], []

    def fetch() -> None:
        cursor = raw.execute(page["sql"], page["params"], prepare=True)
        rows[:] = cursor.fetchall()
        columns[:] = [c.name for c in cursor.description]

    raw_samples = timed(fetch, repeat=repeat)
    if not rows:  # a baseline that finds nothing would measure nothing
        raise SystemExit(f"the raw statement of {page['url']} returned no rows")
    p50, p95 = percentiles(samples)
    raw_p50, raw_p95 = percentiles(raw_samples)
    result = {k: page[k] for k in ("name", "url", "who", "target")}
    result |= {"p50": p50, "p95": p95, "raw_p50": raw_p50, "raw_p95": raw_p95}
    result |= {"queries": len(captured.captured_queries), "db_ms": sum(ms for _sql, _params, ms in executed)}
    # The count the page prints against the raw statement's: a baseline is only one if it fetches the same rows.
    result["shown"] = _shown_count(response)
    result["raw_total"] = rows[0][columns.index("total")] if "total" in columns else None
    if explain_dir is not None and page["target"] is not None and p95 > page["target"]:
        try:
            result["explain"] = _explain(raw, page=page, executed=executed, p95=p95, explain_dir=explain_dir)
        except psycopg.Error as e:  # a plan we cannot show must not cost the whole run
            result["explain"] = {"file": "-", "slowest_ms": 0, "sql": "", "summary": [f"no EXPLAIN: {e}"]}
    return result


def measure(*, repeat: int, out: Path, explain_dir: Path | None) -> None:
    """Child process: measure every page against the database in DATABASE_URL; write the figures as JSON."""
    import django

    django.setup()
    from django.test import Client

    ctx = _context()
    from django.conf import settings

    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if b.startswith("registry."))  # the session's
    clients = {"token": Client(headers={"authorization": f"Token {ctx['token']}"})}
    for who in ("official", "owner"):
        clients[who] = Client()
        clients[who].force_login(ctx[who], backend=backend)
    raw = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    # The floor: the hand-written statements stay prepared but are planned for their values every time.
    raw.execute("SET plan_cache_mode = force_custom_plan")
    results = [
        _measure_page(page, client=clients[page["who"]], raw=raw, repeat=repeat, explain_dir=explain_dir)
        for page in _pages(ctx)
    ]
    info = {k: ctx[k] for k in ("code", "compound_units", "last_page", "street")}
    info |= {"official": ctx["official"].username, "owner": ctx["owner"].username}
    info["postgres"] = raw.execute("SHOW server_version").fetchone()[0]
    out.write_text(json.dumps({"info": info, "pages": results}, ensure_ascii=False), encoding="utf-8")


# ------------------------------------------------------------------------------ servers and data (parent)


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


def _django_env(db_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "WARNING",
    }


def _stray_migrations(conn, apps: list[str]) -> list[str]:
    """Migrations applied to the database that this checkout does not have (the kept data ran other code)."""
    on_disk = {(app, p.stem) for app in apps for p in (ROOT / app / "migrations").glob("[0-9]*.py")}
    rows = conn.execute("SELECT app, name FROM django_migrations WHERE app = ANY(%s)", [apps]).fetchall()
    return sorted(f"{app}.{name}" for app, name in rows if (app, name) not in on_disk)


def _database(*, base: str, units: int, redis_url: str, run_dir: Path) -> tuple[str, str]:
    """The URL of a database holding a complete demo of `units` units (reused when kept, else loaded), and a
    sentence saying which."""
    name = f"gongzhi_scopes_{units}"
    db_url = f"{base}/{name}"
    env = _django_env(db_url, redis_url)
    manage = [sys.executable, str(ROOT / "manage.py")]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    marker = row[0] if row else None
    if marker and marker.startswith(f"bench/scopes: {units} units loaded"):
        apps = sorted(p.parent.parent.name for p in ROOT.glob("*/migrations/__init__.py"))
        with psycopg.connect(db_url) as conn:
            stray = _stray_migrations(conn, apps)
        if stray:
            reason = f"it has migrations this checkout lacks ({', '.join(stray)})"
        else:
            t = time.monotonic()
            done = subprocess.run([*manage, "migrate", "--noinput"], env=env, capture_output=True, text=True)
            applied = [
                line.split()[1].rstrip(".")
                for line in done.stdout.splitlines()
                if line.strip().startswith("Applying")
            ]
            if done.returncode == 0:
                note = f"; applied {', '.join(applied)} in {time.monotonic() - t:.0f} s" if applied else ""
                with psycopg.connect(db_url, autocommit=True) as conn:
                    conn.execute("ANALYZE")  # what autovacuum would have done after new columns or indexes
                return db_url, f"{name}: reused ({marker}){note}"
            reason = f"migrate failed on it: {(done.stderr.strip().splitlines() or ['?'])[-1]}"
        print(f"{name}: reloading — {reason}", flush=True)
    elif row is not None:
        print(f"{name}: exists without a complete load; reloading", flush=True)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    demo_dir, log = run_dir / f"demo-{units}", run_dir / f"load-{units}.log"
    print(f"{name}: loading {units:,} units through seed_demo (log: {log}) …", flush=True)
    t = time.monotonic()
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    with log.open("w", encoding="utf-8") as f:
        done = subprocess.run(
            [*manage, "seed_demo", "--units", str(units), "--dir", str(demo_dir)],
            env=env,
            stdout=f,
            stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        sys.exit(f"seed_demo failed: see {log}")
    seconds = time.monotonic() - t
    # A deployed database has been vacuumed and analysed by autovacuum long before anyone lists it: without
    # statistics the planner estimates one row everywhere and the figures would measure that instead.
    t = time.monotonic()
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    vacuum_seconds = time.monotonic() - t
    shutil.rmtree(demo_dir, ignore_errors=True)  # the city is ~2 GB of JSON; the database holds it now
    for line in log.read_text(encoding="utf-8").splitlines():
        if line.strip() and " events — " not in line:  # not the per-batch progress lines
            print(f"  {line}")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{MARKER.format(units=units, seconds=seconds)}'")
    how = (
        f"loaded in {seconds:.0f} s ({seconds / 60:.1f} min), then VACUUM (ANALYZE) in {vacuum_seconds:.0f} s"
    )
    return db_url, f"{name}: {how}"


def _measure_child(*, db_url: str, redis_url: str, repeat: int, run_dir: Path, explain: bool) -> dict:
    out = run_dir / f"figures-{db_url.rsplit('/', 1)[1]}.json"
    command = [sys.executable, __file__, "--repeat", str(repeat), "--measure-into", str(out)]
    if explain:
        command += ["--explain-dir", str(run_dir / "explain")]
    subprocess.run(command, env=_django_env(db_url, redis_url), check=True)
    return json.loads(out.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ report


def _ratio(x: float) -> str:
    return f"{x:.1f}×" if x < 10 else f"{x:.0f}×"


def _report(big: dict, small: dict, *, units: int, small_units: int) -> list[str]:
    """Print the table; return what misses a target or a query count."""
    info = big["info"]
    print()
    print(
        f"PostgreSQL {info['postgres']}; official {info['official']} (district {DISTRICT}), owner {info['owner']}; "
        f"compound {info['code']} ({info['compound_units']} units, {info['last_page']} pages), street {info['street']}"
    )
    print(
        f"Server time (ms) at {units:,} units, p95 also at {small_units:,}; sql: time in SQL of one request; "
        "queries per request at both scales; ratios of p50 to the raw statement's and to the floor's (/api/v1/me/)."
    )
    small_by_name = {p["name"]: p for p in small["pages"]}
    floor = next(p for p in big["pages"] if p["name"] == "floor")
    header = (
        f"{'URL':<50} {'p50':>7} {'p95':>7} {'p95 sm':>7} {'sql':>7} {'queries':>8} {'target':>6}    "
        f"{'raw p50':>7} {'×raw':>5} {'×floor':>6}"
    )
    print(header)
    print("-" * len(header))
    misses = []
    for p in big["pages"]:
        s = small_by_name[p["name"]]
        ok_time = p["target"] is None or p["p95"] <= p["target"]
        ok_queries = p["queries"] == s["queries"]
        if not ok_time:
            misses.append(f"{p['url']}: p95 {p['p95']:.0f} ms > {p['target']} ms")
        if not ok_queries:
            misses.append(
                f"{p['url']}: {s['queries']} queries at {small_units:,} units, {p['queries']} at {units:,}"
            )
        target = f"{p['target']}" if p["target"] is not None else "-"
        queries = f"{s['queries']}/{p['queries']}" + ("" if ok_queries else "≠")
        label = p["url"] if p["who"] != "owner" else f"{p['url']} (owner)"
        print(
            f"{label:<50} {p['p50']:>7.1f} {p['p95']:>7.1f} {s['p95']:>7.1f} {p.get('db_ms', 0):>7.1f} {queries:>8} "
            f"{target:>6}  {'✔' if ok_time and ok_queries else '✘'} {p['raw_p50']:>7.2f} "
            f"{_ratio(p['p50'] / p['raw_p50']):>5} {_ratio(p['p50'] / floor['p50']):>6}"
        )
    print()
    for p in big["pages"]:
        if p.get("shown") is not None and p.get("raw_total") is not None and p["shown"] != p["raw_total"]:
            print(
                f"⚠ {p['url']} shows {p['shown']:,} rows, its raw statement counts {p['raw_total']:,}: "
                "the page is not what the baseline fetches (a filter was not applied?)"
            )
    estimated = [p["url"] for p in big["pages"] if p.get("shown") is None and p["url"].startswith("/admin/")]
    if estimated:
        print(
            "Counts shown as the planner's estimate (past 10,000 rows), not checked: " + ", ".join(estimated)
        )
    print("Not measured: " + "; ".join(NOT_MEASURED) + ".")
    for p in big["pages"]:
        if "explain" in p:
            e = p["explain"]
            print()
            print(
                f"✘ {p['url']}: slowest query {e['slowest_ms']:.0f} of {p['p50']:.0f} ms — plan in {e['file']}"
            )
            print(f"    {e['sql'][:220]}{'…' if len(e['sql']) > 220 else ''}")
            for line in e["summary"]:
                print(f"    {line}")
    return misses


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=2_430_000, help="the city (default: Qingdao, 2.43 M)")
    parser.add_argument("--small", type=int, default=20_000, help="the small scale for the query counts")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="leave the loaded databases for the next run")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target or a query count is missed")
    parser.add_argument(
        "--dir", type=Path, default=ROOT / ".run" / "bench-scopes", help="servers' data, plans"
    )
    parser.add_argument("--measure-into", type=Path, help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--explain-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_into is not None:
        measure(repeat=args.repeat, out=args.measure_into, explain_dir=args.explain_dir)
        return

    run_dir = args.dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    server_url, redis_url, started = _services(run_dir)
    base = server_url.rsplit("/", 1)[0]
    try:
        urls = {}
        for units in dict.fromkeys((args.small, args.units)):
            urls[units], how = _database(base=base, units=units, redis_url=redis_url, run_dir=run_dir)
            print(how, flush=True)
        shutil.rmtree(run_dir / "explain", ignore_errors=True)
        figures = {}
        for units in urls:
            print(f"measuring at {units:,} units …", flush=True)
            figures[units] = _measure_child(
                db_url=urls[units],
                redis_url=redis_url,
                repeat=args.repeat,
                run_dir=run_dir,
                explain=units == args.units,
            )
        misses = _report(figures[args.units], figures[args.small], units=args.units, small_units=args.small)
        if not args.keep:
            with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
                for units in urls:
                    admin.execute(f'DROP DATABASE IF EXISTS "gongzhi_scopes_{units}" WITH (FORCE)')
            print("\ndropped the databases (--keep leaves them for the next run)")
        else:
            print(
                f"\nkept {', '.join(f'gongzhi_scopes_{u}' for u in urls)} on {base} (data: {run_dir / 'pgdata'})"
            )
    finally:
        if started:
            subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "services.py"), "stop", "--dir", str(run_dir)],
                check=False,
                capture_output=True,
            )
    print(
        f"\n{len(misses)} misses:\n  " + "\n  ".join(misses) if misses else "\nevery target met, counts equal"
    )
    if misses and args.check:
        sys.exit(1)


if __name__ == "__main__":
    main()
