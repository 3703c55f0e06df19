"""Settings for the test suite: the project's own settings, with a test environment.

pytest-django imports this module before any conftest, so the environment is in place
before `faceadmin.settings` reads it. Real variables in the environment still win
(`DATABASE_URL=postgres://... make test` runs the suite on PostgreSQL).
"""

import os
import tempfile
from pathlib import Path

# A developer's .env (written by `make run`) must not leak into the tests.
os.environ.setdefault("FACEADMIN_ENV_FILE", "/nonexistent/.env")
os.environ.setdefault("DEBUG", "False")
# Playwright's sync API runs an event loop in the test thread; the ORM calls that tests make
# around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
# Two Fernet keys, so that decryption under a non-first key is exercised too.
os.environ.setdefault(
    "FACEADMIN_KEY_ENCRYPTION_KEYS",
    "uVvYx4vLbZ3sJbH5m5mXH7xvK0yq3m1q6Vb0m4bq9Qw=,p2s0d0XH6Kq0mC7m9mN0b3G8eJc4Vd1E9sQm5Yk2Zx8=",
)
os.environ.setdefault("FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS", "True")
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
os.environ.setdefault("ALLOWED_HOSTS", "*")
os.environ.setdefault(
    "MEDIA_ROOT", os.path.join(tempfile.gettempdir(), f"faceadmin-test-media-{os.getpid()}")
)

from faceadmin.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Serve static files straight from static/ (no collectstatic) in live-server tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = Path(os.environ["MEDIA_ROOT"]) / "static-root"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# A file-backed SQLite test database, so every thread (live server, engine jobs, duplicate
# scans) gets its own connection, as in production, instead of sharing the one in-memory
# connection.
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"faceadmin-test-{os.getpid()}.sqlite3")
    }
