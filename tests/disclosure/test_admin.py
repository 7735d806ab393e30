"""The admin of disclosure: firms draft and import monthly lines from XLSX (row-level errors, nothing saved from a
file with any), publish and co-sign through actions; scopes come from disclosure.permissions; the city keeps the
fee caps."""

from decimal import Decimal
from http import HTTPStatus
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from config.errors import ApplicationError
from disclosure.labels import Status
from disclosure.models import Disclosure, FeeCap, StatementLine
from disclosure.services.imports import disclosure_import_statement
from disclosure.services.records import disclosure_create, disclosure_publish
from tests.conftest import browser_as
from tests.disclosure.conftest import content_of, statement

IMPORT = "/admin/disclosure/disclosure/import/"


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["收支", "项目", "金额（元）", "摘要"])
    for row in rows:
        sheet.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    ("收入", "广告", "3000.00", "电梯广告 10月"),
    ("收入", "停车", 5200, "地面临时停车"),
    ("支出", "其他", 800.0, "广告位维护"),
]


def test_a_good_file_drafts_api_mds_example(dworld):
    # when: 70 % to the owners, opening 12000
    d = disclosure_import_statement(
        actor=dworld.firm_a,
        compound=dworld.compound_a,
        period="2026-10",
        file=BytesIO(xlsx(GOOD)),
        owners_percent=Decimal("70"),
        opening_balance=Decimal("12000.00"),
    )
    # then: 8200 − 800 = 7400 → 5180 / 2220, closing 17180
    assert d.status == Status.DRAFT
    assert d.content["totals"] == {"income": "8200.00", "expense": "800.00"}
    assert (d.content["owners_share"], d.content["firm_share"]) == ("5180.00", "2220.00")
    assert d.closing_balance == Decimal("17180.00")
    assert StatementLine.objects.filter(disclosure=d).count() == 3


def test_the_opening_defaults_to_the_last_published_closing(dworld):
    october = disclosure_create(
        actor=dworld.firm_a,
        compound=dworld.compound_a,
        kind="operating_statement",
        period="2026-10",
        data=content_of(statement()),
    )
    disclosure_publish(actor=dworld.firm_a, disclosure=october)
    d = disclosure_import_statement(
        actor=dworld.firm_a,
        compound=dworld.compound_a,
        period="2026-11",
        file=BytesIO(xlsx(GOOD)),
        owners_percent=Decimal("70"),
    )
    assert d.opening_balance == Decimal("17180.00")
    assert d.closing_balance == Decimal("22360.00")


def test_a_file_with_bad_rows_lists_every_error_and_saves_nothing(dworld):
    rows = [
        GOOD[0],
        ("收入", "彩票", "10.00", "x"),  # row 3: unknown category
        ("进账", "停车", "-1", "y"),  # row 4: direction and amount
        GOOD[2],
    ]
    with pytest.raises(ApplicationError) as e:
        disclosure_import_statement(
            actor=dworld.firm_a,
            compound=dworld.compound_a,
            period="2026-10",
            file=BytesIO(xlsx(rows)),
            owners_percent=Decimal("70"),
        )
    assert e.value.code == "import_errors"
    assert [(r["row"], r["column"]) for r in e.value.extra["rows"]] == [
        (3, "category"),
        (4, "direction"),
        (4, "amount"),
    ]
    assert Disclosure.objects.count() == 0
    assert StatementLine.objects.count() == 0


def test_three_decimal_places_are_refused(dworld):
    with pytest.raises(ApplicationError) as e:
        disclosure_import_statement(
            actor=dworld.firm_a,
            compound=dworld.compound_a,
            period="2026-10",
            file=BytesIO(xlsx([("收入", "广告", 10.005, "")])),
            owners_percent=Decimal("70"),
        )
    assert e.value.extra["rows"] == [
        {"row": 2, "column": "amount", "message": e.value.extra["rows"][0]["message"]}
    ]
    assert Disclosure.objects.count() == 0


def test_not_an_xlsx_file_is_refused(dworld):
    with pytest.raises(ApplicationError) as e:
        disclosure_import_statement(
            actor=dworld.firm_a,
            compound=dworld.compound_a,
            period="2026-10",
            file=BytesIO(b"not a spreadsheet"),
            owners_percent=Decimal("70"),
        )
    assert e.value.code == "invalid_file"
    assert Disclosure.objects.count() == 0


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "lines.xlsx",
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def test_the_admin_import_page_drafts_from_a_good_file(dworld):
    client = browser_as(dworld.firm_a)
    assert client.get(IMPORT).status_code == HTTPStatus.OK
    response = client.post(
        IMPORT,
        {
            "compound": dworld.compound_a.pk,
            "period": "2026-10",
            "owners_percent": "70",
            "to_maintenance_fund": "0",
            "opening_balance": "12000.00",
            "file": _upload(xlsx(GOOD)),
        },
    )
    d = Disclosure.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/admin/disclosure/disclosure/{d.pk}/change/"
    assert d.closing_balance == Decimal("17180.00")


def test_the_admin_import_page_shows_row_errors_and_saves_nothing(dworld):
    response = browser_as(dworld.firm_a).post(
        IMPORT,
        {
            "compound": dworld.compound_a.pk,
            "period": "2026-10",
            "owners_percent": "70",
            "file": _upload(xlsx([GOOD[0], ("收入", "彩票", "10.00", "")])),
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert 'id="row-errors"' in response.content.decode()
    assert "<td>3</td><td>category</td>" in response.content.decode()
    assert Disclosure.objects.count() == 0


def test_another_firm_cannot_import_for_the_compound(dworld):
    response = browser_as(dworld.firm_b).post(
        IMPORT,
        {
            "compound": dworld.compound_a.pk,
            "period": "2026-10",
            "owners_percent": "70",
            "file": _upload(xlsx(GOOD)),
        },
    )
    assert response.status_code == HTTPStatus.OK  # the form refuses the choice
    assert Disclosure.objects.count() == 0


def test_officials_read_but_do_not_import(dworld):
    assert browser_as(dworld.official_a).get(IMPORT).status_code == HTTPStatus.FORBIDDEN


def test_the_admin_list_is_scoped(dworld):
    a = disclosure_create(
        actor=dworld.firm_a,
        compound=dworld.compound_a,
        kind="operating_statement",
        period="2026-10",
        data=content_of(statement()),
    )
    disclosure_publish(actor=dworld.firm_a, disclosure=a)
    url = "/admin/disclosure/disclosure/"
    assert (
        f"/admin/disclosure/disclosure/{a.pk}/change/"
        in browser_as(dworld.official_a).get(url).content.decode()
    )
    assert (
        f"/admin/disclosure/disclosure/{a.pk}/change/"
        not in browser_as(dworld.official_b).get(url).content.decode()
    )
    assert (
        browser_as(dworld.firm_b).get(f"/admin/disclosure/disclosure/{a.pk}/change/").status_code
        == HTTPStatus.FOUND
    )


def test_the_publish_action_publishes_drafts(dworld):
    d = disclosure_create(
        actor=dworld.firm_a,
        compound=dworld.compound_a,
        kind="operating_statement",
        period="2026-10",
        data=content_of(statement()),
    )
    browser_as(dworld.firm_a).post(
        "/admin/disclosure/disclosure/", {"action": "publish_selected", "_selected_action": [d.pk]}
    )
    d.refresh_from_db()
    assert d.status == Status.PUBLISHED


def test_the_firm_edits_a_draft_in_the_admin_through_the_service(dworld):
    d = disclosure_create(
        actor=dworld.firm_a,
        compound=dworld.compound_a,
        kind="operating_statement",
        period="2026-10",
        data=content_of(statement()),
    )
    import json

    bad = content_of(statement(income="1.00"))
    response = browser_as(dworld.firm_a).post(
        f"/admin/disclosure/disclosure/{d.pk}/change/",
        {
            "period": "2026-10",
            "content": json.dumps(bad),
            "lines-TOTAL_FORMS": "0",
            "lines-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == HTTPStatus.OK  # the refusal shown on the form
    d.refresh_from_db()
    assert d.content["totals"]["income"] == "8200.00"


def test_fee_caps_are_kept_by_the_city_only(dworld, admin_user):
    cap = FeeCap.objects.get(use="residential", grade="一级")
    url = f"/admin/disclosure/feecap/{cap.pk}/change/"
    assert browser_as(dworld.official_a).get(url).status_code == HTTPStatus.OK
    refused = browser_as(dworld.official_a).post(url, {"use": "residential", "grade": "一级", "cap": "9.99"})
    assert refused.status_code == HTTPStatus.FORBIDDEN
    cap.refresh_from_db()
    assert cap.cap == Decimal("2.80")
    browser_as(admin_user).post(url, {"use": "residential", "grade": "一级", "cap": "3.00", "note": ""})
    cap.refresh_from_db()
    assert cap.cap == Decimal("3.00")


def test_the_firm_adds_a_draft_in_the_admin_through_the_service(dworld):
    import json

    from registry.models import AuditEvent

    response = browser_as(dworld.firm_a).post(
        "/admin/disclosure/disclosure/add/",
        {
            "compound": dworld.compound_a.pk,
            "kind": "operating_statement",
            "period": "2026-10",
            "content": json.dumps(content_of(statement())),
            "lines-TOTAL_FORMS": "0",
            "lines-INITIAL_FORMS": "0",
        },
    )
    d = Disclosure.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert (d.status, d.author, d.closing_balance) == (Status.DRAFT, dworld.firm_a, Decimal("17180.00"))
    assert StatementLine.objects.filter(disclosure=d).count() == 3
    assert AuditEvent.objects.filter(verb="disclosure.create", target_id=str(d.pk)).count() == 1
    assert browser_as(dworld.firm_a).get(f"/admin/disclosure/disclosure/{d.pk}/change/").status_code == 200


def test_another_firm_cannot_add_for_the_compound_in_the_admin(dworld):
    import json

    response = browser_as(dworld.firm_b).post(
        "/admin/disclosure/disclosure/add/",
        {
            "compound": dworld.compound_a.pk,
            "kind": "operating_statement",
            "period": "2026-10",
            "content": json.dumps(content_of(statement())),
        },
    )
    assert response.status_code == HTTPStatus.OK  # the compound is not among its choices
    assert Disclosure.objects.count() == 0
