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
    """Owner sign-up: an account plus the name, ID number and phone matched against the registry."""

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
    name = forms.CharField(
        label=_("姓名"),
        max_length=128,
        help_text=_("与不动产权证书上的权利人姓名一致。"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=32,
        help_text=_("仅用于与不动产登记信息核对，平台不保存明文。"),
        widget=UnechoedTextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
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
    }

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2", forms.ValidationError(_("两次输入的密码不一致。"), code="password_mismatch")
            )
        return cleaned

    def add_refusal(self, *, code: str, message: str) -> None:
        """Show a service refusal on the field it concerns, or above the form."""
        self.add_error(self.REFUSAL_FIELDS.get(code), forms.ValidationError(message, code=code))
