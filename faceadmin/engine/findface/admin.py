"""FindFace tokens in the admin, listed and revocable like the engine's subscription keys."""

from __future__ import annotations

from django.contrib import admin

from faceadmin.engine.admin import EngineKeyAdmin
from faceadmin.engine.findface.models import TokenAccount


@admin.register(TokenAccount)
class TokenAccountAdmin(EngineKeyAdmin):
    """FindFace tokens of the facade (`/findface/v1/`, `Authorization: Token ...`)."""
