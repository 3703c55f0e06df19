"""The Azure Face v1.0 client: `client.AzureFaceClient` over the table in `wire`."""

from __future__ import annotations

from faceadmin.clients.azure.client import AzureFaceClient
from faceadmin.clients.azure.wire import (
    API_DEFAULT_RECOGNITION_MODEL,
    DEFAULT_DETECTION_MODEL,
    ENDPOINTS,
    ENDPOINTS_BY_ID,
    MAX_PAGE_SIZE,
    Endpoint,
)

__all__ = [
    "API_DEFAULT_RECOGNITION_MODEL",
    "DEFAULT_DETECTION_MODEL",
    "ENDPOINTS",
    "ENDPOINTS_BY_ID",
    "MAX_PAGE_SIZE",
    "AzureFaceClient",
    "Endpoint",
]
