"""Forms of the owner pages: a request to a volunteer, a reply, posting a task, completing and confirming it."""

from django import forms
from django.utils.translation import gettext_lazy as _


class TextForm(forms.Form):
    text = forms.CharField(label=_("留言"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4}))


class TaskForm(forms.Form):
    compound = forms.ChoiceField(label=_("小区"))
    title = forms.CharField(label=_("需要帮忙的事"), max_length=100)
    description = forms.CharField(
        label=_("详细说明（选填）"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, compounds: list[tuple[str, str]], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["compound"].choices = compounds


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the view passes them on to the photo pipeline, which checks each)."""

    def clean(self, data, initial=None):  # noqa: ANN001, ANN201
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return single(data, initial)


class CompleteForm(forms.Form):
    report = forms.CharField(label=_("完成情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFileField(
        label=_("照片（选填，最多 9 张）"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/heic,image/heif"}),
    )


class ConfirmForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("评分"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("评价（选填）"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MeetingForm(forms.Form):
    """A joint meeting (红色议事厅): where (a compound, or for officials a whole community), what, when, who took
    part (names per side, separated by "、" or commas) and the minutes; decisions come in DecisionFormSet."""

    where = forms.ChoiceField(label=_("会议所属"))
    title = forms.CharField(label=_("议题"), max_length=128)
    held_at = forms.DateTimeField(
        label=_("召开时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("地点（选填）"), max_length=128, required=False)
    minutes = forms.CharField(label=_("会议纪要"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, places: list[tuple[str, str]], sides: list[tuple[str, str]], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["where"].choices = places
        for side, label in sides:
            self.fields[f"side_{side}"] = forms.CharField(
                label=label, max_length=640, required=False, help_text=_("多人用顿号或逗号分隔")
            )

    def participants(self) -> list[tuple[str, str]]:
        """(side, name) pairs from the per-side name fields, in the order of the sides."""
        pairs = []
        for name, value in self.cleaned_data.items():
            if name.startswith("side_"):
                for person in value.replace("，", "、").replace(",", "、").split("、"):
                    if person.strip():
                        pairs.append((name.removeprefix("side_"), person.strip()[:64]))
        return pairs

    def clean(self) -> dict:
        data = super().clean()
        if not any(v.strip() for k, v in data.items() if k.startswith("side_")):
            raise forms.ValidationError(_("请至少填写一位参会人员。"))
        return data


class DecisionForm(forms.Form):
    """One decision with at most one follow-up item (who answers for it by username, and by when)."""

    text = forms.CharField(label=_("议定事项"), max_length=2000, required=False)
    follow_up = forms.CharField(label=_("交办事项（选填）"), max_length=1000, required=False)
    owner = forms.CharField(label=_("责任人账号"), max_length=150, required=False)
    due_on = forms.DateField(
        label=_("完成期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        data = super().clean()
        item = [data.get("follow_up"), data.get("owner"), data.get("due_on")]
        if any(item) and not all(item):
            raise forms.ValidationError(_("交办事项须同时填写内容、责任人账号和完成期限。"))
        if any(item) and not data.get("text"):
            raise forms.ValidationError(_("交办事项须属于一项议定事项。"))
        return data


DecisionFormSet = forms.formset_factory(DecisionForm, extra=3, max_num=20)
