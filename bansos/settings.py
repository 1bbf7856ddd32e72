"""Bansos settings: one file, every value from the environment with a newcomer's default.

Without DATABASE_URL the app uses an SQLite file; without REDIS_URL Celery tasks run in-process.
With DEBUG off (production) it refuses to start without a SECRET_KEY.
"""

from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A development machine's settings file (make writes one); ENV_FILE names another, or none
# (ENV_FILE=/dev/null: the process environment alone, as production and its checks have it).
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (production).")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# Sent by the office's monitoring (Authorization: Bearer ...) to read /health/'s details.
HEALTH_TOKEN = env("HEALTH_TOKEN", default="")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_htmx",
    "template_partials",
    "django_filters",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "households",
    "accounts",
    "programs",
    "dedup",
    "complaints",
    "verification",
    "distribution",
    "audit",
    "dbbackup",  # manage.py backup / restore (audit/backups.py)
    "demo",  # load_demo: a demo district in every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bansos.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "bansos.middleware.private_pages",
    "accounts.middleware.sign_in_steps",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bansos.urls"
WSGI_APPLICATION = "bansos.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "bansos.context_processors.csp_nonce",
                "bansos.context_processors.password_reset",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Background work writes while pages read; wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "households.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Mail for password resets: EMAIL_URL as smtp+tls://user:password@host:587. Without it a
# newcomer's machine prints the messages on the console; production sends none (a reset link
# in a server log would open the account) and the sign-in page offers no reset by e-mail.
PASSWORD_RESET_BY_EMAIL = DEBUG or bool(env("EMAIL_URL", default=""))
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "dummymail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="bansos@localhost")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_HOURS", default=2) * 3600
# Two-factor sign-in (accounts/two_factor.py): required, then offered, by role. An empty
# TWO_FACTOR_REQUIRED_ROLES (make demo) asks no one.
TWO_FACTOR_REQUIRED_ROLES = [
    r for r in env.list("TWO_FACTOR_REQUIRED_ROLES", default=["admin", "head"]) if r
]
TWO_FACTOR_OPTIONAL_ROLES = [
    r
    for r in env.list(
        "TWO_FACTOR_OPTIONAL_ROLES", default=["admin", "head", "staff", "desk", "kecamatan"]
    )
    if r
]
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Bansos")
# Proposal and roster files are deleted this many days after their proposal or roster version
# closes (manage.py purge_uploads, daily); what was read from them stays.
UPLOAD_RETENTION_DAYS = env.int("UPLOAD_RETENTION_DAYS", default=180)
# The visits' map: a tile server's URL template ("https://tiles.example/{z}/{x}/{y}.png") when
# the office has one; empty, the points are drawn on a blank background (no outside request).
VISIT_MAP_TILES = env("VISIT_MAP_TILES", default="")
VISIT_MAP_ATTRIBUTION = env("VISIT_MAP_ATTRIBUTION", default="")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after inactivity and when the browser closes, not after Django's two weeks.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Repeated failed logins: lock the username from that address for a while, never for good.
# Behind a proxy every user shares one address, so the address alone would lock out an office.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # each failed sign-in kept for the audit trail
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["bansos.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Leaflet's own script and styles (static/leaflet/), as django-leaflet ships them: the visits'
# map. Only its files are served; the app itself is not installed (it needs GeoDjango's GDAL).
STATICFILES_DIRS = [
    BASE_DIR / "static",
    Path(find_spec("leaflet").submodule_search_locations[0]) / "static",
]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Backups (manage.py backup, restore): the database dump and the uploaded files, in a folder.
BACKUP_DIR = env.path("BACKUP_DIR", default=BASE_DIR / "backups")
DBBACKUP_CLEANUP_KEEP = env.int("BACKUP_KEEP", default=14)
# SQLite (a newcomer's machine, the tests) as SQLite's own dump, restorable into any SQLite.
DBBACKUP_CONNECTOR_MAPPING = {"django.db.backends.sqlite3": "audit.backups.SqliteDump"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "dbbackup": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(BACKUP_DIR)},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Past one machine: uploads, rosters and attachments in an S3-compatible bucket (MinIO, or any
# S3 service), so a worker on another machine reads what the web server received. Without
# S3_BUCKET they stay in MEDIA_ROOT.
S3_BUCKET = env("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL", default=None),
            "access_key": env("S3_ACCESS_KEY", default=None),
            "secret_key": env("S3_SECRET_KEY", default=None),
            "region_name": env("S3_REGION", default=None),
            "file_overwrite": False,  # two uploads named alike are two files
            "default_acl": None,  # the bucket's own: private
        },
    }

UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_MB", default=50) * 1024 * 1024
# A district's roster CSV of a million rows is about 130 MB; a province's is larger.
ROSTER_UPLOAD_MAX_BYTES = env.int("ROSTER_UPLOAD_MAX_MB", default=1024) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REDIS_URL = env("REDIS_URL", default="")
# memory://localhost: the in-process broker, named so kombu does not warn it found no host.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# No Redis: run every task in-process, so a newcomer's machine still does the whole job.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_STORE_EAGER_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Above the longest task, or Redis hands a running task to a second worker (field notes).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
# A cross-check chunk takes seconds to a few minutes: a run no worker has touched for this long
# lost its worker, and staff may resume it (Redis would hand the chunk out again only after the
# visibility timeout above).
DEDUP_STALLED_AFTER = timedelta(minutes=env.int("DEDUP_STALLED_AFTER_MINUTES", default=15))
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Content Security Policy: no inline script or style; htmx is told not to inject styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # A tile server of the office's (VISIT_MAP_TILES) draws the visits' map.
        "img-src": [SELF, "data:", *filter(None, [urlsplit(VISIT_MAP_TILES).netloc])],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    # Opt-in: on a shared *.go.id domain these bind every sibling site, and are hard to undo.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SILENCED_SYSTEM_CHECKS = [
        check
        for check, chosen in (
            ("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS),
            ("security.W021", SECURE_HSTS_PRELOAD),
        )
        if not chosen
    ]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # django-axes logs every login at INFO, with the username masked; failures still show.
    "loggers": {
        "axes": {"level": "WARNING"},
        # Tasks run in-process (no Redis) inside a command or a request: "Task ... succeeded"
        # is a worker's log line, noise in a command's output.
        **({} if REDIS_URL else {"celery.app.trace": {"level": "WARNING"}}),
    },
}
AXES_VERBOSE = False
