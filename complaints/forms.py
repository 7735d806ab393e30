"""Forms of the complaint pages (views.py). None saves a model: the views hand cleaned data to
complaints.services, and a service's refusal is put back on the form (`add_refusal`) with everything kept."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.labels import ABOUT_HELP, About, Kind, Satisfaction, Status, Tier
from complaints.selectors import QUEUE_STATES, FilingPlaces
from complaints.services.cases import Location
from config.errors import ApplicationError

UNIT, BUILDING, EQUIPMENT = "unit", "building", "equipment"


class CategorySelect(forms.Select):
    """Each option names its kinds (`data-kinds`, read by static/js/complaints.js to filter without a reload);
    once a kind is chosen, the other kinds' categories are disabled and hidden (the server-side filter)."""

    def __init__(self, *args: Any, kinds_by_code: dict[str, list[str]], kind: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kinds_by_code, self.kind = kinds_by_code, kind

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # noqa: ANN001, ANN201
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        kinds = self.kinds_by_code.get(str(value))
        if kinds is not None:
            option["attrs"]["data-kinds"] = " ".join(kinds)
            if self.kind and self.kind not in kinds:
                option["attrs"]["disabled"] = True
                option["attrs"]["hidden"] = True
        return option


class FileForm(forms.Form):
    """我要投诉/报事: kind, category (of that kind), whom it is about, where, what, and whether a visit is allowed."""

    compound = forms.CharField(label=_("小区"), widget=forms.Select)
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices, widget=forms.RadioSelect)
    category = forms.ChoiceField(label=_("类别"))
    about = forms.ChoiceField(
        label=_("投诉对象"), choices=About.choices, widget=forms.RadioSelect, initial=About.OTHER
    )
    place = forms.CharField(label=_("地点"), required=False, widget=forms.Select)
    area = forms.CharField(
        label=_("具体位置"),
        required=False,
        max_length=64,
        help_text=_("公共区域请写明位置，如：5号楼门口、地下车库B区、东门岗亭。"),
    )
    description = forms.CharField(
        label=_("问题描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    allow_home_visit = forms.BooleanField(
        label=_("允许工作人员上门查看"),
        required=False,
        help_text=_(
            "勾选后，处理人员（包括物业管家）可以看到您选择的房号，以便上门查看或维修；不勾选时，物业只看到楼栋和"
            "公共区域。无论是否勾选，物业都看不到您的姓名和电话，需要联系您时通过本平台进行。"
        ),
    )

    def __init__(
        self, *args: Any, places: list[FilingPlaces], categories: list[Any], kind: str = "", **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.places = places
        self.about_help = [(value, label, ABOUT_HELP[value]) for value, label in About.choices]
        self.fields["compound"].widget.choices = [(p.compound.code, p.compound.name) for p in places]
        if len(places) == 1:
            self.fields["compound"].widget = forms.HiddenInput()
            self.fields["compound"].initial = places[0].compound.code
        self.fields["category"].choices = [("", _("请选择类别"))] + [(c.code, c.name) for c in categories]
        self.fields["category"].widget = CategorySelect(
            choices=self.fields["category"].choices,
            kinds_by_code={c.code: list(c.kinds) for c in categories},
            kind=kind,
        )
        self.fields["place"].widget.choices = self._place_choices()

    def _place_choices(self) -> list[Any]:
        many = len(self.places) > 1
        choices: list[Any] = [("", _("不指定房屋或楼栋（公共区域）"))]
        for p in self.places:
            prefix = f"{p.compound.name} · " if many else ""
            if p.units:
                choices.append(
                    (f"{prefix}{_('我的房屋')}", [(f"{UNIT}:{u.unit_number}", u.label) for u in p.units])
                )
            if p.buildings:
                choices.append(
                    (
                        f"{prefix}{_('楼栋')}",
                        [(f"{BUILDING}:{p.compound.code}:{b.number}", b.name) for b in p.buildings],
                    )
                )
            if p.equipment:
                choices.append(
                    (
                        f"{prefix}{_('设施设备')}",
                        [
                            (f"{EQUIPMENT}:{p.compound.code}:{e.code}", f"{e.name}（{e.code}）")
                            for e in p.equipment
                        ],
                    )
                )
        return choices

    def clean_place(self) -> str:
        place = self.cleaned_data["place"]
        if place and not place.startswith((f"{UNIT}:", f"{BUILDING}:", f"{EQUIPMENT}:")):
            raise forms.ValidationError(_("请从列表中选择地点。"), code="invalid")
        return place

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        place, compound = cleaned.get("place") or "", cleaned.get("compound")
        if (
            place.startswith((f"{BUILDING}:", f"{EQUIPMENT}:"))
            and compound
            and place.split(":")[1] != compound
        ):
            self.add_error("place", _("所选楼栋不在所选小区。"))
        return cleaned

    def location(self) -> Location:
        """The place as the filing service takes it (unit number or building number, and the area named)."""
        place, area = self.cleaned_data["place"], self.cleaned_data["area"].strip()
        if place.startswith(f"{UNIT}:"):
            return Location(unit_number=place.split(":", 1)[1].strip().upper(), area=area)
        if place.startswith(f"{BUILDING}:"):
            return Location(building=place.rsplit(":", 1)[1].strip(), area=area)
        if place.startswith(f"{EQUIPMENT}:"):
            return Location(equipment=place.split(":", 2)[2].strip(), area=area)
        return Location(area=area)

    def add_refusal(self, error: ApplicationError) -> None:
        """The service's refusal on the field it names (else above the form); everything typed is kept."""
        field = str(error.extra.get("field", ""))
        named = list(error.extra.get("fields", {}))
        if field.startswith("location."):
            self.add_error("place", error.message)
        elif field == "photos":
            self.add_error(None, error.message)  # the photos are not kept: the owner chooses them again
        elif field in ("category", "kind"):
            self.add_error("category", error.message)
        elif named and named[0] in self.fields:
            self.add_error(named[0], error.message)
        else:
            self.add_error(None, error.message)


class MoveForm(forms.Form):
    """One workflow move (complaint_transition): the target state, a note, public or internal, a merge target."""

    to = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea)
    public = forms.BooleanField(label=_("投诉人可见"), required=False)
    merged_into = forms.IntegerField(label=_("合并到案件编号"), required=False, min_value=1)


class RateForm(forms.Form):
    """The complainant's rating of a verified result (complaint_rate)."""

    satisfaction = forms.ChoiceField(
        label=_("您对处理结果是否满意"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    solved = forms.TypedChoiceField(
        label=_("问题是否已经解决"),
        choices=[("yes", _("已解决")), ("no", _("未解决"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("评价说明（选填）"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class QueueFilterForm(forms.Form):
    """The work queue's filters (GET): compound, tier, state."""

    compound = forms.CharField(label=_("小区"), required=False, widget=forms.Select)
    tier = forms.ChoiceField(label=_("层级"), required=False, choices=[("", _("全部层级")), *Tier.choices])
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态"))] + [(s, label) for s, label in Status.choices if s in QUEUE_STATES],
    )

    def __init__(self, *args: Any, compounds: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["compound"].widget.choices = [("", _("全部小区")), *compounds]

    def filters(self) -> dict[str, str]:
        """The filters for complaints.selectors.complaint_queue (none when the form is not valid)."""
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}
