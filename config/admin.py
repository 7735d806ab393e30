"""Admin plumbing shared by the apps: lookups by allow-list, lists that do not count a whole city, and showing a
service's refusal on the form it came from. Who may see or change what is never decided here: each app's
admin asks its own `permissions.py`."""

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, models
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property

from config.errors import ApplicationError

# Fields nobody filters, searches or sorts on in any admin list (ballot choices, phones, identity hashes and
# masked forms, secrets): tests/test_admin_lookups.py tries every one of them on every admin.
FORBIDDEN_LOOKUP_FIELDS = frozenset(
    {
        "choices",
        "phone",
        "contact_phone",
        "id_hmac",
        "id_masked",
        "receipt_secret",
        "password",
        "raw",
        "payload",
        "data",
        "scan",
    }
)

# The parameters a field list filter reads from the query string (Django's FieldListFilter classes).
_FIELD_FILTER_SUFFIXES = ("exact", "isnull", "gte", "lt", "isempty")


def field_filter_parameters(model: type[models.Model], field_path: str) -> set[str]:
    """The query-string keys Django's filter for `field_path` uses (`source`, `kind__exact`,
    `firm__id__exact`, …)."""
    field = get_fields_from_path(model, field_path)[-1]
    keys = {field_path} | {f"{field_path}__{suffix}" for suffix in _FIELD_FILTER_SUFFIXES}
    if field.is_relation and getattr(field, "target_field", None) is not None:
        keys.add(f"{field_path}__{field.target_field.name}__exact")
    return keys


class LookupAllowListMixin:
    """A changelist filters only by what the admin declares: its list filters (field filters and the
    parameters of its SimpleListFilters), its date hierarchy and `extra_lookups`. Django allows every
    lookup on a model's own fields unless `lookup_allowed` says otherwise (`?phone__startswith=138…`,
    `?choices__icontains=…`); anything else here is a 400 (DisallowedModelAdminLookup)."""

    extra_lookups: tuple[str, ...] = ()

    def allowed_lookups(self, request: HttpRequest) -> set[str]:
        allowed = set(self.extra_lookups)
        for item in self.get_list_filter(request):  # type: ignore[attr-defined]
            if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
                allowed.add(item.parameter_name)
                continue
            field_path = item[0] if isinstance(item, (tuple, list)) else item
            if isinstance(field_path, str):
                allowed |= field_filter_parameters(self.model, field_path)  # type: ignore[attr-defined]
        if self.date_hierarchy:  # type: ignore[attr-defined]
            allowed |= {f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day")}  # type: ignore[attr-defined]
        return allowed

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if request is None:
            return False
        return lookup in self.allowed_lookups(request)


def planner_estimate(queryset: Any) -> int | None:
    """PostgreSQL's estimate of the rows a queryset returns (planning only, no execution)."""
    try:
        plan = json.loads(queryset.explain(format="json"))
    except (DatabaseError, ValueError, TypeError):
        return None
    return int(plan[0]["Plan"]["Plan Rows"])


class CappedCountPaginator(Paginator):
    """Never counts more than `cap` rows. When the planner expects more (a district's 240,000 units, a city's
    owners), the list shows its estimate, marked as one ("约 …，估算"), and asks for a filter; otherwise it
    counts exactly, up to `cap` (`SELECT count(*) FROM (… LIMIT cap + 1)`). An exact count of the owners
    of a street's units costs seconds at city scale whatever the query (bench/scopes.py), a page of them 15 ms.
    (templates/admin/pagination.html shows which.)"""

    cap = 10_000
    capped = False
    estimated = False

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        # Two statements either way (the page's query count does not depend on the size of the list).
        estimate = planner_estimate(self.object_list)
        if estimate is not None and estimate > self.cap:
            self.estimated = True
            return estimate if self.object_list.exists() else 0  # an estimate of an empty list is no list
        counted = self.object_list[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)

    @property
    def count_display(self) -> str:
        return f"{self.count:,}"


class ServiceRefusalMixin:
    """A ModelAdmin whose save path calls a service: a refusal (`ApplicationError`) rolls the save back
    (`changeform_view` is atomic) and the form is shown again with the staff member's input and the refusal."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)  # type: ignore[attr-defined]
            request._service_refusal = error  # type: ignore[attr-defined]  # read by get_form
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # noqa: ANN201
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        refusal: ApplicationError | None = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form

        class Refused(form):
            def clean(self) -> dict[str, Any]:
                super().clean()
                raise ValidationError(refusal.message, code=refusal.code)

        return Refused


class GuardedAdmin(ServiceRefusalMixin, LookupAllowListMixin, admin.ModelAdmin):
    """The base of every model admin: allow-listed lookups, capped counts, refusals on the form."""

    paginator = CappedCountPaginator
    show_full_result_count = False


def guard_every_admin(site: admin.AdminSite) -> None:
    """Give the admins other packages register (groups, tokens, django-axes' logs) the same allow-listed
    lookups and capped counts: no page of the site filters by an undeclared field."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, LookupAllowListMixin):
            continue
        cls = type(model_admin)
        guarded = type(
            cls.__name__,
            (LookupAllowListMixin, cls),
            {
                "paginator": CappedCountPaginator,
                "show_full_result_count": False,
                "__module__": cls.__module__,
            },
        )
        site.unregister(model)
        site.register(model, guarded)
