"""Test settings: DATABASE_URL and REDIS_URL point at the real servers `scripts/test` started."""

from urllib.parse import urlsplit

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key-with-enough-length-0123456789abcdef"
REGISTRY_ID_HMAC_KEY = "test-only-hmac-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = env.bool("AXES_ENABLED", default=False)
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if "replica" in DATABASES:  # noqa: F405 - DATABASE_REPLICA_URL set: the test database serves as both
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # noqa: F405
    DATABASES["replica"]["CONN_MAX_AGE"] = 0  # noqa: F405

# One Redis database per pytest-xdist worker for the cache (throttle counters): a test that clears the cache
# clears only its own worker's. Database 0 stays the Celery broker's.
_worker = env("PYTEST_XDIST_WORKER", default="")  # "gw0", "gw1", … under xdist
_cache_db = 1 + int(_worker.removeprefix("gw")) % 14 if _worker else 15
CACHES["default"]["LOCATION"] = urlsplit(REDIS_URL)._replace(path=f"/{_cache_db}").geturl()  # noqa: F405
# The API takes JSON by default (multipart only where a view takes files), and so do test clients.
REST_FRAMEWORK = {**REST_FRAMEWORK, "TEST_REQUEST_DEFAULT_FORMAT": "json"}  # noqa: F405
