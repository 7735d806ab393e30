"""Content-Security-Policy: every page carries it, scripts come only from our own files, and no template in the
repository holds an inline script or an inline event handler the policy would block."""

import re
from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import World, browser_as

ROOT = Path(__file__).resolve().parent.parent
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'"
)
SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)


def _policy(response) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))


def _templates() -> list[Path]:
    """templates/ and every app's templates/ directory in the repository."""
    dirs = [ROOT / "templates", *ROOT.glob("*/templates")]
    files = sorted({p for d in dirs for p in d.rglob("*.html")})
    assert len(files) > 30  # the scan really reads the repository's templates
    return files


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("alice", "/"),
        ("official_a", "/admin/"),
        (None, "/api/docs/"),
        (None, "/accounts/login/"),
    ],
)
def test_pages_carry_the_policy(world: World, who: str | None, path: str):
    # when
    response = browser_as(getattr(world, who) if who else None).get(path)

    # then: and the rendered page (Django's own admin templates included) has no script the policy blocks
    assert response.status_code == HTTPStatus.OK
    assert _policy(response) == dict(part.strip().split(" ", 1) for part in POLICY.split(";"))
    assert "'unsafe-inline'" not in _policy(response)["script-src"]
    html = response.content.decode()
    assert [m.group() for m in SCRIPT.finditer(html) if m["body"].strip() or "src=" not in m["attrs"]] == []
    assert HANDLER.findall(html) == []


def test_the_api_docs_load_their_start_up_script_from_a_url(db):
    # given
    page = Client().get("/api/docs/").content.decode()
    sources = [m["attrs"] for m in SCRIPT.finditer(page)]

    # when: the start-up script the page names
    script_url = re.search(r'src="(/api/docs/\?[^"]*script=[^"]*)"', page).group(1)
    script = Client().get(script_url.replace("&amp;", "&"))

    # then: every script of the page has a source and an empty body; the start-up one is served as JavaScript
    assert all("src=" in attrs for attrs in sources) and len(sources) == 3
    assert all(m["body"].strip() == "" for m in SCRIPT.finditer(page))
    assert script.status_code == HTTPStatus.OK
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_no_template_has_an_inline_script_or_event_handler():
    # when
    offenders = []
    for path in _templates():
        text = path.read_text()
        name = str(path.relative_to(ROOT))
        offenders += [f"{name}: inline <script>" for m in SCRIPT.finditer(text) if m["body"].strip()]
        offenders += [
            f"{name}: <script> without src" for m in SCRIPT.finditer(text) if "src=" not in m["attrs"]
        ]
        offenders += [f"{name}: {m.group().strip()}" for m in HANDLER.finditer(text)]
        offenders += [f"{name}: javascript: URL" for _ in re.finditer(r"javascript:", text, re.IGNORECASE)]

    # then
    assert offenders == []


def test_the_certificate_prints_through_the_static_script(world: World):
    # given: the owner pages load one script file, which handles data-action="print"
    script = (ROOT / "static" / "js" / "gongzhi.js").read_text()
    base = (ROOT / "templates" / "base.html").read_text()
    certificate = (ROOT / "templates" / "voting" / "certificate.html").read_text()

    # then
    assert "{% static 'js/gongzhi.js' %}" in base
    assert 'data-action="print"' in certificate
    assert "[data-action='print']" in script and "window.print()" in script
