"""Routes of the FindFace API, mounted at /findface/v1/ and /findface/v0/.

Both versions serve every spelling the sources use (`/face/...` and `/faces/...` for ids,
metas and gallery identify; both gallery-create forms), with or without a trailing slash.
The mount passes `api_version` to every view. Any other path is FindFace's JSON 404.
"""

from django.urls import URLPattern, re_path

from faceadmin.engine.findface import views
from faceadmin.engine.findface.http import Handler, endpoint, not_found

FACE_ID = r"(?P<face_id>[^/]+)"
GALLERY = r"(?P<gallery>[^/]+)"
META = r"(?P<meta>[^/]+)"
# `face` (v0, self-hosted, the Go client) and `faces` (v1 docs) name the same collection.
FACES = r"faces?"


def route(pattern: str, **handlers: Handler) -> URLPattern:
    return re_path(rf"^{pattern}/?$", endpoint(**handlers))


urlpatterns: list[URLPattern] = [
    route("detect", POST=views.detect),
    route("verify", POST=views.verify),
    route("identify", POST=views.identify),
    route("face", POST=views.face_create),
    route("faces", GET=views.faces_list),
    route(
        f"{FACES}/id/{FACE_ID}",
        GET=views.face_get,
        PUT=views.face_update,
        DELETE=views.face_delete,
    ),
    route(f"{FACES}/meta/{META}", GET=views.faces_by_meta, DELETE=views.faces_delete_by_meta),
    route(f"{FACES}/gallery/{GALLERY}", GET=views.faces_list),
    route(f"{FACES}/gallery/{GALLERY}/identify", POST=views.identify),
    route(
        f"{FACES}/gallery/{GALLERY}/meta/{META}",
        GET=views.faces_by_meta,
        DELETE=views.faces_delete_by_meta,
    ),
    route("meta", GET=views.meta_list),
    route(f"meta/gallery/{GALLERY}", GET=views.meta_list),
    route("galleries", GET=views.galleries_list, POST=views.gallery_create),
    route(f"galleries/{GALLERY}", POST=views.gallery_create, DELETE=views.gallery_delete),
    re_path(r"^thumbnails/(?P<token>[0-9a-f]{32})\.jpg$", views.thumbnail),
    re_path(r"^.*$", not_found),
]
