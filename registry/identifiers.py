"""Validation, normalisation, masking and keyed hashing of registry identifiers.

Covers the identifiers of ``spec/registry.md`` ("Identifiers", "Personal data"):
real-estate unit numbers (GB/T 37346-2019), resident ID numbers (GB 11643),
unified social credit codes (GB 32100), real-estate certificate numbers and
mainland mobile phone numbers.

Framework-free on purpose (stdlib only): the feed consumer, forms, serializers
and the demo generator all call the same functions.  Every failure raises
:class:`IdentifierError`, whose ``code`` is stable (tests and quarantine reasons
use it) and whose ``message`` is for people.  Errors never carry the offending
value, so they are safe to log.
"""

from __future__ import annotations

import datetime
import hmac
import operator
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

__all__ = [
    "ERROR_MESSAGES",
    "RESIDENT_ID_CHECK_MAP",
    "RESIDENT_ID_WEIGHTS",
    "UNIT_NUMBER_PATTERN",
    "UNIT_NUMBER_RE",
    "USCC_ALPHABET",
    "USCC_WEIGHTS",
    "IdentifierError",
    "UnitNumber",
    "id_hmac",
    "make_resident_id",
    "make_uscc",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "normalize_phone",
    "normalize_service_phone",
    "normalize_unit_number",
    "validate_certificate_no",
    "validate_resident_id",
    "validate_unit_number",
    "validate_uscc",
]


# --------------------------------------------------------------------------- errors

ERROR_MESSAGES: Final[dict[str, str]] = {
    "unit_number_format": "不动产单元号格式不正确",
    "unit_number_zone": "不动产单元号的地籍区或地籍子区代码不能为000（海域、无居民海岛除外）",
    "unit_number_parcel": "不动产单元号的宗地顺序号不能为00000",
    "unit_number_fixture": "不动产单元号的定着物代码不正确",
    "resident_id_format": "身份证号码格式不正确",
    "resident_id_checksum": "身份证号码校验位不正确",
    "resident_id_birth_date": "身份证号码中的出生日期不正确",
    "uscc_format": "统一社会信用代码格式不正确",
    "uscc_checksum": "统一社会信用代码校验位不正确",
    "certificate_no_format": "不动产权证书号格式不正确",
    "phone_format": "手机号码格式不正确",
    "service_phone_format": "服务电话格式不正确：座机请带区号（如 0532-88886666），或填写 400/800 电话、95/96 短号、手机号",
}


class IdentifierError(ValueError):
    """An identifier failed validation.

    ``code`` is a stable snake_case key (see :data:`ERROR_MESSAGES`); ``message``
    is a Simplified Chinese sentence for the user.  The rejected value is
    deliberately not kept on the exception.
    """

    code: str
    message: str

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else ERROR_MESSAGES.get(code, "标识符不正确")
        super().__init__(self.message)

    def __reduce__(self) -> tuple[type[IdentifierError], tuple[str, str]]:
        # Keep (code, message) across pickling (Celery results, multiprocessing).
        return (type(self), (self.code, self.message))

    def __repr__(self) -> str:
        return f"IdentifierError(code={self.code!r}, message={self.message!r})"


# --------------------------------------------------------------------------- helpers

_WHITESPACE_RE: Final = re.compile(r"\s+")


def _nfkc_compact(raw: str) -> str:
    """NFKC-normalise and drop every whitespace character."""
    if raw.isascii():  # NFKC leaves ASCII as it is; most registry input is ASCII (a city's worth per load)
        return raw if raw.isalnum() else _WHITESPACE_RE.sub("", raw)
    return _WHITESPACE_RE.sub("", unicodedata.normalize("NFKC", raw))


# --------------------------------------------------------------------------- unit numbers

#: Anchored POSIX ERE (``[0-9]`` rather than ``\d``), usable as-is in a
#: PostgreSQL ``CHECK (unit_number ~ '...')`` constraint.
UNIT_NUMBER_PATTERN: Final[str] = "^[0-9]{6}[0-9]{3}[0-9]{3}[GJZ][ABSXCDEFGHWY][0-9]{5}[FLQW][0-9]{8}$"
UNIT_NUMBER_RE: Final[re.Pattern[str]] = re.compile(UNIT_NUMBER_PATTERN, re.ASCII)

# Character 14 (value[13]) is the parcel / sea-parcel kind.  In GB/T 37346-2019
# character 13 (value[12]) is the ownership type (G state, J collective,
# Z undetermined) and character 14 the kind of right: H = sea-area use right
# (宗海), G = uninhabited-island use right (无居民海岛), W = use right undetermined
# or disputed, "land or sea area".  Sea parcels are not inside a cadastral zone,
# so their zone / sub-zone codes are 000.  Interpretation of the spec rule
# "Zone/sub-zone 000 only for sea areas": the cadastral zone (value[6:9]) or
# sub-zone (value[9:12]) may be 000 only when character 14 is H or G, or W
# (which may be a disputed sea area, so we cannot reject it); on every other
# kind of parcel either part being 000 is an error.  Sea parcels are not
# *required* to use 000.
_SEA_PARCEL_KINDS: Final[frozenset[str]] = frozenset({"H", "G", "W"})


@dataclass(frozen=True, slots=True)
class UnitNumber:
    """A validated 28-character real-estate unit number (不动产单元号).

    Layout (0-based slices): county code ``[0:6]``, cadastral zone ``[6:9]``,
    sub-zone ``[9:12]``, ownership type ``[12]``, parcel kind ``[13]``, parcel
    sequence ``[14:19]``, fixture kind ``[19]``, building ``[20:24]``,
    household ``[24:28]``.
    """

    value: str
    parcel_code: str  # value[:19]; compounds list their parcels by this code
    zone: str  # value[6:12]: cadastral zone + sub-zone
    fixture_kind: str  # value[19]: F building, L forest, Q other, W none
    building_no: str  # value[20:24]
    household_no: str  # value[24:28]
    warnings: tuple[str, ...] = ()

    @property
    def county_code(self) -> str:
        return self.value[0:6]

    @property
    def cadastral_zone(self) -> str:
        return self.value[6:9]

    @property
    def cadastral_subzone(self) -> str:
        return self.value[9:12]

    @property
    def ownership_kind(self) -> str:
        return self.value[12]

    @property
    def parcel_kind(self) -> str:
        return self.value[13]

    @property
    def parcel_sequence(self) -> str:
        return self.value[14:19]

    def __str__(self) -> str:
        return self.value


def normalize_unit_number(raw: str) -> str:
    """NFKC-normalise, drop all whitespace and upper-case a unit number."""
    if not isinstance(raw, str):
        raise IdentifierError("unit_number_format")
    return _nfkc_compact(raw).upper()


def validate_unit_number(raw: str) -> UnitNumber:
    """Normalise and validate a unit number; raise :class:`IdentifierError`.

    Errors: ``unit_number_format``, ``unit_number_zone``, ``unit_number_parcel``,
    ``unit_number_fixture``.  A household number ``0000`` on a unit with a
    fixture (a whole building, for instance) is valid and reported as the
    warning ``household_zero``.
    """
    value = normalize_unit_number(raw)
    if UNIT_NUMBER_RE.fullmatch(value) is None:
        raise IdentifierError("unit_number_format")

    zone, subzone, kind = value[6:9], value[9:12], value[13]
    if (zone == "000" or subzone == "000") and kind not in _SEA_PARCEL_KINDS:
        raise IdentifierError("unit_number_zone")
    if value[14:19] == "00000":
        raise IdentifierError("unit_number_parcel")

    fixture, building, household = value[19], value[20:24], value[24:28]
    if fixture == "W" and value[20:28] != "00000000":
        raise IdentifierError("unit_number_fixture")
    if fixture == "F" and building == "0000":
        raise IdentifierError("unit_number_fixture")

    warnings: list[str] = []
    # With fixture W the zeros are mandatory, so they are no cause for a warning.
    if fixture != "W" and household == "0000":
        warnings.append("household_zero")

    return UnitNumber(
        value=value,
        parcel_code=value[:19],
        zone=value[6:12],
        fixture_kind=fixture,
        building_no=building,
        household_no=household,
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------- resident ID

RESIDENT_ID_WEIGHTS: Final[tuple[int, ...]] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_MAP: Final[str] = "10X98765432"
_RESIDENT_ID_PREFIX_RE: Final = re.compile(r"[1-9][0-9]{16}", re.ASCII)
_RESIDENT_ID_RE: Final = re.compile(r"[1-9][0-9]{16}[0-9X]", re.ASCII)
_EARLIEST_BIRTH_DATE: Final = datetime.date(1850, 1, 1)
# Birth dates are calendar dates in China (UTC+8 all year, no daylight saving).
_CHINA_TZ: Final = datetime.timezone(datetime.timedelta(hours=8), "CST")


_ASCII_ZERO_WEIGHTED: Final[int] = ord("0") * sum(RESIDENT_ID_WEIGHTS)


def _resident_id_check(prefix17: str) -> str:
    """ISO 7064 MOD 11-2 over 17 ASCII digits: Σ (code − 48)·w = Σ code·w − 48·Σw, in C-level map/sum."""
    total = sum(map(operator.mul, prefix17.encode("ascii"), RESIDENT_ID_WEIGHTS)) - _ASCII_ZERO_WEIGHTED
    return RESIDENT_ID_CHECK_MAP[total % 11]


def _normalize_upper_id(raw: str) -> str:
    return _nfkc_compact(raw).upper()


def validate_resident_id(raw: str, *, today: datetime.date | None = None) -> str:
    """Validate an 18-character resident ID number; return it normalised.

    The region code is only checked for shape (6 digits, first 1-9), never
    against a table: HK/Macau/Taiwan residence permits (810000/820000/830000),
    foreigners' permanent-residence cards (first digit 9) and numbers issued
    under since-retired county codes are all valid.  The birth date
    (characters 7-14) must be a real date, not after ``today`` (default: the
    current date in China) and not before 1850.  Errors: ``resident_id_format``, ``resident_id_checksum``,
    ``resident_id_birth_date``.
    """
    if not isinstance(raw, str):
        raise IdentifierError("resident_id_format")
    value = _normalize_upper_id(raw)
    if _RESIDENT_ID_RE.fullmatch(value) is None:
        raise IdentifierError("resident_id_format")
    if _resident_id_check(value[:17]) != value[17]:
        raise IdentifierError("resident_id_checksum")

    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdentifierError("resident_id_birth_date") from None
    if born < _EARLIEST_BIRTH_DATE or born > (today or datetime.datetime.now(tz=_CHINA_TZ).date()):
        raise IdentifierError("resident_id_birth_date")
    return value


def make_resident_id(prefix17: str) -> str:
    """Append the ISO 7064 MOD 11-2 check character to 17 digits."""
    if _RESIDENT_ID_PREFIX_RE.fullmatch(prefix17) is None:
        raise IdentifierError("resident_id_format")
    return prefix17 + _resident_id_check(prefix17)


# --------------------------------------------------------------------------- USCC

#: GB 32100 code alphabet (no I, O, S, V, Z); a character's index is its value.
USCC_ALPHABET: Final[str] = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS: Final[tuple[int, ...]] = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUES: Final[dict[str, int]] = {char: index for index, char in enumerate(USCC_ALPHABET)}


def _uscc_check(prefix17: str) -> str:
    total = sum(_USCC_VALUES[char] * weight for char, weight in zip(prefix17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> str:
    """Validate a unified social credit code; return it normalised (upper case).

    Errors: ``uscc_format`` (length or a character outside
    :data:`USCC_ALPHABET`), ``uscc_checksum`` (ISO 7064 MOD 31-3).
    """
    if not isinstance(raw, str):
        raise IdentifierError("uscc_format")
    value = _normalize_upper_id(raw)
    if len(value) != 18 or any(char not in _USCC_VALUES for char in value):
        raise IdentifierError("uscc_format")
    if _uscc_check(value[:17]) != value[17]:
        raise IdentifierError("uscc_checksum")
    return value


def make_uscc(prefix17: str) -> str:
    """Append the GB 32100 check character to a 17-character prefix."""
    if len(prefix17) != 17 or any(char not in _USCC_VALUES for char in prefix17):
        raise IdentifierError("uscc_format")
    return prefix17 + _uscc_check(prefix17)


# --------------------------------------------------------------------------- certificate no.

_CJK: Final[str] = "\u3400-\u4dbf\u4e00-\u9fff"
# 鲁(2023)青岛市不动产权第0123456号: province abbreviation, year, an optional
# city / county / district name (CJK, ending in 市县区州盟旗), 6-8 digits.
_CERTIFICATE_NO_RE: Final = re.compile(
    rf"[{_CJK}]\([0-9]{{4}}\)(?:[{_CJK}]{{0,15}}[市县区州盟旗])?不动产权第[0-9]{{6,8}}号",
    re.ASCII,
)


def validate_certificate_no(raw: str) -> str:
    """Validate a real-estate certificate number; return its normalised form.

    NFKC turns full-width brackets and digits into ASCII; whitespace is dropped.
    Error: ``certificate_no_format``.
    """
    if not isinstance(raw, str):
        raise IdentifierError("certificate_no_format")
    value = _nfkc_compact(raw)
    if _CERTIFICATE_NO_RE.fullmatch(value) is None:
        raise IdentifierError("certificate_no_format")
    return value


# --------------------------------------------------------------------------- phone

_PHONE_SEPARATORS_RE: Final = re.compile(r"[\s\-\u2010-\u2015]+")
_PHONE_COUNTRY_RE: Final = re.compile(r"(?:\+86|0086|86)([0-9]{11})", re.ASCII)
_PHONE_RE: Final = re.compile(r"1[3-9][0-9]{9}", re.ASCII)


def normalize_phone(raw: str) -> str:
    """Normalise a mainland mobile number to 11 digits; raise ``phone_format``.

    Spaces and dashes are removed, and a +86 / 0086 / 86 prefix is dropped when
    11 digits follow it.
    """
    if not isinstance(raw, str):
        raise IdentifierError("phone_format")
    value = _PHONE_SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", raw))
    country = _PHONE_COUNTRY_RE.fullmatch(value)
    if country is not None:
        value = country.group(1)
    if _PHONE_RE.fullmatch(value) is None:
        raise IdentifierError("phone_format")
    return value


# A firm's public service number (服务电话), stored in the form people dial and read: a landline with its area
# code ("0532-88886666"; 010 and 02x are three-digit codes), a 400/800 hotline ("400-123-4567"), a 95/96 short
# number, or a mobile the firm publishes as its hotline.
SERVICE_PHONE_PATTERN: Final = (
    r"0(?:[12][0-9]|[3-9][0-9]{2})-[0-9]{7,8}|[48]00-[0-9]{3}-[0-9]{4}|9[56][0-9]{3,6}|1[3-9][0-9]{9}"
)
_SERVICE_PHONE_RE: Final = re.compile(SERVICE_PHONE_PATTERN, re.ASCII)


def normalize_service_phone(raw: str) -> str:
    """Normalise a firm's public service number to ``0532-88886666`` / ``400-123-4567`` / ``95123`` /
    ``13812341234``; raise ``service_phone_format``."""
    if not isinstance(raw, str):
        raise IdentifierError("service_phone_format")
    digits = _PHONE_SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", raw))
    country = _PHONE_COUNTRY_RE.fullmatch(digits)
    if country is not None:
        digits = country.group(1)
    if re.fullmatch(r"[48]00[0-9]{7}", digits, re.ASCII):
        value = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    elif re.fullmatch(r"0[0-9]{9,11}", digits, re.ASCII):
        area = 3 if digits[1] in "12" else 4
        value = f"{digits[:area]}-{digits[area:]}"
    else:
        value = digits
    if _SERVICE_PHONE_RE.fullmatch(value) is None:
        raise IdentifierError("service_phone_format")
    return value


# --------------------------------------------------------------------------- masking


def _mask_middle(value: str) -> str:
    # First 3 and last 4 stay visible; anything of 7 characters or fewer would
    # then be shown whole, so it is masked entirely.
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_id_number(value: str) -> str:
    """``370202199001010066`` → ``370***********0066``."""
    return _mask_middle(value.strip())


def mask_phone(value: str) -> str:
    """``13812341234`` → ``138****1234``. For a person's phone (owners, staff, a firm's contact person); a
    firm's public service number (``Firm.service_phone``) is not personal data and is never masked."""
    return _mask_middle(value.strip())


def mask_name(name: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``; a one-character name → ``张*``."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


# --------------------------------------------------------------------------- keyed hash

_UPPER_ID_TYPES: Final[frozenset[str]] = frozenset({"resident_id", "uscc"})


def id_hmac(*, id_type: str, id_number: str, key: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{id_type}:{number}"`` for matching without plain text.

    Resident IDs and credit codes are normalised as their validators do (NFKC,
    whitespace dropped, upper case), so ``...002x`` and ``...002X`` hash alike;
    other kinds are NFKC-normalised and stripped.  The number is not validated.
    """
    if not key:
        raise ValueError("id_hmac needs a non-empty key")
    if id_type in _UPPER_ID_TYPES:
        number = _normalize_upper_id(id_number)
    else:
        number = unicodedata.normalize("NFKC", id_number).strip()
    message = f"{id_type}:{number}".encode()
    return hmac.digest(key, message, "sha256").hex()
