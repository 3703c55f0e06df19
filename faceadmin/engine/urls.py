"""Routes of the Azure Face v1.0 API, mounted at /face/v1.0/.

Path parameters match any segment (`[^/]+`) so that every id string reaches a handler
and gets Azure's answer (400 / 404 with Azure's code) instead of a router page; a
trailing slash is accepted, never redirected; any other path is Azure's JSON 404.
"""

from functools import partial

from django.urls import URLPattern, re_path

from faceadmin.engine.errors import (
    FACE_LIST,
    LARGE_FACE_LIST,
    LARGE_PERSON_GROUP,
    PERSON_GROUP,
    Kind,
)
from faceadmin.engine.http import Handler, endpoint, not_found
from faceadmin.engine.views import face, face_lists, person_groups, snapshots

SEGMENT = r"[^/]+"
GROUP = rf"(?P<group_id>{SEGMENT})"
PERSON = rf"(?P<person_id>{SEGMENT})"
FACE = rf"(?P<face_id>{SEGMENT})"
LIST = rf"(?P<list_id>{SEGMENT})"
SNAPSHOT = rf"(?P<snapshot_id>{SEGMENT})"
OPERATION = rf"(?P<operation_id>{SEGMENT})"


def route(pattern: str, **handlers: Handler) -> URLPattern:
    return re_path(rf"^{pattern}/?$", endpoint(**handlers))


def _person_group_routes(prefix: str, kind: Kind) -> list[URLPattern]:
    """Rows 8-24, and with the large kind rows 33-49."""
    pg = person_groups

    def bind(handler: Handler) -> Handler:
        return partial(handler, kind=kind)

    return [
        route(prefix, GET=bind(pg.group_list)),
        route(
            f"{prefix}/{GROUP}",
            GET=bind(pg.group_get),
            PUT=bind(pg.group_create),
            PATCH=bind(pg.group_update),
            DELETE=bind(pg.group_delete),
        ),
        route(f"{prefix}/{GROUP}/train", POST=bind(pg.group_train)),
        route(f"{prefix}/{GROUP}/training", GET=bind(pg.group_training)),
        route(
            f"{prefix}/{GROUP}/persons",
            GET=bind(pg.person_list),
            POST=bind(pg.person_create),
        ),
        route(
            f"{prefix}/{GROUP}/persons/{PERSON}",
            GET=bind(pg.person_get),
            PATCH=bind(pg.person_update),
            DELETE=bind(pg.person_delete),
        ),
        route(f"{prefix}/{GROUP}/persons/{PERSON}/persistedfaces", POST=bind(pg.person_face_add)),
        route(
            f"{prefix}/{GROUP}/persons/{PERSON}/persistedfaces/{FACE}",
            GET=bind(pg.person_face_get),
            PATCH=bind(pg.person_face_update),
            DELETE=bind(pg.person_face_delete),
        ),
    ]


def _face_list_routes(prefix: str, kind: Kind) -> list[URLPattern]:
    """Rows 25-32, and with the large kind rows 50-62."""
    fl = face_lists

    def bind(handler: Handler) -> Handler:
        return partial(handler, kind=kind)

    faces: dict[str, Handler] = {"POST": bind(fl.face_list_face_add)}
    face: dict[str, Handler] = {"DELETE": bind(fl.face_list_face_delete)}
    trained: list[URLPattern] = []
    if kind.large:
        faces["GET"] = bind(fl.face_list_face_list)
        face |= {"GET": bind(fl.face_list_face_get), "PATCH": bind(fl.face_list_face_update)}
        trained = [
            route(f"{prefix}/{LIST}/train", POST=bind(fl.face_list_train)),
            route(f"{prefix}/{LIST}/training", GET=bind(fl.face_list_training)),
        ]
    return [
        route(prefix, GET=bind(fl.face_list_list)),
        route(
            f"{prefix}/{LIST}",
            GET=bind(fl.face_list_get),
            PUT=bind(fl.face_list_create),
            PATCH=bind(fl.face_list_update),
            DELETE=bind(fl.face_list_delete),
        ),
        route(f"{prefix}/{LIST}/persistedfaces", **faces),
        route(f"{prefix}/{LIST}/persistedfaces/{FACE}", **face),
        *trained,
    ]


urlpatterns: list[URLPattern] = [
    route("detect", POST=face.detect),
    route("findsimilars", POST=face.find_similar),
    route("group", POST=face.group),
    route("identify", POST=face.identify),
    route("verify", POST=face.verify),
    *_person_group_routes("persongroups", PERSON_GROUP),
    *_person_group_routes("largepersongroups", LARGE_PERSON_GROUP),
    *_face_list_routes("facelists", FACE_LIST),
    *_face_list_routes("largefacelists", LARGE_FACE_LIST),
    # Rows 63-69.
    route("snapshots", GET=snapshots.snapshot_list, POST=snapshots.snapshot_take),
    route(
        f"snapshots/{SNAPSHOT}",
        GET=snapshots.snapshot_get,
        PATCH=snapshots.snapshot_update,
        DELETE=snapshots.snapshot_delete,
    ),
    route(f"snapshots/{SNAPSHOT}/apply", POST=snapshots.snapshot_apply),
    route(f"operations/{OPERATION}", GET=snapshots.operation_get),
    re_path(r"^.*$", not_found),
]
