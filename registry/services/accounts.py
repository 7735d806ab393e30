"""Accounts: owner sign-up by identity matching, official and firm accounts, the two staff groups."""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import NoReturn

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden, WrongState
from config.logging import mask_text
from registry.identifiers import IdentifierError, normalize_phone, validate_uscc
from registry.models import Firm, FirmStaff, Official, Owner, Ownership, Region, SignupAttempt, Unit, User
from registry.permissions import (
    FIRM_GROUP,
    FIRM_MODEL_PERMISSIONS,
    OFFICIAL_MODEL_PERMISSIONS,
    OFFICIALS_GROUP,
    can_verify_organisation,
)
from registry.personal_data import holder_identity_digest
from registry.selectors import owner_current_unit_numbers
from registry.services.audit import audit_record

REPRESENTATIVE_MAX_LENGTH = Owner._meta.get_field("representative").max_length or 64


@dataclass(frozen=True)
class SignupResult:
    user: User
    unit_numbers: list[str]
    # An organisation's account waits for the street office to check its licence and the representative's
    # authorisation: its name and credit code are public, so knowing them proves nothing.
    pending_verification: bool = False


def _refuse_signup(
    *, username: str, ip_address: str | None, reason: str, message: str, status: int = 400
) -> NoReturn:
    # The attempt is recorded outside any transaction the caller may roll back: refusals are kept.
    SignupAttempt.objects.create(username=username[:150], ip_address=ip_address, matched=False, reason=reason)
    raise ApplicationError(message, code=reason, status=status)


def _signup_rate_limited(*, username: str, ip_address: str | None) -> bool:
    since = timezone.now() - dt.timedelta(hours=1)
    failed = SignupAttempt.objects.filter(matched=False, at__gte=since)
    by_ip = failed.filter(ip_address=ip_address).count() if ip_address else 0
    by_name = failed.filter(username=username).count()
    return max(by_ip, by_name) >= settings.SIGNUP_RATE_LIMIT


# 18 letters and digits: only a resident ID or a credit code is written so (passports and other papers never
# are), so such a number must be valid as one of the two.
_EIGHTEEN = re.compile(r"[0-9A-Z]{18}", re.ASCII)
_RESIDENT_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


def _signup_identities(id_number: str) -> list[tuple[str, str]]:
    """The (id_type, keyed hash) pairs a sign-up number can be, in order of preference, hashed exactly as the
    feed hashed that type (`holder_identity_digest`). By the number's form: a valid credit code → uscc; a valid
    resident ID (incl. HK/Macau/Taiwan permits and foreigners' cards) → resident_id — both when 18 digits
    pass both checks; any other form → passport, then other. Raises IdentifierError when a number of 18
    letters and digits is neither."""
    compact = unicodedata.normalize("NFKC", id_number).upper()
    compact = "".join(compact.split())
    found: list[tuple[str, str]] = []
    errors: dict[str, IdentifierError] = {}
    if _EIGHTEEN.fullmatch(compact) is None:
        types = [Owner.IdType.PASSPORT, Owner.IdType.OTHER]
        return [(t, holder_identity_digest(id_type=t, id_number=id_number).id_hmac) for t in types]
    for id_type in (Owner.IdType.RESIDENT_ID, Owner.IdType.USCC):
        try:
            found.append((id_type, holder_identity_digest(id_type=id_type, id_number=id_number).id_hmac))
        except IdentifierError as e:
            errors[id_type] = e
    if not found:
        if _RESIDENT_ID_SHAPE.fullmatch(compact) is None:
            raise errors[Owner.IdType.USCC]
        # 18 digits (or 17 and an X) may have been meant as either: say so rather than guess which.
        raise IdentifierError("id_number_invalid", _("证件号码不是有效的身份证号码或统一社会信用代码。"))
    return found


def _same_name(owner: Owner, given: str) -> bool:
    """A person's name as registered (surrounding spaces aside); an organisation's registered name up to
    NFKC (full-width and half-width brackets, letters and digits alike) and surrounding spaces."""
    if owner.holder_type == Owner.HolderType.ORGANISATION:
        return (
            unicodedata.normalize("NFKC", owner.name).strip() == unicodedata.normalize("NFKC", given).strip()
        )
    return owner.name.strip() == given.strip()


def _matching_holder(*, identities: list[tuple[str, str]], name: str) -> Owner | None:
    """The current holder with one of these identities and this name. One query whatever the number of
    candidate types and whichever way it fails (unknown number, other name, no current unit), so that no
    mismatch can be told from another."""
    match = Q(pk__in=[])
    for id_type, digest in identities:
        match |= Q(id_type=id_type, id_hmac=digest)
    holds_now = Ownership.objects.filter(owner=OuterRef("pk"), valid_to__isnull=True)
    preference = [id_type for id_type, _digest in identities]
    candidates = sorted(
        Owner.objects.filter(match).annotate(holds_now=Exists(holds_now)),
        key=lambda o: preference.index(o.id_type),
    )
    return next((o for o in candidates if o.holds_now and _same_name(o, name)), None)


def owner_signup(
    *,
    username: str,
    password: str,
    name: str,
    id_number: str,
    phone: str,
    ip_address: str | None,
    representative: str = "",
) -> SignupResult:
    """Create an owner account when name + ID number match a current holder; records every attempt.

    Any holder the feed carries: a person by any ID type, an organisation by its registered name and credit
    code, acting through a named `representative` (stored on the owner). Refusals: `rate_limited` (429),
    `invalid_id_number`, `invalid_phone`, `invalid_representative`, `representative_required`,
    `username_taken`, `weak_password`, `identity_not_matched` (the same answer whether the ID is unknown, the
    name differs or the holder has no current unit, so the endpoint cannot be used to probe the register),
    `already_registered`, `representative_not_allowed` (a person's record). All but `username_taken` and
    `weak_password` are recorded as failed attempts and count towards the rate limit.
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
        identities = _signup_identities(id_number)
    except IdentifierError as e:
        _refuse_signup(
            username=username, ip_address=ip_address, reason="invalid_id_number", message=e.message
        )
    try:
        phone = normalize_phone(phone)
    except IdentifierError as e:
        _refuse_signup(username=username, ip_address=ip_address, reason="invalid_phone", message=e.message)
    representative = representative.strip()
    if len(representative) > REPRESENTATIVE_MAX_LENGTH or mask_text(representative) != representative:
        # A name, shown unmasked: never an ID or phone number typed in the wrong box.
        _refuse_signup(
            username=username,
            ip_address=ip_address,
            reason="invalid_representative",
            message=_("经办人请填写姓名（%(max)d 个字以内）。") % {"max": REPRESENTATIVE_MAX_LENGTH},
        )
    if not representative and [t for t, _digest in identities] == [Owner.IdType.USCC]:
        _refuse_signup(
            username=username,
            ip_address=ip_address,
            reason="representative_required",
            message=_("单位注册须填写经办人姓名。"),
        )
    if User.objects.filter(username=username).exists():
        raise ApplicationError(_("该用户名已被使用。"), code="username_taken")
    try:
        validate_password(password, user=User(username=username))
    except ValidationError as e:
        raise ApplicationError(" ".join(e.messages), code="weak_password") from e

    owner = _matching_holder(identities=identities, name=name)
    if owner is None:
        _refuse_signup(
            username=username,
            ip_address=ip_address,
            reason="identity_not_matched",
            message=_("姓名（名称）与证件号码未能与不动产登记的现有权利人匹配。"),
        )
    if owner.user_id is not None:
        _refuse_signup(
            username=username,
            ip_address=ip_address,
            reason="already_registered",
            message=_("该业主已注册账号，请直接登录或找回密码。"),
        )
    units = owner_current_unit_numbers(owner=owner)
    organisation = owner.holder_type == Owner.HolderType.ORGANISATION
    if organisation and not representative:
        _refuse_signup(
            username=username,
            ip_address=ip_address,
            reason="representative_required",
            message=_("单位注册须填写经办人姓名。"),
        )
    if not organisation and representative:
        _refuse_signup(
            username=username,
            ip_address=ip_address,
            reason="representative_not_allowed",
            message=_("登记的权利人是个人，个人注册无需填写经办人。"),
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password, is_active=not organisation)
            locked = Owner.objects.select_for_update().get(pk=owner.pk)
            if locked.user_id is not None:
                raise IntegrityError("owner already linked")
            locked.user = user
            locked.phone = phone
            locked.representative = representative
            locked.save(update_fields=["user", "phone", "representative"])
            SignupAttempt.objects.create(
                username=username, ip_address=ip_address, matched=True, reason="matched"
            )
            audit_record(
                actor=user,
                verb="owner.signup",
                target=locked,
                data={
                    "units": len(units),
                    "holder_type": locked.holder_type,
                    "representative": representative,
                },
                compound_id=Unit.objects.filter(unit_number=units[0])
                .values_list("compound_id", flat=True)
                .first(),
            )
    except IntegrityError as e:
        raise ApplicationError(
            _("该业主已注册账号，请直接登录或找回密码。"), code="already_registered"
        ) from e
    return SignupResult(user=user, unit_numbers=units, pending_verification=organisation)


def _pending_organisation(*, actor: User, owner: Owner) -> Owner:
    if not can_verify_organisation(user=actor, owner=owner):
        raise Forbidden(_("只有该单位房屋所在辖区的街道办事处工作人员可以核验单位账号。"), code="forbidden")
    locked = Owner.objects.select_for_update(of=("self",)).select_related("user").get(pk=owner.pk)
    if locked.holder_type != Owner.HolderType.ORGANISATION or locked.user is None or locked.user.is_active:
        raise WrongState(_("该权利人没有待核验的单位账号。"), code="not_pending")
    return locked


def organisation_account_verify(*, actor: User, owner: Owner, note: str) -> Owner:
    """Enable an organisation's account after the street office checked its business licence and the
    representative's letter of authorisation (`note` says what was seen); writes the account and an audit row.
    Refusals: 403 outside the official's compounds; 409 `not_pending`; 400 `note_required`."""
    if not note.strip():
        raise ApplicationError(_("请写明核验所依据的材料（营业执照、授权委托书等）。"), code="note_required")
    with transaction.atomic():
        locked = _pending_organisation(actor=actor, owner=owner)
        User.objects.filter(pk=locked.user_id).update(is_active=True)
        audit_record(
            actor=actor,
            verb="owner.organisation_verify",
            target=locked,
            data={"username": locked.user.get_username(), "note": mask_text(note.strip())[:500]},
            compound_id=_first_compound_id(locked),
        )
    return locked


def organisation_account_reject(*, actor: User, owner: Owner, reason: str) -> Owner:
    """Refuse a pending organisation account (the claim did not hold): the account stays disabled and is
    unlinked from the organisation, which may sign up again through its real representative; audited."""
    if not reason.strip():
        raise ApplicationError(_("请写明不予核验的理由。"), code="reason_required")
    with transaction.atomic():
        locked = _pending_organisation(actor=actor, owner=owner)
        username = locked.user.get_username()
        locked.user, locked.representative = None, ""
        locked.save(update_fields=["user", "representative"])
        audit_record(
            actor=actor,
            verb="owner.organisation_reject",
            target=locked,
            data={"username": username, "reason": mask_text(reason.strip())[:500]},
            compound_id=_first_compound_id(locked),
        )
    return locked


def _first_compound_id(owner: Owner) -> int | None:
    return (
        Ownership.objects.filter(owner=owner, valid_to__isnull=True)
        .order_by("unit__unit_number")
        .values_list("unit__compound_id", flat=True)
        .first()
    )


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
