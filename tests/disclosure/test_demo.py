"""The demo's year of disclosures (disclosure.demo through `seed_demo`): twelve months of operating statements
for the demo firm's compounds, some late, one missing, one corrected with the roll-forward continuing from the
correction; the other kinds for the first compound; nothing added by a second run."""

import re
from io import StringIO

from django.core.management import call_command

from disclosure.figures import statement_states
from disclosure.labels import Kind, Status
from disclosure.models import Disclosure, OverdueFlag


def _seed(tmp_path) -> str:
    out = StringIO()
    call_command("seed_demo", "--units", "300", "--dir", str(tmp_path), stdout=out)
    return out.getvalue()


def test_seed_demo_publishes_a_year_of_statements_once(db, migration_data, tmp_path):
    # when
    first = _seed(tmp_path)
    # then
    published = int(re.search(r"disclosure: published (\d+) records", first).group(1))
    assert published == Disclosure.objects.exclude(status=Status.DRAFT).count()
    statements = Disclosure.objects.filter(kind=Kind.OPERATING_STATEMENT)
    compounds = sorted(set(statements.values_list("compound_id", flat=True)))
    assert len(compounds) >= 2
    first_compound = compounds[0]
    # twelve months up to last month; last month's only once its publication day (3rd–13th) has come
    assert statements.filter(compound_id=first_compound, status=Status.PUBLISHED).count() in (11, 12)
    # one correction, its original superseded
    corrected = statements.filter(status=Status.SUPERSEDED).get()
    fix = statements.get(supersedes=corrected)
    assert fix.status == Status.PUBLISHED and fix.reason
    # every published month of every compound opens at the previous published closing
    for cid in compounds:
        rows = list(statements.filter(compound_id=cid, status=Status.PUBLISHED).order_by("period"))
        for before, after in zip(rows, rows[1:], strict=False):
            assert after.opening_balance == before.closing_balance, (cid, after.period)
    # some late, one missing and flagged
    periods = sorted(set(statements.values_list("period", flat=True)))
    states = [s for p in periods for s in statement_states(compound_ids=compounds, period=p).values()]
    assert "late" in states and "on_time" in states
    missing = periods[-2] if len(periods) == 12 else periods[-1]  # the month before last
    assert "missing" in statement_states(compound_ids=compounds, period=missing).values()
    assert OverdueFlag.objects.filter(period=missing).count() == 1
    for kind in (Kind.FEE_STANDARD, Kind.SERVICE_ITEMS, Kind.REGULATORS, Kind.MAINTENANCE_FUND):
        assert Disclosure.objects.filter(
            compound_id=first_compound, kind=kind, status=Status.PUBLISHED
        ).exists()

    # when: seeded again
    count = Disclosure.objects.count()
    second = _seed(tmp_path)
    # then
    assert "disclosure: published 0 records (already present)" in second
    assert Disclosure.objects.count() == count
