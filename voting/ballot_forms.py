"""The owner's ballot form: one radio group per motion (同意/反对/弃权), per candidate for elections.

A plain form: it parses the radios into the `choices` shape of `voting.services.ballots.ballot_cast` and keeps
what was ticked when the service refuses. Unanswered motions are left to the service, which refuses them as
`incomplete_ballot` (and records the refusal); the form then marks the groups still open.
"""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from voting.labels import BALLOT_CHOICES
from voting.models import Motion

CHOICES = BALLOT_CHOICES


class BallotForm(forms.Form):
    """Fields `m<motion id>` for matters and `m<motion id>_c<candidate id>` for each election candidate."""

    def __init__(self, *args: Any, motions: list[Motion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.motions = motions
        for m in motions:
            if m.kind == Motion.Kind.ELECTION:
                for c in m.candidates.all():
                    self.fields[self.candidate_field(m, c.pk)] = self._radio(c.name)
            else:
                self.fields[self.motion_field(m)] = self._radio(m.title)

    @staticmethod
    def _radio(label: str) -> forms.ChoiceField:
        return forms.ChoiceField(label=label, choices=CHOICES, required=False, widget=forms.RadioSelect)

    @staticmethod
    def motion_field(motion: Motion) -> str:
        return f"m{motion.pk}"

    @staticmethod
    def candidate_field(motion: Motion, candidate_id: int) -> str:
        return f"m{motion.pk}_c{candidate_id}"

    def choices(self) -> dict[str, Any]:
        """The answered motions as {"<motion id>": choice} ({"<candidate id>": choice} for elections)."""
        out: dict[str, Any] = {}
        for m in self.motions:
            if m.kind == Motion.Kind.ELECTION:
                answers = {
                    str(c.pk): self.cleaned_data.get(self.candidate_field(m, c.pk))
                    for c in m.candidates.all()
                }
                answered = {k: v for k, v in answers.items() if v}
                if answered:
                    out[str(m.pk)] = answered
            elif value := self.cleaned_data.get(self.motion_field(m)):
                out[str(m.pk)] = value
        return out

    def mark_unanswered(self) -> int:
        """Flag every radio group left blank; returns how many."""
        blank = [name for name in self.fields if not self.cleaned_data.get(name)]
        for name in blank:
            self.add_error(name, forms.ValidationError(_("请选择同意、反对或弃权。"), code="required"))
        return len(blank)

    def groups(self) -> list[dict[str, Any]]:
        """The bound fields grouped by motion, in agenda order, for the template."""
        out = []
        for m in self.motions:
            if m.kind == Motion.Kind.ELECTION:
                fields = [self[self.candidate_field(m, c.pk)] for c in m.candidates.all()]
            else:
                fields = [self[self.motion_field(m)]]
            out.append({"motion": m, "fields": fields, "election": m.kind == Motion.Kind.ELECTION})
        return out


class ReceiptCheckForm(forms.Form):
    """The public receipt check: a receipt pasted as shown (spaces and capitals are forgiven)."""

    receipt = forms.CharField(
        label=_("投票回执"),
        max_length=200,
        help_text=_("投票成功后页面显示的 64 位回执码。"),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "none",
                "inputmode": "text",
            }
        ),
    )

    def clean_receipt(self) -> str:
        value = "".join(self.cleaned_data["receipt"].split()).lower()
        if not re.fullmatch(r"[0-9a-f]{64}", value):
            raise forms.ValidationError(_("回执码应为 64 位，由数字 0–9 和字母 a–f 组成。"), code="invalid")
        return value
