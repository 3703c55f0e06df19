"""FindFace token accounts: `Authorization: Token <key>`, the key stored as a SHA-256 hash.

Tokens are 128-bit random (32 hex characters), so a single fast hash is enough (see
`faceadmin.engine.accounts` for the reasoning).
"""

from __future__ import annotations

import hashlib
import secrets

from faceadmin.engine.findface.models import TokenAccount


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def token_account_create(*, name: str) -> tuple[TokenAccount, str]:
    """Create an account; returns it with its plaintext token, which is never stored."""
    key = secrets.token_hex(16)
    account = TokenAccount.objects.create(name=name, key_hash=_key_hash(key), key_last4=key[-4:])
    return account, key


def token_account_for_key(key: str) -> TokenAccount | None:
    """The active account whose token this is, or None."""
    if not key:
        return None
    return TokenAccount.objects.filter(key_hash=_key_hash(key), revoked_at__isnull=True).first()
