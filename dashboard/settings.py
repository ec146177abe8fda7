"""Settings for Data Demands, driven by environment variables (see README "Configuration").

Unset ``DATABASE_URL`` means SQLite in ``var/``; unset ``CELERY_BROKER_URL`` means Celery runs
tasks eagerly in-process. ``DJANGO_ENV=production`` turns on every deployment safeguard.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dashboard.env import env_bool, env_choice, env_int, env_list, env_path_segment, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DATA_DEMANDS_VAR_DIR", str(BASE_DIR / "var")))

ENVIRONMENT = env_choice("DJANGO_ENV", ("development", "production", "test"), "development")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production")

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production")
    SECRET_KEY = "development-only-key-never-used-in-production-" + "x" * 20

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
#: The public address of the site, used in embed code, oEmbed, feeds and citations.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "reports",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dashboard.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

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
                "dashboard.context_processors.site",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
DATABASES: dict[str, dict[str, Any]]  # Django's own type: SQLite's NAME may be a Path
if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgresql:// URL, not {DATABASE_URL.split(':')[0]}://")
    DATABASES = {
        "default": dict(dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60)))
    }
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles any query it costs above jit_above_cost: the corrections and feed queries
    # (correlated subqueries over the history tables) spent 1.4 s compiling to run in 2 ms. Short,
    # repeated web queries never earn that back, so it is off for this site's connections.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = " ".join(filter(None, [options.get("options", ""), "-c jit=off"]))
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "data-demands.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis in production, local memory by default ------------------------------------
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "dashboard.caching.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "data-demands"}}
#: Seconds a whole public response stays in the cache; a refresh bumps the generation anyway.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600, minimum=0)
#: Seconds a built chart (figure, table, sources) stays in the cache, shared by every route that shows it;
#: keyed by the data generation like pages, so it never outlives the data. 0: build on every request.
CHART_CACHE_SECONDS = env_int("CHART_CACHE_SECONDS", 3600, minimum=0)
#: Seconds a process keeps its own copy of what it fetched from Redis (dashboard.caching): how far
#: behind another process's bump it may be, in exchange for no round trip on hot pages.
PAGE_CACHE_LOCAL_SECONDS = env_int("PAGE_CACHE_LOCAL_SECONDS", 1 if CACHE_URL else 0, minimum=0)
#: How long a process trusts the cached generation number before reading it again. Every bump forgets it at
#: once; this bounds only a bump whose announcement was lost (a process killed during COMMIT).
GENERATION_RECHECK_SECONDS = env_int("GENERATION_RECHECK_SECONDS", 30, minimum=1)

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360, minimum=1)
#: Redis re-delivers an unacknowledged task after this many seconds; it must exceed the hard limit.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "Celery limits must satisfy CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BEAT_SCHEDULE = {
    "refresh-all-feeds-daily": {
        "task": "reports.refresh_all_feeds",
        "schedule": env_int("REFRESH_INTERVAL_SECONDS", 24 * 3600, minimum=60),
    },
}

# --- Feeds: limits of a refresh --------------------------------------------------------------
FEED_TIMEOUT_SECONDS = env_int("FEED_TIMEOUT_SECONDS", 30, minimum=1)
FEED_MAX_BYTES = env_int("FEED_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)

# --- Chart images (dashboard/charts/previews.py): kaleido drives Debian's Chromium, never a downloaded one --------
CHROMIUM_PATH = env_str("CHROMIUM_PATH", "/usr/bin/chromium")
#: Longest a PNG/SVG may take to draw, browser start included, before the route answers 503.
CHART_IMAGE_TIMEOUT_SECONDS = env_int("CHART_IMAGE_TIMEOUT_SECONDS", 45, minimum=5)
#: Chromium processes one web process may run at once for chart images; more requests wait, then 503.
CHART_IMAGE_CONCURRENCY = env_int("CHART_IMAGE_CONCURRENCY", 2, minimum=1)
#: Pages show each chart first as a picture drawn on the server (once per data generation) and load
#: plotly.js only when the reader reaches for a chart. On by default where Chromium can draw them.
CHART_PREVIEWS = env_bool("CHART_PREVIEWS", os.access(CHROMIUM_PATH, os.X_OK))

# --- Auth, staff and admin -------------------------------------------------------------------
ADMIN_PATH = env_path_segment("DJANGO_ADMIN_PATH", "admin/")
#: Staff must pass a second factor (TOTP or backup code) to reach the admin.
ADMIN_REQUIRE_2FA = env_bool("ADMIN_REQUIRE_2FA", default=PRODUCTION)
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1, minimum=1)  # an int means hours to axes
# Two separate counters: a username OR an address is locked ([["username", "ip_address"]] would mean
# only the pair, letting one address try every username, or many addresses one username).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff/locked_out.html"
AXES_ALLOWED_CORS_ORIGINS = SITE_URL
#: Reverse proxies in front of the app that append to X-Forwarded-For (0: the client connects directly).
TRUSTED_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "dashboard.security.client_ip"
OTP_TOTP_ISSUER = "Data Demands"

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

# --- Static and uploaded files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Hashed names are cached forever as immutable whatever this says; this is for the unhashed copies,
# which other sites' embed code may reference, so a change reaches them within the hour.
WHITENOISE_MAX_AGE = 3600 if PRODUCTION else 0
# Outside production WhiteNoise serves straight from static/ so no collectstatic is needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
DATA_UPLOAD_MAX_MEMORY_SIZE = FEED_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security headers ------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
#: Browser features no page uses, denied to the site and anything it frames (dashboard.security).
_DENIED_FEATURES = (
    "accelerometer autoplay camera display-capture geolocation gyroscope magnetometer microphone midi payment usb "
    "browsing-topics"
)
PERMISSIONS_POLICY: dict[str, list[str]] = {feature: [] for feature in _DENIED_FEATURES.split()}
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        # plotly.js writes inline styles into the SVG it draws; scripts stay strict.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "frame-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # The container health check calls /healthz over plain HTTP from inside; a redirect would pass it unasked.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 63072000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are bound to this host and path, and only sent over HTTPS.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # kaleido and choreographer narrate every browser start at INFO.
        "kaleido": {"level": "WARNING"},
        "choreographer": {"level": "WARNING"},
    },
}
