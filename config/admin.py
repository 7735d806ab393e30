"""Admin plumbing shared by the apps: showing a service's refusal on the form it came from."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from config.errors import ApplicationError


class ServiceRefusalMixin:
    """A ModelAdmin whose save path calls a service: a refusal (`ApplicationError`) rolls the save back
    (`changeform_view` is atomic) and the form is shown again with the staff member's input and the refusal."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)  # type: ignore[attr-defined]
            request._service_refusal = error  # type: ignore[attr-defined]  # read by get_form
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # noqa: ANN201
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        refusal: ApplicationError | None = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form

        class Refused(form):
            def clean(self) -> dict[str, Any]:
                super().clean()
                raise ValidationError(refusal.message, code=refusal.code)

        return Refused
