"""Forms of the registry admin: write-only phones, parcels set once, the designated voter, committee members, equipment, new officials."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from registry.identifiers import IdentifierError, normalize_phone, normalize_service_phone, validate_uscc
from registry.models import (
    CommitteeMember,
    Equipment,
    Firm,
    FirmStaff,
    Official,
    Owner,
    Ownership,
    Parcel,
    Unit,
)


class WriteOnlyPhoneForm(forms.ModelForm):
    """The stored phone number is never rendered: the field starts empty, shows the masked number as a hint
    and leaves the number unchanged when left empty."""

    phone_field = "phone"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get(self.phone_field)
        if field is None:
            return
        current = getattr(self.instance, self.phone_field, "")
        self.initial[self.phone_field] = ""
        field.required = False
        if current:
            masked = f"{current[:3]}****{current[-4:]}"
            field.widget.attrs["placeholder"] = masked
            field.help_text = _("当前：%(masked)s。留空则不修改。") % {"masked": masked}

    def _clean_phone(self) -> str:
        value = (self.cleaned_data.get(self.phone_field) or "").strip()
        if not value:
            return getattr(self.instance, self.phone_field, "") or ""
        try:
            return normalize_phone(value)
        except IdentifierError as e:
            raise ValidationError(e.message, code="invalid_phone") from e


def phone_fields(
    model_admin: admin.ModelAdmin, request: HttpRequest, obj: Any, fields: list[str], phone: str, masked: str
) -> list[str]:
    """Who may only look gets the masked number instead of the (write-only) phone field."""
    if model_admin.has_change_permission(request, obj) or (
        obj is None and model_admin.has_add_permission(request)
    ):
        return fields
    return [masked if name == phone else name for name in fields]


class FirmForm(WriteOnlyPhoneForm):
    phone_field = "contact_phone"

    class Meta:
        model = Firm
        fields = ["uscc", "name", "kind", "service_phone", "contact_name", "contact_phone", "address"]

    def clean_contact_phone(self) -> str:
        return self._clean_phone()

    def clean_service_phone(self) -> str:
        # The firm's public hotline: shown and edited in full, unlike the contact person's phone.
        value = (self.cleaned_data.get("service_phone") or "").strip()
        if not value:
            return ""
        try:
            return normalize_service_phone(value)
        except IdentifierError as e:
            raise ValidationError(e.message, code="invalid_service_phone") from e

    def clean_uscc(self) -> str:
        try:
            return validate_uscc(self.cleaned_data["uscc"])
        except IdentifierError as e:
            raise ValidationError(e.message, code="invalid_uscc") from e


class FirmStaffForm(WriteOnlyPhoneForm):
    class Meta:
        model = FirmStaff
        fields = ["firm", "name", "role", "phone", "certificates", "compounds", "active", "user"]

    def clean_phone(self) -> str:
        return self._clean_phone()


class ParcelInlineForm(forms.ModelForm):
    """A parcel's code places units on the compound: it is set once and not rewritten."""

    class Meta:
        model = Parcel
        fields = ["code"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True


class UnitVoterForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["designated_voter"]

    def clean_designated_voter(self) -> Owner | None:
        voter = self.cleaned_data.get("designated_voter")
        if voter is None and self.instance.designated_voter_id is not None:
            raise ValidationError(_("表决代表不能清空，请改选另一位现有权利人。"), code="voter_required")
        return voter


def _holds_in_compound(owner: Owner, compound_id: int | None) -> bool:
    return Ownership.objects.filter(
        owner=owner, unit__compound_id=compound_id, valid_to__isnull=True
    ).exists()


NOT_AN_OWNER = _("%(owner)s 不是本小区的现有业主。")


class CommitteeMemberFormSet(BaseInlineFormSet):
    """Members of a committee are current owners of its compound."""

    def clean(self) -> None:
        super().clean()
        compound_id = self.instance.compound_id
        if compound_id is None:
            return
        for form in self.forms:
            owner = form.cleaned_data.get("owner") if hasattr(form, "cleaned_data") else None
            if owner is None or form.cleaned_data.get("DELETE"):
                continue
            if not _holds_in_compound(owner, compound_id):
                form.add_error("owner", NOT_AN_OWNER % {"owner": owner})


class CommitteeMemberForm(forms.ModelForm):
    class Meta:
        model = CommitteeMember
        fields = ["committee", "owner", "role"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        committee, owner = cleaned.get("committee"), cleaned.get("owner")
        if (
            committee is not None
            and owner is not None
            and not _holds_in_compound(owner, committee.compound_id)
        ):
            self.add_error("owner", NOT_AN_OWNER % {"owner": owner})
        return cleaned


# What staff give when registering an item (`equipment_register`); the rest is generated or kept by the log.
EQUIPMENT_ADD_FIELDS = (
    "compound",
    "category",
    "name",
    "building",
    "entrance",
    "common_area",
    "installer",
    "installed_on",
    "warranty_until",
    "maintenance_interval_days",
)


class EquipmentForm(forms.ModelForm):
    class Meta:
        model = Equipment
        fields = [*EQUIPMENT_ADD_FIELDS, "status"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        compound = cleaned.get("compound") or getattr(self.instance, "compound", None)
        building, entrance = cleaned.get("building"), cleaned.get("entrance")
        if compound is not None and building is not None and building.compound_id != compound.pk:
            self.add_error("building", _("楼栋不属于该小区。"))
        if entrance is not None and (building is None or entrance.building_id != building.pk):
            self.add_error("entrance", _("单元不属于该楼栋。"))
        return cleaned


class OfficialCreateForm(forms.ModelForm):
    """A new government account: the service creates the login, puts it in the officials' group and audits."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput(render_value=False), strip=False
    )

    class Meta:
        model = Official
        fields = ["username", "password", "region", "title"]
