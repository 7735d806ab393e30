"""Development settings: `manage.py` without DJANGO_SETTINGS_MODULE.

Real environment variables win; otherwise the embedded PostgreSQL and Redis started by `scripts/run`
(written to `.run/dev/env`) are used.
"""

from pathlib import Path

import environ

_EMBEDDED = Path(__file__).resolve().parent.parent.parent / ".run" / "dev" / "env"
if _EMBEDDED.exists():
    environ.Env.read_env(str(_EMBEDDED), overwrite=False)

from config.settings.base import *  # noqa: E402,F403
from config.settings.base import env  # noqa: E402

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret")
REGISTRY_ID_HMAC_KEY = env("REGISTRY_ID_HMAC_KEY", default="local-development-hmac-key")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
