"""API authentication: token auth that loads the account's roles (official, firm staff, owner) in the same query."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`; one query resolves the token, the user and every role record."""

    def authenticate_credentials(self, key: str):  # noqa: ANN201 - DRF's signature
        try:
            token = Token.objects.select_related(
                "user", "user__official__region", "user__firm_staff", "user__owner"
            ).get(key=key)
        except Token.DoesNotExist as e:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from e
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
