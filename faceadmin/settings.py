"""Settings for faceadmin, read from the environment (and `.env` beside manage.py).

The environment wins over `.env`. Every variable is listed in `.env.example`.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# read_env never overrides variables that are already set in the environment.
environ.Env.read_env(env.str("FACEADMIN_ENV_FILE", default=str(BASE_DIR / ".env")))

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment or in .env "
            "(DEBUG=False refuses to start without it; `make run` writes one for you)."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "faceadmin.tenants",
    "faceadmin.faceapi",
    "faceadmin.dashboard",
    "faceadmin.jobs",
    "faceadmin.engine",
    "faceadmin.engine.findface",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "faceadmin.tenants.middleware.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes' backend comes first: a locked-out client is refused before ModelBackend runs,
# so a refused attempt costs no password hashing (no CPU flood through the login form).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "faceadmin.urls"
WSGI_APPLICATION = "faceadmin.wsgi.application"

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
                "faceadmin.tenants.context_processors.tenants",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    try:
        config: dict[str, object] = env.db_url_config(url)
    except Exception as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL faceadmin understands ({exc}). "
            "Use sqlite:///path/to/db.sqlite3 or postgres://user:password@host:5432/name."
        ) from exc
    engine = str(config.get("ENGINE", ""))
    if engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme is not supported (engine {engine or 'unknown'}). "
            "Use sqlite:///... or postgres://..."
        )
    if engine == "django.db.backends.sqlite3":
        # WAL + immediate transactions let the engine's background workers write while
        # requests read, without "database is locked" errors.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    else:
        config.setdefault("CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# Login throttle (django-axes): this many failed logins from one client address lock it out
# for the cool-off time. Attempts during a lockout are refused unrecorded, so the lockout
# ends a fixed time after the failure that started it.
AXES_FAILURE_LIMIT = env.int("FACEADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("FACEADMIN_LOGIN_COOLOFF_MINUTES", default=15.0))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "faceadmin.tenants.auth_audit.lockout_response"
AXES_CLIENT_IP_CALLABLE = "faceadmin.tenants.auth_audit.client_ip"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

# --- transport security (README: Security) ---------------------------------------------
# Behind a TLS-terminating proxy (the production topology), the proxy's X-Forwarded-Proto
# is trusted, cookies are Secure, browsers are told to use https only (HSTS) and plain-http
# requests are redirected to https. Each can still be set on its own.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=BEHIND_TLS_PROXY)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=BEHIND_TLS_PROXY)
# Pages put the token in forms and in htmx's hx-headers; no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if BEHIND_TLS_PROXY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
# Every path redirects, the engine's API included: an SDK pointed at http:// fails at once
# instead of sending its key in clear text on every call. A load balancer's plain-http
# probe path can be exempted (regular expressions, without the leading slash).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=BEHIND_TLS_PROXY)
SECURE_REDIRECT_EXEMPT: list[str] = env.list("SECURE_REDIRECT_EXEMPT", default=[])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (Django's own ContentSecurityPolicyMiddleware):
# scripts and styles only from this server's static files, no inline code, no CDN. Photos
# shown in the browser are blob: (lookup previews) or data: URIs (thumbnails, crops).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Photos uploaded to the dashboard can be large; Azure accepts up to 6 MB per image.
FILE_UPLOAD_MAX_MEMORY_SIZE = 7 * 1024 * 1024
# Photo grouping takes up to 1,000 photos in one upload (Azure groups up to 1,000 faceIds);
# a request that large is spooled to temporary files, not held in memory.
DATA_UPLOAD_MAX_NUMBER_FILES = 1000

# --- faceadmin -------------------------------------------------------------------------

# Fernet keys (comma-separated). The first encrypts; all of them decrypt, so keys rotate
# without downtime: prepend a new key, run `manage.py tenants rotate-encryption`, drop the old.
FACEADMIN_KEY_ENCRYPTION_KEYS: list[str] = env.list("FACEADMIN_KEY_ENCRYPTION_KEYS", default=[])

# Outbound calls to face APIs (seconds, count).
FACEADMIN_HTTP_CONNECT_TIMEOUT = env.float("FACEADMIN_HTTP_CONNECT_TIMEOUT", default=5.0)
FACEADMIN_HTTP_READ_TIMEOUT = env.float("FACEADMIN_HTTP_READ_TIMEOUT", default=60.0)
FACEADMIN_HTTP_MAX_RETRIES = env.int("FACEADMIN_HTTP_MAX_RETRIES", default=3)
FACEADMIN_HTTP_MAX_RETRY_SECONDS = env.float("FACEADMIN_HTTP_MAX_RETRY_SECONDS", default=30.0)
FACEADMIN_STORE_ORIGINALS = env.bool("FACEADMIN_STORE_ORIGINALS", default=True)

# Tenants' endpoints must be https:// on public hosts, checked when saved and at every
# connection (faceadmin/clients/endpoints.py). On: http:// and private addresses allowed.
FACEADMIN_ALLOW_PRIVATE_ENDPOINTS = env.bool("FACEADMIN_ALLOW_PRIVATE_ENDPOINTS", default=False)

# The embedded engine.
FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS = env.bool("FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS", default=False)
FACEADMIN_ENGINE_DATA_DIR = Path(
    env.str("FACEADMIN_ENGINE_DATA_DIR", default="") or MEDIA_ROOT / "engine"
)
FACEADMIN_ENGINE_URL_FETCH_TIMEOUT = env.float("FACEADMIN_ENGINE_URL_FETCH_TIMEOUT", default=10.0)
FACEADMIN_ENGINE_SNAPSHOT_TTL_HOURS = env.float("FACEADMIN_ENGINE_SNAPSHOT_TTL_HOURS", default=48.0)
# Person-group trainings run in background threads, this many at once per process. A run
# whose process stopped heartbeating this long ago is reported failed ("train again").
FACEADMIN_ENGINE_TRAINING_WORKERS = env.int("FACEADMIN_ENGINE_TRAINING_WORKERS", default=1)
FACEADMIN_ENGINE_TRAINING_STALE_SECONDS = env.float(
    "FACEADMIN_ENGINE_TRAINING_STALE_SECONDS", default=30.0
)
# CPU-heavy recognition sections (decode + detect + descriptors, index builds) running at once
# per process; the rest wait, cheap calls never do. 0 = the cores (gunicorn.conf.py sets
# cores // workers for the web workers). See faceadmin/engine/heavy.py.
FACEADMIN_ENGINE_HEAVY_SLOTS = env.int("FACEADMIN_ENGINE_HEAVY_SLOTS", default=0)
# Threads numpy's OpenBLAS may use per call (see faceadmin/engine/blas.py).
FACEADMIN_ENGINE_BLAS_THREADS = env.int("FACEADMIN_ENGINE_BLAS_THREADS", default=1)

# Background jobs: Django's tasks framework, queued in the database (django-tasks-db), run by
# `manage.py db_worker` processes (`make run` starts one). Several workers, on several machines
# when the database is PostgreSQL, share the queue safely (rows are claimed with row locks).
TASKS = {
    "default": {
        "BACKEND": env.str("FACEADMIN_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A running job whose worker has not reported for this long reads as failed (retry resumes it).
FACEADMIN_JOBS_STALE_SECONDS = env.float("FACEADMIN_JOBS_STALE_SECONDS", default=60.0)
# Request bodies under gunicorn (faceadmin/serving.py): a body must arrive within this many
# seconds plus one second per 32 KiB, else 408 and the connection closes; at most this many
# requests per worker process wait for their body at once (the others get 503 at once), so
# stalled uploads cannot take every thread. Keep it below gunicorn's threads.
FACEADMIN_REQUEST_BODY_TIMEOUT = env.float("FACEADMIN_REQUEST_BODY_TIMEOUT", default=10.0)
FACEADMIN_REQUEST_BODY_READERS = env.int(
    "FACEADMIN_REQUEST_BODY_READERS", default=max(1, env.int("GUNICORN_THREADS", default=32) // 2)
)
# An ended job's files (a failed job's uploaded inputs kept for Retry, a grouping's face crops
# and thumbnails) are removed this long after it ended (faceadmin/jobs/retention.py).
FACEADMIN_JOBS_FILES_RETENTION_HOURS = env.float(
    "FACEADMIN_JOBS_FILES_RETENTION_HOURS", default=24.0
)

# Bulk import (faceapi/transfer). An upload above FILE_UPLOAD_MAX_MEMORY_SIZE streams to a
# temporary file (Django's TemporaryFileUploadHandler), never into memory; the ZIP is then
# checked against these caps before anything in it is read (zip bombs, runaway sets).
FACEADMIN_IMPORT_MAX_UPLOAD_BYTES = env.int("FACEADMIN_IMPORT_MAX_UPLOAD_BYTES", default=2 << 30)
FACEADMIN_IMPORT_MAX_FILES = env.int("FACEADMIN_IMPORT_MAX_FILES", default=50_000)
FACEADMIN_IMPORT_MAX_TOTAL_BYTES = env.int("FACEADMIN_IMPORT_MAX_TOTAL_BYTES", default=8 << 30)
# Azure refuses photos over 6 MB.
FACEADMIN_IMPORT_MAX_FILE_BYTES = env.int("FACEADMIN_IMPORT_MAX_FILE_BYTES", default=6 << 20)
# Photos an import enrolls at once (threads in the worker): the engine's detector releases the
# GIL, so 2 keeps both cores of a small server busy; for a cloud tenant they overlap the waits.
FACEADMIN_IMPORT_THREADS = env.int("FACEADMIN_IMPORT_THREADS", default=2)
# Faces narrower than this (pixels) are reported as too small and skipped (Azure: 36).
FACEADMIN_IMPORT_MIN_FACE_PIXELS = env.int("FACEADMIN_IMPORT_MIN_FACE_PIXELS", default=36)
# How long an import waits out a provider's 429s on one call before the job stops (it then
# resumes at that file on retry: no file is lost).
FACEADMIN_IMPORT_MAX_RATE_WAIT_SECONDS = env.float(
    "FACEADMIN_IMPORT_MAX_RATE_WAIT_SECONDS", default=600.0
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # urllib3 logs full URLs at DEBUG; keys never travel in URLs, but stay quiet anyway.
        "urllib3": {"level": "WARNING"},
    },
}
