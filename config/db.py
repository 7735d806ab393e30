"""Database plumbing shared by the apps: the `any` lookup (`field = ANY(%s::type[])`).

Permission scopes filter by sets of ids resolved once per request (a district's 400 compounds, an owner's two
flats). `__in` with a list writes one parameter per id, so every set size is a new statement text (and a new
prepared statement on every connection); `= ANY(array)` is one parameter, one statement text, and PostgreSQL
plans it as an index or bitmap scan like `IN`.
"""

from django.db.models import Field, ForeignObject, Lookup


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
