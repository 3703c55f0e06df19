"""Engine accounts: one subscription key each, stored as a hash.

Keys are 128-bit random tokens (32 hex characters, like Azure's), so a single SHA-256 is
the right hash: slow password hashes (PBKDF2, argon2) exist to resist guessing of
low-entropy secrets, which a random 128-bit key does not need, and every API request
checks the key, where a deliberately slow hash would cost real latency.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.db.models import Q
from django.utils import timezone

from faceadmin.engine.models import Account


class AccountNotFound(Exception):
    pass


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def account_create(*, name: str) -> tuple[Account, str]:
    """Create an account; returns it with its plaintext key, which is never stored."""
    key = secrets.token_hex(16)
    account = Account.objects.create(name=name, key_hash=_key_hash(key), key_last4=key[-4:])
    return account, key


def account_for_key(key: str) -> Account | None:
    """The active account whose key this is, or None."""
    if not key:
        return None
    return Account.objects.filter(key_hash=_key_hash(key), revoked_at__isnull=True).first()


def account_list() -> list[Account]:
    return list(Account.objects.order_by("created", "name"))


def masked_key(account: Account) -> str:
    return f"{'*' * 28}{account.key_last4}"


def account_revoke(*, account: str) -> Account:
    """Revoke by account id or by name (which must then name exactly one active account)."""
    parsed: uuid.UUID | None
    try:
        parsed = uuid.UUID(account)
    except ValueError:
        parsed = None
    query = Q(name=account) if parsed is None else Q(id=parsed) | Q(name=account)
    matches = list(Account.objects.filter(query, revoked_at__isnull=True))
    if not matches:
        raise AccountNotFound(f"No active account named or with id {account!r}.")
    if len(matches) > 1:
        ids = ", ".join(str(m.id) for m in matches)
        raise AccountNotFound(f"Several active accounts are named {account!r} ({ids}); use the id.")
    found = matches[0]
    found.revoked_at = timezone.now()
    found.save(update_fields=["revoked_at"])
    return found
