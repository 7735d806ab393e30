"""Snap-and-report photos: filed through registry's one pipeline, stripped of every metadata field, served
only to those who may see the case; a refused photo files nothing."""

import io
import json
from http import HTTPStatus

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from complaints.models import Complaint, ComplaintPhoto
from registry.models import Photo
from tests.conftest import api_as

COMPLAINTS = "/api/v1/complaints/"


def _phone_photo(name: str, colour: tuple[int, int, int]) -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 480), colour)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (36.0, 6.0, 21.6),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (120.0, 28.0, 8.4),
    }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _file(user, photos):
    body = {
        "compound": "QD-370212-0001",
        "kind": "snap",
        "category": "environment",
        "description": "绿化带里堆满建筑垃圾",
        "location": json.dumps({"building": "0005", "area": "5号楼北侧绿化带"}),
        "photos": photos,
    }
    return api_as(user).post(COMPLAINTS, body, format="multipart")


def test_an_owner_files_a_snap_report_with_photos_stripped_of_metadata(cworld):
    # when
    response = _file(
        cworld.alice, [_phone_photo("a.jpg", (200, 30, 30)), _phone_photo("b.jpg", (30, 200, 30))]
    )

    # then
    assert response.status_code == HTTPStatus.CREATED, response.json()
    urls = response.json()["photos"]
    case = Complaint.objects.get(pk=response.json()["id"])
    assert len(urls) == 2 and case.area == "5号楼北侧绿化带"
    for link in ComplaintPhoto.objects.filter(complaint=case):
        with Image.open(link.photo.file.path) as stored:
            assert dict(stored.getexif()) == {}
            assert "exif" not in stored.info
    served = api_as(cworld.firm_a).get(urls[0])
    assert served.status_code == HTTPStatus.OK
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"].startswith("private")


def test_photos_answer_only_to_those_who_see_the_case(cworld):
    # given
    url = _file(cworld.alice, [_phone_photo("a.jpg", (10, 10, 200))]).json()["photos"][0]
    other = _file(cworld.alice, [_phone_photo("b.jpg", (200, 200, 10))]).json()
    foreign = f"{COMPLAINTS}{other['id']}/photos/{url.rstrip('/').rsplit('/', 1)[1]}/"

    # when / then
    assert api_as(cworld.firm_b).get(url).status_code == HTTPStatus.NOT_FOUND
    assert api_as(cworld.carol).get(url).status_code == HTTPStatus.NOT_FOUND
    assert api_as(None).get(url).status_code == HTTPStatus.UNAUTHORIZED
    assert api_as(cworld.alice).get(foreign).status_code == HTTPStatus.NOT_FOUND  # not that case's photo


def test_a_refused_photo_files_nothing(cworld):
    # given
    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")

    # when
    response = _file(cworld.alice, [_phone_photo("a.jpg", (1, 2, 3)), fake])

    # then
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert (response.json()["code"], response.json()["extra"]["index"]) == ("photo_invalid_type", 1)
    assert Complaint.objects.count() == 0 and ComplaintPhoto.objects.count() == 0


def test_at_most_nine_photos(cworld):
    # when
    response = _file(cworld.alice, [_phone_photo(f"{i}.jpg", (i, i, i)) for i in range(10)])

    # then
    assert (response.status_code, response.json()["code"]) == (HTTPStatus.BAD_REQUEST, "too_many_photos")
    assert Complaint.objects.count() == 0 and Photo.objects.count() == 0


def test_the_case_pages_show_the_photos_and_the_clocks(cworld):
    # given
    from tests.conftest import browser_as

    body = _file(cworld.alice, [_phone_photo("a.jpg", (90, 90, 9))]).json()

    # when
    owner = browser_as(cworld.alice).get(f"/complaints/{body['id']}/").content.decode()
    handler = browser_as(cworld.firm_a).get(f"/complaints/queue/{body['id']}/").content.decode()

    # then: the photo through its permission-checked URL; the clocks with their due times
    for html in (owner, handler):
        assert body["photos"][0] in html
        assert "办理时限" in html and "响应" in html and "解决" in html


def test_an_owner_files_with_photos_through_the_page(cworld):
    # given
    from tests.conftest import browser_as

    form = {
        "compound": "QD-370212-0001",
        "kind": "snap",
        "category": "environment",
        "about": "other",
        "place": "building:QD-370212-0001:0005",
        "area": "小区东门",
        "description": "东门垃圾堆积",
        "photos": [_phone_photo("a.jpg", (5, 50, 5)), _phone_photo("b.jpg", (50, 5, 5))],
    }

    # when
    response = browser_as(cworld.alice).post("/complaints/new/", form)

    # then
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    case = Complaint.objects.get()
    assert ComplaintPhoto.objects.filter(complaint=case).count() == 2
