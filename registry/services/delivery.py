"""The one delivery service every app uses to tell a person something: an in-app `Message` row, e-mail through
Django's mail backend and SMS through the backend named by settings.SMS_BACKEND."""

import logging
from importlib import import_module
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.models import Message, User

logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class ConsoleSmsBackend:
    """Development SMS backend: keeps messages in memory (tests) and sends nothing."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        ConsoleSmsBackend.outbox.append((phone, text))


def sms_backend() -> SmsBackend:
    """The SMS backend named by settings.SMS_BACKEND (a dotted class path)."""
    module, _sep, name = settings.SMS_BACKEND.rpartition(".")
    return getattr(import_module(module), name)()  # type: ignore[no-any-return]


def user_phone(*, user: User) -> str:
    """The mobile number known for an account: its owner record's, else its firm-staff record's; never logged."""
    for relation in ("owner", "firm_staff"):
        phone = getattr(getattr(user, relation, None), "phone", "")
        if phone:
            return str(phone)
    return ""


def send_external(*, user: User, title: str, body: str, sms: SmsBackend | None = None) -> None:
    """E-mail and SMS one message to a user; a failure is logged (without the phone) and swallowed."""
    if user.email:
        try:
            send_mail(title, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception:
            logger.exception("delivery: e-mail to user %s failed", user.pk)
    phone = user_phone(user=user)
    if phone:
        try:
            (sms or sms_backend()).send(phone=phone, text=f"{title} {body}")
        except Exception:
            logger.exception("delivery: SMS to user %s failed", user.pk)


def deliver(*, user: User, title: str, body: str, key: str, link: str = "") -> bool:
    """Write one in-app Message (unique `key`: a second delivery does nothing and returns False), then e-mail
    and SMS it; failures of e-mail or SMS are logged and keep the in-app row."""
    try:
        with transaction.atomic():
            Message.objects.create(user=user, title=title, body=body, key=key, link=link)
    except IntegrityError:
        return False
    send_external(user=user, title=title, body=body)
    return True


def messages_mark_read(*, user: User, message_ids: list[int]) -> int:
    """Mark the user's own unread messages among `message_ids` read now; returns how many changed."""
    return Message.objects.filter(user=user, pk__in=message_ids, read_at__isnull=True).update(
        read_at=timezone.now()
    )
