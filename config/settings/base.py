"""Settings shared by every environment. Everything configurable comes from the environment via `env`."""

from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# Embedded defaults written by `scripts/run` (PostgreSQL and Redis it started); real environment
# variables always win over this file.
EMBEDDED_ENV_FILE = BASE_DIR / ".run" / "dev" / "env"

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
REGISTRY_ID_HMAC_KEY = env("REGISTRY_ID_HMAC_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "axes",
    "csp",
    "registry",
    "voting",
    "complaints",
    "disclosure",
    "partybuilding",
    "overview",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.request_memo.RequestMemoMiddleware",
    "config.db.StatementPlanningMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CsrfViewMiddleware, whose process_view reads request.POST: API bodies are capped before anything
    # parses them.
    "config.middleware.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"


def database(url: str) -> dict:
    """The database settings from its URL. Connections persist (DATABASE_CONN_MAX_AGE) and, unless
    DATABASE_PREPARED=false, statements are bound server-side and — in views marked `prepared_statements`
    (the ballot, the token look-up) and outside requests — prepared from their second run on that connection:
    planning the joins of a token look-up costs more than running it (0.75 vs 0.1 ms measured), and a ballot
    makes about a dozen such statements. Other requests plan each statement for its values
    (config.db.StatementPlanningMiddleware). Behind a PgBouncer in transaction mode, set it to false."""
    settings = env.db_url_config(url)
    settings["ATOMIC_REQUESTS"] = False
    settings["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    if env.bool("DATABASE_PREPARED", default=True):
        settings.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
    # Random reads cost about what sequential ones do on SSD storage; with PostgreSQL's default (4.0) the planner
    # hashes a city's 40,000 buildings to join them to one compound's 600 units (32 ms instead of 3 ms,
    # bench/scopes.py). Sent as a connection option, so it holds whatever the server's configuration; set
    # DATABASE_RANDOM_PAGE_COST empty to leave the server's value (e.g. behind a pooler that refuses options).
    if page_cost := env("DATABASE_RANDOM_PAGE_COST", default="1.1"):
        settings.setdefault("OPTIONS", {})["options"] = f"-c random_page_cost={float(page_cost)}"
    return settings


def replica(url: str) -> dict:
    """A streaming standby of the primary for the officials' dashboards (config/routers.py). Built as the
    primary's settings, but nothing is prepared there: dashboards are lists scoped by a jurisdiction, whose
    generic plans are the trap config/db.py describes."""
    settings = database(url)
    if "prepare_threshold" in settings.get("OPTIONS", {}):
        settings["OPTIONS"]["prepare_threshold"] = None
    return settings


def databases(url: str, replica_url: str = "") -> dict:
    """`default` from DATABASE_URL and, when DATABASE_REPLICA_URL is set, `replica`."""
    found = {"default": database(url)}
    if replica_url:
        found["replica"] = replica(replica_url)
    return found


DATABASES = databases(
    env("DATABASE_URL", default="postgres:///gongzhi"), env("DATABASE_REPLICA_URL", default="")
)
# Reads go to `replica` only inside config.routers.dashboard_reads() (the figures pages and their API), and
# only outside transactions; writes, accounts, sessions and permissions always use `default`.
DATABASE_ROUTERS = ["config.routers.DashboardReadRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "gongzhi",
    }
}

AUTH_USER_MODEL = "registry.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "registry.backends.RoleLoadingBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# django-axes: AXES_FAILURE_LIMIT failed logins lock out the address (whatever usernames it tried) and,
# separately, the username (from whatever addresses), for AXES_COOLOFF_TIME hours. Failures are not forgotten
# on a success: otherwise one valid account of the attacker's own would reset its address's count at will.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "config.net.client_ip"

# Owner sign-up attempts (identity matching) allowed per IP and per username per hour.
SIGNUP_RATE_LIMIT = env.int("SIGNUP_RATE_LIMIT", default=5)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".run" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / ".run" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Content-Security-Policy (django-csp): scripts only from our own files — no inline script, no inline handler;
# inline styles stay allowed (style attributes and the certificate's print rules); no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# API limits (README, "Configuration"): request bodies, throttles (Redis cache) and token lifetime.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=256 * 1024)
API_MAX_UPLOAD_BYTES = env.int("API_MAX_UPLOAD_BYTES", default=12 * 1024 * 1024)
API_THROTTLE_TOKEN = env("API_THROTTLE_TOKEN", default="20/min")
API_THROTTLE_SIGNUP = env("API_THROTTLE_SIGNUP", default="10/min")
API_THROTTLE_BALLOT = env("API_THROTTLE_BALLOT", default="30/min")
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=168)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.authentication.TokenAuthentication",
        "config.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Multipart only where a view takes files (it declares its own parsers): no other endpoint spools uploads.
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
    ],
    "NUM_PROXIES": 0,  # DRF's own client address (unused by our throttles): REMOTE_ADDR, never X-Forwarded-For
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "共治 Gongzhi API",
    "DESCRIPTION": "Registry, owners' assemblies, complaints, disclosure and party building (api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets named once, where several serializers have a field called `status`.
    "ENUM_NAME_OVERRIDES": {
        "SignupStatusEnum": ["active", "pending_verification"],
        "AssemblyStatusEnum": "voting.models.Assembly.Status",
        "AssemblyKindEnum": "voting.models.Assembly.Kind",
        "ComplaintKindEnum": "complaints.labels.Kind",
    },
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One queue per workload, so that a province can give each its own workers (README, "Deployment and scaling
# out"): a month's close or a registry sync never waits behind a district's notifications, nor a tally behind
# either. One worker may consume them all (scripts/run, docker-compose.yml): a worker started without -Q
# consumes every queue named here.
TASK_QUEUES = ("celery", "sync", "tally", "notifications", "figures")
CELERY_TASK_QUEUES = tuple(Queue(name, routing_key=name) for name in TASK_QUEUES)
CELERY_TASK_DEFAULT_QUEUE = "celery"  # beat's ticks: clocks, assemblies' opening and closing, purges
# Task names, exact or glob, first match wins; anything else goes to the default queue.
CELERY_TASK_ROUTES = {
    "registry.sync_*": {"queue": "sync"},  # the registration feed: long, network-bound
    "voting.tally_*": {"queue": "tally"},  # an assembly's tally: CPU and one long transaction
    "complaints.notify": {"queue": "notifications"},  # registry.services.delivery: SMS, WeChat, e-mail
    "voting.notify_*": {"queue": "notifications"},
    "*.notify": {"queue": "notifications"},
    "complaints.close_month": {"queue": "figures"},  # a month's immutable figures
    "overview.*": {"queue": "figures"},  # the officials' overview: refreshed figures
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

# Voting policy of the city (api.md, "Configuration").
VOTING_MIN_NOTICE_DAYS = env.int("VOTING_MIN_NOTICE_DAYS", default=15)
VOTING_MIN_WINDOW_DAYS = env.int("VOTING_MIN_WINDOW_DAYS", default=5)
VOTING_MAX_WINDOW_DAYS = env.int("VOTING_MAX_WINDOW_DAYS", default=60)
# Largest scan of a paper ballot or a written proxy mandate (PDF, JPEG or PNG).
VOTING_SCAN_MAX_BYTES = env.int("VOTING_SCAN_MAX_BYTES", default=10 * 1024 * 1024)
# The result notice (结果公告): who issues it (empty: the compound's street office, from the registry) and the
# days owners have to object, counted from publication.
VOTING_RESULT_ISSUER = env("VOTING_RESULT_ISSUER", default="")
VOTING_OBJECTION_DAYS = env.int("VOTING_OBJECTION_DAYS", default=15)

# Photos (registry.services.photos, shared by complaints and party building): the largest upload, checked before
# decoding; the largest decoded picture (decompression bombs); the long side of the stored picture.
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=50_000_000)
PHOTO_MAX_SIDE = env.int("PHOTO_MAX_SIDE", default=2048)
# A complaint's multipart body: up to COMPLAINT_MAX_PHOTOS photos of PHOTO_MAX_BYTES each, and its fields.
COMPLAINT_MAX_PHOTOS = env.int("COMPLAINT_MAX_PHOTOS", default=9)
COMPLAINT_MAX_UPLOAD_BYTES = env.int(
    "COMPLAINT_MAX_UPLOAD_BYTES", default=COMPLAINT_MAX_PHOTOS * PHOTO_MAX_BYTES + 1024 * 1024
)
# Complaints figures: whether "basically satisfied" (基本满意) counts towards the satisfaction rate.
COMPLAINTS_BASICALLY_COUNTS_AS_SATISFIED = env.bool("COMPLAINTS_BASICALLY_COUNTS_AS_SATISFIED", default=True)
# Disclosure: monthly operating statements are due by this day of the following month (Beijing time); the kinds
# of record that need a co-sign by the owners' committee (when one is in office) before they are published.
DISCLOSURE_DUE_DAY = env.int("DISCLOSURE_DUE_DAY", default=15)
DISCLOSURE_COSIGN_KINDS = env.list("DISCLOSURE_COSIGN_KINDS", default=["maintenance_fund"])

REGISTRATION_FEED_URL = env("REGISTRATION_FEED_URL", default="")
REGISTRATION_FEED_DIR = env("REGISTRATION_FEED_DIR", default="")
# The HTTP feed: page size, per-request timeout, attempts per page with exponential back-off (base doubled
# per attempt, jittered, capped), and the Celery task's own retries once a page stays unavailable.
REGISTRATION_FEED_PAGE_SIZE = env.int("REGISTRATION_FEED_PAGE_SIZE", default=500)
REGISTRATION_FEED_TIMEOUT_SECONDS = env.float("REGISTRATION_FEED_TIMEOUT_SECONDS", default=30.0)
REGISTRATION_FEED_RETRY_ATTEMPTS = env.int("REGISTRATION_FEED_RETRY_ATTEMPTS", default=5)
REGISTRATION_FEED_RETRY_BASE_DELAY_SECONDS = env.float(
    "REGISTRATION_FEED_RETRY_BASE_DELAY_SECONDS", default=1.0
)
REGISTRATION_FEED_RETRY_MAX_DELAY_SECONDS = env.float(
    "REGISTRATION_FEED_RETRY_MAX_DELAY_SECONDS", default=30.0
)
REGISTRATION_SYNC_INTERVAL_SECONDS = env.int("REGISTRATION_SYNC_INTERVAL_SECONDS", default=60)
REGISTRATION_SYNC_TASK_MAX_RETRIES = env.int("REGISTRATION_SYNC_TASK_MAX_RETRIES", default=3)
REGISTRATION_SYNC_TASK_RETRY_DELAY_SECONDS = env.float(
    "REGISTRATION_SYNC_TASK_RETRY_DELAY_SECONDS", default=20.0
)

SMS_BACKEND = env("SMS_BACKEND", default="registry.services.delivery.ConsoleSmsBackend")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@gongzhi.invalid")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_identifiers": {"()": "config.logging.MaskIdentifiersFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_identifiers"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO", "propagate": True},
    },
}
