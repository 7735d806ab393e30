"""The owner's ballot form: one radio group per motion (同意/反对/弃权), per candidate for elections.

A plain form: it parses the radios into the `choices` shape of `voting.services.ballots.ballot_cast` and keeps
what was ticked when the service refuses. Unanswered motions are left to the service, which refuses them as
`incomplete_ballot` (and records the refusal); the form then marks the groups still open. The same fields
travel as hidden inputs on the confirmation page and are parsed (and checked) again when the owner confirms.
"""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from voting.labels import BALLOT_CHOICES
from voting.models import Motion
from voting.services.ballots import SHORT_RECEIPT_LENGTH

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

    @classmethod
    def initial_from(cls, *, motions: list[Motion], choices: dict[str, Any]) -> dict[str, str]:
        """The form's initial ticks from stored `choices` (the owner's own counted ballot)."""
        initial: dict[str, str] = {}
        for m in motions:
            value = choices.get(str(m.pk))
            if m.kind == Motion.Kind.ELECTION:
                if isinstance(value, dict):
                    for c in m.candidates.all():
                        if value.get(str(c.pk)) in dict(CHOICES):
                            initial[cls.candidate_field(m, c.pk)] = value[str(c.pk)]
            elif value in dict(CHOICES):
                initial[cls.motion_field(m)] = value
        return initial

    def hidden_values(self) -> list[tuple[str, str]]:
        """(field name, choice) of every answered radio group, for the confirmation page's hidden inputs."""
        return [(name, value) for name in self.fields if (value := self.cleaned_data.get(name))]

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
    """The public receipt check: the full 64-character receipt, or its 8-character short code (短码), pasted as
    shown — spaces, line breaks and capitals are forgiven. A short code is looked up only when exactly one
    ballot of the assembly has it (`voting.services.ballots.receipt_check_short`); else the full one is asked."""

    receipt = forms.CharField(
        label=_("投票回执"),
        max_length=200,
        help_text=_("投票成功后页面显示的 64 位回执码（可带空格），或其前 8 位短码。"),
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
        if not re.fullmatch(rf"[0-9a-f]{{64}}|[0-9a-f]{{{SHORT_RECEIPT_LENGTH}}}", value):
            raise forms.ValidationError(
                _("回执码应为 64 位（或 8 位短码），由数字 0–9 和字母 a–f 组成。"), code="invalid"
            )
        return value

    def is_short(self) -> bool:
        return len(self.cleaned_data["receipt"]) == SHORT_RECEIPT_LENGTH
