"""Both kinds of embedded-engine key in one list: Azure subscription keys (`Account`) and
FindFace tokens (`TokenAccount`). `manage.py engine createkey|listkeys|revokekey`, the admin
and the tenants (`key_create`, to mint a tenant's key) use it.

Keys are stored as hashes; only the last four characters are ever shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db.models import Q
from django.utils import timezone

from faceadmin.engine.findface.models import TokenAccount
from faceadmin.engine.keyaccount import create_with_key
from faceadmin.engine.models import Account

Api = Literal["azure", "findface"]
APIS: tuple[Api, ...] = ("azure", "findface")


class KeyNotFound(Exception):
    pass


@dataclass(frozen=True)
class EngineKey:
    api: Api
    account_id: uuid.UUID
    name: str
    created: datetime
    last4: str
    revoked_at: datetime | None

    @property
    def masked(self) -> str:
        return f"{'*' * 28}{self.last4}"

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at else "active"


def _model(api: Api) -> type[Account] | type[TokenAccount]:
    return Account if api == "azure" else TokenAccount


def key_create(*, name: str, api: Api = "azure") -> tuple[uuid.UUID, str]:
    """Mint a key of the embedded engine: an Azure subscription key or a FindFace token.

    The one function the rest of the project (tenants, bootstrap) calls to mint keys here.
    Returns the account id and the plaintext key, which is never stored (only its hash)."""
    if api == "findface":
        token_account, key = create_with_key(TokenAccount, name=name)
        return token_account.pk, key
    account, key = create_with_key(Account, name=name)
    return account.pk, key


def key_list(*, api: Api | None = None) -> list[EngineKey]:
    """Every key of both kinds (or of one), oldest first, revoked ones included."""
    keys = []
    for kind in APIS if api is None else (api,):
        for row in _model(kind).objects.order_by("created", "name"):
            keys.append(
                EngineKey(kind, row.pk, row.name, row.created, row.key_last4, row.revoked_at)
            )
    return sorted(keys, key=lambda key: (key.created, key.name))


def key_revoke(*, account: str, api: Api | None = None) -> EngineKey:
    """Revoke the one active key named `account` or with that account id, of either kind.

    A name shared by several active keys (of one or both kinds) is refused: use the id."""
    try:
        parsed: uuid.UUID | None = uuid.UUID(account)
    except ValueError:
        parsed = None
    query = Q(name=account) if parsed is None else Q(id=parsed) | Q(name=account)
    matches: list[tuple[Api, Account | TokenAccount]] = []
    for kind in APIS if api is None else (api,):
        rows = _model(kind).objects.filter(query, revoked_at__isnull=True)
        matches.extend((kind, row) for row in rows)
    if not matches:
        raise KeyNotFound(f"No active key named or with account id {account!r}.")
    if len(matches) > 1:
        found = ", ".join(f"{kind} {row.pk}" for kind, row in matches)
        raise KeyNotFound(f"Several active keys are named {account!r} ({found}); use the id.")
    kind, row = matches[0]
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    return EngineKey(kind, row.pk, row.name, row.created, row.key_last4, row.revoked_at)
