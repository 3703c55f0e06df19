"""The provider interface: capabilities, and the operations every provider answers.

A provider is built per request from the tenant (`provider_for`); it is cheap, since the
clients it uses are cached per tenant (`faceapi.connection`). Templates read
`provider.capabilities.<flag>`; views call the provider's operations.
"""

from __future__ import annotations

from dataclasses import dataclass

from faceadmin.faceapi.lookup.operations import LookupOperations
from faceadmin.faceapi.providers.collections import CollectionOperations
from faceadmin.tenants.models import Tenant

__all__ = ["THRESHOLD_PRESETS", "Capabilities", "Provider"]

# FindFace's named thresholds (contract 2.2): confidence and false-accept rate.
THRESHOLD_PRESETS: tuple[tuple[str, str], ...] = (
    # Short labels: the whole choice must show in a select at 390 px.
    ("strict", "strict: 0.78 (1 in 100,000)"),
    ("medium", "medium: 0.66 (1 in 1,000)"),
    ("low", "low: 0.57 (1 in 10)"),
)


@dataclass(frozen=True)
class Capabilities:
    """What a provider can do; the dashboard shows only what is true here.

    Each flag names a feature, never an API: a page asks "can I export?", not "is this
    FindFace?"."""

    name: str  # "azure" or "findface", for URLs and the audit trail only
    collection_noun: str  # "collection" or "gallery"
    api_base_path: str  # where this server serves the provider's API
    # The lookup tabs this provider has (section names of the lookup pages).
    lookup_sections: tuple[str, ...]
    # Named thresholds to pick from (FindFace) instead of a number (Azure).
    threshold_presets: tuple[tuple[str, str], ...] = ()
    # Collections of the four Azure kinds (person groups, face lists, large forms).
    collection_kinds: bool = False
    # Flat galleries of faces with free-text meta.
    galleries: bool = False
    collection_edit: bool = False  # rename / change userData of a collection
    export: bool = False  # export a collection to a ZIP
    copy: bool = False  # copy a collection to another tenant or model
    calibration: bool = False  # threshold calibration on stored originals
    snapshots: bool = False  # take / apply snapshots
    training: bool = False
    face_attributes: bool = False  # detect returns attributes and landmarks
    enroll_from_lookup: bool = False  # a looked-up upload can be enrolled from the result
    verify_person: bool = False  # verify a photo's face against an enrolled person
    # Who fetches a photo given by URL when the tenant is this server's own API.
    embedded_fetcher: str = "The embedded engine"


class Provider(LookupOperations, CollectionOperations):
    """Base of the provider implementations (`AzureProvider`, `FindFaceProvider`).

    The operations come from mixins, one per area: the lookups (`faceapi.lookup.operations`)
    and the collections (`providers.collections`)."""

    capabilities: Capabilities

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant

    # Templates written before the interface read these from the provider directly.
    @property
    def name(self) -> str:
        return self.capabilities.name

    @property
    def collection_noun(self) -> str:
        return self.capabilities.collection_noun

    @property
    def lookup_sections(self) -> tuple[str, ...]:
        return self.capabilities.lookup_sections

    @property
    def api_base_path(self) -> str:
        return self.capabilities.api_base_path

    @property
    def threshold_presets(self) -> tuple[tuple[str, str], ...]:
        return self.capabilities.threshold_presets
