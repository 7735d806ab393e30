"""Personal data at rest: ID numbers become a keyed hash plus a masked form; nothing else is kept."""

from dataclasses import dataclass

from django.conf import settings

from registry.identifiers import (
    IdentifierError,
    id_hmac,
    mask_id_number,
    validate_resident_id,
    validate_uscc,
)

# The `id_type` values of the registration feed (Owner.IdType) and how each is normalised before hashing:
# resident IDs and credit codes by their validators, passports and other numbers only as `id_hmac` does.
_VALIDATORS = {"resident_id": validate_resident_id, "uscc": validate_uscc, "passport": None, "other": None}


@dataclass(frozen=True, slots=True)
class IdentityDigest:
    id_hmac: str
    id_masked: str


def _key() -> bytes:
    key = settings.REGISTRY_ID_HMAC_KEY
    if not key:
        raise RuntimeError("REGISTRY_ID_HMAC_KEY is not set")
    return key.encode()


def identity_digest(*, id_type: str, id_number: str) -> IdentityDigest:
    """Keyed hash (for matching) and masked form (for display) of an ID number; the number itself is dropped."""
    digest = id_hmac(id_type=id_type, id_number=id_number, key=_key())
    return IdentityDigest(id_hmac=digest, id_masked=mask_id_number(id_number.strip().upper()))


def holder_identity_digest(*, id_type: str, id_number: str) -> IdentityDigest:
    """A holder's ID number as the registry keeps it (feed and sign-up alike): validated and normalised for
    its `id_type`, then hashed and masked. Raises IdentifierError for an unknown type or an invalid number."""
    if id_type not in _VALIDATORS:
        raise IdentifierError("id_type_unknown", "证件类型未知")
    validate = _VALIDATORS[id_type]
    number = validate(id_number) if validate is not None else id_number
    if not number.strip():
        raise IdentifierError("id_number_empty", "证件号码为空")
    return identity_digest(id_type=id_type, id_number=number)
