"""API plumbing shared by every app: error format, pagination."""

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError, error_body


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error leaves the API as {"code", "message", "extra"} (api.md, "Conventions")."""
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.extra), status=exc.status)
    if isinstance(exc, Http404):
        return Response(
            error_body("not_found", _("未找到，或您无权查看。")), status=status.HTTP_404_NOT_FOUND
        )
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.Throttled):
        # DRF has already set Retry-After; `extra.wait` carries the same whole seconds for clients.
        wait = math.ceil(exc.wait) if exc.wait is not None else None
        response.data = error_body(
            "throttled", _("请求过于频繁，请 %(wait)s 秒后再试。") % {"wait": wait}, {"wait": wait}
        )
    elif isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", _("输入有误，请检查各字段。"), {"fields": exc.detail})
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(code, str(exc.detail))
    return response


# The error body is the registry's `Error` component (one shape for the whole API, api.md "Conventions").
ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}
ERROR_DESCRIPTIONS = {
    400: "Bad input or refused by a rule",
    401: "Not authenticated",
    403: "Visible, but not allowed",
    404: "Missing, or not visible to you",
    409: "Wrong state",
    413: "Request body too large (`body_too_large`, `extra.limit` bytes)",
    429: "Too many requests (`throttled`, `extra.wait` seconds)",
}


def error_responses(*codes: int) -> dict[int, Any]:
    """drf-spectacular responses for the given error statuses, all with the `Error` body."""
    from drf_spectacular.utils import OpenApiResponse

    return {code: OpenApiResponse(ERROR_SCHEMA, description=ERROR_DESCRIPTIONS[code]) for code in codes}
