"""What each provider offers, so that one set of pages adapts to the tenant's provider.

Views put `provider_profile(tenant)` in the context as `provider`; templates switch their
provider-specific sections on it (`{% if provider.uses_galleries %}`), and views pick the
services to call by it. Azure and the embedded engine keep collections of four kinds
(person groups, face lists and their large forms); FindFace keeps galleries of faces with a
free-text meta, and looks faces up with named thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

from faceadmin.tenants.models import Provider, Tenant

__all__ = ["THRESHOLD_PRESETS", "ProviderProfile", "provider_profile"]

# FindFace's named thresholds (contract 2.2): confidence and false-accept rate.
THRESHOLD_PRESETS: tuple[tuple[str, str], ...] = (
    # Short labels: the whole choice must show in a select at 390 px.
    ("strict", "strict: 0.78 (1 in 100,000)"),
    ("medium", "medium: 0.66 (1 in 1,000)"),
    ("low", "low: 0.57 (1 in 10)"),
)


@dataclass(frozen=True)
class ProviderProfile:
    name: str
    uses_galleries: bool
    # The lookup tabs this provider has (section names of the lookup pages).
    lookup_sections: tuple[str, ...]
    collection_noun: str
    api_base_path: str  # where this server serves the provider's API

    @property
    def threshold_presets(self) -> tuple[tuple[str, str], ...]:
        return THRESHOLD_PRESETS if self.uses_galleries else ()


AZURE = ProviderProfile(
    name="azure",
    uses_galleries=False,
    lookup_sections=("detect", "verify", "similar", "group"),
    collection_noun="collection",
    api_base_path="/face/v1.0",
)
FINDFACE = ProviderProfile(
    name="findface",
    uses_galleries=True,
    lookup_sections=("detect", "verify"),
    collection_noun="gallery",
    api_base_path="/findface/v1",
)


def provider_profile(tenant: Tenant) -> ProviderProfile:
    return FINDFACE if tenant.provider == Provider.FINDFACE else AZURE
