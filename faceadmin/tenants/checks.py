from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def encryption_keys_configured(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from cryptography.fernet import Fernet

    keys = [k for k in settings.FACEADMIN_KEY_ENCRYPTION_KEYS if k.strip()]
    if not keys:
        return [
            Error(
                "FACEADMIN_KEY_ENCRYPTION_KEYS is empty.",
                hint="Set at least one Fernet key; `make run` writes one into .env.",
                id="faceadmin.E001",
            )
        ]
    for key in keys:
        try:
            Fernet(key.strip().encode())
        except ValueError:
            return [
                Error(
                    "FACEADMIN_KEY_ENCRYPTION_KEYS holds a value that is not a Fernet key.",
                    hint="Each key is 32 url-safe base64-encoded bytes (Fernet.generate_key()).",
                    id="faceadmin.E002",
                )
            ]
    return []
