"""The assembly and the street office's workflow: create with motions, announce (roll preview), open, paper
ballots by the roll, deliveries, proxies, close, tally, certificate review, publish; a unit's choices after
the close, with a logged reason."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.admin import GuardedAdmin
from config.errors import ApplicationError, WrongState
from registry.admin.filters import place_filters
from registry.models import Unit
from voting.admin.base import (
    VotingScopedMixin,
    part_label,
    records_url,
    units_of_subject,
)
from voting.certificate import certificate_context, motion_agenda
from voting.forms import (
    AssemblyForm,
    CancelForm,
    ChoiceLookupForm,
    DeliveryForm,
    MotionForm,
    MotionFormSet,
    PaperBallotForm,
    ProxyMandateForm,
    RescheduleForm,
    RollSearchForm,
)
from voting.labels import CHOICE_LABELS, category_label, threshold_label
from voting.models import (
    Assembly,
    BallotSubmission,
    CountedBallot,
    Motion,
    ProxyMandate,
    RollPart,
    VotingSubject,
)
from voting.permissions import (
    can_run_assembly,
    can_view_choices,
    may_use_voting_admin,
    runnable_compounds,
)
from voting.rules import percent_down
from voting.schedule import beijing, schedule_problems
from voting.selectors import (
    RESULT_STATES,
    assemblies_with_turnout,
    assembly_motions,
    ballot_choices_for_official,
    participation,
    participation_summary,
    results_visible_to,
    roll_preview,
    roll_search,
)
from voting.services.assemblies import (
    assembly_announce,
    assembly_cancel,
    assembly_close,
    assembly_create,
    assembly_draft_update,
    assembly_open,
    assembly_publish,
    assembly_reschedule,
)
from voting.services.ballots import paper_ballot_enter
from voting.services.delivery import subject_delivery_record
from voting.services.proxies import proxy_mandate_record
from voting.services.tally import assembly_tally

S = Assembly.Status
PARTICIPATION_PAGE = 500


class MotionInline(admin.TabularInline):
    """Motions of the assembly; editable while it is a draft (the service rewrites them as a whole)."""

    model = Motion
    form = MotionForm
    formset = MotionFormSet
    ordering = ("position",)
    readonly_fields = ("category_display", "threshold_display", "candidate_list")
    verbose_name = _("表决事项")
    verbose_name_plural = _("表决事项（民法典第二百七十八条）")

    # Long titles wrap in a three-line box instead of scrolling inside a one-line input.
    formfield_overrides = {models.CharField: {"widget": forms.Textarea(attrs={"rows": 3})}}

    class Media:
        css = {"all": ["voting/admin_motions.css"]}  # fits the table to a 1366-pixel screen

    def _editable(self, request: HttpRequest, obj: Assembly | None) -> bool:
        return may_use_voting_admin(request.user) and (obj is None or obj.status == S.DRAFT)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_use_voting_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def get_extra(self, request: HttpRequest, obj: Assembly | None = None, **kwargs: Any) -> int:
        return (2 if obj is None else 0) if self._editable(request, obj) else 0

    def get_fields(self, request: HttpRequest, obj: Assembly | None = None) -> list[str]:
        if self._editable(request, obj):
            return ["position", "title", "category", "threshold_display", "seats", "candidates"]
        return ["position", "title", "category_display", "threshold_display", "seats", "candidate_list"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("candidates")

    @admin.display(description=_("事项类别"))
    def category_display(self, obj: Motion) -> str:
        return category_label(obj.category)

    @admin.display(description=_("表决规则（按类别确定）"))
    def threshold_display(self, obj: Motion) -> str:
        if obj.category is None:
            return gettext("按类别自动确定")
        return threshold_label(obj.threshold)

    @admin.display(description=_("候选人"))
    def candidate_list(self, obj: Motion) -> str:
        return "、".join(c.name for c in obj.candidates.all()) or "-"


class TurnoutChangeList(ChangeList):
    """The assembly list: the page's rows carry their turnout (`assemblies_with_turnout`), annotated after the
    rows are counted so that the count never evaluates it — still one statement for the page."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        self.result_list = assemblies_with_turnout(queryset=self.result_list)


@dataclass(frozen=True)
class Transition:
    label: Any
    states: tuple[str, ...]  # where the button is offered (the service decides what is allowed)
    question: Any


TRANSITIONS: dict[str, Transition] = {
    "announce": Transition(
        _("公告"),
        (S.DRAFT,),
        _("公告后，议程、表决规则和表决名册即被冻结，不能再修改；业主将收到会议通知。"),
    ),
    "open": Transition(_("开始投票"), (S.ANNOUNCED,), _("到达投票开始时间后，立即开始投票。")),
    "close": Transition(_("截止投票"), (S.OPEN,), _("到达投票截止时间后，立即截止投票；截止后将自动计票。")),
    "tally": Transition(
        _("计票"),
        (S.CLOSED,),
        _("根据计入的选票计算每项表决结果（可重复执行，结果相同）。投票期间不能计票。"),
    ),
    "publish": Transition(_("公布"), (S.TALLIED,), _("公布表决结果；结果公告将对本小区业主公开。")),
    "cancel": Transition(_("取消"), (S.DRAFT, S.ANNOUNCED), _("取消本次会议（投票开始后不能取消）。")),
}


def _roll_lookup(
    request: HttpRequest, assembly: Assembly
) -> tuple[RollSearchForm, list[dict[str, Any]] | None]:
    """The roll-search form of a workflow page and its matches (None when nothing was asked)."""
    search = RollSearchForm(request.GET or None)
    q = search.cleaned_data["q"].strip() if search.is_valid() else ""
    return search, (roll_search(assembly=assembly, q=q) if q else None)


@admin.register(Assembly)
class AssemblyAdmin(VotingScopedMixin, GuardedAdmin):
    compound_path = "compound_id"
    form = AssemblyForm
    inlines = (MotionInline,)
    list_display = ("title", "compound_name", "kind", "status", "opens_at", "closes_at", "turnout")
    list_select_related = ("compound",)
    list_filter = ("status", "kind", *place_filters("compound"))
    search_fields = ("title", "compound__name", "compound__code")
    show_full_result_count = False

    # -- permissions

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_use_voting_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Assembly | None = None) -> bool:
        # Only drafts change; from the announcement on, the agenda, policy and roll are frozen.
        return may_use_voting_admin(request.user) and (obj is None or obj.status == S.DRAFT)

    def has_delete_permission(self, request: HttpRequest, obj: Assembly | None = None) -> bool:
        return False  # cancel instead: the log stays

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("compound__community")

    # -- the form

    def get_fieldsets(self, request: HttpRequest, obj: Assembly | None = None) -> list:
        fieldsets: list = [
            (None, {"fields": ["compound", "title", "kind", "opens_at", "closes_at"]}),
            (
                _("表决规则（公告时冻结，载入通知和结果公告）"),
                {
                    "fields": [
                        "revote",
                        "deemed_consent",
                        "parking_in_area",
                        "proxy_cap",
                        "firm_staff_may_proxy",
                    ]
                },
            ),
        ]
        if obj is not None:
            fieldsets += [
                (
                    _("进度"),
                    {
                        "fields": [
                            "status",
                            "created_by",
                            "created_at",
                            "announced_at",
                            "opened_at",
                            "closed_at",
                            "tallied_at",
                            "published_at",
                            "cancelled_at",
                        ]
                    },
                ),
                (
                    _("表决名册（公告时冻结）"),
                    {"fields": ["roll_fingerprint", "parts_total", "heads_total", "area_total"]},
                ),
            ]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Assembly | None = None) -> list[str]:
        if obj is None:
            return []
        return [
            "compound",
            "status",
            "created_by",
            "created_at",
            "announced_at",
            "opened_at",
            "closed_at",
            "tallied_at",
            "published_at",
            "cancelled_at",
            "roll_fingerprint",
            "parts_total",
            "heads_total",
            "area_total",
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "compound":
            kwargs["queryset"] = runnable_compounds(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Assembly, form: forms.ModelForm, change: bool) -> None:
        """Nothing here: the assembly and its motions are written together in `save_related`."""

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        data = form.cleaned_data
        motions = next(f for f in formsets if isinstance(f, MotionFormSet)).specs()
        if change:
            assembly = assembly_draft_update(
                actor=request.user,
                assembly=form.instance,
                title=data["title"],
                kind=data["kind"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                motions=motions,
                policy=form.policy(),
            )
        else:
            assembly = assembly_create(
                actor=request.user,
                compound=data["compound"],
                title=data["title"],
                kind=data["kind"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                motions=motions,
                policy=form.policy(),
            )
        form.instance.pk = assembly.pk
        form.instance.status = assembly.status
        if form.notice_warning:
            self.message_user(
                request,
                gettext("草稿已保存，但现在还不能公告。%(problem)s请在公告前修改投票时间。")
                % {"problem": form.notice_warning},
                messages.WARNING,
            )

    def construct_change_message(
        self, request: HttpRequest, form: forms.ModelForm, formsets: list, add: bool = False
    ) -> list:
        return super().construct_change_message(request, form, [], add)  # motions are rewritten whole

    # -- the list

    @admin.display(description=_("小区"), ordering="compound__code")
    def compound_name(self, obj: Assembly) -> str:
        return obj.compound.name

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return TurnoutChangeList

    @admin.display(description=_("参与投票（人数 · 面积）"))
    def turnout(self, obj: Assembly) -> str:
        """'7 / 10 人 · 面积 70.00%' (counted ballots so far; no choices); '-' before the roll is frozen."""
        if not obj.heads_total:
            return "-"
        return gettext("%(voted)s / %(total)s 人 · 面积 %(area)s") % {
            "voted": obj.turnout_heads,
            "total": obj.heads_total,
            "area": percent_down(obj.turnout_area, obj.area_total or 0),
        }

    # -- the change page: workflow buttons

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        assembly = self.get_object(request, unquote(object_id))
        if assembly is not None:
            context["workflow"] = self._workflow(request, assembly)
        return super().change_view(request, object_id, form_url, context)

    def _workflow(self, request: HttpRequest, a: Assembly) -> dict[str, list[tuple[Any, str]]]:
        """Buttons for the next steps and links to the pages that fit the assembly's state."""
        runner = can_run_assembly(user=request.user, compound=a.compound)
        actions = []
        if runner:
            actions = [
                (t.label, reverse("admin:voting_assembly_action", args=[a.pk, name]))
                for name, t in TRANSITIONS.items()
                if a.status in t.states
            ]
            if a.status == S.ANNOUNCED and timezone.now() < a.opens_at:
                actions.append((_("改期"), reverse("admin:voting_assembly_reschedule", args=[a.pk])))
        pages: list[tuple[Any, str]] = []
        if a.roll_fingerprint:
            pages.append((_("参与情况"), reverse("admin:voting_assembly_participation", args=[a.pk])))
        if runner and a.status == S.OPEN:
            pages.append((_("纸质票录入"), reverse("admin:voting_assembly_paper_ballot", args=[a.pk])))
        if runner and a.status in (S.ANNOUNCED, S.OPEN):
            pages.append((_("表决票送达登记"), reverse("admin:voting_assembly_delivery", args=[a.pk])))
            pages.append((_("委托投票登记"), reverse("admin:voting_assembly_proxies", args=[a.pk])))
        if a.status in RESULT_STATES:
            pages.append((_("表决结果"), reverse("admin:voting_assembly_certificate", args=[a.pk])))
        if a.status in (S.CLOSED, *RESULT_STATES) and can_view_choices(
            user=request.user, compound=a.compound
        ):
            pages.append((_("查看该户表决内容"), reverse("admin:voting_assembly_choices", args=[a.pk])))
        pages.append((_("会议日志"), records_url("auditentry", a)))
        if a.status not in (S.DRAFT, S.ANNOUNCED, S.CANCELLED):
            pages.append((_("投票记录"), records_url("ballotsubmission", a)))
        return {"actions": actions, "pages": pages}

    # -- workflow pages

    def get_urls(self) -> list:
        def route(suffix: str, view: Any, name: str) -> Any:
            return path(
                f"<path:object_id>/{suffix}/",
                self.admin_site.admin_view(view),
                name=f"voting_assembly_{name}",
            )

        return [
            route("action/<slug:action>", self.action_view, "action"),
            route("reschedule", self.reschedule_view, "reschedule"),
            route("participation", self.participation_view, "participation"),
            route("paper-ballot", self.paper_ballot_view, "paper_ballot"),
            route("delivery", self.delivery_view, "delivery"),
            route("proxies", self.proxies_view, "proxies"),
            route("certificate", self.certificate_view, "certificate"),
            route("choices", self.choices_view, "choices"),
            *super().get_urls(),
        ]

    def _resolve(self, request: HttpRequest, object_id: str) -> tuple[Assembly | None, HttpResponse | None]:
        """The assembly if the user sees it; otherwise the admin's "does not exist" redirect."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        assembly = self.get_object(request, unquote(object_id))
        if assembly is None:
            return None, self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return assembly, None

    def _require_runner(self, request: HttpRequest, assembly: Assembly) -> None:
        if not can_run_assembly(user=request.user, compound=assembly.compound):
            raise PermissionDenied  # visible (e.g. a seconded official) but not theirs to run: 403

    def _render(
        self, request: HttpRequest, assembly: Assembly, template: str, title: Any, **context: Any
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            f"admin/voting/assembly/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": assembly,
                "assembly": assembly,
                "title": title,
                "subtitle": assembly.title,
                "change_url": reverse("admin:voting_assembly_change", args=[assembly.pk]),
                **context,
            },
        )

    def _back(self, assembly: Assembly) -> HttpResponse:
        return redirect("admin:voting_assembly_change", assembly.pk)

    def action_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        """GET: the confirmation page (for the announcement, what the roll will be). POST: the service."""
        transition = TRANSITIONS.get(action)
        if transition is None:
            raise Http404(action)
        assembly, missing = self._resolve(request, object_id)
        if missing is not None:
            return missing
        assert assembly is not None
        self._require_runner(request, assembly)
        form = CancelForm(request.POST or None) if action == "cancel" else None
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                done = self._transition(request, assembly, action, form)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, done, messages.SUCCESS)
            return self._back(assembly)
        preview = (
            roll_preview(assembly=assembly) if action == "announce" and assembly.status == S.DRAFT else None
        )
        # What the announcement would refuse if confirmed now, with the lawful dates (voting.schedule).
        problems = (
            [
                p.message
                for p in schedule_problems(
                    opens_at=assembly.opens_at, closes_at=assembly.closes_at, now=timezone.now()
                )
            ]
            if action == "announce" and assembly.status == S.DRAFT
            else []
        )
        return self._render(
            request,
            assembly,
            "confirm.html",
            _("确认：%(action)s") % {"action": transition.label},
            transition=transition,
            action=action,
            form=form,
            preview=preview,
            problems=problems,
            agenda=motion_agenda(motions=assembly_motions(assembly=assembly)),
        )

    def _transition(self, request: HttpRequest, a: Assembly, action: str, form: CancelForm | None) -> str:
        actor = request.user
        if action == "announce":
            a = assembly_announce(actor=actor, assembly=a)
            return gettext(
                "已公告。表决名册已冻结：专有部分 %(parts)s 个，投票主体（人数）%(heads)s 个，"
                "总面积 %(area)s ㎡，名册指纹 %(fingerprint)s。"
            ) % {
                "parts": a.parts_total,
                "heads": a.heads_total,
                "area": a.area_total,
                "fingerprint": a.roll_fingerprint,
            }
        if action == "open":
            assembly_open(actor=actor, assembly=a)
            return gettext("已开始投票。")
        if action == "close":
            assembly_close(actor=actor, assembly=a)
            return gettext("已截止投票，系统将自动计票。")
        if action == "tally":
            assembly_tally(assembly=a, actor=actor)
            return gettext("计票完成，请核对表决结果后公布。")
        if action == "publish":
            assembly_publish(actor=actor, assembly=a)
            return gettext("表决结果已公布。")
        assert form is not None
        assembly_cancel(actor=actor, assembly=a, reason=form.cleaned_data["reason"])
        return gettext("会议已取消。")

    def reschedule_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """New dates for an announced assembly before voting opens (`assembly_reschedule`: a fresh notice)."""
        assembly, missing = self._resolve(request, object_id)
        if missing is not None:
            return missing
        assert assembly is not None
        self._require_runner(request, assembly)
        initial = {"opens_at": assembly.opens_at, "closes_at": assembly.closes_at}
        form = RescheduleForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                a = assembly_reschedule(
                    actor=request.user,
                    assembly=assembly,
                    opens_at=form.cleaned_data["opens_at"],
                    closes_at=form.cleaned_data["closes_at"],
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
                if isinstance(error, WrongState):
                    return self._back(assembly)
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    gettext("已改期：投票时间改为 %(opens)s 至 %(closes)s（北京时间），业主将收到通知。")
                    % {"opens": beijing(a.opens_at), "closes": beijing(a.closes_at)},
                    messages.SUCCESS,
                )
                return self._back(assembly)
        return self._render(request, assembly, "reschedule.html", _("改期"), form=form)

    def participation_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """How many subjects and how much area have voted, and per unit voted yes/no (no names, no choices)."""
        assembly, missing = self._resolve(request, object_id)
        if missing is not None:
            return missing
        assert assembly is not None
        page = Paginator(participation(assembly=assembly), PARTICIPATION_PAGE).get_page(request.GET.get("p"))
        return self._render(
            request,
            assembly,
            "participation.html",
            _("参与情况"),
            summary=participation_summary(assembly=assembly),
            page=page,
            uses=dict(Unit.Use.choices),
        )

    def paper_ballot_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Find a unit on the roll, then enter its paper ballot with the scan (`paper_ballot_enter`)."""
        assembly, missing = self._resolve(request, object_id)
        if missing is not None:
            return missing
        assert assembly is not None
        self._require_runner(request, assembly)
        search, matches = _roll_lookup(request, assembly)
        unit_number = (request.POST.get("unit_number") or request.GET.get("unit") or "").strip()
        part = (
            RollPart.objects.filter(assembly=assembly, unit_number=unit_number).first()
            if unit_number
            else None
        )
        form = None
        if request.method == "POST" and part is None:
            try:  # the service refuses and records it (not on the roll, or not open)
                paper_ballot_enter(actor=request.user, assembly=assembly, unit_number=unit_number, choices={})
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
        if part is not None:
            motions = assembly_motions(assembly=assembly)
            data = (request.POST, request.FILES) if request.method == "POST" else ()
            form = PaperBallotForm(*data, motions=motions)
            if request.method == "POST" and form.is_valid():
                try:
                    result = paper_ballot_enter(
                        actor=request.user,
                        assembly=assembly,
                        unit_number=part.unit_number,
                        choices=form.choices(),
                        note=form.cleaned_data["note"],
                        scan=form.cleaned_data["scan"],
                    )
                except ApplicationError as error:
                    self.message_user(request, error.message, messages.ERROR)
                else:
                    self.message_user(
                        request,
                        gettext("已录入 %(unit)s 的纸质票，回执：%(receipt)s")
                        % {"unit": part_label(part), "receipt": result.receipt},
                        messages.SUCCESS,
                    )
                    return redirect("admin:voting_assembly_paper_ballot", assembly.pk)
        return self._render(
            request,
            assembly,
            "paper_ballot.html",
            _("纸质票录入"),
            search=search,
            matches=matches,
            part=part,
            part_label=part_label(part) if part else "",
            subject_units=(
                list(part.subject.parts.order_by("sort_key").values_list("label", flat=True)) if part else []
            ),
            voted=(
                CountedBallot.objects.filter(assembly=assembly, subject_id=part.subject_id).exists()
                if part
                else False
            ),
            form=form,
            is_open=assembly.status == S.OPEN,
            uses=dict(Unit.Use.choices),
            pick_param="unit",
            pick_url=reverse("admin:voting_assembly_paper_ballot", args=[assembly.pk]),
        )

    def delivery_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Record the delivery of a subject's ballot and the warning (deemed consent's precondition)."""
        assembly, missing = self._resolve(request, object_id)
        if missing is not None:
            return missing
        assert assembly is not None
        self._require_runner(request, assembly)
        search, matches = _roll_lookup(request, assembly)
        initial = {"unit_number": request.GET.get("unit", "")}
        form = DeliveryForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                record = subject_delivery_record(
                    actor=request.user,
                    assembly=assembly,
                    unit_number=form.cleaned_data["unit_number"].strip(),
                    delivered_at=form.cleaned_data["delivered_at"],
                    warned=form.cleaned_data["warned"],
                )
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                units = "、".join(part_label(p) for p in record.subject.parts.order_by("sort_key"))
                self.message_user(
                    request, gettext("已登记 %(units)s 的表决票送达。") % {"units": units}, messages.SUCCESS
                )
                return redirect("admin:voting_assembly_delivery", assembly.pk)
        recorded = (
            VotingSubject.objects.filter(assembly=assembly, delivered_at__isnull=False)
            .prefetch_related(Prefetch("parts", queryset=RollPart.objects.order_by("sort_key")))
            .order_by("delivered_at", "pk")
        )
        return self._render(
            request,
            assembly,
            "delivery.html",
            _("表决票送达登记（视为同意）"),
            search=search,
            matches=matches,
            form=form,
            recorded=[(units_of_subject(s), s.delivered_at, s.warned) for s in recorded],
            uses=dict(Unit.Use.choices),
            pick_param="unit",
            pick_url=reverse("admin:voting_assembly_delivery", args=[assembly.pk]),
        )

    def proxies_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Record written proxy mandates (the scan of the mandate attached); list those recorded."""
        assembly, missing = self._resolve(request, object_id)
        if missing is not None:
            return missing
        assert assembly is not None
        self._require_runner(request, assembly)
        search, matches = _roll_lookup(request, assembly)
        form = ProxyMandateForm(
            request.POST or None, request.FILES or None, initial={"unit_number": request.GET.get("unit", "")}
        )
        if request.method == "POST" and form.is_valid():
            try:
                proxy_mandate_record(
                    actor=request.user,
                    assembly=assembly,
                    unit_number=form.cleaned_data["unit_number"].strip(),
                    proxy_username=form.cleaned_data["proxy_username"].strip(),
                    note=form.cleaned_data["note"],
                    scan=form.cleaned_data["scan"],
                )
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, gettext("已登记委托投票。"), messages.SUCCESS)
                return redirect("admin:voting_assembly_proxies", assembly.pk)
        mandates = (
            ProxyMandate.objects.filter(assembly=assembly)
            .select_related("proxy")
            .prefetch_related(Prefetch("subject__parts", queryset=RollPart.objects.order_by("sort_key")))
            .order_by("recorded_at", "pk")
        )
        return self._render(
            request,
            assembly,
            "proxies.html",
            _("委托投票登记"),
            search=search,
            matches=matches,
            form=form,
            recorded=[
                (units_of_subject(m.subject), m.proxy.get_username(), m.recorded_at, bool(m.scan))
                for m in mandates
            ],
            uses=dict(Unit.Use.choices),
            pick_param="unit",
            pick_url=reverse("admin:voting_assembly_proxies", args=[assembly.pk]),
        )

    def certificate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The tallied result for review before publication: every total, inequality, outcome and policy."""
        assembly, missing = self._resolve(request, object_id)
        if missing is not None:
            return missing
        assert assembly is not None
        if assembly.status not in RESULT_STATES:
            self.message_user(request, gettext("计票完成前不公布任何结果。"), messages.ERROR)
            return self._back(assembly)
        if not results_visible_to(user=request.user, assembly=assembly):
            raise PermissionDenied
        # The same certificate the owners will read (voting.certificate), for review before publication.
        certificate = certificate_context(assembly=assembly)
        del certificate["assembly"]
        return self._render(request, assembly, "certificate.html", _("表决结果"), **certificate)

    def choices_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """One unit's counted choices for an official who states why; only after the close; logged."""
        assembly, missing = self._resolve(request, object_id)
        if missing is not None:
            return missing
        assert assembly is not None
        if not can_view_choices(user=request.user, compound=assembly.compound):
            raise PermissionDenied
        if assembly.status not in (S.CLOSED, *RESULT_STATES):
            self.message_user(request, gettext("投票截止前不得查看个人表决内容。"), messages.ERROR)
            return self._back(assembly)
        form = ChoiceLookupForm(request.POST or None)
        shown = None
        if request.method == "POST" and form.is_valid():
            number = form.cleaned_data["unit_number"].strip()
            try:
                found = ballot_choices_for_official(
                    user=request.user,
                    assembly=assembly,
                    unit_number=number,
                    reason=form.cleaned_data["reason"],
                )
            except Http404:
                form.add_error("unit_number", gettext("该房屋不在本次会议的表决名册上。"))
            except WrongState as error:
                self.message_user(request, error.message, messages.ERROR)
                return self._back(assembly)
            else:
                shown = _choices_rows(found, assembly)
        return self._render(request, assembly, "choices.html", _("查看该户表决内容"), form=form, shown=shown)


def _choices_rows(found: dict[str, Any], assembly: Assembly) -> dict[str, Any]:
    """The counted ballot as (motion, choice) lines in Chinese, and the unit's submission history."""
    counted = found["counted"] or {}
    lines = []
    for m in assembly_motions(assembly=assembly):
        value = counted.get(str(m.pk))
        if isinstance(value, dict):
            for c in m.candidates.all():
                lines.append(
                    (f"{m.position}. {m.title} — {c.name}", CHOICE_LABELS.get(value.get(str(c.pk)), "-"))
                )
        else:
            lines.append((f"{m.position}. {m.title}", CHOICE_LABELS.get(value, "-") if value else "-"))
    channels = dict(BallotSubmission.Channel.choices)
    history = [
        {
            "cast_at": s["cast_at"],
            "channel": channels.get(s["channel"], s["channel"]),
            "receipt": s["receipt"],
        }
        for s in found["submissions"]
    ]
    return {
        "unit_number": found["unit_number"],
        "voted": bool(found["counted"]),
        "lines": lines,
        "history": history,
    }
