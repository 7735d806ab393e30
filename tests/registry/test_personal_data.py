"""No plain ID number reaches the database or the logs (API responses: tests/registry/apis/)."""

import io
import logging

import pytest
from django.db import connection

from config.logging import MaskIdentifiersFilter, mask_text
from registry.services.accounts import owner_signup
from registry.services.registration import registration_feed_apply
from tests.conftest import IDS, NAMES, PARCEL_A, PASSWORD, World, unit_number
from tests.factories import feed_line, holder

PHONE = "13912345678"


def _every_row_containing(needle: str) -> list[str]:
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE %s', [f"%{needle}%"])
            if cursor.fetchone()[0]:
                hits.append(table)
    return hits


def test_no_plain_id_number_anywhere_in_the_database(world: World):
    # given: a bad feed line with an ID (quarantined) and a sign-up on top of the world
    registration_feed_apply(
        lines=[
            feed_line(unit_number(PARCEL_A, 5, "0101"), [holder("重复", IDS["dave"])]),
            "{oops " + IDS["dave"],
        ],
        source="pii",
    )
    owner_signup(
        username="dave",
        password=PASSWORD,
        name=NAMES["dave"],
        id_number=IDS["dave"],
        phone=PHONE,
        ip_address=None,
    )
    # then
    for name, number in IDS.items():
        assert _every_row_containing(number) == [], name
        assert _every_row_containing(number[:-1]) == [], name  # nor without its check character


@pytest.fixture
def console_output():
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, MaskIdentifiersFilter) for f in h.filters)
    ]
    assert handlers, "the console handler must carry MaskIdentifiersFilter"
    stream = io.StringIO()
    old = [h.setStream(stream) for h in handlers]
    db_logger = logging.getLogger("django.db.backends")
    old_level = db_logger.level
    db_logger.setLevel(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    connection.force_debug_cursor = True
    yield stream
    connection.force_debug_cursor = False
    db_logger.setLevel(old_level)
    logging.getLogger().setLevel(logging.INFO)
    for h, s in zip(handlers, old, strict=True):
        h.setStream(s)


def test_logs_never_hold_plain_identifiers(world: World, console_output):
    # when: every SQL statement is logged, and code logs an identifier by mistake
    owner_signup(
        username="dave",
        password=PASSWORD,
        name=NAMES["dave"],
        id_number=IDS["dave"],
        phone=PHONE,
        ip_address=None,
    )
    logging.getLogger("registry").warning("careless %s %s", IDS["carol"], PHONE)
    # then
    text = console_output.getvalue()
    assert "registry_owner" in text  # SQL was logged
    assert IDS["dave"] not in text and IDS["carol"] not in text and PHONE not in text
    assert "139****5678" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id 11010519491231002X ok", "id 110***********002X ok"),
        ("tel 13800138000", "tel 138****8000"),
        ("unit 370212001002GB00123F00050302", "unit 370212001002GB00123F00050302"),
        ("seq 123456789012345678901", "seq 123456789012345678901"),
    ],
)
def test_mask_text(text, expected):
    assert mask_text(text) == expected
