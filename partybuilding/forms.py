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
