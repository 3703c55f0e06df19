"""The admin's view of the embedded engine's keys: listed masked, revocable, never shown.

Keys are created with `manage.py engine createkey` (the plaintext is printed once there);
the admin lists both kinds (Azure subscription keys here, FindFace tokens in
`faceadmin.engine.findface.admin`) and revokes them. Deleting is not offered: an account
owns its collections, and revoking is what stops a key.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from faceadmin.engine.models import Account


class EngineKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "created", "masked_key", "status")
    list_filter = ("revoked_at",)
    search_fields = ("name",)
    fields = ("name", "id", "created", "masked_key", "revoked_at")
    readonly_fields = ("id", "created", "masked_key", "revoked_at")
    actions = ("revoke_keys",)

    @admin.display(description="key")
    def masked_key(self, obj: Any) -> str:
        return f"{'*' * 28}{obj.key_last4}"

    @admin.display(description="status")
    def status(self, obj: Any) -> str:
        return "revoked" if obj.revoked_at else "active"

    @admin.action(description="Revoke the selected keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `manage.py engine createkey` prints the new key once

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # also hides the "delete selected" action


@admin.register(Account)
class AccountAdmin(EngineKeyAdmin):
    """Azure subscription keys of the embedded engine (`/face/v1.0/`)."""
