"""Writes of the overview: the refresh of the per-compound figures (overview.models.CompoundFigure)."""

import datetime as dt
import time

from django.db import connection, transaction
from django.utils import timezone

from complaints.figures import previous_month
from complaints.labels import OPEN_STATES
from disclosure.figures import deadline, period_of
from disclosure.labels import Kind as DisclosureKind
from disclosure.labels import Status as DisclosureStatus
from partybuilding.labels import OrganisationKind
from registry.models import Equipment, OwnersCommittee
from voting.models import Assembly

# One statement: every compound's row from set-based aggregates of each source (a GROUP BY per table, joined
# by compound), written with one upsert. Compounds without a source row get zeros, so a figure that falls
# back to nothing (a committee's term ended, equipment maintained) is cleared rather than left stale.
REFRESH_SQL = """
INSERT INTO overview_compoundfigure AS f (
    compound_id, units, area, units_registered, committee_until, assemblies_held, heads_participating,
    heads_total, motions_adopted, motions_decided, last_assembly_at, equipment, equipment_overdue,
    complaints_open, disclosure_due, disclosure_on_time, disclosure_late, party_branch, project_branch,
    committee_seats, committee_party_seats, refreshed_at)
SELECT c.id, coalesce(u.units, 0), coalesce(u.area, 0), coalesce(r.units, 0), k.until,
       coalesce(a.held, 0), coalesce(a.heads_participating, 0), coalesce(a.heads_total, 0),
       coalesce(a.adopted, 0), coalesce(a.decided, 0), a.last_at,
       coalesce(e.total, 0), coalesce(e.overdue, 0), coalesce(q.open, 0),
       (c.property_firm_id IS NOT NULL)::int,
       coalesce(c.property_firm_id IS NOT NULL AND d.first < %(deadline)s, false)::int,
       coalesce(c.property_firm_id IS NOT NULL AND d.first >= %(deadline)s, false)::int,
       coalesce(o.branch, false), coalesce(o.project, false), coalesce(ks.seats, 0), coalesce(ks.party, 0),
       %(now)s
  FROM registry_compound c
  LEFT JOIN (SELECT compound_id, count(*) AS units,
                    sum(coalesce(registered_area, surveyed_area, contract_area, 0)) AS area
               FROM registry_unit GROUP BY compound_id) u ON u.compound_id = c.id
  LEFT JOIN (SELECT un.compound_id, count(DISTINCT o.unit_id) AS units
               FROM registry_ownership o
               JOIN registry_owner w ON w.id = o.owner_id AND w.user_id IS NOT NULL
               JOIN registry_unit un ON un.id = o.unit_id
              WHERE o.valid_to IS NULL
              GROUP BY un.compound_id) r ON r.compound_id = c.id
  LEFT JOIN (SELECT compound_id, max(term_ends_on) AS until FROM registry_ownerscommittee
              WHERE filing_status <> %(dissolved)s AND term_starts_on <= %(today)s AND term_ends_on > %(today)s
              GROUP BY compound_id) k ON k.compound_id = c.id
  LEFT JOIN (SELECT s.compound_id, count(*) AS held, sum(s.heads) AS heads_participating,
                    sum(s.heads_total) AS heads_total, sum(s.adopted) AS adopted, sum(s.decided) AS decided,
                    max(s.published_at) AS last_at
               FROM (SELECT y.compound_id, y.published_at, coalesce(y.heads_total, 0) AS heads_total,
                            coalesce(max(mr.heads_participating), 0) AS heads,
                            count(mr.motion_id) FILTER (WHERE mr.outcome = %(adopted)s) AS adopted,
                            count(mr.motion_id) AS decided
                       FROM voting_assembly y
                       LEFT JOIN voting_motion m ON m.assembly_id = y.id
                       LEFT JOIN voting_motionresult mr ON mr.motion_id = m.id
                      WHERE y.status = %(published)s
                      GROUP BY y.id) s
              GROUP BY s.compound_id) a ON a.compound_id = c.id
  LEFT JOIN (SELECT compound_id, count(*) AS total,
                    count(*) FILTER (WHERE status = %(in_service)s AND next_due_on < %(today)s) AS overdue
               FROM registry_equipment WHERE status <> %(retired)s GROUP BY compound_id) e ON e.compound_id = c.id
  LEFT JOIN (SELECT compound_id, count(*) AS open FROM complaints_complaint
              WHERE status = ANY(%(open)s) GROUP BY compound_id) q ON q.compound_id = c.id
  LEFT JOIN (SELECT compound_id, min(published_at) AS first FROM disclosure_disclosure
              WHERE kind = %(statement)s AND period = %(period)s AND status = ANY(%(published_states)s)
              GROUP BY compound_id) d ON d.compound_id = c.id
  LEFT JOIN (SELECT compound_id, bool_or(kind = %(compound_branch)s) AS branch,
                    bool_or(kind = %(project_branch)s) AS project
               FROM partybuilding_organisation WHERE compound_id IS NOT NULL GROUP BY compound_id) o
         ON o.compound_id = c.id
  LEFT JOIN (SELECT DISTINCT ON (compound_id) compound_id, id FROM registry_ownerscommittee
              WHERE filing_status <> %(dissolved)s AND term_starts_on <= %(today)s AND term_ends_on > %(today)s
              ORDER BY compound_id, term_starts_on DESC) kc ON kc.compound_id = c.id
  LEFT JOIN (SELECT m.committee_id, count(*) AS seats, count(pm.id) AS party
               FROM registry_committeemember m
               JOIN registry_owner w ON w.id = m.owner_id
               LEFT JOIN partybuilding_member pm ON pm.user_id = w.user_id
              GROUP BY m.committee_id) ks ON ks.committee_id = kc.id
ON CONFLICT (compound_id) DO UPDATE SET
    units = excluded.units, area = excluded.area, units_registered = excluded.units_registered,
    committee_until = excluded.committee_until, assemblies_held = excluded.assemblies_held,
    heads_participating = excluded.heads_participating, heads_total = excluded.heads_total,
    motions_adopted = excluded.motions_adopted, motions_decided = excluded.motions_decided,
    last_assembly_at = excluded.last_assembly_at, equipment = excluded.equipment,
    equipment_overdue = excluded.equipment_overdue, complaints_open = excluded.complaints_open,
    disclosure_due = excluded.disclosure_due, disclosure_on_time = excluded.disclosure_on_time,
    disclosure_late = excluded.disclosure_late, party_branch = excluded.party_branch,
    project_branch = excluded.project_branch, committee_seats = excluded.committee_seats,
    committee_party_seats = excluded.committee_party_seats,
    refreshed_at = excluded.refreshed_at
"""

# pg_advisory_xact_lock key: one refresh at a time (a second waits, then writes the same rows again)
REFRESH_LOCK = 0x6F76657276696577  # "overview"


def figures_refresh(*, now: dt.datetime | None = None) -> tuple[int, float]:
    """Recompute every compound's overview row (disclosure: last month's operating statement as of `now`);
    returns (rows written, seconds)."""
    now = now or timezone.now()
    period = period_of(
        previous_month(timezone.localtime(now).date().replace(day=1))
    )  # last month's statement
    params = {
        "now": now,
        "today": timezone.localtime(now).date(),
        "dissolved": OwnersCommittee.Filing.DISSOLVED,
        "published": Assembly.Status.PUBLISHED,
        "adopted": "adopted",
        "in_service": Equipment.Status.IN_SERVICE,
        "retired": Equipment.Status.RETIRED,
        "open": sorted(str(s) for s in OPEN_STATES),
        "statement": DisclosureKind.OPERATING_STATEMENT,
        "period": period,
        "deadline": deadline(period),
        "published_states": [DisclosureStatus.PUBLISHED, DisclosureStatus.SUPERSEDED],
        "compound_branch": OrganisationKind.COMPOUND_BRANCH,
        "project_branch": OrganisationKind.PROJECT_BRANCH,
    }
    t = time.monotonic()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])
        cur.execute(REFRESH_SQL, params)
        rows = cur.rowcount
    return rows, time.monotonic() - t
