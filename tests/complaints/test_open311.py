"""Open311 GeoReport v2 at /open311/v2/ (open311.md): every resource in JSON and XML, the mapping with every
key present, only published snap-reports about public areas, never personal data, paging and incremental
sync, POST with an api_key, the spec's errors, the key command — and a client nobody here wrote."""

import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent, Open311Key
from complaints.services.cases import (
    Location,
    complaint_file,
    complaint_publish,
    complaint_rate,
    complaint_transition,
)
from complaints.services.cases import open311_key_create as key_create
from config.errors import ApplicationError, Forbidden
from registry.models import AuditEvent
from tests.conftest import A_0101, api_as

BASE = "/open311/v2/"
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")
REQUEST_KEYS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
DESCRIPTION = "5号楼门口垃圾桶满溢两天无人清运"


def _snap(world, *, category="environment", location=None, kind="snap", description=DESCRIPTION):
    return complaint_file(
        actor=world.alice,
        compound=world.compound_a,
        kind=kind,
        category_code=category,
        description=description,
        location=location or Location(building="0005", area="5号楼门口"),
    )


def _published(world, **kwargs):
    return complaint_publish(actor=world.official_a, complaint=_snap(world, **kwargs))


def _get(path, **params):
    return Client().get(BASE + path, params)


def _json(path, **params):
    response = _get(path + ".json", **params)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.status_code, json.loads(response.content)


def _xml(path, **params):
    response = _get(path + ".xml", **params)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return response.status_code, ET.fromstring(response.content)


def _post(fmt="json", **data):
    """As the spec sends it: application/x-www-form-urlencoded."""
    body = urlencode(data)
    return Client().post(f"{BASE}requests.{fmt}", body, content_type="application/x-www-form-urlencoded")


def _xml_request(element):
    return {child.tag: child.text for child in element}


# --------------------------------------------------------------------------------- discovery, services


def test_discovery_in_json_and_xml_lists_both_formats(world):
    # when
    status, body = _json("discovery")
    xml_status, root = _xml("discovery")

    # then
    assert status == xml_status == HTTPStatus.OK
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = body["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://testserver/open311/v2",
        "changeset": body["changeset"],
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("./endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]
    assert root.findtext("./endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"


def test_services_are_the_categories_that_take_snap_reports(world):
    # when
    status, body = _json("services")
    xml_status, root = _xml("services")

    # then
    assert status == xml_status == HTTPStatus.OK
    codes = [s["service_code"] for s in body]
    assert "environment" in codes and "illegal_construction" in codes
    assert "home_repair" not in codes and "fees" not in codes  # no snap-reports in these
    environment = next(s for s in body if s["service_code"] == "environment")
    assert environment == {
        "service_code": "environment",
        "service_name": "环境卫生",
        "description": "环境卫生",
        "metadata": True,
        "type": "realtime",
        "keywords": None,
        "group": None,
    }
    assert all(isinstance(c, str) for c in codes)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == codes
    first = root.find("service")
    assert (first.findtext("metadata"), first.findtext("type")) == ("true", "realtime")


def test_a_service_definition_documents_the_required_compound_attribute(world):
    # when
    status, body = _json("services/environment")
    xml_status, root = _xml("services/environment")

    # then
    assert status == xml_status == HTTPStatus.OK
    assert body["service_code"] == "environment"
    compound, building = body["attributes"]
    assert (compound["code"], compound["datatype"], compound["required"], compound["order"]) == (
        "compound",
        "string",
        True,
        1,
    )
    assert (building["code"], building["required"], building["order"]) == ("building", False, 2)
    assert root.tag == "service_definition"
    assert [a.findtext("code") for a in root.findall("./attributes/attribute")] == ["compound", "building"]
    assert root.findtext("./attributes/attribute/required") == "true"


@pytest.mark.parametrize("code", ["no_such_service", "home_repair"])
def test_an_unknown_service_is_a_404_with_the_errors_body(world, code):
    # when
    status, body = _json(f"services/{code}")
    xml_status, root = _xml(f"services/{code}")

    # then
    assert status == xml_status == HTTPStatus.NOT_FOUND
    assert body == [{"code": 404, "description": f"没有这项服务：{code}。"}]
    assert root.tag == "errors"
    assert root.findtext("./error/code") == "404"


# ---------------------------------------------------------------------------------------- GET requests


def test_a_published_snap_report_maps_to_every_key(world):
    # given
    case = _published(world)
    case.refresh_from_db()

    # when
    status, body = _json("requests")

    # then
    assert status == HTTPStatus.OK
    (request,) = body
    assert list(request) == REQUEST_KEYS
    assert request == {
        "service_request_id": str(case.pk),
        "status": "open",
        "status_notes": None,
        "service_name": "环境卫生",
        "service_code": "environment",
        "description": DESCRIPTION,
        "agency_responsible": "青岛甲物业服务有限公司",  # the firm, for the butler tier
        "service_notice": None,
        "requested_datetime": timezone.localtime(case.submitted_at).isoformat(timespec="seconds"),
        "updated_datetime": timezone.localtime(case.updated_at).isoformat(timespec="seconds"),
        "expected_datetime": None,
        "address": "5号楼门口，5号楼，逸景公馆",
        "address_id": None,
        "zipcode": None,
        "lat": 36.106,
        "long": 120.469,
        "media_url": None,
    }
    assert W3C.match(request["requested_datetime"]) and W3C.match(request["updated_datetime"])


def test_a_published_snap_report_in_xml_has_the_spec_s_elements(world):
    # given
    case = _published(world)

    # when
    status, root = _xml("requests")
    detail_status, detail = _xml(f"requests/{case.pk}")

    # then
    assert status == detail_status == HTTPStatus.OK
    assert root.tag == detail.tag == "service_requests"
    (element,) = root.findall("request")
    request = _xml_request(element)
    assert list(request) == REQUEST_KEYS
    assert request | {"requested_datetime": None, "updated_datetime": None} == {
        "service_request_id": str(case.pk),
        "status": "open",
        "status_notes": None,
        "service_name": "环境卫生",
        "service_code": "environment",
        "description": DESCRIPTION,
        "agency_responsible": "青岛甲物业服务有限公司",
        "service_notice": None,
        "requested_datetime": None,
        "updated_datetime": None,
        "expected_datetime": None,  # an empty element
        "address": "5号楼门口，5号楼，逸景公馆",
        "address_id": None,
        "zipcode": None,
        "lat": "36.106",
        "long": "120.469",
        "media_url": None,
    }
    assert W3C.match(request["requested_datetime"])
    assert _xml_request(detail.find("request")) == request


@pytest.mark.parametrize(
    ("category", "agency"),
    [("elevator", "逸景公馆业主委员会"), ("illegal_construction", "中韩街道")],
)
def test_agency_responsible_names_the_organisation_of_the_current_tier(world, category, agency):
    # given
    case = _published(world, category=category)

    # when
    status, body = _json(f"requests/{case.pk}")

    # then
    assert status == HTTPStatus.OK
    assert body[0]["agency_responsible"] == agency


def test_a_closed_case_reads_closed_with_the_latest_public_reply(world):
    # given: the firm answers publicly, then adds an internal note, then the case is resolved and verified
    case = _published(world)
    for to, note, public in [
        ("accepted", "", True),
        ("dispatched", "", True),
        ("in_progress", "内部：保洁班组人手不足", False),
        ("resolved", "已清运并增加清运频次", True),
    ]:
        complaint_transition(actor=world.firm_a, complaint=case, to=to, note=note, public=public)
    complaint_transition(actor=world.official_a, complaint=case, to="verified")

    # when
    status, body = _json(f"requests/{case.pk}")
    _, closed = _json("requests", status="closed")
    _, still_open = _json("requests", status="open")

    # then: verified is still open (the rating is pending); the internal note never shows
    assert status == HTTPStatus.OK
    assert (body[0]["status"], body[0]["status_notes"]) == ("open", "已清运并增加清运频次")
    assert (closed, [r["service_request_id"] for r in still_open]) == ([], [str(case.pk)])

    # when: the complainant rates it
    complaint_rate(
        actor=world.alice, complaint=case, satisfaction="satisfied", solved=True, note="谢谢，王丽"
    )
    _, body = _json(f"requests/{case.pk}")
    _, closed = _json("requests", status="closed")

    # then: closed; the complainant's own words are not a reply
    assert (body[0]["status"], body[0]["status_notes"]) == ("closed", "已清运并增加清运频次")
    assert [r["service_request_id"] for r in closed] == [str(case.pk)]


def test_no_personal_data_in_any_get(world):
    # given: a published public-area report, and a report about alice's flat (never publishable)
    public = _published(world)
    flat = _snap(world, location=Location(unit_number=A_0101), description="楼上漏水")
    complaint_transition(actor=world.firm_a, complaint=public, to="accepted", note="已受理", public=True)
    unit = world.unit(A_0101)
    secrets = ["王丽", "13800138000", "alice", A_0101, unit.label, "0101", "楼上漏水"]

    # when
    bodies = []
    for fmt in ("json", "xml"):
        for path in (
            "discovery",
            "services",
            "services/environment",
            "requests",
            f"requests/{public.pk}",
            f"requests/{flat.pk}",
        ):
            for params in ({}, {"extensions": "true"}):
                response = _get(f"{path}.{fmt}", **params)
                bodies.append(response.content.decode())

    # then
    text = "\n".join(bodies)
    assert [s for s in secrets if s in text] == []
    assert f'"service_request_id": "{public.pk}"' in text  # the public one is there


def test_unpublished_and_private_cases_are_not_listed(world):
    # given: a snap-report not yet moderated, a complaint, a snap-report about a flat, a withdrawn one
    unpublished = _snap(world)
    complaint = _snap(world, kind="complaint")
    about_a_flat = _snap(world, location=Location(unit_number=A_0101))
    withdrawn = _published(world)
    complaint_publish(actor=world.official_a, complaint=withdrawn, public=False)

    # when
    status, body = _json("requests")
    ids = ",".join(str(c.pk) for c in (unpublished, complaint, about_a_flat, withdrawn))
    _, by_id = _json("requests", service_request_id=ids)
    details = [_json(f"requests/{c.pk}") for c in (unpublished, complaint, about_a_flat, withdrawn)]

    # then
    assert (status, body, by_id) == (HTTPStatus.OK, [], [])
    assert {d[0] for d in details} == {HTTPStatus.NOT_FOUND}
    assert details[0][1] == [{"code": 404, "description": "没有这项资源。"}]


@pytest.mark.parametrize(
    ("who", "kind", "location", "error", "code"),
    [
        ("official_a", "complaint", None, ApplicationError, "not_publishable"),
        ("official_a", "snap", Location(unit_number=A_0101), ApplicationError, "not_publishable"),
        ("official_b", "snap", None, Forbidden, "forbidden"),  # another street
        ("firm_a", "snap", None, Forbidden, "forbidden"),
        ("bob", "snap", None, Forbidden, "forbidden"),  # the committee's director
        ("alice", "snap", None, Forbidden, "forbidden"),  # the complainant
    ],
)
def test_only_the_street_office_publishes_and_only_public_area_snap_reports(
    world, who, kind, location, error, code
):
    # given
    case = _snap(world, kind=kind, location=location)
    events = ComplaintEvent.objects.filter(complaint=case).count()

    # when
    with pytest.raises(error) as refused:
        complaint_publish(actor=getattr(world, who), complaint=case)

    # then: nothing changed
    assert refused.value.code == code
    case.refresh_from_db()
    assert (case.public, ComplaintEvent.objects.filter(complaint=case).count()) == (False, events)


def test_publishing_writes_a_moderation_event(world):
    # given
    case = _snap(world)

    # when
    complaint_publish(actor=world.official_a, complaint=case)

    # then
    case.refresh_from_db()
    event = case.events.order_by("at", "pk").last()
    assert case.public is True
    assert (event.kind, event.actor, event.role, event.public, event.data) == (
        "moderated",
        world.official_a,
        "official",
        True,
        {"public": True},
    )


@pytest.mark.parametrize(
    ("who", "kind", "status", "code"),
    [
        ("official_a", "snap", HTTPStatus.OK, None),
        ("official_district", "snap", HTTPStatus.OK, None),
        ("official_a", "complaint", HTTPStatus.BAD_REQUEST, "not_publishable"),
        ("firm_a", "snap", HTTPStatus.FORBIDDEN, "forbidden"),
        ("alice", "snap", HTTPStatus.FORBIDDEN, "forbidden"),
        ("official_b", "snap", HTTPStatus.NOT_FOUND, None),
        ("carol", "snap", HTTPStatus.NOT_FOUND, None),
        (None, "snap", HTTPStatus.UNAUTHORIZED, None),
    ],
)
def test_the_publish_endpoint_is_the_street_office_s(world, who, kind, status, code):
    # given
    case = _snap(world, kind=kind)

    # when
    response = api_as(getattr(world, who) if who else None).post(
        f"/api/v1/complaints/{case.pk}/publish/", {}, format="json"
    )

    # then
    assert response.status_code == status, response.content
    case.refresh_from_db()
    assert case.public is (status == HTTPStatus.OK)
    if status == HTTPStatus.OK:
        assert response.json()["public"] is True
        assert response.json()["timeline"][-1]["kind"] == "moderated"
        assert _json(f"requests/{case.pk}")[0] == HTTPStatus.OK
    if code:
        assert response.json()["code"] == code


def test_pages_of_at_most_500(world):
    # given: three published reports, the newest last
    cases = [_published(world) for _ in range(3)]

    # when
    _, first = _json("requests", page_size="2")
    _, second = _json("requests", page_size="2", page="2")
    _, third = _json("requests", page_size="2", page="3")
    too_big, body = _json("requests", page_size="501")
    zero, _ = _json("requests", page="0")

    # then
    assert [r["service_request_id"] for r in first] == [str(cases[2].pk), str(cases[1].pk)]
    assert [r["service_request_id"] for r in second] == [str(cases[0].pk)]
    assert third == []
    assert (too_big, zero) == (HTTPStatus.BAD_REQUEST, HTTPStatus.BAD_REQUEST)
    assert body == [{"code": 400, "description": "page_size 应为 1 到 500 之间的整数。"}]


def test_updated_after_returns_what_changed_even_when_filed_long_ago(world):
    # given: an old report updated yesterday, and one untouched for a week
    old, quiet = _published(world), _published(world)
    now = timezone.now()
    Complaint.objects.filter(pk=old.pk).update(
        submitted_at=now - dt.timedelta(days=200), updated_at=now - dt.timedelta(days=1)
    )
    Complaint.objects.filter(pk=quiet.pk).update(updated_at=now - dt.timedelta(days=7))
    since = timezone.localtime(now - dt.timedelta(days=2)).isoformat(timespec="seconds")

    # when
    _, changed = _json("requests", updated_after=since)
    _, default = _json("requests")

    # then: updated_after alone does not default to the last 90 days of submissions; the plain list does
    assert [r["service_request_id"] for r in changed] == [str(old.pk)]
    assert [r["service_request_id"] for r in default] == [str(quiet.pk)]


def test_filters_by_code_date_and_ids_and_empty_equals_absent(world):
    # given
    environment = _published(world)
    elevator = _published(world, category="elevator")
    Complaint.objects.filter(pk=environment.pk).update(submitted_at=timezone.now() - dt.timedelta(days=30))
    ago = timezone.localtime(timezone.now() - dt.timedelta(days=10)).isoformat(timespec="seconds")
    long_ago = timezone.localtime(timezone.now() - dt.timedelta(days=110)).isoformat(timespec="seconds")

    # when / then
    assert [r["service_code"] for r in _json("requests", service_code="elevator,greening")[1]] == ["elevator"]
    assert [r["service_code"] for r in _json("requests", start_date=ago)[1]] == ["elevator"]
    assert [r["service_code"] for r in _json("requests", end_date=ago)[1]] == ["environment"]
    # the id list overrides every other argument
    ids = _json("requests", service_request_id=f"{environment.pk}", service_code="elevator", status="closed")
    assert [r["service_code"] for r in ids[1]] == ["environment"]
    assert _json("requests", status="", service_code="", start_date="") == _json("requests")
    assert _json("requests", start_date=long_ago, end_date=ago)[0] == HTTPStatus.BAD_REQUEST  # > 90 days
    assert _json("requests", start_date="yesterday")[0] == HTTPStatus.BAD_REQUEST
    assert _json("requests", status="pending")[0] == HTTPStatus.BAD_REQUEST
    assert _json("requests", service_request_id="1,x")[0] == HTTPStatus.BAD_REQUEST
    assert _json(f"requests/{elevator.pk}")[0] == HTTPStatus.OK


def test_extensions_add_tier_severity_and_the_public_timeline(world):
    # given
    case = _published(world)
    complaint_transition(actor=world.firm_a, complaint=case, to="accepted", note="已受理，今日清运")
    complaint_transition(actor=world.firm_a, complaint=case, to="dispatched", note="内部派单", public=False)

    # when
    _, plain = _json("requests")
    _, extended = _json(f"requests/{case.pk}", extensions="true")
    _, root = _xml("requests", extensions="true")

    # then
    assert list(plain[0]) == REQUEST_KEYS
    request = extended[0]
    assert request["extended_attributes"] == {"tier": "butler", "severity": "minor"}
    assert [(n["type"], n["status"], n["description"]) for n in request["notes"]] == [
        ("filed", "submitted", None),
        ("moderated", None, None),
        ("transition", "accepted", "已受理，今日清运"),
    ]
    assert all(W3C.match(n["datetime"]) for n in request["notes"])
    assert root.findtext("./request/extended_attributes/tier") == "butler"
    assert [n.findtext("type") for n in root.findall("./request/notes/note")] == [
        "filed",
        "moderated",
        "transition",
    ]


def test_the_list_costs_the_same_queries_for_one_report_or_many(world):
    # given
    _published(world)
    with CaptureQueriesContext(connection) as one:
        _json("requests", extensions="true")
    for _ in range(3):
        _published(world, category="elevator")

    # when
    with CaptureQueriesContext(connection) as four:
        _, body = _json("requests", extensions="true")

    # then
    assert len(body) == 4
    assert len(four) == len(one)


def test_tokens_are_never_issued(world):
    # when
    status, body = _json("tokens/abc")
    xml_status, root = _xml("tokens/abc")

    # then
    assert (status, xml_status) == (HTTPStatus.NOT_FOUND, HTTPStatus.NOT_FOUND)
    assert body[0]["code"] == 404 and root.findtext("./error/code") == "404"


def test_an_unknown_resource_is_a_404_with_the_errors_body(world):
    # when
    status, body = _json("servicerequestupdates")
    xml_status, root = _xml("requests/1/extra")

    # then
    assert (status, xml_status) == (HTTPStatus.NOT_FOUND, HTTPStatus.NOT_FOUND)
    assert body == [{"code": 404, "description": "没有这项资源。"}]
    assert (root.tag, root.findtext("./error/code")) == ("errors", "404")


def test_an_unsupported_method_is_a_400_with_the_errors_body(world):
    # when
    response = Client().delete(f"{BASE}services.json")

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert json.loads(response.content) == [{"code": 400, "description": "不支持 DELETE 方法。"}]


# ---------------------------------------------------------------------------------------------- POST


def _form(key, **overrides):
    return {
        "api_key": key,
        "jurisdiction_id": "gongzhi.example",
        "service_code": "environment",
        "attribute[compound]": "QD-370212-0001",
        "attribute[building]": "0005",
        "address_string": "5号楼东侧绿地",
        "lat": "36.10612",
        "long": "120.46905",
        "description": "绿地里有建筑垃圾\n请清理",
        "email": "wangli@example.com",
        "first_name": "丽",
        "last_name": "王",
        "phone": "13912345678",
        "device_id": "dev-1",
        "account_id": "acct-9",
    } | overrides


def test_post_with_a_key_files_a_snap_report_as_the_key_s_account(world):
    # given
    _, key = key_create(user=world.alice, name="市民热线对接")

    # when
    response = _post(**_form(key))

    # then
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json; charset=utf-8"
    (body,) = json.loads(response.content)
    case = Complaint.objects.get()
    assert body == {
        "service_request_id": str(case.pk),
        "service_notice": "已提交，由相关单位处理；经街道审核后公开展示。",
        "account_id": None,
    }
    assert (case.complainant, case.kind, case.category.code, case.compound) == (
        world.alice,
        "snap",
        "environment",
        world.compound_a,
    )
    assert (case.area, case.building.number, case.unit, case.public) == ("5号楼东侧绿地", "0005", None, False)
    assert case.description == "绿地里有建筑垃圾\n请清理"
    stored = json.dumps(list(Complaint.objects.values()) + list(ComplaintEvent.objects.values()), default=str)
    assert [s for s in ("13912345678", "wangli@example.com", "dev-1", "acct-9") if s in stored] == []
    # not public until moderated
    assert _json(f"requests/{case.pk}")[0] == HTTPStatus.NOT_FOUND


def test_post_in_xml_and_with_coordinates_only(world):
    # given
    _, key = key_create(user=world.alice, name="xml")

    # when
    response = _post("xml", **_form(key, address_string=""))

    # then
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    case = Complaint.objects.get()
    assert root.tag == "service_requests"
    assert root.findtext("./request/service_request_id") == str(case.pk)
    assert root.find("./request/account_id").text is None
    assert case.area == "36.10612,120.46905"


@pytest.mark.parametrize("key", ["", "not-a-key", "disabled"])
def test_post_without_a_valid_key_is_a_403_and_creates_nothing(world, key):
    # given
    row, real = key_create(user=world.alice, name="停用")
    Open311Key.objects.filter(pk=row.pk).update(active=False)
    sent = real if key == "disabled" else key

    # when
    response = _post(**_form(sent))
    xml_response = _post("xml", **_form(sent))

    # then
    assert (response.status_code, xml_response.status_code) == (HTTPStatus.FORBIDDEN, HTTPStatus.FORBIDDEN)
    assert json.loads(response.content) == [
        {"code": 403, "description": "api_key 无效或缺失，无法提交请求。"}
    ]
    assert ET.fromstring(xml_response.content).findtext("./error/code") == "403"
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "status", "description"),
    [
        ({"service_code": "no_such"}, HTTPStatus.NOT_FOUND, "没有这项服务：no_such。"),
        ({"service_code": "home_repair"}, HTTPStatus.NOT_FOUND, "没有这项服务：home_repair。"),
        ({"service_code": ""}, HTTPStatus.BAD_REQUEST, "缺少 service_code。"),
        (
            {"attribute[compound]": ""},
            HTTPStatus.BAD_REQUEST,
            "缺少必填属性 attribute[compound]（小区代码）。",
        ),
        ({"attribute[compound]": "QD-0"}, HTTPStatus.BAD_REQUEST, "没有这个小区：QD-0。"),
        (
            {"address_string": "", "lat": "", "long": ""},
            HTTPStatus.BAD_REQUEST,
            "请提供位置：lat 与 long、address_string 或 address_id 之一。",
        ),
        ({"long": ""}, HTTPStatus.BAD_REQUEST, "lat 与 long 须同时提供。"),
        ({"lat": "91"}, HTTPStatus.BAD_REQUEST, "lat/long 不是有效的 WGS84 坐标。"),
        ({"description": ""}, HTTPStatus.BAD_REQUEST, "请描述问题。"),
        ({"description": "长" * 2001}, HTTPStatus.BAD_REQUEST, "description 不能超过 2000 个字符。"),
        ({"attribute[building]": "9999"}, HTTPStatus.BAD_REQUEST, "本小区没有这栋楼：9999。"),
    ],
)
def test_post_refusals_use_the_spec_s_errors_and_create_nothing(world, overrides, status, description):
    # given
    _, key = key_create(user=world.alice, name="k")

    # when
    response = _post(**_form(key, **overrides))

    # then
    assert response.status_code == status
    assert json.loads(response.content) == [{"code": int(status), "description": description}]
    assert Complaint.objects.count() == 0


def test_post_by_a_key_whose_account_may_not_file_there(world):
    # given: carol owns a flat in 海韵小区, not in 逸景公馆; the firm sees 逸景公馆 but owns nothing there
    _, carols = key_create(user=world.carol, name="carol")
    _, firms = key_create(user=world.firm_a, name="firm")

    # when
    own = _post(**_form(carols, **{"attribute[compound]": "QD-370212-0002", "attribute[building]": ""}))
    elsewhere = _post(**_form(carols))
    firm = _post(**_form(firms))

    # then: her own compound works; one she cannot see is unknown to her; the firm's account is refused
    assert own.status_code == HTTPStatus.OK
    assert (elsewhere.status_code, json.loads(elsewhere.content)) == (
        HTTPStatus.BAD_REQUEST,
        [{"code": 400, "description": "没有这个小区：QD-370212-0001。"}],
    )
    assert (firm.status_code, json.loads(firm.content)) == (
        HTTPStatus.FORBIDDEN,
        [{"code": 403, "description": "只有本小区的业主可以提交。"}],
    )
    assert list(Complaint.objects.values_list("complainant", flat=True)) == [world.carol.pk]


def test_the_management_command_prints_a_key_that_works(world):
    # given
    out, err = io.StringIO(), io.StringIO()

    # when
    call_command("create_open311_key", "--user", "alice", "--name", "热线", stdout=out, stderr=err)
    key = out.getvalue().strip()

    # then
    row = Open311Key.objects.get()
    assert (row.name, row.user, row.active) == ("热线", world.alice, True)
    audit = AuditEvent.objects.get(verb="open311_key.create")
    assert (audit.target_id, audit.data) == (str(row.pk), {"user": world.alice.pk, "name": "热线"})
    assert key not in json.dumps(audit.data)
    assert key not in (row.key_hash, "") and row.key_hash == Open311Key.digest(key)
    assert _post(**_form(key)).status_code == HTTPStatus.OK
    assert Complaint.objects.get().complainant == world.alice


def test_the_management_command_refuses_an_unknown_account(world):
    # when / then
    with pytest.raises(CommandError):
        call_command("create_open311_key", "--user", "nobody", "--name", "x", stdout=io.StringIO())
    assert Open311Key.objects.count() == 0


def test_a_post_body_over_the_api_cap_is_refused_before_it_is_read(world, settings):
    # given
    settings.API_MAX_BODY_BYTES = 1024
    _, key = key_create(user=world.alice, name="k")

    # when
    response = _post(**_form(key, description="长" * 600))

    # then
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert Complaint.objects.count() == 0


def test_a_multipart_post_is_read_too(world):
    # given
    _, key = key_create(user=world.alice, name="k")

    # when
    response = Client().post(f"{BASE}requests.json", _form(key))

    # then
    assert response.status_code == HTTPStatus.OK
    assert Complaint.objects.get().area == "5号楼东侧绿地"


def test_errors_speak_english_when_asked(world):
    # when
    response = Client().get(f"{BASE}services/no_such.json", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert json.loads(response.content) == [{"code": 404, "description": "No such service: no_such."}]
