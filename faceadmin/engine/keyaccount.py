"""What both kinds of embedded-engine account share: the abstract model and the key hashing.

Azure subscription keys (`engine.models.Account`) and FindFace tokens
(`engine.findface.models.TokenAccount`) are the same thing on two wires: a name, a key stored
as a hash, its last four characters (the only part ever shown), and a revocation date.

Keys are 128-bit random tokens (32 hex characters, like Azure's), so a single SHA-256 is
the right hash: slow password hashes (PBKDF2, argon2) exist to resist guessing of
low-entropy secrets, which a random 128-bit key does not need, and every API request
checks the key, where a deliberately slow hash would cost real latency.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.db import models
from django.utils import timezone


def key_hash(key: str) -> str:
    """The stored form of a key (SHA-256, hex)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh random key: 128 bits, 32 hex characters."""
    return secrets.token_hex(16)


class KeyAccount(models.Model):
    """One API key of the embedded engine, stored as a hash."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=128)
    key_hash = models.CharField(max_length=64, unique=True)
    key_last4 = models.CharField(max_length=4)
    created = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


def create_with_key[A: KeyAccount](model: type[A], *, name: str) -> tuple[A, str]:
    """Create an account of `model`; returns it with its plaintext key, which is never stored."""
    key = new_key()
    account = model._default_manager.create(name=name, key_hash=key_hash(key), key_last4=key[-4:])
    return account, key


def active_for_key[A: KeyAccount](model: type[A], key: str) -> A | None:
    """The active account of `model` whose key this is, or None."""
    if not key:
        return None
    return model._default_manager.filter(key_hash=key_hash(key), revoked_at__isnull=True).first()
