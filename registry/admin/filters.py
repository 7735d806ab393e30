"""List filters of the registry admin: streets and compounds the user sees, current records, accounts, overdue equipment."""

from collections.abc import Callable

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Compound, Ownership, Region
from registry.permissions import visible
from registry.selectors import equipment_overdue

COMPOUND_FILTER_LIMIT = 100

InCompounds = Callable[[list[int]], Q]


def _by_path(path: str) -> InCompounds:
    lookup = f"{path}_id__any" if path else "pk__any"
    return lambda ids: Q(**{lookup: ids})


def owners_in(ids: list[int]) -> Q:
    """Owners holding a unit now in one of the compounds."""
    current = Ownership.objects.filter(valid_to__isnull=True, unit__compound_id__any=ids)
    return Q(pk__in=current.values("owner_id"))


def place_filters(
    path: str, *, in_compounds: InCompounds | None = None
) -> list[type[admin.SimpleListFilter]]:
    """ "所属街道" and "小区" filters for a model reaching Compound by `path` ("" for Compound itself), or by
    `in_compounds` (compound ids → filter) where no single path leads there.

    Choices are the streets and compounds the user may see. Either filter first resolves the compounds it
    means (a handful of ids, through the region and compound indexes) and then filters by them: never a join
    from millions of units to their regions. The compound list is offered once a street is chosen, or straight
    away when the user sees few compounds (a street office, a firm): a city-wide list of 4,000 compounds is no
    use in a sidebar; a compound chosen by link is applied (and named) either way.
    """
    to_filter = in_compounds or _by_path(path)

    class StreetFilter(admin.SimpleListFilter):
        title = _("所属街道")
        parameter_name = "street"

        def lookups(self, request, model_admin):
            compounds = visible(Compound, request.user).values("community__parent_id")
            streets = Region.objects.filter(level=Region.Level.STREET, pk__in=compounds).order_by("code")
            return [(r.code, r.name) for r in streets]

        def queryset(self, request, queryset):
            if not self.value():
                return queryset
            ids = visible(Compound, request.user).filter(community__parent__code=self.value())
            return queryset.filter(to_filter(list(ids.values_list("pk", flat=True))))

    class RegionFilter(admin.SimpleListFilter):
        """Any region of the hierarchy by code (district, street, community): the lists the officials'
        overview links to. Not offered in the sidebar (the street and compound filters are); shown once
        chosen."""

        title = _("行政区划")
        parameter_name = "region"

        def lookups(self, request, model_admin):
            value = self.value()
            region = Region.objects.filter(code=value).first() if value else None
            return [(region.code, region.name)] if region else []

        def queryset(self, request, queryset):
            if not self.value():
                return queryset
            region = Region.objects.filter(code=self.value()).first()
            if region is None:
                return queryset.none()
            ids = visible(Compound, request.user).filter(community__path__startswith=region.path)
            return queryset.filter(to_filter(list(ids.values_list("pk", flat=True))))

    if not path and in_compounds is None:
        return [StreetFilter, RegionFilter]

    class CompoundFilter(admin.SimpleListFilter):
        title = _("小区")
        parameter_name = "compound"

        def lookups(self, request, model_admin):
            compounds = visible(Compound, request.user).order_by("code")
            chosen = self.value()
            if chosen and chosen.isdigit():
                named = list(compounds.filter(pk=int(chosen)).values_list("pk", "name"))
                if named:
                    return [(str(pk), name) for pk, name in named]
            street = request.GET.get("street")
            if street:
                compounds = compounds.filter(community__parent__code=street)
            rows = list(compounds.values_list("pk", "name")[: COMPOUND_FILTER_LIMIT + 1])
            if len(rows) > COMPOUND_FILTER_LIMIT:
                return []
            return [(str(pk), name) for pk, name in rows]

        def queryset(self, request, queryset):
            if self.value() and self.value().isdigit():
                return queryset.filter(to_filter([int(self.value())]))
            return queryset

    return [StreetFilter, CompoundFilter, RegionFilter]


class CurrentOwnershipFilter(admin.SimpleListFilter):
    title = _("记录状态")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("现行")), ("no", _("已终止"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(valid_to__isnull=True)
        if self.value() == "no":
            return queryset.filter(valid_to__isnull=False)
        return queryset


class HasAccountFilter(admin.SimpleListFilter):
    title = _("已注册账号")
    parameter_name = "account"

    def lookups(self, request, model_admin):
        return [("yes", _("是")), ("no", _("否"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(user__isnull=self.value() == "no")
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    """In service and past the next maintenance date (registry.selectors.equipment_overdue)."""

    title = _("维保逾期")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("是")), ("no", _("否"))]

    def queryset(self, request, queryset):
        overdue = equipment_overdue().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=overdue)
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue)
        return queryset
