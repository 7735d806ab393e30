"""The complaints loop in real Chromium: an owner files a snap report with a phone photo on a phone-sized
screen; the butler accepts, dispatches and resolves it on a desktop; the committee checks the result; the
owner rates it. Each screen is checked for what it says and screenshotted."""

import io
import re

import pytest
from PIL import ExifTags, Image

from complaints.models import Complaint, ComplaintPhoto
from tests.browser.conftest import DESKTOP, PHONE
from tests.complaints.conftest import cworld  # noqa: F401 - the fixture
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def _phone_jpeg() -> bytes:
    image = Image.new("RGB", (1600, 1200), (120, 160, 90))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (36.0, 6.0, 21.6),
    }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _login(browser, live_server, username: str, device: dict):
    page = browser.new_context(**device, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def _move(page, to: str, note: str = "") -> None:
    form = page.locator(f"form#move-{to}")
    if note:
        form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_an_owner_files_with_a_photo_and_the_butler_resolves_it(chromium, live_server, cworld, shots):  # noqa: F811
    # -- alice files on her phone
    page = _login(chromium, live_server, "alice", PHONE)
    page.goto(f"{live_server.url}/complaints/new/")
    page.check("input[name=kind][value=snap]")
    options = page.eval_on_selector_all(
        "select[name=category] option", "os => os.map(o => o.value + ':' + o.getAttribute('data-kinds'))"
    )
    assert "environment" in " ".join(options), options
    page.select_option("select[name=category]", "environment")
    page.select_option("select[name=place]", "building:QD-370212-0001:0005")
    page.fill("input[name=area]", "5号楼门口")
    page.fill("textarea[name=description]", "5号楼门口垃圾桶满溢两天无人清运，气味很大")
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": _phone_jpeg()}],
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone
    shots(page, "owner-file-form")
    page.click("form.c-form button[type=submit]:text-is('提交')")
    page.wait_for_url(re.compile(r"/complaints/\d+/$"))
    case = Complaint.objects.get()
    text = page.inner_text("body")
    assert "已提交" in text and "物业管家" in text
    assert "办理时限" in text and "响应" in text
    assert page.locator(".case-photos img").count() == 1
    assert ComplaintPhoto.objects.filter(complaint=case).count() == 1
    shots(page, "owner-case-submitted")

    # -- the butler works it on a desktop: never sees who filed it
    desk = _login(chromium, live_server, "firm_a", DESKTOP)
    desk.goto(f"{live_server.url}/complaints/queue/")
    queue = desk.inner_text("body")
    assert "5号楼" in queue and "alice" not in queue and "王丽" not in queue
    shots(desk, "butler-queue")
    desk.goto(f"{live_server.url}/complaints/queue/{case.pk}/")
    assert "王丽" not in desk.inner_text("body")
    _move(desk, "accepted")
    _move(desk, "dispatched", "已派保洁班组")
    _move(desk, "in_progress")
    _move(desk, "resolved", "已清运并消毒，垃圾桶已增加一个")
    assert "已办结待核查" in desk.inner_text("body")
    shots(desk, "butler-resolved")

    # -- the committee (bob) checks the result
    check = _login(chromium, live_server, "bob", PHONE)
    check.goto(f"{live_server.url}/complaints/queue/{case.pk}/")
    _move(check, "verified")
    case.refresh_from_db()
    assert case.status == "verified"

    # -- alice rates it
    page.goto(f"{live_server.url}/complaints/{case.pk}/")
    text = page.inner_text("body")
    assert "已清运并消毒" in text and "已核查待评价" in text
    page.check("#rate input[name=satisfaction][value=satisfied]")
    page.check("#rate input[name=solved][value=yes]")
    shots(page, "owner-rate")
    page.click("#rate button[type=submit]")
    page.wait_for_load_state()
    case.refresh_from_db()
    assert (case.status, case.satisfaction, case.solved) == ("closed", "satisfied", True)
    assert "已结案" in page.inner_text("body")
    shots(page, "owner-closed")
