"""
The one settings file for clinic. Every value that varies between deployments comes
from an environment variable; the README lists them all.

Development defaults (a throwaway secret key, localhost hosts) apply only when
DJANGO_DEBUG is on. With debug off the site refuses to start without a secret key and
allowed hosts, so a forgotten variable cannot ship an insecure production server.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off."
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so runserver serves static files the way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "taggit",
    "clinic",
    "clinic.search",
    "clinic.editorial",
    "articles",
    "faq",
]

# Order matters (outermost first). The page cache answers a hit right after
# SecurityMiddleware and WhiteNoise, touching nothing else (docs/decisions/006): the
# headers added by the middleware inside it (CSP, ETag, ...) are stored with the
# page, and it answers If-None-Match on a hit itself.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clinic.caching.PageCacheMiddleware",
    "clinic.security.SecurityHeadersMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "clinic.security.DatabaseBusyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "clinic.throttle.LoginThrottleMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

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
                "clinic.context_processors.site",
            ],
        },
    },
]

# Database ------------------------------------------------------------------------
# DATABASE_URL picks the engine: sqlite:///path (the default, a file in var/) or
# postgres://user:pass@host:port/name (psycopg 3).
VAR_DIR = Path(os.environ.get("CLINIC_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'clinic.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite as a web server's database (docs/decisions/001-sqlite-for-serving.md):
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at the
    # start of a transaction, so concurrent saves queue for the busy timeout instead
    # of failing with "database is locked" when a read lock is upgraded.
    # Connections persist (DJANGO_CONN_MAX_AGE) as on PostgreSQL: opening one costs
    # more than an article page's queries (5.5 -> 3.8 ms of worker CPU per
    # uncached article under gunicorn), and an idle one in autocommit holds no
    # lock and does not stop WAL checkpoints.
    # The busy timeout: how long a write waits for the lock before the user gets a
    # 503 (clinic/security.py). A save is several short transactions (page, search
    # index, revision); with eight writers on a busy two-core machine 5 s was
    # sometimes not enough (1 to 2 of 120 saves), 15 s always was, and it stays
    # well inside gunicorn's 30 s request timeout.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": float(os.environ.get("CLINIC_SQLITE_TIMEOUT", "15")),
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("CLINIC_SQLITE_TEST_NAME")}
else:
    # PostgreSQL: parallel workers make short search queries slower on a small
    # server (measured: main search statement 56 -> 44 ms median on 2 cores).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c max_parallel_workers_per_gather="
        + os.environ.get("CLINIC_PG_PARALLEL_WORKERS", "0")
    )
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("CLINIC_TEST_DATABASE_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache ---------------------------------------------------------------------------
# REDIS_URL shares one cache between app servers. Without it the cache is a folder
# that every gunicorn worker on this machine shares (a per-process memory cache would
# serve stale pages from the workers that missed an invalidation).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CLINIC_CACHE_PREFIX", "clinic"),
            "TIMEOUT": 600,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "clinic.filecache.SharedFileCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "TIMEOUT": 600,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# Public pages: anonymous GET/HEAD responses are kept this many seconds at most
# (clinic/caching.py, docs/decisions/006-page-cache.md); 0 turns the page cache off.
# Edits invalidate at once; the lifetime only bounds what no signal can see.
CLINIC_PAGE_CACHE_SECONDS = int(os.environ.get("CLINIC_PAGE_CACHE_SECONDS", "600"))

# Auth ----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# Static files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names and gzip/brotli copies; whitenoise serves them with
        # far-future cache headers. Debug keeps plain names so edits show at once.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000

# Uploads: the importer's admin upload reads files in memory and never stores them
# where a web server could serve or run them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 50
# Memory only, and an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE is refused:
# nothing ever lands in a temporary file. There is no MEDIA_URL: uploads are never
# served.
FILE_UPLOAD_HANDLERS = ["clinic.security.MemoryOnlyUploadHandler"]

# Security ------------------------------------------------------------------------
# DJANGO_HTTPS=0 serves production settings over plain HTTP on 127.0.0.1 (load tests,
# browser tests). It defaults to on, and `check --deploy` is judged with it on.
HTTPS = env_bool("DJANGO_HTTPS", True)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env_bool("DJANGO_BEHIND_PROXY", False)
    else None
)
SECURE_SSL_REDIRECT = HTTPS and not DEBUG
SECURE_HSTS_SECONDS = 31536000 if HTTPS and not DEBUG else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# Preloading is the operator's call (a browser list that takes months to leave), so
# `check --deploy` does not warn while it is off; DJANGO_HSTS_PRELOAD=1 opts in.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = HTTPS and not DEBUG
CSRF_COOKIE_SECURE = HTTPS and not DEBUG
SESSION_COOKIE_HTTPONLY = True
# Only staff have sessions; a working day, not Django's two weeks.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_COOKIE_AGE", 12 * 60 * 60))
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: the admin's forms carry the token in a field.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Healthz is probed over plain HTTP by load balancers.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
# clinic/security.py sends these. The public site has no inline script or style at
# all (a test scans the templates), so no nonce is needed and cached pages stay
# byte-identical. JSON-LD blocks are data, not script, and CSP does not apply to them.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Django 5.2's admin writes an inline <style> block (change_list.html) and its
# widgets set style attributes, so the admin alone allows inline styles. Its
# scripts are all files: script-src stays 'self' there too.
CONTENT_SECURITY_POLICY_ADMIN = {
    **CONTENT_SECURITY_POLICY,
    "style-src": ["'self'", "'unsafe-inline'"],
}
if HTTPS and not DEBUG:
    CONTENT_SECURITY_POLICY["upgrade-insecure-requests"] = []
    CONTENT_SECURITY_POLICY_ADMIN["upgrade-insecure-requests"] = []

# Admin sign-in throttling (clinic/throttle.py, docs/decisions/007-login-throttling.md):
# after this many failed sign-ins for one username from one address, that pair waits
# CLINIC_LOGIN_LOCKOUT_SECONDS after its last failure. Nobody is locked out for good.
CLINIC_LOGIN_FAILURE_LIMIT = int(os.environ.get("CLINIC_LOGIN_FAILURE_LIMIT", "5"))
CLINIC_LOGIN_LOCKOUT_SECONDS = int(
    os.environ.get("CLINIC_LOGIN_LOCKOUT_SECONDS", "900")
)
# Behind a proxy, the client's address is the last X-Forwarded-For entry (the one
# our proxy appended); otherwise REMOTE_ADDR.
CLINIC_BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)

# The admin lives at a configurable path, away from the default that bots probe.
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"

# Logging: everything to stdout/stderr, where gunicorn and the process manager
# collect it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {
            "handlers": ["console"],
            "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
        "clinic": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Tags ----------------------------------------------------------------------------
# "Collagen" and "collagen" are one tag.
TAGGIT_CASE_INSENSITIVE = True

# Clinic --------------------------------------------------------------------------
CLINIC_NAME = os.environ.get("CLINIC_NAME", "Clinic Skin & Aesthetics")
# The bundled corpus that `import_sources` reads when given no path.
CLINIC_SOURCES_DIR = BASE_DIR / "sources"
# How long a clinical review stays valid, per kind of page; next_review_date defaults
# from it when a reviewed date is set.
CLINIC_REVIEW_INTERVALS = {
    "treatment": timedelta(days=365),
    "article": timedelta(days=365),
    "question": timedelta(days=365),
}
CLINIC_REVIEW_DUE_SOON = timedelta(days=30)
