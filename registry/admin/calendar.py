"""The working-day calendar: staff overrides of single dates (public holidays, 调休 make-up working days) over
the `chinesecalendar` library. Kept by city-level officials (and superusers); every other official and firm
account reads it (`registry.permissions`)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from registry.admin.base import RegistryAdmin
from registry.calendar import LIBRARY_YEARS, library_is_working_day
from registry.models import WorkingDayOverride
from registry.selectors import calendar_years_missing
from registry.services.calendar import working_day_override_delete, working_day_override_save


class YearFilter(admin.SimpleListFilter):
    """One calendar year's overrides (years that have any)."""

    title = _("年份")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = model_admin.get_queryset(request).dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit() or not 1900 <= int(value) <= 2999:
            raise IncorrectLookupParameters(value)
        return queryset.filter(date__year=int(value))


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(RegistryAdmin):
    """Saved and deleted through `working_day_override_save` / `_delete` (editor stamped, audit row)."""

    list_display = ("date", "weekday", "is_working_day", "name", "library_says", "updated_by", "updated_at")
    list_select_related = ("updated_by",)
    list_filter = (YearFilter, "is_working_day")
    search_fields = ("name",)
    fields = ("date", "is_working_day", "name", "library_says", "updated_by", "updated_at")
    readonly_fields = ("library_says", "updated_by", "updated_at")

    @admin.display(description=_("星期"))
    def weekday(self, obj: WorkingDayOverride) -> str:
        return date_format(obj.date, "l")

    @admin.display(description=_("节假日库"))
    def library_says(self, obj: WorkingDayOverride | None) -> str:
        if obj is None or obj.date is None:
            return "-"
        answer = _("工作日") if library_is_working_day(obj.date) else _("休息日")
        if obj.date.year not in LIBRARY_YEARS:
            return f"{answer}{_('（库中无该年数据，按周一至周五）')}"
        return str(answer)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        for year in calendar_years_missing(today=timezone.localdate()):
            messages.warning(
                request,
                _(
                    "节假日库尚无 %(year)s 年数据，也未录入该年的调整：时限将把该年周一至周五都算作工作日。"
                    "国务院办公厅发布放假通知后，请按通知录入法定节假日和调休上班日。"
                )
                % {"year": year},
            )
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool) -> None:
        working_day_override_save(actor=request.user, override=obj, changed_fields=list(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        working_day_override_delete(actor=request.user, override=obj)
