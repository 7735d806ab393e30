"""Forms of the street-office admin (voting/admin.py). Owner-facing ballot forms live in `ballot_forms.py`.

None of them saves a model: the admin hands their cleaned data to a service.
"""

from typing import Any

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError
from voting.labels import BALLOT_CHOICES, CATEGORY_CHOICES
from voting.models import Assembly, Motion
from voting.schedule import rules_help, schedule_problems
from voting.services.assemblies import POLICY_FIELDS, MotionSpec
from voting.services.scans import scan_check

ASSEMBLY_FIELDS = ["compound", "title", "kind", "opens_at", "closes_at", *POLICY_FIELDS]


class AssemblyForm(forms.ModelForm):
    """The particulars and policy switches of an assembly (a draft): `assembly_create` / the draft update
    service write them, never `save()`."""

    class Meta:
        model = Assembly
        fields = ASSEMBLY_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The city's limits next to the dates, and the earliest opening for a notice published now.
        for name, text in rules_help().items():
            if name in self.fields:
                self.fields[name].help_text = text
        self.notice_warning = ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("投票截止时间须晚于开始时间。"))
        elif opens_at and closes_at:
            # The window never depends on the day: refused here. The notice does (a draft is announced later,
            # and may be redated then): the draft is saved with a warning; the announcement refuses.
            for problem in schedule_problems(opens_at=opens_at, closes_at=closes_at, now=timezone.now()):
                if problem.code == "notice_too_short":
                    self.notice_warning = problem.message
                else:
                    self.add_error("closes_at", ValidationError(problem.message, code=problem.code))
        return cleaned

    def policy(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in POLICY_FIELDS if name in self.cleaned_data}


class MotionForm(forms.ModelForm):
    """One motion: its art. 278 category (the threshold follows from it); elections have seats and
    candidates (one per line)."""

    category = forms.TypedChoiceField(
        label=_("民法典第二百七十八条事项类别"), choices=CATEGORY_CHOICES, coerce=int
    )
    candidates = forms.CharField(
        label=_("候选人（选举事项，每行一人）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 24}),
    )

    class Meta:
        model = Motion
        fields = ["position", "title", "category", "seats"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        self.fields["seats"].help_text = _("仅选举事项填写")
        if self.instance.pk:
            names = [c.name for c in self.instance.candidates.all()]
            self.initial["candidates"] = "\n".join(names)

    def _get_validation_exclusions(self) -> set[str]:
        # Motions are rewritten as a whole by the service: positions are only an order here (checked across
        # the formset), so the (assembly, position) constraint must not be checked against the stored rows.
        return {*super()._get_validation_exclusions(), "position"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        seats, names = cleaned.get("seats"), self.candidate_names()
        if seats:
            if len(names) < seats:
                self.add_error("candidates", _("候选人数不得少于应选人数。"))
            self.instance.kind = Motion.Kind.ELECTION
        else:
            if names:
                self.add_error("seats", _("选举事项须填写应选人数。"))
            self.instance.kind = Motion.Kind.MATTER
        return cleaned

    def candidate_names(self) -> list[str]:
        raw = self.cleaned_data.get("candidates") or ""
        return [line.strip() for line in raw.splitlines() if line.strip()]

    def spec(self) -> MotionSpec:
        seats = self.cleaned_data.get("seats") or None
        return MotionSpec(
            title=self.cleaned_data["title"],
            category=self.cleaned_data["category"],
            seats=seats,
            candidates=tuple(self.candidate_names()) if seats else (),
        )


class MotionFormSet(BaseInlineFormSet):
    """At least one motion; positions, where given, distinct."""

    def clean(self) -> None:
        super().clean()
        live = [f for f in self.forms if f.has_changed() or f.instance.pk]
        live = [f for f in live if hasattr(f, "cleaned_data") and not f.cleaned_data.get("DELETE")]
        if not any(f.cleaned_data.get("title") for f in live):
            raise ValidationError(_("至少需要一项表决事项。"), code="no_motions")
        positions = [f.cleaned_data.get("position") for f in live if f.cleaned_data.get("position")]
        if len(positions) != len(set(positions)):
            raise ValidationError(_("表决事项的序号不能重复。"), code="duplicate_position")

    def specs(self) -> list[MotionSpec]:
        """The motions in order: by position where given, then in the order entered."""
        rows = []
        for index, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("title"):
                continue
            position = data.get("position")
            rows.append(((0, position, index) if position else (1, 0, index), form.spec()))
        return [spec for _key, spec in sorted(rows, key=lambda row: row[0])]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class RescheduleForm(forms.Form):
    """New dates for an announced assembly (`assembly_reschedule` checks them as a fresh notice)."""

    opens_at = forms.SplitDateTimeField(label=_("新的投票开始时间"), widget=widgets.AdminSplitDateTime)
    closes_at = forms.SplitDateTimeField(label=_("新的投票截止时间"), widget=widgets.AdminSplitDateTime)
    reason = forms.CharField(
        label=_("改期原因"),
        max_length=500,
        help_text=_("必填，将记入会议日志并通知业主。"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, text in rules_help().items():
            self.fields[name].help_text = text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("投票截止时间须晚于开始时间。"))
        return cleaned


class RollSearchForm(forms.Form):
    q = forms.CharField(label=_("房屋地址或不动产单元号"), max_length=60, required=False)


def clean_scan_field(form: forms.Form) -> Any:
    """The scan rule of voting.services.scans, shown on the form's `scan` field."""
    scan = form.cleaned_data.get("scan")
    try:
        scan_check(scan=scan)
    except ApplicationError as error:
        raise ValidationError(error.message, code=error.code) from None
    return scan


class PaperBallotForm(forms.Form):
    """A paper ballot: for/against/abstain per motion (elections: per candidate), a note and the scan."""

    note = forms.CharField(label=_("备注"), max_length=500, required=False)
    scan = forms.FileField(label=_("纸质票扫描件"), required=False, help_text=_("PDF、JPEG 或 PNG"))

    clean_scan = clean_scan_field

    def __init__(self, *args: Any, motions: list[Motion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.motions = motions
        fields: dict[str, forms.Field] = {}
        for m in motions:
            if m.kind == Motion.Kind.ELECTION:
                for c in m.candidates.all():
                    fields[f"c_{m.pk}_{c.pk}"] = forms.ChoiceField(
                        label=f"{m.position}. {m.title} — {c.name}",
                        choices=BALLOT_CHOICES,
                        widget=forms.RadioSelect,
                    )
            else:
                fields[f"m_{m.pk}"] = forms.ChoiceField(
                    label=f"{m.position}. {m.title}", choices=BALLOT_CHOICES, widget=forms.RadioSelect
                )
        self.fields = {**fields, **self.fields}

    def choices(self) -> dict[str, Any]:
        """The ballot in the shape `paper_ballot_enter` takes."""
        out: dict[str, Any] = {}
        for m in self.motions:
            if m.kind == Motion.Kind.ELECTION:
                out[str(m.pk)] = {
                    str(c.pk): self.cleaned_data[f"c_{m.pk}_{c.pk}"] for c in m.candidates.all()
                }
            else:
                out[str(m.pk)] = self.cleaned_data[f"m_{m.pk}"]
        return out


class DeliveryForm(forms.Form):
    unit_number = forms.CharField(label=_("不动产单元号"), max_length=28)
    delivered_at = forms.SplitDateTimeField(label=_("表决票送达时间"), widget=widgets.AdminSplitDateTime)
    warned = forms.BooleanField(
        label=_("已书面告知：逾期不投票的，视为同意多数意见"), required=False, initial=True
    )


class ProxyMandateForm(forms.Form):
    unit_number = forms.CharField(label=_("委托人房屋的不动产单元号"), max_length=28)
    proxy_username = forms.CharField(label=_("代理人账号"), max_length=150)
    note = forms.CharField(label=_("备注"), max_length=500, required=False)
    scan = forms.FileField(label=_("授权委托书扫描件"), required=False, help_text=_("PDF、JPEG 或 PNG"))

    clean_scan = clean_scan_field


class ChoiceLookupForm(forms.Form):
    unit_number = forms.CharField(label=_("不动产单元号"), max_length=28)
    reason = forms.CharField(
        label=_("查看事由"),
        max_length=200,
        min_length=2,
        help_text=_("必填，将记入访问日志。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
