"""FindFace token accounts: `Authorization: Token <key>`, the key stored as a SHA-256 hash.

The model and the hashing are shared with the Azure subscription keys
(`faceadmin.engine.keyaccount`, which also says why a single fast hash is enough).
"""

from __future__ import annotations

from faceadmin.engine.findface.models import TokenAccount
from faceadmin.engine.keyaccount import active_for_key, create_with_key


def token_account_create(*, name: str) -> tuple[TokenAccount, str]:
    """Create an account; returns it with its plaintext token, which is never stored."""
    return create_with_key(TokenAccount, name=name)


def token_account_for_key(key: str) -> TokenAccount | None:
    """The active account whose token this is, or None."""
    return active_for_key(TokenAccount, key)
