"""The one photo pipeline, shared by complaints (snap-and-report) and party building (task evidence).

complaints.md, "Photos and privacy": validate type and size, auto-orient, strip all metadata (EXIF GPS may only
prefill the location), resize, store by content hash, serve only through permission-checked views
(registry.photos.photo_response). The rules, for every caller:

- at most PHOTO_MAX_BYTES, checked before a byte is decoded (`photo_too_large`, extra `limit`/`size`);
- JPEG, PNG or HEIC/HEIF by the first bytes, whatever the name or declared type (`photo_invalid_type`,
  extra `allowed`); decoded only by that format's decoder;
- at most PHOTO_MAX_PIXELS once the header is read, before the pixels are (`photo_too_large`, extra
  `pixel_limit`/`pixels`): a small file may still unpack into gigabytes;
- anything that does not decode cleanly, truncated files included, is `photo_invalid`.

What is stored is a new picture drawn from the pixels alone — turned upright by its EXIF orientation, converted
to sRGB by its ICC profile, the long side at most PHOTO_MAX_SIDE — with no EXIF, GPS, XMP, ICC profile or
comment: a JPEG (quality 85), or a PNG when the picture really is transparent. It is stored once under
photos/ab/cd/<sha256>.<ext> by the hash of those bytes, so the same photo uploaded twice is one row and one file.
"""

import hashlib
import io
import math
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pillow_heif
from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageCms, ImageOps

from config.errors import ApplicationError
from registry.models import Photo, User

pillow_heif.register_heif_opener()

# Magic numbers: JPEG SOI + marker, PNG signature, and an ISO-BMFF "ftyp" box with a HEIF major brand (the
# brands pillow_heif decodes; AVIF is not among them).
_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)
_DECODERS = {"jpeg": "JPEG", "png": "PNG", "heic": "HEIF"}
PHOTO_TYPES = sorted(_DECODERS)

JPEG_QUALITY = 85
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_MICRODEGREE = Decimal("0.000001")


def photo_kind(*, upload: File) -> str | None:
    """`jpeg`, `png` or `heic` by the file's first 12 bytes, else None; leaves the file at its start."""
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    if head.startswith(_JPEG):
        return "jpeg"
    if head.startswith(_PNG):
        return "png"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    return None


def photo_ingest(*, actor: User | None, upload: File) -> Photo:
    """Check, clean and store an uploaded photo; writes the file (once per content) and the Photo row (once per
    content: the same photo again returns the existing row). A refusal raises ApplicationError and stores
    nothing. Inside a caller's transaction that rolls back, the file stays behind, unreferenced and harmless."""
    data, kind = _checked_bytes(upload)
    image = _decoded(data, kind)
    content, content_type = _encoded(image)
    digest = hashlib.sha256(content).hexdigest()
    extension = "png" if content_type == Photo.ContentType.PNG else "jpg"
    name = f"photos/{digest[:2]}/{digest[2:4]}/{digest}.{extension}"
    _store(name, content)
    photo, _created = Photo.objects.get_or_create(
        sha256=digest,
        defaults={
            "file": name,
            "content_type": content_type,
            "width": image.width,
            "height": image.height,
            "bytes": len(content),
            "uploaded_by": actor if actor is not None and actor.pk else None,
        },
    )
    return photo


def photo_gps(upload: File) -> tuple[Decimal, Decimal] | None:
    """The (latitude, longitude) in the ORIGINAL upload's EXIF GPS tags, in degrees as the camera recorded them
    (WGS-84), to 6 decimals; None when absent, unreadable or not a photo. Only to prefill a location the person
    then confirms: photo_ingest never stores it. Reads the file (leaving it at its start); no side effects."""
    try:
        data, kind = _checked_bytes(upload)
        with Image.open(io.BytesIO(data), formats=[_DECODERS[kind]]) as image:
            gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
        longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    except Exception:  # untrusted metadata: whatever is wrong with it, there is no location
        return None
    if latitude is None or longitude is None or not (abs(latitude) <= 90 and abs(longitude) <= 180):
        return None
    if latitude == 0 and longitude == 0:  # a camera without a fix writes zeros
        return None
    return Decimal(latitude).quantize(_MICRODEGREE), Decimal(longitude).quantize(_MICRODEGREE)


# ----------------------------------------------------------------------------------------------- steps


def _checked_bytes(upload: File) -> tuple[bytes, str]:
    """The upload's bytes and kind, refusing a missing, oversized or unknown file before anything decodes it."""
    if upload is None:
        raise ApplicationError(_("请选择一张照片。"), code="photo_required")
    limit = settings.PHOTO_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit=limit, size=upload.size)
    kind = photo_kind(upload=upload)
    if kind is None:
        raise ApplicationError(
            _("照片须为 JPEG、PNG 或 HEIC 格式。"), code="photo_invalid_type", extra={"allowed": PHOTO_TYPES}
        )
    # Never more than the limit in memory, whatever `size` claimed.
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise _too_large(limit=limit, size=len(data))  # at least this much
    return data, kind


def _too_large(*, limit: int, size: int) -> ApplicationError:
    return ApplicationError(
        _("照片不能超过 %(mb)s MB。") % {"mb": f"{limit / 1024 / 1024:g}"},
        code="photo_too_large",
        extra={"limit": limit, "size": size},
    )


def _decoded(data: bytes, kind: str) -> Image.Image:
    """The picture upright, at most PHOTO_MAX_SIDE on its long side, in RGB (or RGBA when really transparent)
    and sRGB. Refuses a picture of more than PHOTO_MAX_PIXELS before decoding its pixels."""
    side, limit = settings.PHOTO_MAX_SIDE, settings.PHOTO_MAX_PIXELS
    try:
        image = Image.open(io.BytesIO(data), formats=[_DECODERS[kind]])
        if image.width * image.height > limit:  # the header is read, the pixels are not
            raise _too_many_pixels(limit=limit, pixels=image.width * image.height)
        # JPEG decodes straight at 1/2, 1/4 or 1/8 scale when that still covers the target size.
        image.draft(None, _fitted(image.size, side))
        image.load()
        icc = image.info.get("icc_profile")
        image = ImageOps.exif_transpose(image)
        image = _resized(image, side)
        return _in_srgb(image, icc)
    except ApplicationError:
        raise
    except Image.DecompressionBombError:
        # Pillow's own guard (twice Image.MAX_IMAGE_PIXELS) fired first: too large, by a count it keeps to itself.
        raise _too_many_pixels(limit=limit, pixels=None) from None
    except Exception as exc:  # Pillow's decoders raise a zoo of errors (OSError, SyntaxError, struct.error…)
        raise ApplicationError(
            _("无法读取这张照片，文件可能已损坏。"), code="photo_invalid", extra={"type": kind}
        ) from exc


def _too_many_pixels(*, limit: int, pixels: int | None) -> ApplicationError:
    return ApplicationError(
        _("照片像素过多（最多 %(mp)s 百万像素）。") % {"mp": f"{limit / 1e6:g}"},
        code="photo_too_large",
        extra={"pixel_limit": limit, "pixels": pixels},
    )


def _fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _resized(image: Image.Image, side: int) -> Image.Image:
    """RGBA if the picture carries transparency, else RGB (CMYK kept for its ICC profile); shrunk to fit."""
    if image.has_transparency_data:
        image = image.convert("RGBA")
    elif image.mode not in ("RGB", "CMYK"):
        image = image.convert("RGB")
    if max(image.size) > side:
        image = image.resize(_fitted(image.size, side), Image.Resampling.LANCZOS)
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 255:
        image = image.convert("RGB")  # an alpha channel with nothing transparent in it
    return image


def _in_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """The picture converted from its embedded ICC profile to sRGB; unprofiled pictures are taken as sRGB, and
    a profile that cannot be read is ignored."""
    mode = "RGBA" if image.mode == "RGBA" else "RGB"
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None
        if converted is not None:
            return converted
    return image.convert(mode) if image.mode != mode else image


def _encoded(image: Image.Image) -> tuple[bytes, str]:
    """The pixels alone, encoded afresh: a new image has no info, so no EXIF, XMP, ICC or comment follows."""
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    buffer = io.BytesIO()
    if clean.mode == "RGBA":
        clean.save(buffer, "PNG")
        return buffer.getvalue(), Photo.ContentType.PNG
    clean.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue(), Photo.ContentType.JPEG


def _store(name: str, content: bytes) -> None:
    """Write `content` under MEDIA_ROOT/`name` unless it is there already (the name is the content's hash):
    into a temporary file beside it, then renamed, so no reader ever sees half a photo."""
    storage = Photo._meta.get_field("file").storage
    path = Path(storage.path(name))
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, storage.file_permissions_mode or 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    """Degrees, minutes, seconds (EXIF rationals) and a hemisphere letter as signed decimal degrees."""
    if value is None or ref is None:
        return None
    degrees, minutes, seconds = (float(part) for part in value)
    result = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(result):
        return None
    hemisphere = ref.decode() if isinstance(ref, bytes) else str(ref)
    return -result if hemisphere.strip("\x00 ").upper() == negative else result
