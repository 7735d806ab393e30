"""Domain errors raised by services; interfaces translate them (API: 400/403/404/409 with a code)."""

from typing import Any


def error_body(code: str, message: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body of every API error: {"code", "message", "extra"} (api.md, "Conventions")."""
    return {"code": code, "message": message, "extra": extra or {}}


class ApplicationError(Exception):
    """A rule refused the request. `status` is the HTTP status the API answers with (400 by default)."""

    status = 400

    def __init__(
        self, message: str, *, code: str, extra: dict[str, Any] | None = None, status: int | None = None
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
        if status is not None:
            self.status = status

    def __reduce__(self):  # noqa: ANN204 - keeps code/extra/status across pickling (Celery, multiprocessing)
        return (_rebuild, (type(self), self.message, self.code, self.extra, self.status))


def _rebuild(
    cls: type["ApplicationError"], message: str, code: str, extra: dict[str, Any], status: int
) -> "ApplicationError":
    return cls(message, code=code, extra=extra, status=status)


class WrongState(ApplicationError):
    """The object is not in a state that allows this (HTTP 409)."""

    status = 409


class Forbidden(ApplicationError):
    """Visible, but this actor may not do this (HTTP 403)."""

    status = 403
