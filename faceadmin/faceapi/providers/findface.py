"""FindFace: galleries of faces with free-text meta, looked up with named thresholds."""

from __future__ import annotations

from faceadmin.faceapi.lookup.operations import FindFaceLookup
from faceadmin.faceapi.providers.base import THRESHOLD_PRESETS, Capabilities, Provider
from faceadmin.faceapi.providers.collections import FindFaceCollections

__all__ = ["FINDFACE_CAPABILITIES", "FindFaceProvider"]

FINDFACE_CAPABILITIES = Capabilities(
    name="findface",
    collection_noun="gallery",
    api_base_path="/findface/v1",
    lookup_sections=("detect", "verify"),
    threshold_presets=THRESHOLD_PRESETS,
    galleries=True,
    calibration=True,  # faceapi.calibration_gallery: pairs by meta, scored by verify
    enroll_from_lookup=True,
    embedded_fetcher="This server's FindFace facade",
)


class FindFaceProvider(FindFaceLookup, FindFaceCollections, Provider):
    capabilities = FINDFACE_CAPABILITIES
