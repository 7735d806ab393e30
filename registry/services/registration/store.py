"""Set-based writes shared by the event handlers: COPY, owners, buildings, entrances, placement."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from psycopg import Cursor

from registry.identifiers import UnitNumber
from registry.models import Building, Entrance, Firm, Parcel
from registry.personal_data import identity_digest
from registry.services.registration.parsing import Holder


def raw_cursor() -> Cursor:
    """A plain psycopg cursor on Django's connection (server-side binding, COPY), inside Django's transaction."""
    connection.ensure_connection()
    return Cursor(connection.connection)


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into a table; returns how many were written."""
    n = 0
    with raw_cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def reserve_ids(table: str, n: int) -> list[int]:
    """n fresh primary keys from the table's identity sequence, in one round trip."""
    if n == 0:
        return []
    with raw_cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
        )
        return [r[0] for r in cur.fetchall()]


class Placement:
    """Parcel → compound, and each compound's developer as a keyed hash (loaded once per run)."""

    def __init__(self) -> None:
        self.compound_by_parcel: dict[str, int] = dict(Parcel.objects.values_list("code", "compound_id"))
        self.developer_hash: dict[int, str] = {}
        rows = Firm.objects.filter(developed_compounds__isnull=False).values_list(
            "developed_compounds__id", "uscc"
        )
        for compound_id, uscc in rows:
            self.developer_hash[compound_id] = identity_digest(id_type="uscc", id_number=uscc).id_hmac

    def compound_of(self, unit: UnitNumber) -> int | None:
        return self.compound_by_parcel.get(unit.parcel_code)

    def developer_holds(self, compound_id: int | None, holders: Iterable[Holder]) -> bool:
        developer = self.developer_hash.get(compound_id or 0)
        return developer is not None and any(h.id_hmac == developer for h in holders)


def ensure_buildings(keys: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """Building ids by (compound id, 4-digit number), creating the missing ones ("N号楼")."""
    if not keys:
        return {}
    compounds = {c for c, _ in keys}

    def fetch() -> dict[tuple[int, str], int]:
        rows = Building.objects.filter(compound_id__in=compounds).values_list("pk", "compound_id", "number")
        return {(c, n): pk for pk, c, n in rows}

    existing = fetch()
    missing = [Building(compound_id=c, number=n, name=f"{int(n)}号楼") for (c, n) in keys - existing.keys()]
    if missing:
        Building.objects.bulk_create(missing, ignore_conflicts=True)
        existing = fetch()
    return existing


def ensure_entrances(keys: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """Entrance ids by (building id, number), creating the missing ones ("N单元")."""
    if not keys:
        return {}
    buildings = {b for b, _ in keys}

    def fetch() -> dict[tuple[int, str], int]:
        rows = Entrance.objects.filter(building_id__in=buildings).values_list("pk", "building_id", "number")
        return {(b, n): pk for pk, b, n in rows}

    existing = fetch()
    missing = [Entrance(building_id=b, number=n, name=f"{n}单元") for (b, n) in keys - existing.keys()]
    if missing:
        Entrance.objects.bulk_create(missing, ignore_conflicts=True)
        existing = fetch()
    return existing


# The owner columns the feed writes; every other column of registry_owner must be nullable or have a
# database default (tests/registry/sync/test_bulk_columns.py checks this against the model).
OWNER_COLUMNS = ("holder_type", "name", "id_type", "id_hmac", "id_masked", "phone", "created_at")
_INSERT_OWNERS = (
    f"INSERT INTO registry_owner ({', '.join(OWNER_COLUMNS)}) "  # noqa: S608 - column names are constants
    "SELECT holder_type, name, id_type, id_hmac, id_masked, '', now() FROM gongzhi_owner_in "
    "ON CONFLICT (id_type, id_hmac) DO NOTHING"
)


def ensure_owners(holders: Iterable[Holder]) -> dict[tuple[str, str], int]:
    """Owner ids by (id type, keyed hash): missing owners are inserted through COPY + INSERT … ON CONFLICT."""
    wanted = {(h.id_type, h.id_hmac): h for h in holders}
    if not wanted:
        return {}
    with raw_cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS gongzhi_owner_in "
            "(holder_type text, name text, id_type text, id_hmac text, id_masked text) ON COMMIT DELETE ROWS"
        )
        cur.execute("DELETE FROM gongzhi_owner_in")  # emptied at commit too; several calls may share a batch
        with cur.copy("COPY gongzhi_owner_in FROM STDIN") as copy:
            for h in wanted.values():
                copy.write_row((h.holder_type, h.name, h.id_type, h.id_hmac, h.id_masked))
        cur.execute(_INSERT_OWNERS)
        cur.execute(
            "SELECT o.id, o.id_type, o.id_hmac FROM registry_owner o "
            "JOIN gongzhi_owner_in i ON i.id_type = o.id_type AND i.id_hmac = o.id_hmac"
        )
        return {(t, h): pk for pk, t, h in cur.fetchall()}
