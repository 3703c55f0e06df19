"""Encryption at rest for provider API keys (Fernet, rotatable through MultiFernet).

`FACEADMIN_KEY_ENCRYPTION_KEYS` lists Fernet keys: the first encrypts, every one decrypts.
To rotate: put a new key first, run `manage.py tenants rotate-encryption`, then drop the old.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored key cannot be decrypted with any configured encryption key."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "FACEADMIN_KEY_ENCRYPTION_KEYS is empty: set at least one Fernet key, e.g. from "
            "python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'."
        )
    try:
        return MultiFernet([Fernet(k.strip().encode()) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FACEADMIN_KEY_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from exc


def _current() -> MultiFernet:
    return _fernet(tuple(k for k in settings.FACEADMIN_KEY_ENCRYPTION_KEYS if k.strip()))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "A stored API key cannot be decrypted: FACEADMIN_KEY_ENCRYPTION_KEYS no longer "
            "holds the key it was encrypted with."
        ) from exc


def reencrypt(token: str) -> str:
    """Return the token re-encrypted under the first (current) key."""
    try:
        return _current().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("A stored API key cannot be decrypted for rotation.") from exc


def mask(secret: str) -> str:
    """Show only the last four characters, as operators expect from key screens."""
    if not secret:
        return ""
    return "•" * 8 + secret[-4:] if len(secret) > 4 else "•" * 8
