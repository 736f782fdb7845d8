"""Fengqiao settings: one file, everything from the environment.

Development defaults are safe to run on a laptop (SQLite, eager tasks, local-memory
cache). With ``DEBUG`` off the process refuses to start without ``SECRET_KEY``.
See README.md ("Environment") for every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

# Personal data (resident IDs, phones) is encrypted with these keys, not with SECRET_KEY.
# FIELD_ENCRYPTION_KEY: one or more Fernet keys, comma-separated, newest first (rotation);
# FIELD_HASH_KEY: the HMAC key behind exact search. Both required when DEBUG is off.
_DEV_FERNET_KEY = "ZmVuZ3FpYW8tZGV2LW9ubHktZmllbGQta2V5LTAwMDA="  # noqa: S105 - development only
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=[])
FIELD_HASH_KEY = env.str("FIELD_HASH_KEY", default="")
if not FIELD_ENCRYPTION_KEYS or not FIELD_HASH_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY and FIELD_HASH_KEY must be set when DEBUG is off.")
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [_DEV_FERNET_KEY]
    FIELD_HASH_KEY = FIELD_HASH_KEY or "dev-only-hash-key"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Admin modules are discovered in config/admin.py, skipping django-leaflet's (it needs GDAL).
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Ours, in dependency order (each may import only those above it).
    "accounts",
    "grid",
    "residents",
    "rentals",
    "inspections",
    "disputes",
    "events",
    "noise",
    "incidents",
    "topics",
    "field",
    "documents",
    "kpi",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.DefaultChineseLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.PagesLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleSessionTimeoutMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "accounts.middleware.AuditDeniedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several requests (and the live-server tests) share the file: wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker ------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Fails open (lib.cache): with Redis down, pages work without the cache; sessions are cached_db.
    CACHES = {"default": {"BACKEND": "lib.cache.FailOpenRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Longest task we expect (label sheets of a whole grid, city imports) is well under an hour;
# the broker must not hand an unacknowledged task to a second worker before then.
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Publishing gives up fast when Redis is unreachable (lib.tasks: the request succeeds, a sweeper re-enqueues).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT, "socket_connect_timeout": 1}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    # KPI figures: yesterday and today re-aggregated, so the chief's pages never scan big tables.
    "kpi-figures-refresh": {
        "task": "kpi.tasks.figures_refresh",
        "schedule": crontab(minute="*/15"),
    },
    # Reports: every officer's performance list and the station's monthly report on the 1st, the
    # weekly report on Mondays — after the night's figures are in.
    "kpi-reports-monthly": {
        "task": "kpi.tasks.reports_monthly",
        "schedule": crontab(day_of_month=1, hour=6, minute=10),
    },
    "kpi-reports-weekly": {
        "task": "kpi.tasks.reports_weekly",
        "schedule": crontab(day_of_week=1, hour=6, minute=20),
    },
    "escalate-grid-events": {  # an event not accepted or handled within its tier's limit moves up
        "task": "events.tasks.escalate_due",
        "schedule": crontab(minute="*/5"),
    },
    "clear-expired-sessions": {
        "task": "accounts.tasks.sessions_clear_expired",
        "schedule": crontab(hour=3, minute=17),
    },
    # Catches a re-placement task lost while the broker was down.
    "reassign-misplaced-buildings": {
        "task": "grid.tasks.buildings_reassign_all",
        "schedule": crontab(hour=2, minute=40),
    },
    # Residence permits: renewal reminders 30 days before expiry (sent in the morning), and any
    # permit PDF whose render task was lost while the broker was down.
    "residence-permits-daily": {
        "task": "rentals.tasks_permits.permits_daily",
        "schedule": crontab(hour=8, minute=5),
    },
    # Rectification notices whose render task was lost (broker down, worker killed).
    "render-pending-notices": {
        "task": "inspections.tasks.notices_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # Landlord declarations whose follow-up (the SMS receipt) was lost while the broker was down.
    "declarations-followup-sweep": {
        "task": "rentals.tasks_declarations.declarations_followup_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # Catches a QR label sheet whose render task was lost while the broker was down.
    "render-stale-label-sheets": {
        "task": "residents.tasks.label_sheets_sweep",
        "schedule": crontab(minute="*/10"),
    },
    # Cross-matching (百宝箱): compare every grid's registries before the working day.
    "matching-sync-all-grids": {
        "task": "rentals.tasks_matching.mismatch_tasks_sync_all",
        "schedule": crontab(hour=5, minute=20),
    },
    # Inspections: hazards whose rectification deadline has come get their "due" event.
    "hazards-sweep-daily": {
        "task": "inspections.tasks_loop.hazards_sweep_daily",
        "schedule": crontab(hour=6, minute=30),
    },
}

# --- Auth ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "rentals.backends.PhoneBackend",  # landlords log in with their verified mobile number
    "grid.backends.MemberPhoneBackend",  # so do volunteer grid members
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
# Lock the account, not the address: a station's officers share one NAT address, and five
# typos among them must not lock the whole station out. Password spraying from one address
# is throttled in front (nginx limit_req) instead.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
# Phones and resident IDs typed as user names are counted under a keyed hash (never stored plain).
AXES_USERNAME_CALLABLE = "accounts.signals.axes_username"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_VERBOSE = False

# Two-step verification (accounts.otp): police staff type a code from an authenticator app after
# their password. On with production settings; the demo (`make run`) turns it off, and says so on
# the login page. The Django admin requires it either way.
STAFF_OTP_REQUIRED = env.bool("STAFF_OTP_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "枫桥 Fengqiao"

# Staff sessions end after this many idle seconds (accounts.middleware); others use the cookie age.
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = 7 * 24 * 3600
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous call gets 401 with a WWW-Authenticate header, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "lib.paging.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fengqiao API",
    "DESCRIPTION": "Community policing platform. Every list is scoped to the caller's grids.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# --- I18N -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

AWS_STORAGE_BUCKET_NAME = env.str("S3_BUCKET", default="")
if AWS_STORAGE_BUCKET_NAME:
    # Any S3-compatible store (MinIO, Ceph) on the police network; files are private.
    AWS_S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default=None)
    AWS_ACCESS_KEY_ID = env.str("S3_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env.str("S3_SECRET_ACCESS_KEY", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    _media_backend = "storages.backends.s3.S3Storage"
else:
    _media_backend = "django.core.files.storage.FileSystemStorage"
STORAGES = {
    "default": {"BACKEND": _media_backend},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Door plates -------------------------------------------------------------------------
# Where phones reach the site: the absolute base printed into door-plate QR codes (/q/<token>/).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Maps -----------------------------------------------------------------------------
# The police network's own tile server; the map still draws grids and buildings without it.
# Empty by default: police networks have no internet, so no public tile server is assumed.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
# The most buildings one map response carries; beyond it the map asks for the buildings in view.
MAP_BUILDINGS_LIMIT = 20000
LEAFLET_CONFIG = {
    "TILES": [],  # our map script adds the configured tile layer itself (see static/js/grid-map.js)
    "DEFAULT_CENTER": (38.47, 106.23),
    "DEFAULT_ZOOM": 13,
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
}

# --- Security -------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Sent on every response but PDFs (config.middleware.ContentSecurityPolicyMiddleware); the map
# tile server's host (MAP_TILE_URL) is added to img-src. No inline script anywhere: page code
# lives in static/js and reads its values from data- attributes or json_script
# (tests/security/test_csp.py fails on an inline script). Inline styles are still allowed:
# templates use style="" and <style> blocks, and htmx adds its indicator style.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Error reports (500 pages in DEBUG, mails to ADMINS) hide identity numbers and phones (lib.redact).
DEFAULT_EXCEPTION_REPORTER_FILTER = "lib.redact.PersonalDataReporterFilter"

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},  # one line per task is noise; failures still show
    },
}

# --- Rentals --------------------------------------------------------------------------
SMS_BACKEND = env.str("SMS_BACKEND", default="lib.sms.ConsoleBackend")

# --- Demo -----------------------------------------------------------------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="fengqiao-demo")
