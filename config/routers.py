"""Read replicas for the officials' dashboards: a database router that sends only marked reads to `replica`.

When `DATABASE_REPLICA_URL` is set, settings add a `replica` alias (a streaming standby of `default`). Reads go
there only inside `dashboard_reads()` — a context manager and a decorator for the read-only figures and
overview pages and their API — and only when it is safe:

- writes always go to `default` (a standby refuses them anyway);
- a read inside a transaction on `default` stays there: it must see the transaction's own writes, and locks
  (`select_for_update`) exist only on the primary;
- accounts, sessions, tokens, permissions and sign-in lockouts stay on `default` whatever the block: the
  trust layer decides on the primary's rows, never on a lagging copy;
- without a `replica` alias every read goes to `default`, so the same code runs on one server.

Everything else — every page that is not a dashboard, every task, every command — reads `default`: a
replica lags by a fraction of a second up to minutes under load, which a month's figures tolerate and a
complaint's own page (just submitted, just answered) does not.

Raw SQL that names `django.db.connection` bypasses routers; a dashboard selector with raw SQL takes its
connection from `dashboard_connection()` instead.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

REPLICA = "replica"

# Apps whose rows decide who someone is and what they may do: read on the primary only.
PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "authtoken", "guardian", "axes", "admin", "contenttypes"})

F = TypeVar("F", bound=Callable[..., Any])

_dashboard = contextvars.ContextVar("dashboard_reads", default=False)


@contextmanager
def _dashboard_block() -> Iterator[None]:
    token = _dashboard.set(True)
    try:
        yield
    finally:
        _dashboard.reset(token)


def dashboard_reads(view: F | None = None) -> F | AbstractContextManager[None]:
    """Reads of this block may be served by the replica: `with dashboard_reads():` around a selector's
    calls, or `@dashboard_reads` on a view function or a method (a DRF `get`). Nests; each call has its own
    context-variable token, so threads serving requests at once do not share it."""
    if view is None:
        return _dashboard_block()

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with _dashboard_block():
            return view(*args, **kwargs)

    wrapped.dashboard_reads = True  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _primary_only(model: type | None) -> bool:
    if model is None:
        return False
    meta = model._meta
    if meta.app_label in PRIMARY_ONLY_APPS or meta.label == settings.AUTH_USER_MODEL:
        return True
    # the tables Django makes for a many-to-many (an account's groups and permissions) follow their ends
    return bool(meta.auto_created) and any(
        f.related_model is not None and f.related_model is not model and _primary_only(f.related_model)
        for f in meta.fields
    )


def dashboard_alias(model: type | None = None) -> str:
    """The alias a read of `model` uses here and now: `replica` inside `dashboard_reads()` when one is
    configured and no transaction is open on `default`, else `default`."""
    if (
        not _dashboard.get()
        or not replica_configured()
        or _primary_only(model)
        or connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        return DEFAULT_DB_ALIAS
    return REPLICA


def dashboard_connection() -> BaseDatabaseWrapper:
    """The connection for a dashboard's raw SQL (`with dashboard_connection().cursor() as cur:`)."""
    return connections[dashboard_alias()]


class DashboardReadRouter:
    """DATABASE_ROUTERS entry: see the module's docstring."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        return dashboard_alias(model)

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # the replica holds the same rows as the primary: a unit read on one may be related to an owner on the
        # other
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
