"""Forms of the owner pages. Plain forms: they parse input; services decide and write."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _


class UnechoedTextInput(forms.TextInput):
    """A text input that never writes the submitted value back into the page (ID numbers are personal data)."""

    def format_value(self, value: object) -> None:
        return None


class LoginForm(AuthenticationForm):
    """Django's login form with a clear answer when django-axes has locked the address or the account out."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确（区分大小写）。"),
        "locked_out": _("登录失败次数过多，已暂时停止登录，请 %(hours)s 小时后再试。"),
    }

    def clean(self) -> dict:
        try:
            return super().clean()
        except forms.ValidationError:
            # AxesMiddleware marks the request during authenticate(); say so instead of "wrong password".
            if getattr(self.request, "axes_locked_out", False):
                raise forms.ValidationError(
                    self.error_messages["locked_out"],
                    code="locked_out",
                    params={"hours": settings.AXES_COOLOFF_TIME},
                ) from None
            raise

    @property
    def locked_out(self) -> bool:
        return any(e.code == "locked_out" for e in self.errors.as_data().get("__all__", []))


class SignupForm(forms.Form):
    """Owner sign-up: an account plus the holder's name, ID number and phone matched against the registry; an
    organisation (credit code as its ID number) also names the representative acting for it."""

    PERSON = "person"
    ORGANISATION = "organisation"

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("登录时使用，150 个字符以内，可使用字母、数字及 @.+-_"),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
    )
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不能全是数字，不能过于常见。"),
    )
    password2 = forms.CharField(
        label=_("再次输入密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    holder_type = forms.ChoiceField(
        label=_("权利人类型"),
        choices=[(PERSON, _("个人")), (ORGANISATION, _("单位"))],
        initial=PERSON,
        required=False,  # a person when not given
        widget=forms.RadioSelect(attrs={"class": "holder-type"}),
    )
    name = forms.CharField(
        label=_("姓名 / 单位名称"),
        max_length=128,
        help_text=_("与不动产权证书上的权利人姓名（单位名称）一致。"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=32,
        help_text=_(
            "个人填写身份证号（含港澳台居民居住证、外国人永久居留身份证）或护照等证件号码，"
            "单位填写统一社会信用代码。仅用于与不动产登记信息核对，平台不保存明文。"
        ),
        widget=UnechoedTextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    representative = forms.CharField(
        label=_("经办人姓名"),
        max_length=64,
        required=False,
        help_text=_("单位注册时填写：代表单位使用此账号的人。"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )

    # Service refusal codes that belong to one field; any other refusal is shown above the form.
    REFUSAL_FIELDS = {
        "username_taken": "username",
        "weak_password": "password1",
        "invalid_id_number": "id_number",
        "invalid_phone": "phone",
        "invalid_representative": "representative",
        "representative_required": "representative",
        "representative_not_allowed": "holder_type",
    }

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2", forms.ValidationError(_("两次输入的密码不一致。"), code="password_mismatch")
            )
        if cleaned.get("holder_type") == self.ORGANISATION:
            if not cleaned.get("representative"):
                self.add_error(
                    "representative",
                    forms.ValidationError(_("单位注册须填写经办人姓名。"), code="representative_required"),
                )
        else:  # a person signs up for themselves: a name typed in the hidden box is not sent on
            cleaned["representative"] = ""
        return cleaned

    def add_refusal(self, *, code: str, message: str) -> None:
        """Show a service refusal on the field it concerns, or above the form."""
        field = self.REFUSAL_FIELDS.get(code)
        if field == "representative" and self.cleaned_data.get("holder_type") != self.ORGANISATION:
            field = "holder_type"  # the representative's box is hidden while 个人 is chosen
        self.add_error(field, forms.ValidationError(message, code=code))
