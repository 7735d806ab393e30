"""API authentication: token auth that loads the account's roles (official, firm staff, owner) in the same query."""

from functools import cache

from django.db import connection, models
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from registry.models import FirmStaff, Official, Owner, Region, User

# Every API request resolves its token: one statement whose text is built once from the models' own fields
# (so it follows migrations), prepared by the connection after its second use. The ORM's select_related
# over the same five joins costs more to compile on every request than PostgreSQL takes to run it.
_JOINS = (
    (Token, "t", "authtoken_token t"),
    (User, "u", "JOIN registry_user u ON u.id = t.user_id"),
    (Owner, "o", "LEFT JOIN registry_owner o ON o.user_id = u.id"),
    (FirmStaff, "f", "LEFT JOIN registry_firmstaff f ON f.user_id = u.id"),
    (Official, "x", "LEFT JOIN registry_official x ON x.user_id = u.id"),
    (Region, "r", "LEFT JOIN registry_region r ON r.id = x.region_id"),
)


@cache
def _statement() -> tuple[str, tuple[tuple[type[models.Model], list[str], int], ...]]:
    columns, layout, start = [], [], 0
    for model, alias, _join in _JOINS:
        fields = model._meta.concrete_fields
        columns += [f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields]
        layout.append((model, [f.attname for f in fields], start))
        start += len(fields)
    joins = " ".join(join for _model, _alias, join in _JOINS)
    # Column and table names come from the models above, never from input; the key is a bound parameter.
    return f"SELECT {', '.join(columns)} FROM {joins} WHERE t.key = %s", tuple(layout)  # noqa: S608


def token_with_roles(key: str) -> Token | None:
    """The token, its user and the user's owner, firm-staff and official (with region) records, each role
    cached on the user (None when absent) so that reading it asks nothing more."""
    sql, layout = _statement()
    with connection.cursor() as cur:
        cur.execute(sql, [key])
        row = cur.fetchone()
    if row is None:
        return None
    token, user, owner, staff, official, region = (
        None
        if row[start] is None
        else model.from_db(connection.alias, names, row[start : start + len(names)])
        for model, names, start in layout
    )
    token.user = user
    for accessor, record in (("owner", owner), ("firm_staff", staff), ("official", official)):
        getattr(User, accessor).related.set_cached_value(user, record)
        if record is not None:
            record._meta.get_field("user").set_cached_value(record, user)
    if official is not None:
        official.region = region
    return token


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; one query resolves the token, the user and every role record."""

    def authenticate_credentials(self, key: str):  # noqa: ANN201 - DRF's signature
        token = token_with_roles(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
