"""The columns the bulk writers name (COPY in the registration feed, the ballot's INSERT … SELECT, the audit
chain) exist on their models, and every column they leave out can be left out: it is nullable, has a database
default or is the primary key. A new NOT NULL column without a default fails here, not in a city's first
load."""

import re

import pytest
from django.db import models
from django.db.models.fields import NOT_PROVIDED

from registry.models import Owner, Ownership, RegistrationEvent, Unit, UnitNumberVersion
from registry.services.registration.creates import (
    EVENT_COLUMNS,
    OWNERSHIP_COLUMNS,
    UNIT_COLUMNS,
    VERSION_COLUMNS,
)
from registry.services.registration.store import OWNER_COLUMNS
from voting.models import AuditEntry, BallotSubmission, CountedBallot
from voting.services import audit as voting_audit
from voting.services import ballots as voting_ballots


def _inserted(sql: str, table: str) -> tuple[str, ...]:
    match = re.search(rf"INSERT INTO {table}\s*\(([^)]*)\)", sql)
    assert match is not None, table
    return tuple(c.strip() for c in match.group(1).split(","))


WRITERS = [
    (Unit, UNIT_COLUMNS),
    (UnitNumberVersion, VERSION_COLUMNS),
    (Ownership, OWNERSHIP_COLUMNS),
    (RegistrationEvent, EVENT_COLUMNS),
    (Owner, OWNER_COLUMNS),
    (BallotSubmission, _inserted(voting_ballots._APPEND_SQL, "voting_ballotsubmission")),
    (CountedBallot, _inserted(voting_ballots._APPEND_SQL, "voting_countedballot")),
    (AuditEntry, _inserted(voting_audit._APPEND_SQL, "voting_auditentry")),
]


@pytest.mark.parametrize(("model", "columns"), WRITERS, ids=[m._meta.db_table for m, _c in WRITERS])
def test_bulk_writers_name_real_columns_and_leave_out_only_optional_ones(model: type[models.Model], columns):
    # given
    fields = {f.column: f for f in model._meta.concrete_fields}
    # then
    assert set(columns) - set(fields) == set()
    left_out = [
        column
        for column, f in fields.items()
        if column not in columns and not (f.null or f.primary_key or f.db_default is not NOT_PROVIDED)
    ]
    assert left_out == []
