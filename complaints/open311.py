"""Open311 GeoReport v2 at /open311/v2/ (../shared/spec/open311.md): discovery, services, one service's
definition, published snap-reports (GET) and filing one with an `api_key` (POST), one request, tokens — each as
`.json` and `.xml`. Thin: parse, authorise, call complaints.selectors / complaints.services, render.

Mapping: `service_code` = the category code; `status` open/closed (open = complaints.labels.OPEN_STATES);
`agency_responsible` = the handling organisation's name; `address` = the public area, building and compound,
never a flat; coordinates are the compound's, rounded. GET never shows who filed a case.
"""

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from http import HTTPStatus
from typing import Any
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from complaints.labels import OPEN_STATES, Kind
from complaints.models import Category, Complaint
from complaints.selectors import (
    complaint_agency_name,
    complaint_expected_at,
    complaint_media_url,
    complaint_public_get,
    complaint_public_list,
    complaint_public_notes,
    open311_key_user,
    service_get,
    service_list,
)
from complaints.services.cases import Location, complaint_file
from config.errors import ApplicationError, Forbidden
from registry.selectors import compound_get_visible

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# Sortable; raise it when the service list or a service definition changes shape (clients refresh caches).
CHANGESET = "2026-12-04T00:00:00+08:00"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
BEIJING = ZoneInfo("Asia/Shanghai")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_SPAN = dt.timedelta(days=90)
MAX_DESCRIPTION = 2000  # the case's own limit (the spec allows 4,000; a longer text is refused, not cut)
COORDINATE_DECIMALS = 3  # ~100 m: the compound, never a building or a flat

# XML: the element name of each child of a repeated container (JSON: an array).
CHILD = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
}


class Open311Error(Exception):
    """Answered with the spec's `errors` body (400, 403 or 404)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


# ------------------------------------------------------------------------------------------ rendering


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, child in value.items():
            _xml_value(element, key, child)
    elif isinstance(value, list):
        for child in value:
            _xml_value(element, CHILD[name], child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def _xml(root: str, data: Any) -> bytes:
    holder = ET.Element("holder")
    _xml_value(holder, root, data)
    body = ET.tostring(holder[0], encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'.encode()


def _render(fmt: str, root: str, data: Any, status: int = HTTPStatus.OK) -> HttpResponse:
    """JSON: collections as top-level arrays, objects otherwise ("Spark convention"); XML: `root` element."""
    if fmt == "json":
        content = json.dumps(data, ensure_ascii=False).encode()
    else:
        content = _xml(root, data)
    return HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])


def _errors(fmt: str, status: int, description: str) -> HttpResponse:
    return _render(fmt, "errors", [{"code": int(status), "description": description}], status=status)


def open311_endpoint(*methods: str) -> Callable:
    """Answers refusals with the `errors` body in the requested format; other methods are a 400."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())
            if request.method not in allowed:
                return _errors(fmt, HTTPStatus.BAD_REQUEST, _("不支持 %(m)s 方法。") % {"m": request.method})
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as e:
                return _errors(fmt, e.status, e.description)
            except Http404:
                return _errors(fmt, HTTPStatus.NOT_FOUND, _("没有这项资源。"))

        return csrf_exempt(wrapper)

    return decorate


def _w3c(value: dt.datetime | None) -> str | None:
    """W3C-DTF with the offset, Beijing time: 2026-12-04T23:05:00+08:00."""
    return value.astimezone(BEIJING).isoformat(timespec="seconds") if value else None


def _coordinate(value: Decimal | None) -> float | None:
    return float(round(value, COORDINATE_DECIMALS)) if value is not None else None


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name,
        "metadata": True,  # attribute[compound] is required
        "type": "realtime",
        "keywords": None,
        "group": None,
    }


def _request(case: Complaint, *, extensions: bool) -> dict[str, Any]:
    """One published case with every key of GeoReport v2 (null where empty) — nothing that names a person."""
    places = [case.area, case.building.name if case.building else "", case.compound.name]
    body: dict[str, Any] = {
        "service_request_id": str(case.pk),
        "status": "open" if case.status in OPEN_STATES else "closed",
        "status_notes": getattr(case, "status_notes", None) or None,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description or None,
        "agency_responsible": complaint_agency_name(complaint=case),
        "service_notice": None,
        "requested_datetime": _w3c(case.submitted_at),
        "updated_datetime": _w3c(case.updated_at),
        "expected_datetime": _w3c(complaint_expected_at(complaint=case)),
        "address": "，".join(p for p in places if p),  # most specific first
        "address_id": None,
        "zipcode": None,
        "lat": _coordinate(case.compound.lat),
        "long": _coordinate(case.compound.lng),
        "media_url": complaint_media_url(complaint=case),
    }
    if extensions:
        body["extended_attributes"] = {"tier": case.tier, "severity": case.severity}
        body["notes"] = [
            note | {"datetime": _w3c(note["datetime"])} for note in complaint_public_notes(complaint=case)
        ]
    return body


# ------------------------------------------------------------------------------------------- parsing


def _param(request: HttpRequest, name: str) -> str:
    """An optional argument; passed empty is the same as not passed (GeoReport v2)."""
    return request.GET.get(name, "").strip()


def _list(request: HttpRequest, name: str) -> list[str]:
    return [v.strip() for v in _param(request, name).split(",") if v.strip()]


def _datetime(request: HttpRequest, name: str) -> dt.datetime | None:
    raw = _param(request, name)
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))  # a `+` sent unencoded arrives as a space
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(HTTPStatus.BAD_REQUEST, _("%(name)s 不是 W3C 日期时间。") % {"name": name})
    return value if timezone.is_aware(value) else value.replace(tzinfo=BEIJING)


def _int(request: HttpRequest, name: str, default: int, *, most: int | None = None) -> int:
    raw = _param(request, name)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1 or (most is not None and int(raw) > most):
        raise Open311Error(
            HTTPStatus.BAD_REQUEST,
            _("%(name)s 应为 1 到 %(most)s 之间的整数。") % {"name": name, "most": most or "∞"},
        )
    return int(raw)


def _window(request: HttpRequest, *, incremental: bool) -> tuple[dt.datetime | None, dt.datetime | None]:
    """`start_date`/`end_date` on the submission time: at most 90 days; alone, each opens a 90-day window;
    neither: the last 90 days — unless the client syncs by `updated_after`/`updated_before`."""
    start, end = _datetime(request, "start_date"), _datetime(request, "end_date")
    if start and end:
        if end < start or end - start > MAX_SPAN:
            raise Open311Error(
                HTTPStatus.BAD_REQUEST, _("start_date 与 end_date 应有先后，且相隔不超过 90 天。")
            )
        return start, end
    if start:
        return start, start + MAX_SPAN
    if end:
        return end - MAX_SPAN, end
    return (None, None) if incremental else (timezone.now() - MAX_SPAN, None)


# --------------------------------------------------------------------------------------------- views


@open311_endpoint("GET")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    return _render(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": _("共治平台运营方（所在街道办事处）"),
            "key_service": _("提交请求需要 api_key，请向平台运营方（所在街道办事处）申请。"),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": request.build_absolute_uri("/open311/v2"),
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@open311_endpoint("GET")
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    return _render(fmt, "services", [_service(c) for c in service_list()])


@open311_endpoint("GET")
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    category = service_get(code=code)
    if category is None:
        raise Open311Error(HTTPStatus.NOT_FOUND, _("没有这项服务：%(code)s。") % {"code": code})
    attributes = [
        {
            "variable": True,
            "code": "compound",
            "datatype": "string",
            "required": True,
            "datatype_description": _("小区代码，例如 QD-370212-0001"),
            "order": 1,
            "description": _("问题所在的小区"),
            "values": [],
        },
        {
            "variable": True,
            "code": "building",
            "datatype": "string",
            "required": False,
            "datatype_description": _("楼栋编号（4 位数字），例如 0005"),
            "order": 2,
            "description": _("问题所在的楼栋（可不填）"),
            "values": [],
        },
    ]
    return _render(fmt, "service_definition", {"service_code": category.code, "attributes": attributes})


@open311_endpoint("GET", "POST")
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _request_create(request, fmt=fmt)
    extensions = _param(request, "extensions").lower() == "true"
    page = _int(request, "page", 1)
    page_size = _int(request, "page_size", DEFAULT_PAGE_SIZE, most=MAX_PAGE_SIZE)
    raw_ids = _list(request, "service_request_id")
    if raw_ids:
        if not all(i.isdigit() for i in raw_ids):
            raise Open311Error(HTTPStatus.BAD_REQUEST, _("service_request_id 应为以逗号分隔的编号。"))
        cases = complaint_public_list(ids=[int(i) for i in raw_ids], with_notes=extensions)
    else:
        statuses = _list(request, "status")
        if set(statuses) - {"open", "closed"}:
            raise Open311Error(HTTPStatus.BAD_REQUEST, _("status 只能是 open 或 closed。"))
        updated_after = _datetime(request, "updated_after")
        updated_before = _datetime(request, "updated_before")
        start, end = _window(request, incremental=bool(updated_after or updated_before))
        cases = complaint_public_list(
            codes=_list(request, "service_code"),
            start=start,
            end=end,
            statuses=statuses,
            updated_after=updated_after,
            updated_before=updated_before,
            with_notes=extensions,
        )
    window = cases[(page - 1) * page_size : page * page_size]
    return _render(fmt, "service_requests", [_request(c, extensions=extensions) for c in window])


def _request_create(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """POST: file a snap-report as the key's account; submitter fields (name, phone, e-mail…) are not kept."""
    user = open311_key_user(key=request.POST.get("api_key", ""))
    if user is None:
        raise Open311Error(HTTPStatus.FORBIDDEN, _("api_key 无效或缺失，无法提交请求。"))
    code = request.POST.get("service_code", "").strip()
    if not code:
        raise Open311Error(HTTPStatus.BAD_REQUEST, _("缺少 service_code。"))
    if service_get(code=code) is None:
        raise Open311Error(HTTPStatus.NOT_FOUND, _("没有这项服务：%(code)s。") % {"code": code})
    compound_code = request.POST.get("attribute[compound]", "").strip()
    if not compound_code:
        raise Open311Error(HTTPStatus.BAD_REQUEST, _("缺少必填属性 attribute[compound]（小区代码）。"))
    try:
        compound = compound_get_visible(user=user, code=compound_code)
    except Http404:
        raise Open311Error(
            HTTPStatus.BAD_REQUEST, _("没有这个小区：%(code)s。") % {"code": compound_code}
        ) from None
    description = request.POST.get("description", "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(
            HTTPStatus.BAD_REQUEST, _("description 不能超过 %(n)s 个字符。") % {"n": MAX_DESCRIPTION}
        )
    try:
        complaint = complaint_file(
            actor=user,
            compound=compound,
            kind=Kind.SNAP,
            category_code=code,
            description=description,
            location=Location(
                building=request.POST.get("attribute[building]", "").strip(), area=_place(request)
            ),
        )
    except Forbidden as e:
        raise Open311Error(HTTPStatus.FORBIDDEN, e.message) from None
    except ApplicationError as e:
        raise Open311Error(HTTPStatus.BAD_REQUEST, e.message) from None
    return _render(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": str(complaint.pk),
                "service_notice": _("已提交，由相关单位处理；经街道审核后公开展示。"),
                "account_id": None,
            }
        ],
    )


def _place(request: HttpRequest) -> str:
    """The public-area label from one of the spec's location forms: `address_string`, `address_id` or
    `lat` and `long` together (WGS84)."""
    address = request.POST.get("address_string", "").strip() or request.POST.get("address_id", "").strip()
    lat, long = request.POST.get("lat", "").strip(), request.POST.get("long", "").strip()
    if bool(lat) != bool(long):
        raise Open311Error(HTTPStatus.BAD_REQUEST, _("lat 与 long 须同时提供。"))
    if lat:
        try:
            la, lo = float(lat), float(long)
        except ValueError:
            la = lo = float("nan")
        if not (-90 <= la <= 90 and -180 <= lo <= 180):
            raise Open311Error(HTTPStatus.BAD_REQUEST, _("lat/long 不是有效的 WGS84 坐标。"))
        address = address or f"{la:.5f},{lo:.5f}"
    if not address:
        raise Open311Error(
            HTTPStatus.BAD_REQUEST, _("请提供位置：lat 与 long、address_string 或 address_id 之一。")
        )
    return address


@open311_endpoint("GET")
def request_detail(request: HttpRequest, id: str, *, fmt: str) -> HttpResponse:
    if not id.isdigit():
        raise Http404
    extensions = _param(request, "extensions").lower() == "true"
    case = complaint_public_get(complaint_id=int(id), with_notes=extensions)
    return _render(fmt, "service_requests", [_request(case, extensions=extensions)])


@open311_endpoint("GET")
def token(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    # Every service is realtime: POST returns the id at once and never a token.
    raise Open311Error(HTTPStatus.NOT_FOUND, _("没有这个 token：本接口直接返回 service_request_id。"))


@open311_endpoint("GET", "POST")
def unknown(request: HttpRequest, path: str, *, fmt: str) -> HttpResponse:
    raise Http404
