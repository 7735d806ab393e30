"""Personal data at rest: ID numbers become a keyed hash plus a masked form; nothing else is kept."""

from dataclasses import dataclass

from django.conf import settings

from registry.identifiers import id_hmac, mask_id_number


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
