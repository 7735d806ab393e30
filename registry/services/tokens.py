"""API tokens: issued at sign-in (the live one, or a new one in place of an expired one) and revoked at
sign-out or when found expired. Tokens are credentials, like sessions: no audit row."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from registry.models import User
from registry.tokens import token_expired


def token_issue(*, user: User) -> Token:
    """The account's live API token, or a new one; an expired token is deleted and replaced (one
    transaction, the old row locked so that concurrent sign-ins agree on one token)."""
    with transaction.atomic():
        token = Token.objects.select_for_update().select_related("user").filter(user=user).first()
        if token is not None:
            if not token_expired(token=token, now=timezone.now()):
                return token
            token.delete()
        try:
            with transaction.atomic():
                return Token.objects.create(user=user)
        except IntegrityError:  # a concurrent first sign-in created it
            return Token.objects.get(user=user)


def token_revoke(*, user: User) -> int:
    """Delete the account's API token (sign-out); returns how many rows went (0 or 1)."""
    deleted, _by_model = Token.objects.filter(user=user).delete()
    return deleted


def token_discard(*, token: Token) -> None:
    """Delete a token found expired, by its key (a token issued since in its place stays)."""
    Token.objects.filter(key=token.key).delete()


def token_revoke_on_logout(sender: type, request: object, user: User | None, **kwargs: object) -> None:
    """`user_logged_out` receiver: a browser sign-out also deletes the account's API token."""
    if user is not None and user.pk is not None:
        token_revoke(user=user)
