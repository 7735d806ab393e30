"""API tokens read for authentication: the token, its account and every role record in one statement, and the
rule that says when a token no longer authenticates. Writes (issue, revoke) are in registry.services.tokens."""

import datetime as dt
from functools import cache

from django.conf import settings
from django.db import connection, models
from rest_framework.authtoken.models import Token

from registry.models import FirmStaff, Official, Owner, Region, User

# Every API request resolves its token: one statement whose text is built once from the models' own fields
# (so it follows migrations, and carries `t.created` and `u.credentials_changed_at` for the expiry rule),
# prepared by the connection after its second use. The ORM's select_related over the same five joins costs
# more to compile on every request than PostgreSQL takes to run it.
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
    cached on the user (None when absent) so that reading it asks nothing more. One statement, no writes."""
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


def token_expired(*, token: Token, now: dt.datetime) -> bool:
    """Whether the token no longer authenticates: older than API_TOKEN_TTL_HOURS, or issued before the
    account's password last changed (`User.credentials_changed_at`). Reads only what is loaded on the token."""
    if token.created <= now - dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS):
        return True
    changed = token.user.credentials_changed_at
    return changed is not None and token.created < changed
