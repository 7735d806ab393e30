"""No plain ID number reaches the database or the logs (API responses: tests/registry/apis/)."""

import io
import json
import logging

import pytest
from django.db import connection

from config.logging import MaskIdentifiersFilter, mask_text
from registry.identifiers import mask_id_number
from registry.models import QuarantinedRecord, RegistrationEvent
from registry.personal_data import identity_digest
from registry.services.accounts import owner_signup
from registry.services.registration import registration_feed_apply
from tests.conftest import IDS, NAMES, PARCEL_A, PASSWORD, World, unit_number
from tests.factories import feed_line, holder, resident_id

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


# ------------------------------------------------------------------------------ quarantined lines

HIDDEN = resident_id(431, birth="19700707")  # the number each bad line below carries somewhere
PASSPORT = "E98765432"
PHONE_IN_TEXT = "13698765432"
UNIT_Q = unit_number(PARCEL_A, 9, "0101")


def _with_holder(holder: dict, **extra) -> str:
    return feed_line(UNIT_Q, [holder], **extra)


def _person(**fields) -> dict:
    return {"name": "韩梅", "holder_type": "person", "certificate_holder": True, **fields}


BAD_LINES = {
    "holder_without_id_type": _with_holder(_person(id_number=HIDDEN)),
    "id_type_foo": _with_holder(_person(id_type="foo", id_number=HIDDEN)),
    "passport_under_id_type_foo": _with_holder(_person(id_type="foo", id_number=PASSPORT)),
    "number_under_idNumber": _with_holder(_person(id_type="resident_id", idNumber=HIDDEN)),
    "number_under_证件号": _with_holder(_person(id_type="resident_id", 证件号=HIDDEN)),
    "passport_under_idNumber": _with_holder(_person(id_type="passport", idNumber=PASSPORT)),
    "number_in_an_address": _with_holder(
        _person(id_type="resident_id", id_number=resident_id(432)),
        event_type="TRANSFERRED",  # unknown: the line is quarantined
        property={"address": f"青岛市崂山区某路1号（业主{HIDDEN}，电话{PHONE_IN_TEXT}）", "delivered": True},
    ),
    "number_as_a_json_number": _with_holder(_person(id_type="foo", id_number=int(HIDDEN[:-1] + "1"))),
    "truncated_json": _with_holder(_person(id_type="resident_id", id_number=HIDDEN))[:-30],  # cut after it
    "truncated_inside_the_number": '{"seq": 9, "holders": [{"name": "韩梅", "id_number": "' + HIDDEN[:-3],
    "truncated_passport": '{"seq": 9, "holders": [{"name": "韩梅", "idNumber": "' + PASSPORT + '", "sh',
}


def _windows(number: str, width: int = 8) -> set[str]:
    """Every run of `width` characters of a number: a mask keeps at most its first 3 and last 4."""
    return {number[i : i + width] for i in range(len(number) - width + 1)}


@pytest.mark.parametrize("kind", list(BAD_LINES))
def test_a_quarantined_line_keeps_no_identity_number_in_any_shape(world: World, kind: str):
    # given
    line = BAD_LINES[kind]
    assert HIDDEN[:12] in line or PASSPORT in line

    # when
    report = registration_feed_apply(lines=[line], source="pii-shapes")

    # then: quarantined; no eight characters in a row of the number, the passport or the phone are stored
    assert (report.applied, report.quarantined) == (0, 1)
    raw = QuarantinedRecord.objects.get(source="pii-shapes").raw
    numbers = (HIDDEN, HIDDEN[:-1] + "1", PASSPORT, PHONE_IN_TEXT)
    assert [w for n in numbers for w in sorted(_windows(n)) if w in raw] == []
    # and the whole database holds none of them, with or without the last character
    for plain in (HIDDEN, HIDDEN[:-1], HIDDEN[:-3], PASSPORT, PASSPORT[:-1], PHONE_IN_TEXT):
        assert _every_row_containing(plain) == [], plain


def test_a_quarantined_holder_with_a_known_type_keeps_the_hash_the_registry_matches_on(world: World):
    # given: a valid holder on a line refused for another reason
    line = _with_holder(_person(id_type="resident_id", id_number=HIDDEN), event_type="TRANSFERRED")

    # when
    registration_feed_apply(lines=[line], source="pii-hash")

    # then
    holder = json.loads(QuarantinedRecord.objects.get(source="pii-hash").raw)["holders"][0]
    expected = identity_digest(id_type="resident_id", id_number=HIDDEN)
    assert (holder["id_hmac"], holder["id_masked"]) == (expected.id_hmac, expected.id_masked)
    assert "id_number" not in holder


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        ("holder_without_id_type", {"id_masked": mask_id_number(HIDDEN)}),
        ("passport_under_id_type_foo", {"id_masked": "E98**5432"}),
        ("number_under_证件号", {"证件号": mask_id_number(HIDDEN)}),
        ("passport_under_idNumber", {"idNumber": "E98**5432"}),
    ],
)
def test_a_number_that_cannot_be_hashed_is_kept_masked_for_staff(world: World, kind: str, shown: dict):
    # when
    registration_feed_apply(lines=[BAD_LINES[kind]], source="pii-mask")

    # then
    holder = json.loads(QuarantinedRecord.objects.get(source="pii-mask").raw)["holders"][0]
    assert {k: holder.get(k) for k in shown} == shown


def test_a_truncated_line_keeps_its_masked_shape(world: World):
    # when
    registration_feed_apply(lines=[BAD_LINES["truncated_passport"]], source="pii-cut")

    # then
    assert QuarantinedRecord.objects.get(source="pii-cut").raw == (
        '{"seq": 9, "holders": [{"name": "韩梅", "idNumber": "*********", "sh'
    )


def test_an_applied_line_stores_an_extra_id_key_of_a_holder_masked(world: World):
    # given: a valid holder that also carries its number under a key of its own
    line = _with_holder(_person(id_type="resident_id", id_number=HIDDEN, 身份证号码=HIDDEN))

    # when
    report = registration_feed_apply(lines=[line], source="pii-extra-key")

    # then
    assert (report.applied, report.quarantined) == (1, 0)
    for plain in (HIDDEN, HIDDEN[:-1]):
        assert _every_row_containing(plain) == [], plain
    payload = RegistrationEvent.objects.get(unit_number=UNIT_Q).payload
    assert payload["holders"][0]["身份证号码"] == mask_id_number(HIDDEN)


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
