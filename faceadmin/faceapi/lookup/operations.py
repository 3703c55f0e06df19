"""The lookup part of the provider interface: detect, identify, verify, find similar, enroll.

`LookupOperations` is what every provider answers (the base of `providers.base.Provider`);
`AzureLookup` and `FindFaceLookup` are the two implementations, mixed into `AzureProvider`
and `FindFaceProvider`. Views call `provider_for(tenant).<operation>(...)` and get the
provider-neutral results of `lookup.results`; what a provider cannot do raises
`UnsupportedFeature` (pages ask `provider.capabilities` first, so operators never see it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from faceadmin.clients.errors import UnsupportedFeature
from faceadmin.clients.findface import DEFAULT_GALLERY
from faceadmin.clients.findface_types import Preset
from faceadmin.clients.types import Collection, FaceRectangle, Person
from faceadmin.faceapi.galleries import gallery_enroll, gallery_list
from faceadmin.faceapi.lookup.detect import photo_detect
from faceadmin.faceapi.lookup.enroll import cluster_enroll, photo_enroll_face
from faceadmin.faceapi.lookup.findface import (
    photo_detect_faces,
    photo_identify_in_gallery,
    photo_verify_faces,
)
from faceadmin.faceapi.lookup.identify import photo_identify
from faceadmin.faceapi.lookup.photos import Photo, PhotoError
from faceadmin.faceapi.lookup.results import (
    Detection,
    DetectSettings,
    Enrollment,
    GroupRef,
    Identification,
    IdentifyQuery,
    SimilarSearch,
    Verification,
)
from faceadmin.faceapi.lookup.similar import photo_find_similar
from faceadmin.faceapi.lookup.targets import (
    LIST_KINDS,
    PERSON_KINDS,
    collection_options,
    person_options,
)
from faceadmin.faceapi.lookup.verify import photo_verify
from faceadmin.tenants.models import Tenant

__all__ = ["AzureLookup", "FindFaceLookup", "LookupOperations", "SearchTargets"]

_DEFAULT_QUERY = IdentifyQuery()  # detect with the default models, "medium" threshold


@dataclass(frozen=True)
class SearchTargets:
    """Where identify can search and faces can be enrolled from a result: person
    collections (Azure-compatible), or galleries (FindFace)."""

    collections: list[Collection] = field(default_factory=list)
    galleries: list[str] = field(default_factory=list)


def _unsupported(what: str) -> UnsupportedFeature:
    return UnsupportedFeature(f"This provider has no {what}.")


class LookupOperations:
    """The lookups every provider answers; the defaults refuse what a provider lacks."""

    tenant: Tenant

    def search_targets(self) -> SearchTargets:
        return SearchTargets()

    def detect(self, *, photo: Photo, settings: DetectSettings, user: Any = None) -> Detection:
        raise _unsupported("detect")

    def identify(
        self,
        *,
        photo: Photo,
        query: IdentifyQuery,
        known: Sequence[Collection] | None = None,
        user: Any = None,
    ) -> Identification[Any, Any]:
        raise _unsupported("identify")

    def verify_people(self) -> list[tuple[Collection, Person]]:
        """Enrolled persons a photo can be verified against (none without persons)."""
        return []

    def verify(
        self,
        *,
        first: Photo,
        second: Photo | None = None,
        first_face: FaceRectangle | None = None,
        second_face: FaceRectangle | None = None,
        query: IdentifyQuery = _DEFAULT_QUERY,
        group: GroupRef | None = None,
        person_id: str | None = None,
        user: Any = None,
    ) -> Verification:
        raise _unsupported("verify")

    def similar_lists(self) -> list[Collection]:
        """The face lists find similar searches."""
        return []

    def find_similar(
        self,
        *,
        photo: Photo,
        settings: DetectSettings,
        face_list: GroupRef,
        face: FaceRectangle | None = None,
        mode: str = "matchPerson",
        max_candidates: int = 20,
        user: Any = None,
    ) -> SimilarSearch:
        raise _unsupported("find similar")

    def enroll_face(
        self,
        *,
        user: Any,
        photo: Photo,
        target: FaceRectangle,
        into: str,
        person_id: str | None = None,
        name: str = "",
        user_data: str | None = None,
    ) -> Enrollment:
        """Enroll the face at `target` of a looked-up photo `into` a collection ("Kind:id")
        or gallery: to `person_id`, else to a new person `name` (a face's meta, FindFace)."""
        raise _unsupported("enrollment from a lookup")

    def enroll_cluster(
        self, *, user: Any, into: GroupRef, name: str, crops: Sequence[str], user_data: str | None
    ) -> Enrollment:
        raise _unsupported("person to create from a cluster")


class AzureLookup(LookupOperations):
    """Azure Face and the embedded engine: person groups, face lists, face ids."""

    def search_targets(self) -> SearchTargets:
        return SearchTargets(collections=collection_options(tenant=self.tenant, kinds=PERSON_KINDS))

    def detect(self, *, photo: Photo, settings: DetectSettings, user: Any = None) -> Detection:
        return photo_detect(tenant=self.tenant, user=user, photo=photo, settings=settings)

    def identify(
        self,
        *,
        photo: Photo,
        query: IdentifyQuery,
        known: Sequence[Collection] | None = None,
        user: Any = None,
    ) -> Identification[Any, Any]:
        return photo_identify(
            tenant=self.tenant,
            user=user,
            photo=photo,
            settings=query.settings,
            group_refs=query.collections,
            max_candidates=query.max_candidates,
            confidence_threshold=query.threshold,
            known=known,
        )

    def verify_people(self) -> list[tuple[Collection, Person]]:
        return person_options(tenant=self.tenant)

    def verify(
        self,
        *,
        first: Photo,
        second: Photo | None = None,
        first_face: FaceRectangle | None = None,
        second_face: FaceRectangle | None = None,
        query: IdentifyQuery = _DEFAULT_QUERY,
        group: GroupRef | None = None,
        person_id: str | None = None,
        user: Any = None,
    ) -> Verification:
        return photo_verify(
            tenant=self.tenant,
            user=user,
            settings=query.settings,
            first=first,
            first_face=first_face,
            second=second,
            second_face=second_face,
            group=group,
            person_id=person_id,
        )

    def similar_lists(self) -> list[Collection]:
        return collection_options(tenant=self.tenant, kinds=LIST_KINDS)

    def find_similar(
        self,
        *,
        photo: Photo,
        settings: DetectSettings,
        face_list: GroupRef,
        face: FaceRectangle | None = None,
        mode: str = "matchPerson",
        max_candidates: int = 20,
        user: Any = None,
    ) -> SimilarSearch:
        return photo_find_similar(
            tenant=self.tenant,
            user=user,
            photo=photo,
            settings=settings,
            face_list=face_list,
            face=face,
            mode=mode,
            max_candidates=max_candidates,
        )

    def enroll_face(
        self,
        *,
        user: Any,
        photo: Photo,
        target: FaceRectangle,
        into: str,
        person_id: str | None = None,
        name: str = "",
        user_data: str | None = None,
    ) -> Enrollment:
        return photo_enroll_face(
            tenant=self.tenant,
            user=user,
            group=GroupRef.parse(into),
            photo=photo,
            target_face=target,
            person_id=person_id,
            new_person_name=name,
            user_data=user_data,
        )

    def enroll_cluster(
        self, *, user: Any, into: GroupRef, name: str, crops: Sequence[str], user_data: str | None
    ) -> Enrollment:
        return cluster_enroll(
            tenant=self.tenant, user=user, group=into, name=name, crops=crops, user_data=user_data
        )


class FindFaceLookup(LookupOperations):
    """FindFace: galleries of faces, named thresholds, no face ids between calls."""

    def search_targets(self) -> SearchTargets:
        return SearchTargets(galleries=gallery_list(tenant=self.tenant))

    def detect(self, *, photo: Photo, settings: DetectSettings, user: Any = None) -> Detection:
        return photo_detect_faces(tenant=self.tenant, user=user, photo=photo)

    def identify(
        self,
        *,
        photo: Photo,
        query: IdentifyQuery,
        known: Sequence[Collection] | None = None,
        user: Any = None,
    ) -> Identification[Any, Any]:
        return photo_identify_in_gallery(
            tenant=self.tenant,
            user=user,
            photo=photo,
            gallery=query.gallery,
            threshold=cast(Preset, query.preset),
            n=query.max_candidates,
        )

    def verify(
        self,
        *,
        first: Photo,
        second: Photo | None = None,
        first_face: FaceRectangle | None = None,
        second_face: FaceRectangle | None = None,
        query: IdentifyQuery = _DEFAULT_QUERY,
        group: GroupRef | None = None,
        person_id: str | None = None,
        user: Any = None,
    ) -> Verification:
        if second is None:
            raise PhotoError("Choose photo B.")
        return photo_verify_faces(
            tenant=self.tenant,
            user=user,
            first=first,
            second=second,
            threshold=cast(Preset, query.preset),
            first_face=first_face,
            second_face=second_face,
        )

    def enroll_face(
        self,
        *,
        user: Any,
        photo: Photo,
        target: FaceRectangle,
        into: str,
        person_id: str | None = None,
        name: str = "",
        user_data: str | None = None,
    ) -> Enrollment:
        created = gallery_enroll(
            tenant=self.tenant,
            user=user,
            gallery=into or DEFAULT_GALLERY,
            photo=photo,
            meta=name.strip(),
            target=target,
        )
        return Enrollment("", tuple(str(face.id) for face in created), True)
