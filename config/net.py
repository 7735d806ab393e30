"""Who is asking: the client address every per-address limit (throttles, django-axes, sign-up) counts by."""

from typing import Any


def client_ip(request: Any) -> str | None:
    """The address the request came from: REMOTE_ADDR only. X-Forwarded-For is written by the client and would
    let anyone pick a fresh address per attempt; behind a reverse proxy, the proxy must set REMOTE_ADDR."""
    return request.META.get("REMOTE_ADDR") or None
