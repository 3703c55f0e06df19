"""Settings for the test suite: the project's own settings, with a test environment.

pytest-django imports this module before any conftest, so the environment is in place
before `faceadmin.settings` reads it. Real variables in the environment still win
(`DATABASE_URL=postgres://... make test` runs the suite on PostgreSQL).
"""

import os

os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
# Two Fernet keys, so that decryption under a non-first key is exercised too.
os.environ.setdefault(
    "FACEADMIN_KEY_ENCRYPTION_KEYS",
    "uVvYx4vLbZ3sJbH5m5mXH7xvK0yq3m1q6Vb0m4bq9Qw=,p2s0d0XH6Kq0mC7m9mN0b3G8eJc4Vd1E9sQm5Yk2Zx8=",
)
os.environ.setdefault("FACEADMIN_ENGINE_ALLOW_PRIVATE_URLS", "True")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
os.environ.setdefault("ALLOWED_HOSTS", "*")

from faceadmin.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
