"""Test settings: DATABASE_URL and REDIS_URL point at the real servers `scripts/test` started."""

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
