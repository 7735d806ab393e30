"""Staff pages of disclosure: firms draft (or import monthly lines from XLSX), change and publish their drafts;
committee members co-sign; officials read their region's records and overdue flags; the city keeps the fee caps.
Scopes come from disclosure.permissions; saves, deletes and actions call the services; a published record is
read-only here for everyone, superusers included (and PostgreSQL refuses a change anyway)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from config.admin import GuardedAdmin
from config.errors import ApplicationError
from disclosure.labels import Status
from disclosure.models import Disclosure, FeeCap, OverdueFlag, StatementLine
from disclosure.permissions import (
    disclosure_visible_q,
    may_edit,
    may_edit_fee_caps,
    may_use_disclosure_admin,
)
from disclosure.services.imports import TEMPLATE_HEADINGS, disclosure_import_statement
from disclosure.services.records import (
    disclosure_cosign,
    disclosure_create,
    disclosure_delete,
    disclosure_publish,
    disclosure_update,
)
from registry.models import Compound
from registry.permissions import NOTHING, jurisdiction


def draftable_compounds(user: Any) -> Any:
    """Compounds where `user` may draft (the firm's, or all for platform staff)."""
    j = jurisdiction(user)
    if j.everything:
        return Compound.objects.all()
    return Compound.objects.filter(pk__in=sorted(j.firm_compounds))


class DisclosureForm(forms.ModelForm):
    content = forms.JSONField(label=_("内容（JSON）"), encoder=None)

    class Meta:
        model = Disclosure
        fields = ("compound", "kind", "period", "content")


class ImportForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("小区"), queryset=Compound.objects.none())
    period = forms.RegexField(label=_("所属月份"), regex=r"^[0-9]{4}-[0-9]{2}$", help_text="YYYY-MM")
    owners_percent = forms.DecimalField(
        label=_("业主分成比例（%）"), min_value=0, max_value=100, decimal_places=2, initial=70
    )
    to_maintenance_fund = forms.DecimalField(
        label=_("转入维修资金（元）"), min_value=0, decimal_places=2, initial=0, required=False
    )
    opening_balance = forms.DecimalField(
        label=_("期初余额（元）"),
        min_value=0,
        decimal_places=2,
        required=False,
        help_text=_("留空则取上期公布的期末余额"),
    )
    file = forms.FileField(
        label=_("XLSX 文件"), help_text=_("第 1 行表头：%(h)s") % {"h": "、".join(TEMPLATE_HEADINGS)}
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = draftable_compounds(user)


class LineInline(admin.TabularInline):
    model = StatementLine
    extra = 0
    can_delete = False
    fields = ("position", "direction", "category", "amount", "summary")
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_disclosure_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Disclosure)
class DisclosureAdmin(GuardedAdmin):
    form = DisclosureForm
    list_display = ("id", "compound", "kind", "period", "status", "published_at", "supersedes")
    list_filter = ("kind", "status")
    list_select_related = ("compound",)
    search_fields = ("compound__code", "compound__name", "period")
    ordering = ("-pk",)
    inlines = (LineInline,)
    actions = ("publish_selected", "cosign_selected")
    stamps = (
        "status",
        "firm",
        "author",
        "created_at",
        "published_at",
        "published_by",
        "content_hash",
        "supersedes",
        "reason",
        "opening_balance",
        "closing_balance",
    )

    change_list_template = "admin/disclosure/disclosure/change_list.html"

    def get_urls(self) -> list:
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="disclosure_disclosure_import"), *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Draft a month's operating statement from an XLSX file of lines; every row error is listed and
        nothing is saved from a file that has any."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
        row_errors: list[dict[str, Any]] = []
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                created = disclosure_import_statement(
                    actor=request.user,
                    compound=d["compound"],
                    period=d["period"],
                    file=d["file"],
                    owners_percent=d["owners_percent"],
                    to_maintenance_fund=d["to_maintenance_fund"] or Decimal("0.00"),
                    opening_balance=d["opening_balance"],
                )
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
                row_errors = error.extra.get("rows", [])
            else:
                self.message_user(request, _("已导入为草稿，请核对后公布。"), messages.SUCCESS)
                return redirect("admin:disclosure_disclosure_change", created.pk)
        return TemplateResponse(
            request,
            "admin/disclosure/disclosure/import.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("导入月度经营性收支"),
                "form": form,
                "row_errors": row_errors,
            },
        )

    def get_queryset(self, request: HttpRequest):  # noqa: ANN201 - QuerySet[Disclosure]
        qs = super().get_queryset(request)
        if not may_use_disclosure_admin(request.user):
            return qs.filter(NOTHING)
        return qs.filter(disclosure_visible_q(user=request.user))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("compound", "kind", "period", "content")
        if self.has_change_permission(request, obj):
            return ("compound", "kind", "period", "content", *self.stamps)
        return ("compound", "kind", "period", "pretty_content", *self.stamps)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        if self.has_change_permission(request, obj):
            return ("compound", "kind", *self.stamps)
        return ("compound", "kind", "period", "pretty_content", *self.stamps)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # noqa: ANN001, ANN201
        if db_field.name == "compound":
            kwargs["queryset"] = draftable_compounds(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("内容"))
    def pretty_content(self, obj: Disclosure) -> str:
        from registry.admin.base import pretty_json

        return pretty_json(obj.content)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_use_disclosure_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_disclosure_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        if not may_use_disclosure_admin(request.user):
            return False
        j = jurisdiction(request.user)
        return j.everything or bool(j.firm_compounds)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not may_use_disclosure_admin(request.user):
            return False
        if obj is None:
            return True
        return obj.status == Status.DRAFT and may_edit(user=request.user, disclosure=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return False  # one at a time, through the service
        return self.has_change_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: Disclosure, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            stored = Disclosure.objects.get(pk=obj.pk)
            disclosure_update(
                actor=request.user, disclosure=stored, data=data["content"], period=data.get("period")
            )
            return
        created = disclosure_create(
            actor=request.user,
            compound=data["compound"],
            kind=data["kind"],
            period=data.get("period") or "",
            data=data["content"],
        )
        obj.pk = obj.id = created.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Lines are written by the service from the content; the read-only inline saves nothing."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request: HttpRequest, obj: Disclosure) -> None:
        disclosure_delete(actor=request.user, disclosure=obj)

    def _each(self, request: HttpRequest, queryset: Any, act: Any, done: str) -> None:
        ok = 0
        for d in queryset.select_related("compound"):
            try:
                act(d)
                ok += 1
            except ApplicationError as e:
                self.message_user(request, f"#{d.pk}: {e.message}", messages.ERROR)
        if ok:
            self.message_user(request, done % {"count": ok}, messages.SUCCESS)

    @admin.action(description=_("公布所选草稿"))
    def publish_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._each(
            request,
            queryset,
            lambda d: disclosure_publish(actor=request.user, disclosure=d),
            str(_("已公布 %(count)s 条记录。")),
        )

    @admin.action(description=_("业委会会签所选记录"))
    def cosign_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._each(
            request,
            queryset,
            lambda d: disclosure_cosign(actor=request.user, disclosure=d),
            str(_("已会签 %(count)s 条记录。")),
        )


@admin.register(FeeCap)
class FeeCapAdmin(GuardedAdmin):
    """Read by every official and firm account, kept by the city."""

    list_display = ("use", "grade", "cap", "note")
    list_filter = ("use",)
    ordering = ("use", "grade")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_use_disclosure_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_disclosure_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_fee_caps(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_edit_fee_caps(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_fee_caps(request.user)


@admin.register(OverdueFlag)
class OverdueFlagAdmin(GuardedAdmin):
    """Statements not published by their due day, in the compounds one sees as an official or firm."""

    list_display = ("compound", "period", "due_on", "flagged_at")
    list_filter = ("period",)
    list_select_related = ("compound",)
    ordering = ("-period", "compound__code")

    def get_queryset(self, request: HttpRequest):  # noqa: ANN201
        qs = super().get_queryset(request)
        j = jurisdiction(request.user)
        if not may_use_disclosure_admin(request.user):
            return qs.filter(NOTHING)
        if j.everything:
            return qs
        return qs.filter(compound_id__in=sorted(j.region_compounds | j.granted_compounds | j.firm_compounds))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_use_disclosure_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_disclosure_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
