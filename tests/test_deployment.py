"""Deployment shape: docker-compose services, production settings that refuse defaults, check --deploy."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REGISTRY_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
    )


def test_compose_file_parses_and_names_the_production_services():
    # when
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    # then
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
    assert "gunicorn config.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert services["beat"]["command"].startswith("celery -A config beat")
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert (ROOT / "Dockerfile").exists()


def test_production_settings_have_no_default_secrets():
    # when
    result = _manage("check", DATABASE_URL="postgres://x@127.0.0.1/x", REDIS_URL="redis://127.0.0.1:1/0")
    # then
    assert result.returncode != 0
    assert "Set the DJANGO_SECRET_KEY environment variable" in result.stderr


def test_check_deploy_is_clean_for_production_settings():
    # when
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        REGISTRY_ID_HMAC_KEY=secrets.token_urlsafe(32),
        DATABASE_URL="postgres://x@127.0.0.1/x",
        REDIS_URL="redis://127.0.0.1:1/0",
        DJANGO_ALLOWED_HOSTS="gongzhi.example.cn",
    )
    # then
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
