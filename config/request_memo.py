"""A per-request memo for values that cost a query and do not change while a request is served (a user's
jurisdiction). Outside a request — services called from tasks, commands and tests — nothing is kept, so a
value is always read fresh there."""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

T = TypeVar("T")

_memo: ContextVar[dict[Any, Any] | None] = ContextVar("gongzhi_request_memo", default=None)


def memoised(key: Any, compute: Callable[[], T]) -> T:
    """`compute()` once per request for `key` (every time outside a request)."""
    store = _memo.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def forget(key: Any) -> None:
    """Drop a memoised value (after a write in the same request changed it)."""
    store = _memo.get()
    if store is not None:
        store.pop(key, None)


class RequestMemoMiddleware:
    """Opens the memo for the request and drops it when the response is ready."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
