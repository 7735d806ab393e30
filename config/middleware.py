"""Request-body limits of the API, enforced before any parser reads a byte.

DRF's parsers read the request stream themselves and never look at DATA_UPLOAD_MAX_MEMORY_SIZE, so without this
an anonymous endpoint (token, sign-up) would parse a JSON body of any size. Under `/api/` and `/open311/`:

- a declared `Content-Length` above the limit is answered `413 body_too_large` before the view runs;
- a body without a length (chunked, or a server that passes one through) is read through a counting stream that
  raises `BodyTooLarge` as soon as more than the limit has been read.

The limit is `API_MAX_UPLOAD_BYTES` for multipart bodies sent to a view that reads uploads (a DRF view with a
multipart parser, or a plain Django view) and `API_MAX_BODY_BYTES` for everything else, so an anonymous JSON
endpoint never accepts an upload-sized body whatever its declared type.
"""

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.parsers import FileUploadParser, MultiPartParser

from config.errors import ApplicationError, error_body

LIMITED_PREFIXES = ("/api/", "/open311/")


class BodyTooLarge(ApplicationError):
    """The request body is larger than the API accepts (HTTP 413)."""

    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE

    def __init__(self, *, limit: int) -> None:
        super().__init__(
            _("请求内容超过 %(limit)s 字节的上限。") % {"limit": limit},
            code="body_too_large",
            extra={"limit": limit},
        )


class _CappedStream:
    """Reads through to the request stream and refuses the byte after the limit."""

    def __init__(self, stream: Any, limit: int) -> None:
        self._stream, self._limit, self._read = stream, limit, 0

    def _count(self, data: bytes) -> bytes:
        self._read += len(data)
        if self._read > self._limit:
            raise BodyTooLarge(limit=self._limit)
        return data

    def read(self, size: int | None = -1) -> bytes:
        # Never ask for more than one byte past the limit: that byte is enough to refuse.
        room = self._limit - self._read + 1
        return self._count(self._stream.read(room if size is None or size < 0 else min(size, room)))

    def readline(self, size: int | None = -1) -> bytes:
        room = self._limit - self._read + 1
        return self._count(self._stream.readline(room if size is None or size < 0 else min(size, room)))

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


def _reads_uploads(view_func: Callable) -> bool:
    cls = getattr(view_func, "cls", None)  # DRF's as_view() sets it
    if cls is None:
        return True
    return any(issubclass(p, MultiPartParser | FileUploadParser) for p in cls.parser_classes)


def body_limit(request: HttpRequest, view_func: Callable) -> int:
    """The most bytes this request's body may have."""
    multipart = request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/")
    if multipart and _reads_uploads(view_func):
        # a view taking several files (a complaint's nine photos) names its own setting
        setting = getattr(getattr(view_func, "cls", None), "upload_limit_setting", None)
        return getattr(settings, setting) if setting else settings.API_MAX_UPLOAD_BYTES
    return settings.API_MAX_BODY_BYTES


def too_large_response(limit: int) -> JsonResponse:
    error = BodyTooLarge(limit=limit)
    return JsonResponse(error_body(error.code, error.message, error.extra), status=error.status)


class RequestBodyLimitMiddleware:
    """Caps API request bodies (module docstring). Must come before any middleware whose `process_view` reads
    the body (CsrfViewMiddleware reads `request.POST`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not request.path_info.startswith(LIMITED_PREFIXES):
            return None
        limit = body_limit(request, view_func)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return too_large_response(limit)
        request._stream = _CappedStream(request._stream, limit)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Plain Django views; DRF views answer through config.api.exception_handler (an ApplicationError).
        if isinstance(exception, BodyTooLarge):
            return too_large_response(exception.extra["limit"])
        return None
