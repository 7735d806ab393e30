"""Shared fixtures. `world` builds a small jurisdiction through the real services:

    青岛市 370200 → 崂山区 370212 → 中韩街道 370212001 → 社区 370212001001 → 小区 A (QD-370212-0001, firm A)
                                 → 沙子口街道 370212002 → 社区 370212002001 → 小区 B (QD-370212-0002, firm B)

Units in A: 0101 (alice, sole), 0102 (bob + bella, joint, bob holds the certificate), 0201 (developer-held),
0202 (unplaced? no: dave, no account). Unit in B: 0101 (carol).
Accounts: official_a (中韩街道), official_b (沙子口街道), official_district (崂山区), firm_a, firm_b, alice,
bob, bella (co-owner), carol (owner in B).
"""

import os
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.models import Compound, Unit, User
from registry.services.accounts import firm_user_create, official_create, owner_signup
from registry.services.places import master_data_load
from registry.services.registration import registration_feed_apply
from tests.factories import feed_line, holder, resident_id

PASSWORD = "Gongzhi-test-2026"

FIRM_A = "91370200MA3C00003W"
FIRM_B = "913702000000000012"
DEVELOPER = "91350100M000100Y43"

PARCEL_A = "370212001002GB00123"
PARCEL_B = "370212002003GB00456"


def unit_number(parcel: str, building: int, household: str) -> str:
    return f"{parcel}F{building:04d}{household}"


A_0101 = unit_number(PARCEL_A, 5, "0101")
A_0102 = unit_number(PARCEL_A, 5, "0102")
A_0201 = unit_number(PARCEL_A, 5, "0201")
A_0202 = unit_number(PARCEL_A, 6, "0202")
B_0101 = unit_number(PARCEL_B, 1, "0101")

IDS = {name: resident_id(i) for i, name in enumerate(["alice", "bob", "bella", "carol", "dave"], start=1)}
NAMES = {"alice": "王丽", "bob": "张伟", "bella": "李娜", "carol": "刘洋", "dave": "陈静"}

MASTER = {
    "regions": [
        {"code": "370212", "name": "崂山区", "level": "district", "parent": "370200"},
        {"code": "370212001", "name": "中韩街道", "level": "street", "parent": "370212"},
        {"code": "370212001001", "name": "海尔路社区", "level": "community", "parent": "370212001"},
        {"code": "370212002", "name": "沙子口街道", "level": "street", "parent": "370212"},
        {"code": "370212002001", "name": "沙子口社区", "level": "community", "parent": "370212002"},
    ],
    "firms": [
        {"uscc": FIRM_A, "name": "青岛甲物业服务有限公司", "kind": "property_firm"},
        {"uscc": FIRM_B, "name": "青岛乙物业服务有限公司", "kind": "property_firm"},
        {"uscc": DEVELOPER, "name": "某置业有限公司", "kind": "developer"},
    ],
    "compounds": [
        {
            "code": "QD-370212-0001",
            "name": "逸景公馆",
            "community": "370212001001",
            "parcels": [PARCEL_A],
            "developer": DEVELOPER,
            "property_firm": FIRM_A,
            "address": "青岛市崂山区海尔路1号",
            "lat": "36.1060",
            "lng": "120.4690",
            "contract": {"starts_on": "2024-01-01", "ends_on": "2030-12-31", "fee_standard": "2.50"},
            "buildings": [{"number": "0005", "name": "5号楼", "floors": 18, "entrances": [{"number": "1"}]}],
        },
        {
            "code": "QD-370212-0002",
            "name": "海韵小区",
            "community": "370212002001",
            "parcels": [PARCEL_B],
            "property_firm": FIRM_B,
            "address": "青岛市崂山区沙子口路2号",
        },
    ],
}


def person(name: str) -> dict:
    return holder(NAMES[name], IDS[name])


def world_feed() -> list[str]:
    developer = {
        "name": "某置业有限公司",
        "holder_type": "organisation",
        "id_type": "uscc",
        "id_number": DEVELOPER,
        "certificate_holder": True,
    }
    bella = {**person("bella"), "certificate_holder": False}
    return [
        feed_line(A_0101, [person("alice")], room="0101", area="100.00"),
        feed_line(A_0102, [person("bob"), bella], room="0102", area="120.50", co_ownership="joint"),
        feed_line(A_0201, [developer], room="0201", area="90.00", delivered=False),
        feed_line(A_0202, [person("dave")], room="0202", area="80.25"),
        feed_line(B_0101, [person("carol")], room="0101", area="110.00"),
    ]


@dataclass
class World:
    compound_a: Compound
    compound_b: Compound
    official_a: User
    official_b: User
    official_district: User
    firm_a: User
    firm_b: User
    alice: User
    bob: User
    bella: User
    carol: User

    def unit(self, number: str) -> Unit:
        return Unit.objects.get(unit_number=number)


def _signup(name: str) -> User:
    return owner_signup(
        username=name,
        password=PASSWORD,
        name=NAMES[name],
        id_number=IDS[name],
        phone="13800138000",
        ip_address=None,
    ).user


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters (Redis cache, one database per xdist worker) never carry from one test to the next."""
    cache.clear()


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language (Chinese): a request in English leaves its language active in
    the thread, which would otherwise reach whichever test runs next."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True, scope="session")
def _media_root(tmp_path_factory):
    """Uploaded scans go to a temporary directory, not the checkout's .run/media."""
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture
def world(db) -> World:
    master_data_load(doc=MASTER)
    registration_feed_apply(lines=world_feed(), source="test-world")
    official_create(username="official_a", password=PASSWORD, region_code="370212001")
    official_create(username="official_b", password=PASSWORD, region_code="370212002")
    official_create(username="official_district", password=PASSWORD, region_code="370212")
    firm_user_create(username="firm_a", password=PASSWORD, firm_uscc=FIRM_A)
    firm_user_create(username="firm_b", password=PASSWORD, firm_uscc=FIRM_B)
    users = {n: _signup(n) for n in ("alice", "bob", "bella", "carol")}
    get = User.objects.get
    return World(
        compound_a=Compound.objects.get(code="QD-370212-0001"),
        compound_b=Compound.objects.get(code="QD-370212-0002"),
        official_a=get(username="official_a"),
        official_b=get(username="official_b"),
        official_district=get(username="official_district"),
        firm_a=get(username="firm_a"),
        firm_b=get(username="firm_b"),
        **users,
    )


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def api_as(user: User | None) -> APIClient:
    """An API client authenticated with the user's token (anonymous when None)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def child_process_env(**extra: str) -> dict[str, str]:
    """Environment for a child process (manage.py, celery) that must use this test run's database."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test", **extra}


def browser_as(user: User | None) -> Client:
    """A Django test client logged in as the user (anonymous when None)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


__all__ = ["PASSWORD", "World", "api_as", "browser_as"]


# ------------------------------------------------------------------------ data the migrations seed

# Data migrations whose rows tests rely on (complaint categories, routing table, clock policy): their `seed`
# functions are idempotent (get_or_create).
SEEDING_MIGRATIONS = (
    "complaints.migrations.0002_timeline_append_only_and_categories",
    "complaints.migrations.0004_clock_policy_2341",
)


def seed_migration_data() -> None:
    """Put back what the data migrations seed (a transactional test ends with a flush that empties it)."""
    import importlib

    from django.apps import apps

    from complaints.models import Category, ClockPolicy

    if Category.objects.exists() and ClockPolicy.objects.exists():
        return  # seeded (or left by the last flush's re-seed)
    for name in SEEDING_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


@pytest.fixture
def migration_data(db):
    """The data migrations' rows, whatever an earlier transactional test flushed."""
    seed_migration_data()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    """After a transactional test's flush, seed the data migrations' rows again, so that the tests after it in
    the same worker (and a later run on a reused database) find them."""
    yield
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            seed_migration_data()
