"""Database plumbing shared by the apps: the `any` lookup (`field = ANY(%s::type[])`), and where statements
are prepared.

Permission scopes filter by sets of ids resolved once per request (a district's 400 compounds, an owner's two
flats). `__in` with a list writes one parameter per id, so every set size is a new statement text (and a new
prepared statement on every connection); `= ANY(array)` is one parameter, one statement text, and PostgreSQL
plans it as an index or bitmap scan like `IN`.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Field, ForeignObject, Lookup
from django.http import HttpRequest, HttpResponse


class AnyOf(Lookup):
    """`field__any=[...]`: `field = ANY(%s::<column type>[])`; an empty list matches nothing."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):  # noqa: ANN001, ANN201 - Django's signature
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=False) for v in self.rhs]
        return f"{lhs} = ANY(%s::{field.db_type(connection)}[])", [*lhs_params, values]


def register_lookups() -> None:
    """Called once from the registry app's ready(). Relations keep a lookup table of their own."""
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)


# Prepared statements (DATABASE_PREPARED): PostgreSQL plans a prepared statement for its values five times,
# then may settle on a generic plan that ignores them. For the ballot — the same dozen statements thousands of
# times in an assembly's few days — that saves most of the planning. For a list scoped by a jurisdiction it is
# a trap: a generic plan cannot tell a street's 40 compounds from a city's 4,000 (bench/scopes.py measured a
# city official's unit list at 1.2 s on a generic plan, 2 ms planned for its values). So statements are
# prepared only inside views marked `prepared_statements = True` (and outside requests: tasks, commands);
# every other request plans each statement for its values.


def uses_prepared_statements(view: Callable[..., Any]) -> bool:
    """Whether a view (function, Django class-based or DRF) is marked `prepared_statements = True`."""
    cls = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return bool(getattr(view, "prepared_statements", False) or getattr(cls, "prepared_statements", False))


class StatementPlanningMiddleware:
    """Sets the connection's prepare threshold for each request from its view's mark."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], *args: Any) -> None:
        threshold = settings.DATABASES["default"].get("OPTIONS", {}).get("prepare_threshold")
        if threshold is None:  # DATABASE_PREPARED=false: never prepared
            return
        connection.ensure_connection()
        connection.connection.prepare_threshold = threshold if uses_prepared_statements(view_func) else None
