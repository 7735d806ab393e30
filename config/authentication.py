"""API authentication wiring: `Authorization: Token <key>` resolved by registry.tokens in one statement, and
the browser's session with a CSRF check that never parses an upload."""

from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme as _SpectacularSessionScheme
from rest_framework import authentication, exceptions

from registry.services.tokens import token_discard
from registry.tokens import token_expired, token_with_roles


class TokenAuthentication(authentication.TokenAuthentication):
    """One query resolves the token, the user and every role record; an expired token (registry.tokens) is
    deleted and refused with 401 `token_expired`."""

    def authenticate_credentials(self, key: str):  # noqa: ANN201 - DRF's signature
        token = token_with_roles(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token_expired(token=token, now=timezone.now()):
            token_discard(token=token)
            raise exceptions.AuthenticationFailed(
                _("登录凭据已过期或密码已更改，请重新登录。"), code="token_expired"
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, except that on a multipart body the CSRF token is taken from the
    X-CSRFToken header only: Django's check would otherwise parse the whole upload (looking for a form field)
    while authenticating, before the view has decided whether the caller may send it at all."""

    def enforce_csrf(self, request):  # noqa: ANN001, ANN201 - DRF's signature
        django_request = request._request
        if django_request.content_type != "multipart/form-data" or hasattr(django_request, "_post"):
            return super().enforce_csrf(request)
        django_request._post, django_request._files = QueryDict(), MultiValueDict()
        try:
            return super().enforce_csrf(django_request)
        finally:
            del django_request._post, django_request._files


class SessionScheme(_SpectacularSessionScheme):
    """The OpenAPI security scheme of the session (drf-spectacular only knows DRF's own class)."""

    target_class = SessionAuthentication
