"""Person groups, their persons and the persons' faces (small and large groups alike).

Services take already-validated arguments (see validation.py) and enforce the domain
rules: existence (Azure's NotFound codes), quotas, and no writes while the group trains.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, connections, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Collate

from faceadmin.engine import detection, errors, snapshots, training
from faceadmin.engine.errors import Kind
from faceadmin.engine.models import (
    Account,
    FaceList,
    PersistedFace,
    Person,
    PersonGroup,
    descriptor_to_bytes,
    save_given_fields,
)
from faceadmin.engine.validation import parse_uuid

PERSONS_PER_GROUP = {False: 10_000, True: 1_000_000}
FACES_PER_PERSON = 248


def ordered_by_id[M: (PersonGroup, Person, FaceList)](
    queryset: QuerySet[M], field: str, start: str | uuid.UUID | None
) -> QuerySet[M]:
    """Ascending by id with an exclusive `start`, comparing ids as plain byte strings."""
    expression = F(field)
    if connections[queryset.db].vendor == "postgresql":
        # Locale collations ignore '-' and '_'; Azure compares ids byte by byte.
        key = Collate(expression, "C") if field != "id" else expression
        queryset = queryset.alias(sort_key=key)
        expression = F("sort_key")
        field = "sort_key"
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gt": start})
    return queryset.order_by(expression.asc())


# --- groups ---------------------------------------------------------------------------------


def group_get(*, account: Account, kind: Kind, group_id: str, status: int = 404) -> PersonGroup:
    group = PersonGroup.objects.filter(
        account=account, large=kind.large, group_id=group_id, hidden=False
    ).first()
    if group is None:
        raise kind.not_found(status)
    return group


def group_create(
    *,
    account: Account,
    kind: Kind,
    group_id: str,
    name: str,
    user_data: str | None,
    recognition_model: str,
) -> PersonGroup:
    for _ in range(2):
        try:
            with transaction.atomic():
                return PersonGroup.objects.create(
                    account=account,
                    large=kind.large,
                    group_id=group_id,
                    name=name,
                    user_data=user_data,
                    recognition_model=recognition_model,
                )
        except IntegrityError:
            if not snapshots.hidden_reclaim(account=account, kind=kind, object_id=group_id):
                break
    raise kind.exists()


def group_list(*, account: Account, kind: Kind, start: str | None, top: int) -> list[PersonGroup]:
    groups = PersonGroup.objects.filter(account=account, large=kind.large, hidden=False)
    return list(ordered_by_id(groups, "group_id", start)[:top])


def group_update(
    *, account: Account, kind: Kind, group_id: str, name: str | None, user_data: str | None
) -> None:
    group = group_get(account=account, kind=kind, group_id=group_id)
    training.ensure_not_training(collection=group, kind=kind)
    save_given_fields(group, name=name, user_data=user_data)


def group_delete(*, account: Account, kind: Kind, group_id: str) -> None:
    group = group_get(account=account, kind=kind, group_id=group_id)
    training.ensure_not_training(collection=group, kind=kind)
    deleted = PersonGroup(pk=group.pk)
    group.delete()
    training.training_files_delete(collection=deleted)


# --- persons ---------------------------------------------------------------------------------


def person_get(*, group: PersonGroup, person_id: str, status: int = 404) -> Person:
    parsed = parse_uuid(person_id)
    person = None if parsed is None else Person.objects.filter(group=group, id=parsed).first()
    if person is None:
        raise errors.person_not_found(status)
    return person


def person_face_ids(person: Person) -> list[uuid.UUID]:
    return list(person.faces.order_by("created", "id").values_list("id", flat=True))


def person_create(*, kind: Kind, group: PersonGroup, name: str, user_data: str | None) -> Person:
    training.ensure_not_training(collection=group, kind=kind)
    limit = PERSONS_PER_GROUP[kind.large]
    if group.persons.count() >= limit:
        raise errors.quota_exceeded(f"The number of persons reached the limit of {limit}.")
    return Person.objects.create(group=group, name=name, user_data=user_data)


@dataclass(frozen=True)
class PersonRow:
    id: uuid.UUID
    name: str
    user_data: str | None


def person_list(
    *, group: PersonGroup, start: uuid.UUID | None, top: int
) -> list[tuple[PersonRow, list[uuid.UUID]]]:
    """One page of persons with their face ids: two indexed queries, no model instances
    (`WHERE group = ? AND id > start ORDER BY id LIMIT top`, then the page's faces)."""
    persons = ordered_by_id(group.persons.all(), "id", start)[:top]
    rows = [PersonRow(*row) for row in persons.values_list("id", "name", "user_data")]
    faces: dict[uuid.UUID, list[uuid.UUID]] = {row.id: [] for row in rows}
    if rows:
        found = (
            PersistedFace.objects.filter(person_id__in=list(faces))
            .order_by("created", "id")
            .values_list("person_id", "id")
        )
        for person_id, face_id in found:
            faces[person_id].append(face_id)
    return [(row, faces[row.id]) for row in rows]


def person_update(
    *, kind: Kind, group: PersonGroup, person: Person, name: str | None, user_data: str | None
) -> None:
    training.ensure_not_training(collection=group, kind=kind)
    save_given_fields(person, name=name, user_data=user_data)


def person_delete(*, kind: Kind, group: PersonGroup, person: Person) -> None:
    training.ensure_not_training(collection=group, kind=kind)
    person.delete()


# --- persons' faces --------------------------------------------------------------------------


def person_add_face(
    *,
    kind: Kind,
    group: PersonGroup,
    person: Person,
    image: bytes,
    target: tuple[int, int, int, int] | None,
    user_data: str | None,
) -> PersistedFace:
    training.ensure_not_training(collection=group, kind=kind)
    if person.faces.count() >= FACES_PER_PERSON:
        raise errors.quota_exceeded(
            f"The number of persisted faces of the person reached the limit of {FACES_PER_PERSON}."
        )
    face = detection.enrollment_face(image=image, target=target)
    return PersistedFace.objects.create(
        person=person,
        descriptor=descriptor_to_bytes(face.descriptor),
        user_data=user_data,
        rect_left=face.rect.left,
        rect_top=face.rect.top,
        rect_width=face.rect.width,
        rect_height=face.rect.height,
    )


def person_face_get(*, person: Person, face_id: str) -> PersistedFace:
    parsed = parse_uuid(face_id)
    face = None if parsed is None else person.faces.filter(id=parsed).defer("descriptor").first()
    if face is None:
        raise errors.persisted_face_not_found()
    return face


def person_face_update(
    *, kind: Kind, group: PersonGroup, face: PersistedFace, user_data: str | None
) -> None:
    training.ensure_not_training(collection=group, kind=kind)
    if user_data is not None:
        face.user_data = user_data
        face.save(update_fields=["user_data"])


def person_face_delete(*, kind: Kind, group: PersonGroup, face: PersistedFace) -> None:
    training.ensure_not_training(collection=group, kind=kind)
    face.delete()
