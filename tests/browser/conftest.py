"""Real Chromium (Debian's, driven by Playwright) against the live test server: phone and desktop pages.

`scripts/test` installs Debian's `chromium` and a Chinese font when it runs as root (MACHINE.md); elsewhere a
missing browser skips these tests with the reason. Screenshots go to `screenshots/` (git-ignored; set
GONGZHI_SCREENSHOTS to move them) so anyone can look at the screens after a run.
"""

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from django.utils import timezone

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1366, "height": 768}}
SCREENSHOTS = Path(os.environ.get("GONGZHI_SCREENSHOTS", Path(__file__).resolve().parents[2] / "screenshots"))


@pytest.fixture
def chromium(monkeypatch) -> Iterator[object]:
    """A headless Chromium; Playwright's sync API runs an event loop in this thread, so Django's
    async-safety check is lifted for the test's duration only."""
    executable = (
        os.environ.get("GONGZHI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if executable is None:
        pytest.skip("Debian's chromium is not installed (scripts/test installs it when run as root)")
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Clock:
    """The server's clock, moved forward by hand (days of notice pass in a second). Every
    `django.utils.timezone.now()` — services, sessions, tokens — reads it."""

    def __init__(self) -> None:
        self.offset = dt.timedelta(0)
        self._real = timezone.now

    def now(self) -> dt.datetime:
        return self._real() + self.offset

    def jump_to(self, moment: dt.datetime) -> None:
        self.offset = moment - self._real()


@pytest.fixture
def clock() -> Iterator[Clock]:
    c = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=c.now):
        yield c


class Shots:
    """Numbered screenshots of the main screens, full page."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.n = 0
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    def __call__(self, page, name: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request) -> Shots:
    return Shots(SCREENSHOTS / request.node.name)
