"""Engine accounts: one subscription key each, stored as a hash.

The model and the hashing are shared with FindFace tokens (`faceadmin.engine.keyaccount`,
which also says why a single SHA-256 is the right hash). `account_create` is the one public
function the rest of the project (tenants, bootstrap) calls to mint a key of the engine.
"""

from __future__ import annotations

import uuid

from django.db.models import Q
from django.utils import timezone

from faceadmin.engine.keyaccount import active_for_key, create_with_key
from faceadmin.engine.models import Account


class AccountNotFound(Exception):
    pass


def account_create(*, name: str) -> tuple[Account, str]:
    """Create an account; returns it with its plaintext key, which is never stored."""
    return create_with_key(Account, name=name)


def account_for_key(key: str) -> Account | None:
    """The active account whose key this is, or None."""
    return active_for_key(Account, key)


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
