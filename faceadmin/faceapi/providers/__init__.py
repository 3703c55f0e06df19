"""One provider interface for the dashboard, whatever API a tenant speaks.

`provider_for(tenant)` gives the tenant's `Provider`: what it can do (`capabilities`, which
views and templates ask instead of testing which API it is) and the operations the dashboard
shows, with provider-neutral results. Azure-compatible tenants (Azure and the embedded engine)
keep collections of four kinds; FindFace tenants keep galleries of faces.
"""

from __future__ import annotations

from faceadmin.faceapi.providers.azure import AzureProvider
from faceadmin.faceapi.providers.base import THRESHOLD_PRESETS, Capabilities, Provider
from faceadmin.faceapi.providers.collections import (
    AZURE_KINDS,
    GALLERIES,
    GALLERY_KIND,
    CollectionItem,
    CollectionListing,
    CollectionsOverview,
    Kind,
    KindCount,
    Member,
    MemberPage,
)
from faceadmin.faceapi.providers.findface import FindFaceProvider
from faceadmin.tenants.models import Provider as ProviderName
from faceadmin.tenants.models import Tenant

__all__ = [
    "AZURE_KINDS",
    "GALLERIES",
    "GALLERY_KIND",
    "THRESHOLD_PRESETS",
    "AzureProvider",
    "Capabilities",
    "CollectionItem",
    "CollectionListing",
    "CollectionsOverview",
    "FindFaceProvider",
    "Kind",
    "KindCount",
    "Member",
    "MemberPage",
    "Provider",
    "provider_for",
]


def provider_for(tenant: Tenant) -> Provider:
    """The provider interface of this tenant's API."""
    if tenant.provider == ProviderName.FINDFACE:
        return FindFaceProvider(tenant)
    return AzureProvider(tenant)
