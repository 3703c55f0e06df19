"""Azure Face v1.0 and the embedded engine: collections of four kinds."""

from __future__ import annotations

from faceadmin.faceapi.lookup.operations import AzureLookup
from faceadmin.faceapi.providers.base import Capabilities, Provider
from faceadmin.faceapi.providers.collections import AzureCollections

__all__ = ["AZURE_CAPABILITIES", "AzureProvider"]

AZURE_CAPABILITIES = Capabilities(
    name="azure",
    collection_noun="collection",
    api_base_path="/face/v1.0",
    lookup_sections=("detect", "verify", "similar", "group"),
    collection_kinds=True,
    collection_edit=True,
    export=True,
    copy=True,
    calibration=True,
    snapshots=True,
    training=True,
    face_attributes=True,
    verify_person=True,
)


class AzureProvider(AzureLookup, AzureCollections, Provider):
    capabilities = AZURE_CAPABILITIES
