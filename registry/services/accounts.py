"""Accounts: owner sign-up by identity matching, official and firm accounts, the two staff groups."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from registry.identifiers import IdentifierError, normalize_phone, validate_resident_id, validate_uscc
from registry.models import Firm, FirmStaff, Official, Owner, Region, SignupAttempt, Unit, User
from registry.permissions import (
    FIRM_GROUP,
    FIRM_MODEL_PERMISSIONS,
    OFFICIAL_MODEL_PERMISSIONS,
    OFFICIALS_GROUP,
)
from registry.personal_data import identity_digest
from registry.selectors import owner_current_unit_numbers
from registry.services.audit import audit_record


@dataclass(frozen=True)
class SignupResult:
    user: User
    unit_numbers: list[str]


def _refuse_signup(
    *, username: str, ip_address: str | None, reason: str, message: str, status: int = 400
) -> None:
    # The attempt is recorded outside any transaction the caller may roll back: refusals are kept.
    SignupAttempt.objects.create(username=username[:150], ip_address=ip_address, matched=False, reason=reason)
    raise ApplicationError(message, code=reason, status=status)


def _signup_rate_limited(*, username: str, ip_address: str | None) -> bool:
    since = timezone.now() - dt.timedelta(hours=1)
    failed = SignupAttempt.objects.filter(matched=False, at__gte=since)
    by_ip = failed.filter(ip_address=ip_address).count() if ip_address else 0
    by_name = failed.filter(username=username).count()
    return max(by_ip, by_name) >= settings.SIGNUP_RATE_LIMIT


def owner_signup(
    *, username: str, password: str, name: str, id_number: str, phone: str, ip_address: str | None
) -> SignupResult:
    """Create an owner account when name + ID number match a current holder; records every attempt.

    Refusals: `rate_limited` (429), `invalid_id_number`, `invalid_phone`, `username_taken`, `weak_password`,
    `identity_not_matched` (the same answer whether the ID is unknown, the name differs or the holder has
    no current unit, so the endpoint cannot be used to probe the register), `already_registered`.
    """
    if _signup_rate_limited(username=username, ip_address=ip_address):
        _refuse_signup(
            username=username,
            ip_address=ip_address,
            reason="rate_limited",
            message=_("尝试次数过多，请一小时后再试。"),
            status=429,
        )
    try:
        id_number = validate_resident_id(id_number)
    except IdentifierError as e:
        _refuse_signup(
            username=username, ip_address=ip_address, reason="invalid_id_number", message=e.message
        )
    try:
        phone = normalize_phone(phone)
    except IdentifierError as e:
        _refuse_signup(username=username, ip_address=ip_address, reason="invalid_phone", message=e.message)
    if User.objects.filter(username=username).exists():
        raise ApplicationError(_("该用户名已被使用。"), code="username_taken")
    try:
        validate_password(password, user=User(username=username))
    except ValidationError as e:
        raise ApplicationError(" ".join(e.messages), code="weak_password") from e

    digest = identity_digest(id_type=Owner.IdType.RESIDENT_ID, id_number=id_number)
    owner = Owner.objects.filter(id_type=Owner.IdType.RESIDENT_ID, id_hmac=digest.id_hmac).first()
    units = owner_current_unit_numbers(owner=owner) if owner is not None else []
    if owner is None or owner.name.strip() != name.strip() or not units:
        _refuse_signup(
            username=username,
            ip_address=ip_address,
            reason="identity_not_matched",
            message=_("姓名与身份证号未能与不动产登记的现有权利人匹配。"),
        )
    assert owner is not None
    if owner.user_id is not None:
        _refuse_signup(
            username=username,
            ip_address=ip_address,
            reason="already_registered",
            message=_("该业主已注册账号，请直接登录或找回密码。"),
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password)
            locked = Owner.objects.select_for_update().get(pk=owner.pk)
            if locked.user_id is not None:
                raise IntegrityError("owner already linked")
            locked.user = user
            locked.phone = phone
            locked.save(update_fields=["user", "phone"])
            SignupAttempt.objects.create(
                username=username, ip_address=ip_address, matched=True, reason="matched"
            )
            audit_record(
                actor=user,
                verb="owner.signup",
                target=locked,
                data={"units": len(units)},
                compound_id=Unit.objects.filter(unit_number=units[0])
                .values_list("compound_id", flat=True)
                .first(),
            )
    except IntegrityError as e:
        raise ApplicationError(
            _("该业主已注册账号，请直接登录或找回密码。"), code="already_registered"
        ) from e
    return SignupResult(user=user, unit_numbers=units)


def staff_groups_ensure() -> tuple[Group, Group]:
    """Create or refresh the officials' and firms' groups with their admin model permissions."""
    groups = []
    for name, spec in ((OFFICIALS_GROUP, OFFICIAL_MODEL_PERMISSIONS), (FIRM_GROUP, FIRM_MODEL_PERMISSIONS)):
        group, _created = Group.objects.get_or_create(name=name)
        codenames = [f"{action}_{model}" for model, actions in spec.items() for action in actions]
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="registry", codename__in=codenames)
        )
        groups.append(group)
    return groups[0], groups[1]


def _new_staff_user(*, username: str, password: str) -> User:
    if User.objects.filter(username=username).exists():
        raise ApplicationError(_("该用户名已被使用。"), code="username_taken")
    try:
        validate_password(password, user=User(username=username))
    except ValidationError as e:
        raise ApplicationError(" ".join(e.messages), code="weak_password") from e
    return User.objects.create_user(username=username, password=password, is_staff=True)


def official_create(
    *, username: str, password: str, region_code: str, title: str = "", actor: User | None = None
) -> Official:
    """A government account scoped to a region (street, district or city), in the officials' group."""
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise ApplicationError(_("区划代码 %(code)s 不存在。") % {"code": region_code}, code="unknown_region")
    officials, _firms = staff_groups_ensure()
    with transaction.atomic():
        user = _new_staff_user(username=username, password=password)
        user.groups.add(officials)
        official = Official.objects.create(user=user, region=region, title=title)
        audit_record(actor=actor, verb="official.create", target=official, data={"region": region.code})
    return official


def firm_user_create(*, username: str, password: str, firm_uscc: str, actor: User | None = None) -> FirmStaff:
    """A property-firm account (the firm's account administrator), in the firms' group."""
    try:
        uscc = validate_uscc(firm_uscc)
    except IdentifierError as e:
        raise ApplicationError(e.message, code="invalid_uscc") from e
    firm = Firm.objects.filter(uscc=uscc).first()
    if firm is None:
        raise ApplicationError(
            _("统一社会信用代码 %(code)s 对应的企业不存在。") % {"code": uscc}, code="unknown_firm"
        )
    _officials, firms = staff_groups_ensure()
    with transaction.atomic():
        user = _new_staff_user(username=username, password=password)
        user.groups.add(firms)
        staff = FirmStaff.objects.create(
            firm=firm, name=username, role=FirmStaff.Role.ACCOUNT_ADMIN, user=user
        )
        staff.compounds.set(firm.served_compounds.all())
        audit_record(actor=actor, verb="firm_user.create", target=staff, data={"firm": firm.uscc})
    return staff


def signup_attempts_purge(*, days: int = 90) -> int:
    """Delete sign-up attempts older than `days` days (they hold usernames and IP addresses); returns the count."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _by_model = SignupAttempt.objects.filter(at__lt=cutoff).delete()
    return deleted
