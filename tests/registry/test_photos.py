"""The shared photo pipeline (registry.services.photos, registry.photos): type by content, size before decoding,
pixel count before the pixels, upright, stripped of every metadata field, shrunk, stored once by content hash,
served only by a caller that has checked the permission. Every refusal stores nothing (no row, no file)."""

import hashlib
import io
import struct
import threading
import zlib
from decimal import Decimal
from pathlib import Path

import pillow_heif
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connections, transaction
from django.urls import Resolver404, resolve
from django.utils import translation
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from config.errors import ApplicationError
from registry.models import Photo, User
from registry.photos import photo_response
from registry.services.photos import photo_gps, photo_ingest

RED = (220, 20, 20)
BLUE = (20, 20, 220)
QINGDAO = {"lat": (36.0, 6.0, 21.6), "lat_ref": "N", "lon": (120.0, 28.0, 8.4), "lon_ref": "E"}
JFIF_KEYS = {"jfif", "jfif_version", "jfif_unit", "jfif_density"}
SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


# --------------------------------------------------------------------------------------------- helpers


def _two_halves(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Top half red, bottom half blue: after a turn, the halves say which way it went."""
    image = Image.new(mode, (width, height), RED)
    image.paste(BLUE, (0, height // 2, width, height))
    return image


def _phone_exif(*, orientation: int = 6, gps: dict | None = None) -> Image.Exif:
    """EXIF as a phone writes it: orientation, make and model, a maker note, a user comment and GPS."""
    gps = QINGDAO if gps is None else gps
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15"
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.MakerNote: b"SECRET-MAKER-NOTE",
        ExifTags.Base.UserComment: b"ASCII\x00\x00\x00room 0101",
    }
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: gps["lat_ref"],
        ExifTags.GPS.GPSLatitude: gps["lat"],
        ExifTags.GPS.GPSLongitudeRef: gps["lon_ref"],
        ExifTags.GPS.GPSLongitude: gps["lon"],
    }
    return exif


def _jpeg(image: Image.Image, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **params)
    return buffer.getvalue()


def _phone_jpeg(
    width: int = 4000, height: int = 3000, *, comment: bytes = b"taken at home, room 0101"
) -> bytes:
    return _jpeg(
        _two_halves(width, height),
        exif=_phone_exif(),
        comment=comment,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-xmp</x:xmpmeta>',
        icc_profile=SRGB_ICC,
    )


def _png(image: Image.Image, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **params)
    return buffer.getvalue()


def _upload(
    content: bytes, name: str = "IMG_0001.jpg", content_type: str = "image/jpeg"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _stored_files() -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def _jpeg_markers(data: bytes) -> list[int]:
    """The markers of a JPEG's header segments, up to the start of the scan."""
    markers, i = [], 2
    while i < len(data):
        assert data[i] == 0xFF
        marker = data[i + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return markers
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return markers


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height, followed by garbage where the pixels should be."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"garbage") + chunk(b"IEND", b"")


def _refused(upload: SimpleUploadedFile) -> ApplicationError:
    files_before = _stored_files()
    with pytest.raises(ApplicationError) as refusal:
        photo_ingest(actor=None, upload=upload)
    assert Photo.objects.count() == 0
    assert _stored_files() == files_before
    return refusal.value


@pytest.fixture
def alice(db) -> User:
    return User.objects.create_user(username="alice-photos", password="x")


# --------------------------------------------------------------------------------------------- ingest


def test_a_phone_jpeg_is_turned_upright_shrunk_and_stripped_of_every_metadata_field(alice: User):
    # given: 4000×3000 pixels that the camera says to turn 90° clockwise, with GPS, a maker note, a user
    # comment, a JPEG comment, XMP and an ICC profile
    original = _phone_jpeg()
    with Image.open(io.BytesIO(original)) as source:
        assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo) != {}
        assert {"comment", "xmp", "icc_profile", "exif"} <= set(source.info)

    # when
    photo = photo_ingest(actor=alice, upload=_upload(original))

    # then: upright (3000×4000 shrunk to a long side of 2048), a JPEG stored under its hash
    path = Path(settings.MEDIA_ROOT) / photo.file.name
    stored = path.read_bytes()
    assert (photo.width, photo.height) == (1536, 2048)
    assert photo.content_type == "image/jpeg"
    assert photo.sha256 == hashlib.sha256(stored).hexdigest()
    assert photo.file.name == f"photos/{photo.sha256[:2]}/{photo.sha256[2:4]}/{photo.sha256}.jpg"
    assert photo.bytes == len(stored)
    assert photo.uploaded_by == alice
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert image.size == (1536, 2048)
        assert set(image.info) <= JFIF_KEYS
        assert dict(image.getexif()) == {}
        # turned clockwise: the top (red) is now on the right, the bottom (blue) on the left
        assert _near(image.getpixel((200, 1024)), BLUE)
        assert _near(image.getpixel((1336, 1024)), RED)
    # no segment but the JFIF header before the scan: no EXIF/XMP (APP1), ICC (APP2), IPTC (APP13), comment
    markers = _jpeg_markers(stored)
    assert [m for m in markers if 0xE0 <= m <= 0xEF or m == 0xFE] == [0xE0]
    for secret in (b"SECRET-MAKER-NOTE", b"room 0101", b"secret-xmp", b"Apple", b"iPhone"):
        assert secret not in stored


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def test_a_photo_within_the_long_side_keeps_its_size(db):
    # given: 800×600, no orientation
    upload = _upload(_jpeg(_two_halves(800, 600)))

    # when
    photo = photo_ingest(actor=None, upload=upload)

    # then
    assert (photo.width, photo.height) == (800, 600)
    assert photo.uploaded_by is None


def test_the_long_side_follows_photo_max_side(db, settings):
    # given
    settings.PHOTO_MAX_SIDE = 500

    # when
    photo = photo_ingest(actor=None, upload=_upload(_jpeg(_two_halves(2000, 1000))))

    # then
    assert (photo.width, photo.height) == (500, 250)


def test_a_heic_photo_is_accepted_and_stored_as_a_stripped_jpeg(alice: User):
    # given: a HEIC as an iPhone sends it, with EXIF GPS
    heif = pillow_heif.from_pillow(_two_halves(640, 480))
    buffer = io.BytesIO()
    heif.save(buffer, exif=_phone_exif(orientation=1).tobytes(), quality=90)
    original = buffer.getvalue()
    assert original[4:12] == b"ftypheic"

    # when
    photo = photo_ingest(actor=alice, upload=_upload(original, "IMG_0002.HEIC", "image/heic"))

    # then
    path = Path(settings.MEDIA_ROOT) / photo.file.name
    assert photo.content_type == "image/jpeg"
    assert path.suffix == ".jpg"
    assert (photo.width, photo.height) == (640, 480)
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert set(image.info) <= JFIF_KEYS
        assert dict(image.getexif()) == {}
        assert _near(image.getpixel((320, 100)), RED)
        assert _near(image.getpixel((320, 380)), BLUE)


def test_a_transparent_png_stays_a_png_without_its_text_chunks(db):
    # given: an RGBA PNG, its left half transparent, with a text chunk and an ICC profile
    image = Image.new("RGBA", (300, 200), (*RED, 255))
    image.paste((0, 0, 0, 0), (0, 0, 150, 200))
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "secret-png-comment")
    original = _png(image, pnginfo=text, icc_profile=SRGB_ICC)

    # when
    photo = photo_ingest(actor=None, upload=_upload(original, "sticker.png", "image/png"))

    # then
    path = Path(settings.MEDIA_ROOT) / photo.file.name
    assert photo.content_type == "image/png"
    assert path.suffix == ".png"
    assert (photo.width, photo.height) == (300, 200)
    with Image.open(path) as stored:
        assert stored.format == "PNG"
        assert stored.mode == "RGBA"
        assert stored.info == {}
        assert stored.getpixel((10, 10))[3] == 0
        assert stored.getpixel((290, 10)) == (*RED, 255)
    assert b"secret-png-comment" not in path.read_bytes()


def test_an_opaque_png_becomes_a_jpeg(db):
    # given: RGBA with nothing transparent, and a plain RGB screenshot
    opaque = _png(Image.new("RGBA", (120, 80), (*BLUE, 255)))
    screenshot = _png(Image.new("RGB", (120, 80), BLUE))

    # when
    photos = [photo_ingest(actor=None, upload=_upload(c, "a.png", "image/png")) for c in (opaque, screenshot)]

    # then
    assert [p.content_type for p in photos] == ["image/jpeg", "image/jpeg"]


@pytest.mark.parametrize("mode", ["L", "P", "CMYK"])
def test_grey_palette_and_cmyk_pictures_are_stored_as_rgb_jpegs(db, mode: str):
    # given
    image = _two_halves(64, 48).convert(mode)
    original = _png(image) if mode == "P" else _jpeg(image)

    # when
    photo = photo_ingest(actor=None, upload=_upload(original))

    # then
    with Image.open(Path(settings.MEDIA_ROOT) / photo.file.name) as stored:
        assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", (64, 48))


def test_the_same_photo_twice_is_one_row_and_one_file(alice: User):
    # given: the same picture uploaded twice, by two people, under two names
    bob = User.objects.create_user(username="bob-photos", password="x")
    original = _phone_jpeg(1200, 900)
    first = photo_ingest(actor=alice, upload=_upload(original, "a.jpg"))
    files_after_first = _stored_files()

    # when
    second = photo_ingest(actor=bob, upload=_upload(original, "b.jpeg"))

    # then: the first upload's row, and nothing new on disk
    assert second.pk == first.pk
    assert second.uploaded_by == alice
    assert Photo.objects.count() == 1
    assert _stored_files() == files_after_first
    assert [p.name for p in _stored_files() if first.sha256 in p.name] == [f"{first.sha256}.jpg"]


@pytest.mark.django_db(transaction=True)
def test_the_same_photo_uploaded_at_once_by_four_people_is_one_row_and_one_file():
    # given: four uploads of one picture, started together on their own connections
    original = _jpeg(_two_halves(1600, 1200), comment=b"at once")
    photos, failures = [], []
    start = threading.Barrier(4)

    def upload() -> None:
        try:
            start.wait()
            photos.append(photo_ingest(actor=None, upload=_upload(original)))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload) for _ in range(4)]

    # when
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    # then
    assert failures == []
    assert len({p.pk for p in photos}) == 1
    assert Photo.objects.count() == 1
    assert [p.name for p in _stored_files() if photos[0].sha256 in p.name] == [f"{photos[0].sha256}.jpg"]
    assert not [p for p in _stored_files() if p.name.endswith(".part")]


def test_the_same_pixels_with_other_metadata_are_the_same_photo(db):
    # given: one picture, two different comments
    one = _phone_jpeg(600, 400, comment=b"first")
    other = _phone_jpeg(600, 400, comment=b"second")
    assert one != other

    # when
    photos = [photo_ingest(actor=None, upload=_upload(content)) for content in (one, other)]

    # then
    assert photos[0].pk == photos[1].pk
    assert Photo.objects.count() == 1


def test_a_file_left_by_a_rolled_back_upload_is_reused(db):
    # given: an upload whose caller's transaction rolled back leaves its file behind
    original = _jpeg(_two_halves(320, 240))
    with pytest.raises(RuntimeError), transaction.atomic():
        orphan = photo_ingest(actor=None, upload=_upload(original))
        raise RuntimeError("the caller failed")
    assert Photo.objects.count() == 0
    files_before = _stored_files()

    # when
    photo = photo_ingest(actor=None, upload=_upload(original))

    # then
    assert photo.sha256 == orphan.sha256
    assert _stored_files() == files_before


# --------------------------------------------------------------------------------------------- refusals


def test_a_text_file_named_jpg_is_refused_by_its_content(db):
    # given
    upload = _upload(b"just some text, not a picture\n", "IMG_0003.jpg", "image/jpeg")

    # when
    error = _refused(upload)

    # then
    assert error.code == "photo_invalid_type"
    assert error.extra == {"allowed": ["heic", "jpeg", "png"]}


def test_the_refusal_speaks_english_when_asked(db):
    # given
    upload = _upload(b"just some text", "IMG_0004.jpg")

    # when
    with translation.override("en"):
        error = _refused(upload)

    # then
    assert error.message == "The photo must be a JPEG, PNG or HEIC file."


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n%%EOF\n",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1",
        b"",
    ],
    ids=["pdf", "gif", "svg", "avif", "empty"],
)
def test_other_formats_are_refused(db, content: bytes):
    # when
    error = _refused(_upload(content, "photo.jpg"))

    # then
    assert error.code == "photo_invalid_type"


def test_an_oversized_upload_is_refused_before_it_is_decoded(db, settings, monkeypatch):
    # given: one byte over the limit, and a decoder that must not be reached
    settings.PHOTO_MAX_BYTES = 1000
    upload = _upload(b"\xff\xd8\xff\xe0" + b"\x00" * 997)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded an oversized upload")

    monkeypatch.setattr(Image, "open", no_decoding)

    # when
    error = _refused(upload)

    # then
    assert error.code == "photo_too_large"
    assert error.extra == {"limit": 1000, "size": 1001}


def test_a_size_that_lies_is_caught_while_reading(db, settings):
    # given: a file whose declared size is under the limit, its content over it
    settings.PHOTO_MAX_BYTES = 1000
    upload = _upload(_jpeg(_two_halves(200, 200)))
    upload.size = 10

    # when
    error = _refused(upload)

    # then
    assert error.code == "photo_too_large"
    assert error.extra == {"limit": 1000, "size": 1001}


def test_too_many_pixels_are_refused_from_the_header_before_the_pixels_are_read(db):
    # given: a small file claiming 8000×8000 pixels (64 million, over the default 50 million), with garbage for
    # pixels: decoding them would fail, so photo_too_large proves they were never decoded
    upload = _upload(_png_header_only(8000, 8000), "bomb.png", "image/png")

    # when
    error = _refused(upload)

    # then
    assert error.code == "photo_too_large"
    assert error.extra == {"pixel_limit": 50_000_000, "pixels": 64_000_000}


def test_a_decompression_bomb_beyond_pillows_own_guard_is_too_large(db):
    # given: 100 000 × 100 000 pixels claimed in a few bytes
    upload = _upload(_png_header_only(100_000, 100_000), "bomb.png", "image/png")

    # when
    error = _refused(upload)

    # then
    assert error.code == "photo_too_large"
    assert error.extra == {"pixel_limit": 50_000_000, "pixels": None}


def test_a_truncated_jpeg_is_invalid(db):
    # given
    original = _jpeg(_two_halves(640, 480))
    upload = _upload(original[: len(original) // 2])

    # when
    error = _refused(upload)

    # then
    assert error.code == "photo_invalid"
    assert error.extra == {"type": "jpeg"}


def test_a_png_with_garbage_for_pixels_is_invalid(db):
    # when
    error = _refused(_upload(_png_header_only(20, 20), "broken.png", "image/png"))

    # then
    assert error.code == "photo_invalid"


# --------------------------------------------------------------------------------------------- GPS


def test_photo_gps_reads_the_coordinates_of_the_original_and_ingest_drops_them(db):
    # given
    upload = _upload(_phone_jpeg(640, 480))

    # when
    location = photo_gps(upload)
    photo = photo_ingest(actor=None, upload=upload)

    # then: 36°6'21.6" N, 120°28'8.4" E; the stored photo has no GPS at all
    assert location == (Decimal("36.106000"), Decimal("120.469000"))
    with Image.open(Path(settings.MEDIA_ROOT) / photo.file.name) as stored:
        assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}


def test_photo_gps_signs_the_southern_and_western_hemispheres():
    # given
    gps = {"lat": (33.0, 52.0, 4.8), "lat_ref": "S", "lon": (151.0, 12.0, 36.0), "lon_ref": "W"}
    upload = _upload(_jpeg(_two_halves(64, 48), exif=_phone_exif(gps=gps)))

    # when
    location = photo_gps(upload)

    # then
    assert location == (Decimal("-33.868000"), Decimal("-151.210000"))


def test_photo_gps_reads_a_heic():
    # given
    heif = pillow_heif.from_pillow(_two_halves(64, 48))
    buffer = io.BytesIO()
    heif.save(buffer, exif=_phone_exif(orientation=1).tobytes())

    # when
    location = photo_gps(_upload(buffer.getvalue(), "IMG.HEIC", "image/heic"))

    # then
    assert location == (Decimal("36.106000"), Decimal("120.469000"))


@pytest.mark.parametrize(
    "content",
    [
        _jpeg(_two_halves(64, 48)),
        _jpeg(
            _two_halves(64, 48),
            exif=_phone_exif(gps={"lat": (0, 0, 0), "lat_ref": "N", "lon": (0, 0, 0), "lon_ref": "E"}),
        ),
        _jpeg(
            _two_halves(64, 48),
            exif=_phone_exif(gps={"lat": (95, 0, 0), "lat_ref": "N", "lon": (120, 0, 0), "lon_ref": "E"}),
        ),
        b"not a photo",
    ],
    ids=["no-gps", "zeros", "out-of-range", "text"],
)
def test_photo_gps_is_none_without_a_usable_location(content: bytes):
    # given
    upload = _upload(content)

    # when
    location = photo_gps(upload)

    # then: and the upload is left at its start for photo_ingest
    assert location is None
    assert upload.read() == content


# --------------------------------------------------------------------------------------------- the row


def test_a_stored_photo_cannot_be_changed(db):
    # given
    photo = photo_ingest(actor=None, upload=_upload(_jpeg(_two_halves(64, 48))))

    # when / then: PostgreSQL refuses, whoever asks
    with pytest.raises(IntegrityError), transaction.atomic():
        Photo.objects.filter(pk=photo.pk).update(width=1)
    assert Photo.objects.get(pk=photo.pk).width == 64


def test_deleting_the_uploader_keeps_the_photo_without_a_name(alice: User):
    # given
    photo = photo_ingest(actor=alice, upload=_upload(_jpeg(_two_halves(64, 48))))

    # when
    alice.delete()

    # then
    photo.refresh_from_db()
    assert photo.uploaded_by_id is None
    assert photo.width == 64


# --------------------------------------------------------------------------------------------- serving


def test_photo_response_serves_the_stored_file_inline_privately_and_unsniffed(db):
    # given
    photo = photo_ingest(actor=None, upload=_upload(_jpeg(_two_halves(64, 48))))

    # when
    response = photo_response(photo=photo)

    # then
    body = b"".join(response.streaming_content)
    response.close()
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'inline; filename="{photo.sha256}.jpg"'
    assert response["Cache-Control"] == "private, max-age=86400"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["ETag"] == f'"{photo.sha256}"'
    assert response["Content-Length"] == str(photo.bytes)
    assert body == (Path(settings.MEDIA_ROOT) / photo.file.name).read_bytes()


def test_a_png_is_served_as_a_png(db):
    # given
    photo = photo_ingest(actor=None, upload=_upload(_png(Image.new("RGBA", (8, 8), (0, 0, 0, 0))), "a.png"))

    # when
    response = photo_response(photo=photo)
    response.close()

    # then
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'inline; filename="{photo.sha256}.png"'


def test_no_url_serves_media_root(db):
    # given
    photo = photo_ingest(actor=None, upload=_upload(_jpeg(_two_halves(64, 48))))

    # when / then
    with pytest.raises(Resolver404):
        resolve(f"/{settings.MEDIA_URL}{photo.file.name}")
