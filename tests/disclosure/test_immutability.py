"""A published record never changes, through every door: the API, the admin, a direct ORM save, raw SQL — only a
correction's publication moves it to superseded."""

from http import HTTPStatus

import pytest
from django.db import IntegrityError, connection, transaction

from disclosure.labels import Status
from disclosure.models import Disclosure, StatementLine
from disclosure.services.records import disclosure_create, disclosure_publish
from tests.conftest import api_as, browser_as
from tests.disclosure.conftest import content_of, statement


@pytest.fixture
def published(dworld) -> Disclosure:
    d = disclosure_create(
        actor=dworld.firm_a,
        compound=dworld.compound_a,
        kind="operating_statement",
        period="2026-10",
        data=content_of(statement()),
    )
    return disclosure_publish(actor=dworld.firm_a, disclosure=d)


def _snapshot(d: Disclosure):
    row = Disclosure.objects.values().get(pk=d.pk)
    lines = list(StatementLine.objects.filter(disclosure=d).values_list("position", "amount", "summary"))
    return row, lines


def test_publishing_stamps_time_publisher_and_content_hash(published, dworld):
    assert published.status == Status.PUBLISHED
    assert published.published_at is not None
    assert published.published_by == dworld.firm_a
    assert published.content_hash.startswith("sha256:")
    assert len(published.content_hash) == len("sha256:") + 64


def test_orm_save_of_a_published_record_is_refused_by_the_database(published):
    before = _snapshot(published)
    published.content = {**published.content, "owners_share": "9999.00"}
    with pytest.raises(IntegrityError), transaction.atomic():
        published.save()
    assert _snapshot(published) == before


def test_orm_queryset_update_and_delete_are_refused(published):
    before = _snapshot(published)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disclosure.objects.filter(pk=published.pk).update(closing_balance="1.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Disclosure.objects.filter(pk=published.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Disclosure.objects.filter(pk=published.pk).update(status=Status.DRAFT)
    assert _snapshot(published) == before


def test_raw_sql_update_of_content_or_lines_is_refused(published):
    before = _snapshot(published)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE disclosure_disclosure SET content = '{}'::jsonb WHERE id = %s", [published.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE disclosure_statementline SET amount = 1 WHERE disclosure_id = %s", [published.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM disclosure_statementline WHERE disclosure_id = %s", [published.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO disclosure_statementline (disclosure_id, position, direction, category, amount, summary)"
            " VALUES (%s, 9, 'income', 'other', 1, 'x')",
            [published.pk],
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "UPDATE disclosure_disclosure SET status = 'superseded', reason = 'x' WHERE id = %s",
            [published.pk],
        )
    assert _snapshot(published) == before


def test_sql_may_only_flag_a_published_row_superseded(published):
    # the one change a correction's publication makes, and nothing else with it
    with connection.cursor() as cur:
        cur.execute("UPDATE disclosure_disclosure SET status = 'superseded' WHERE id = %s", [published.pk])
    published.refresh_from_db()
    assert published.status == Status.SUPERSEDED
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE disclosure_disclosure SET status = 'published' WHERE id = %s", [published.pk])


def test_a_draft_cannot_jump_to_superseded(dworld):
    d = disclosure_create(
        actor=dworld.firm_a,
        compound=dworld.compound_a,
        kind="operating_statement",
        period="2026-10",
        data=content_of(statement()),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Disclosure.objects.filter(pk=d.pk).update(status=Status.SUPERSEDED)


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_api_change_or_delete_of_a_published_record_is_409_immutable(published, dworld, method):
    before = _snapshot(published)
    client = api_as(dworld.firm_a)
    body = content_of(statement(owners="5000.00", firm="2400.00", closing="17000.00"))
    response = getattr(client, method)(f"/api/v1/disclosures/{published.pk}/", body, format="json")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "immutable"
    assert _snapshot(published) == before


def test_publishing_twice_is_409(published, dworld):
    before = _snapshot(published)
    response = api_as(dworld.firm_a).post(f"/api/v1/disclosures/{published.pk}/publish/")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "immutable"
    assert _snapshot(published) == before


def test_admin_shows_a_published_record_read_only_and_refuses_a_post(published, dworld):
    before = _snapshot(published)
    client = browser_as(dworld.firm_a)
    url = f"/admin/disclosure/disclosure/{published.pk}/change/"
    page = client.get(url)
    assert page.status_code == HTTPStatus.OK
    assert b'name="_save"' not in page.content
    response = client.post(url, {"period": "2026-09", "content": "{}"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    delete = client.post(f"/admin/disclosure/disclosure/{published.pk}/delete/", {"post": "yes"})
    assert delete.status_code == HTTPStatus.FORBIDDEN
    assert _snapshot(published) == before


def test_admin_of_a_superuser_cannot_change_a_published_record_either(published, dworld, admin_user):
    before = _snapshot(published)
    client = browser_as(admin_user)
    response = client.post(f"/admin/disclosure/disclosure/{published.pk}/change/", {"period": "2026-09"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert _snapshot(published) == before


def test_the_content_hash_is_recomputable_from_what_the_record_says(published, dworld):
    from disclosure.content import content_hash

    stored = Disclosure.objects.get(pk=published.pk)
    assert stored.content_hash == content_hash(
        compound_code=dworld.compound_a.code,
        kind=stored.kind,
        period=stored.period,
        content=stored.content,
        supersedes=None,
        reason="",
    )
    tampered = {**stored.content, "owners_share": "5181.00"}
    assert stored.content_hash != content_hash(
        compound_code=dworld.compound_a.code,
        kind=stored.kind,
        period=stored.period,
        content=tampered,
        supersedes=None,
        reason="",
    )
