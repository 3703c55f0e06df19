"""`FindFaceClient`: one typed method per method of the FindFace Cloud API (contract section 3).

Requests go through the project's one request loop (`HttpTransport`) with FindFace's header
(`Authorization: Token <key>`) and error parser, so retries, timeouts, Retry-After and key
failover behave as for Azure. How parameters travel:

* a photo given as a URL (`str`) goes in a JSON body with the other parameters;
* a photo given as bytes is uploaded as a `multipart/form-data` file part of the same name,
  the other parameters as text parts (booleans `"true"`, box lists as JSON text, galleries
  comma-joined), as the contract's curl examples do;
* listings take `max_id` / `min_id` in the query string; face updates and gallery creation
  send JSON; deletes send nothing.

Compute-only POSTs (detect, verify, identify) may be retried after a 5xx; creating a face or
a gallery may not. Results are the frozen dataclasses of `faceapi.findface_types`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urlsplit

from urllib3.filepost import encode_multipart_formdata

from .errors import BadParam, InvalidResponse, findface_error_from_response
from .findface_types import (
    PRESET_THRESHOLDS,
    BBox,
    Detection,
    Face,
    FacePage,
    Identification,
    MetaEntry,
    MfSelector,
    Threshold,
    Verification,
)
from .transport import HttpTransport, ParamValue, Response

__all__ = [
    "AUTH_FORMAT",
    "AUTH_HEADER",
    "DEFAULT_GALLERY",
    "GALLERY_NAME",
    "FindFaceClient",
    "FindFaceTransport",
    "Photo",
    "findface_base_url",
    "findface_transport",
]

AUTH_HEADER = "Authorization"
AUTH_FORMAT = "Token {key}"
DEFAULT_GALLERY = "default"
# faceadmin's limit on a face's meta, in UTF-8 bytes (the contract names none): meta travels
# in URL paths (faces by meta) and in every identify answer, so it stays small.
META_MAX_BYTES = 1024
GALLERY_NAME = re.compile(r"[a-zA-Z0-9_-]{1,48}")
MF_SELECTORS = ("biggest", "all", "reject")
_VERSION_SEGMENT = re.compile(r"v\d+")

# A photo: its public URL (the provider downloads it) or its bytes (uploaded).
type Photo = str | bytes

_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF8", "image/gif", "gif"),
    (b"BM", "image/bmp", "bmp"),
)


class FindFaceTransport(Protocol):
    """What `FindFaceClient` needs from a transport; `HttpTransport` is the implementation."""

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Any = None,
        data: bytes | None = None,
        idempotent: bool | None = None,
        content_type: str | None = None,
    ) -> Response: ...


def findface_base_url(endpoint: str, *, version: str = "v1") -> str:
    """`https://api.findface.pro` → `https://api.findface.pro/v1` (a given `/v0` or `/v1`
    is kept, so a tenant can pin the version in its endpoint)."""
    endpoint = endpoint.strip().rstrip("/")
    if not endpoint:
        raise ValueError("The FindFace endpoint is empty.")
    if _VERSION_SEGMENT.fullmatch(urlsplit(endpoint).path.rsplit("/", 1)[-1]):
        return endpoint
    return f"{endpoint}/{version}"


def findface_transport(base_url: str, key: str, **options: Any) -> HttpTransport:
    """An `HttpTransport` speaking FindFace: its auth header and its error bodies."""
    return HttpTransport(
        base_url,
        key,
        auth_header=AUTH_HEADER,
        auth_format=AUTH_FORMAT,
        error_parser=findface_error_from_response,
        **options,
    )


# --- client-side checks -------------------------------------------------------------------


def _check_gallery(name: str, param: str = "gallery") -> str:
    if not isinstance(name, str) or not GALLERY_NAME.fullmatch(name):
        raise BadParam(
            "Gallery names are 1 to 48 letters, digits, '-' and '_'.",
            param=param,
            value=str(name),
        )
    return name


def _threshold(value: Threshold) -> str | float:
    if isinstance(value, str):
        if value not in PRESET_THRESHOLDS:
            raise BadParam(
                f"Use a number in [0, 1] or one of {', '.join(PRESET_THRESHOLDS)}.",
                param="threshold",
                value=value,
            )
        return value
    if isinstance(value, bool) or not 0.0 <= float(value) <= 1.0:
        raise BadParam("The threshold must be within [0, 1].", param="threshold", value=str(value))
    return float(value)


def _mf_selector(value: MfSelector | None) -> str | None:
    if value is not None and value not in MF_SELECTORS:
        raise BadParam(
            f"mf_selector is one of {', '.join(MF_SELECTORS)}.", param="mf_selector", value=value
        )
    return value


def _photo(value: Photo, param: str) -> Photo:
    if isinstance(value, bytes | bytearray):
        if not value:
            raise BadParam("The photo is empty.", param=param, value="")
        return bytes(value)
    if not isinstance(value, str) or not value.strip():
        raise BadParam("Give the photo's URL or its bytes.", param=param, value=str(value))
    return value.strip()


def _boxes(boxes: Sequence[BBox] | None) -> list[dict[str, int]] | None:
    return [box.as_json() for box in boxes] if boxes else None


def _segment(text: str) -> str:
    # Spaces as %20, never '+'; '/' and everything else reserved is escaped too.
    return quote(text, safe="")


def _photo_part(data: bytes, param: str) -> tuple[str, bytes, str]:
    for magic, mime, extension in _MAGIC:
        if data.startswith(magic):
            return f"{param}.{extension}", data, mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return f"{param}.webp", data, "image/webp"
    return param, data, "application/octet-stream"


def _form_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _without_none(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


def _link_path(link: str) -> tuple[str, dict[str, str]]:
    """A `next_page` / `prev_page` link as (path under the versioned base, query).

    Links come as `/faces/?max_id=2` (cloud), `/v0/faces?max_id=2` (self-hosted) or with a
    mount prefix (`/findface/v1/faces/?max_id=2`): everything up to the first version
    segment is dropped, and the query is sent again as parameters."""
    parts = urlsplit(link)
    segments = parts.path.split("/")
    for index, segment in enumerate(segments):
        if _VERSION_SEGMENT.fullmatch(segment):
            segments = ["", *segments[index + 1 :]]
            break
    path = "/".join(segments) or "/"
    return (path if path.startswith("/") else "/" + path), dict(parse_qsl(parts.query))


class FindFaceClient:
    """Typed FindFace operations over a transport whose base URL ends in `/v1` (or `/v0`).

    Errors are `faceapi.errors.FaceApiError` subclasses (`AuthFailed`, `BadParam`,
    `TooManyFaces`, `NotFoundError`, `RateLimited`, `ProviderUnavailable`...); methods that
    get no body back return None.
    """

    def __init__(self, transport: FindFaceTransport, *, version: str | None = None) -> None:
        """`version` ("v0" or "v1") is read from the transport's base URL when not given;
        it picks the one path that differs: a face by id is `/face/id/` in v0."""
        self.transport = transport
        if version is None:
            base = str(getattr(transport, "base_url", "")).rstrip("/")
            version = "v0" if base.endswith("/v0") else "v1"
        self.version = version

    def _face_path(self, face_id: int) -> str:
        collection = "face" if self.version == "v0" else "faces"
        return f"/{collection}/id/{int(face_id)}/"

    @classmethod
    def for_endpoint(cls, endpoint: str, key: str, **transport_options: Any) -> FindFaceClient:
        """A client for `endpoint` (e.g. `https://api.findface.pro`); `transport_options`
        go to `HttpTransport` (secondary_key, session, timeouts, ...)."""
        return cls(findface_transport(findface_base_url(endpoint), key, **transport_options))

    # -- plumbing ---------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        fields: Mapping[str, Any],
        *,
        photos: Sequence[str] = (),
        idempotent: bool,
    ) -> Response:
        """A POST with parameters: JSON, or multipart when a photo is given as bytes."""
        fields = _without_none(fields)
        if not any(isinstance(fields.get(name), bytes) for name in photos):
            return self.transport.request(method, path, json=fields, idempotent=idempotent)
        parts: list[tuple[str, Any]] = []
        for name, value in fields.items():
            if isinstance(value, bytes):
                parts.append((name, _photo_part(value, name)))
            else:
                parts.append((name, _form_text(value)))
        body, content_type = encode_multipart_formdata(parts)
        return self.transport.request(
            method, path, data=body, content_type=content_type, idempotent=idempotent
        )

    def _get(self, path: str, params: Mapping[str, ParamValue] | None = None) -> Response:
        return self.transport.request("GET", path, params=params)

    @staticmethod
    def _body(response: Response) -> Any:
        if response.data is None:
            raise InvalidResponse(
                "FindFace answered with an empty body.",
                status=response.status,
                request_id=response.request_id,
            )
        return response.data

    # -- recognition ------------------------------------------------------------------------

    def detect(
        self, *, photo: Photo, gender: bool = False, age: bool = False, emotions: bool = False
    ) -> Detection:
        """POST /detect/: the faces on a photo (nothing is stored)."""
        fields = {
            "photo": _photo(photo, "photo"),
            # v1 attributes, sent only when wanted (v0 does not know them).
            "gender": gender or None,
            "age": age or None,
            "emotions": emotions or None,
        }
        response = self._send("POST", "/detect/", fields, photos=["photo"], idempotent=True)
        return Detection.from_json(self._body(response))

    def verify(
        self,
        *,
        photo1: Photo,
        photo2: Photo,
        bbox1: Sequence[BBox] | None = None,
        bbox2: Sequence[BBox] | None = None,
        threshold: Threshold = "low",
        mf_selector: MfSelector | None = None,
    ) -> Verification:
        """POST /verify/: are the faces of two photos the same person? Boxes override
        `mf_selector`. The threshold is always sent (the sources disagree on its default)."""
        fields = {
            "photo1": _photo(photo1, "photo1"),
            "photo2": _photo(photo2, "photo2"),
            "bbox1": _boxes(bbox1),
            "bbox2": _boxes(bbox2),
            "threshold": _threshold(threshold),
            "mf_selector": _mf_selector(mf_selector),
        }
        response = self._send(
            "POST", "/verify/", fields, photos=["photo1", "photo2"], idempotent=True
        )
        return Verification.from_json(self._body(response))

    def identify(
        self,
        *,
        photo: Photo,
        gallery: str | None = None,
        bbox: Sequence[BBox] | None = None,
        threshold: Threshold = "low",
        n: int = 1,
        mf_selector: MfSelector | None = None,
    ) -> Identification:
        """POST /identify/ (every face) or /faces/gallery/{gallery}/identify/: up to `n`
        stored faces above the threshold for each face of the photo, best first."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise BadParam("n must be a positive integer.", param="n", value=str(n))
        path = "/identify/"
        if gallery is not None:
            path = f"/faces/gallery/{_check_gallery(gallery)}/identify/"
        fields = {
            "photo": _photo(photo, "photo"),
            "bbox": _boxes(bbox),
            "threshold": _threshold(threshold),
            "n": n,
            "mf_selector": _mf_selector(mf_selector),
        }
        response = self._send("POST", path, fields, photos=["photo"], idempotent=True)
        return Identification.from_json(self._body(response))

    # -- faces ------------------------------------------------------------------------------

    def face_create(
        self,
        *,
        photo: Photo,
        meta: str = "",
        galleries: Sequence[str] = (),
        bbox: Sequence[BBox] | None = None,
        mf_selector: MfSelector | None = None,
        gender: bool = False,
        age: bool = False,
        emotions: bool = False,
    ) -> list[Face]:
        """POST /face/: detect and store faces (with `mf_selector="all"`, every one of them).
        `default` is added to `galleries` by the provider."""
        if isinstance(galleries, str):
            raise TypeError("'galleries' must be a sequence of names, not a string.")
        names = [_check_gallery(g, "galleries") for g in galleries]
        fields = {
            "photo": _photo(photo, "photo"),
            "meta": meta or None,
            # A JSON list in JSON bodies; comma-joined text in multipart (contract 1.1).
            "galleries": (names if isinstance(photo, str) else ",".join(names)) or None,
            "bbox": _boxes(bbox),
            "mf_selector": _mf_selector(mf_selector),
            "gender": gender or None,
            "age": age or None,
            "emotions": emotions or None,
        }
        response = self._send("POST", "/face/", fields, photos=["photo"], idempotent=False)
        data = self._body(response)
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise InvalidResponse(
                "FindFace's create-face answer has no 'results' list.", status=response.status
            )
        return [Face.from_json(face) for face in results]

    def face_list(
        self,
        *,
        gallery: str | None = None,
        max_id: int | None = None,
        min_id: int | None = None,
        limit: int | None = None,
    ) -> FacePage:
        """GET /faces/ or /faces/gallery/{gallery}/: one page, newest first. `max_id` gives
        older faces (ids below it), `min_id` newer ones. `limit` (the page size) is this
        server's facade's extension; the cloud documents none and may ignore it."""
        path = "/faces/" if gallery is None else f"/faces/gallery/{_check_gallery(gallery)}/"
        params = {"max_id": max_id, "min_id": min_id, "limit": limit}
        return FacePage.from_json(self._body(self._get(path, params)))

    def iter_faces(self, *, gallery: str | None = None) -> Iterator[Face]:
        """Every face, newest first, page after page (stops if a page repeats itself)."""
        max_id: int | None = None
        while True:
            page = self.face_list(gallery=gallery, max_id=max_id)
            fresh = [face for face in page.faces if max_id is None or face.id < max_id]
            yield from fresh
            next_max = page.next_max_id
            if not fresh or next_max is None or (max_id is not None and next_max >= max_id):
                return
            max_id = next_max

    def page(self, link: str) -> FacePage:
        """Follow a `next_page` / `prev_page` link of a listing."""
        path, query = _link_path(link)
        return FacePage.from_json(self._body(self._get(path, query)))

    def face_get(self, *, face_id: int) -> Face:
        """GET /faces/id/{id}/ (v0: /face/id/{id}/); an object or a one-element array."""
        return Face.from_get(self._body(self._get(self._face_path(face_id))))

    def face_update(
        self,
        *,
        face_id: int,
        meta: str | None = None,
        galleries_add: Sequence[str] | None = None,
        galleries_del: Sequence[str] | None = None,
        galleries_set: Sequence[str] | None = None,
    ) -> Face:
        """PUT /faces/id/{id}/: a new meta and/or one gallery change (add, del or set)."""
        changes = {
            op: [_check_gallery(g, "galleries") for g in names]
            for op, names in (
                ("add", galleries_add),
                ("del", galleries_del),
                ("set", galleries_set),
            )
            if names is not None
        }
        if len(changes) > 1:
            raise BadParam(
                "Change galleries with one of add, del or set at a time.", param="galleries"
            )
        body: dict[str, Any] = {}
        if meta is not None:
            body["meta"] = meta
        if changes:
            body["galleries"] = changes
        if not body:
            raise BadParam("Nothing to change: give meta or galleries.", param="meta")
        response = self.transport.request("PUT", self._face_path(face_id), json=body)
        return Face.from_get(self._body(response))

    def face_delete(self, *, face_id: int) -> None:
        """DELETE /faces/id/{id}/ (204)."""
        self.transport.request("DELETE", self._face_path(face_id))

    def faces_by_meta(
        self,
        *,
        meta: str,
        gallery: str | None = None,
        max_id: int | None = None,
        min_id: int | None = None,
        limit: int | None = None,
    ) -> FacePage:
        """GET /faces/meta/{meta}/ (or within a gallery): faces whose meta is exactly this."""
        params = {"max_id": max_id, "min_id": min_id, "limit": limit}
        return FacePage.from_json(self._body(self._get(self._meta_path(meta, gallery), params)))

    def faces_delete_by_meta(self, *, meta: str, gallery: str | None = None) -> None:
        """DELETE /faces/meta/{meta}/ (or within a gallery): every face carrying that meta."""
        self.transport.request("DELETE", self._meta_path(meta, gallery))

    @staticmethod
    def _meta_path(meta: str, gallery: str | None) -> str:
        if not isinstance(meta, str) or not meta:
            raise BadParam("The meta is empty.", param="meta", value="")
        if gallery is None:
            return f"/faces/meta/{_segment(meta)}/"
        return f"/faces/gallery/{_check_gallery(gallery)}/meta/{_segment(meta)}/"

    def meta_list(self, *, gallery: str | None = None) -> list[MetaEntry]:
        """GET /meta/ or /meta/gallery/{gallery}/: each distinct meta, counted."""
        path = "/meta/" if gallery is None else f"/meta/gallery/{_check_gallery(gallery)}/"
        data = self._body(self._get(path))
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise InvalidResponse("FindFace's meta answer has no 'results' list.")
        return [MetaEntry.from_json(entry) for entry in results]

    # -- galleries --------------------------------------------------------------------------

    def gallery_list(self) -> list[str]:
        """GET /galleries/: every gallery's name (`default` included)."""
        data = self._body(self._get("/galleries/"))
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list) or not all(isinstance(n, str) for n in results):
            raise InvalidResponse("FindFace's gallery answer is not a list of names.")
        return list(results)

    def gallery_create(self, *, name: str) -> None:
        """POST /galleries/ with `{"name"}` (201)."""
        self.transport.request(
            "POST", "/galleries/", json={"name": _check_gallery(name, "name")}, idempotent=False
        )

    def gallery_delete(self, *, name: str) -> None:
        """DELETE /galleries/{name}/ (204)."""
        self.transport.request("DELETE", f"/galleries/{_check_gallery(name)}/")
