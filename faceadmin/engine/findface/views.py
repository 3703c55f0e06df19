"""The facade's methods (contract section 3), each `handler(call, **path_parameters)`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse

from faceadmin.engine.findface import errors
from faceadmin.engine.findface import faces as service
from faceadmin.engine.findface.http import Call, absolute, mount_prefix
from faceadmin.engine.findface.models import Face
from faceadmin.engine.http import empty_response, json_response
from faceadmin.engine.recognition import parallel

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


# --- rendering ------------------------------------------------------------------------------


def face_json(call: Call, face: Face) -> dict[str, Any]:
    thumbnail = f"{mount_prefix(call.request, call.version)}thumbnails/{face.thumbnail_token}.jpg"
    return {
        "id": face.id,
        # ISO 8601 without a zone, in microseconds, as the API writes it (UTC here).
        "timestamp": face.created.astimezone(UTC)
        .replace(tzinfo=None)
        .isoformat(timespec="microseconds"),
        "photo": face.photo,
        "photo_hash": face.photo_hash,
        "thumbnail": absolute(call.request, thumbnail),
        "x1": face.x1,
        "y1": face.y1,
        "x2": face.x2,
        "y2": face.y2,
        "meta": face.meta,
        "galleries": [service.DEFAULT_GALLERY, *sorted(g.name for g in face.galleries.all())],
    }


def _attribute_flags(call: Call) -> None:
    """gender / age / emotions are read (so a wrong value is refused) and not answered: the
    recognition core estimates none of them."""
    for name in ("gender", "age", "emotions"):
        call.flag(name)


def _gallery(call: Call, gallery: str | None) -> Any:
    return None if gallery is None else service.gallery_get(call.account, gallery)


# --- recognition ----------------------------------------------------------------------------


def detect(call: Call) -> HttpResponse:
    _attribute_flags(call)
    photo = service.read_photo(call, "photo", descriptors=False)
    return json_response(
        {
            "faces": [service.box_json(face.rect) for face in photo.faces],
            "orientation": photo.orientation,
        }
    )


def _attempt[T](work: Callable[[], T]) -> Callable[[], T]:
    """Run `work` now; the returned callable gives its result or raises its error."""
    try:
        result = work()
    except Exception as exc:
        error = exc

        def fail() -> T:
            raise error

        return fail
    return lambda: result


def verify(call: Call) -> HttpResponse:
    selector = service.mf_selector(call)
    threshold = service.threshold_param(call)
    boxes1 = service.boxes_param(call, "bbox1")
    boxes2 = service.boxes_param(call, "bbox2")
    # The two photos are independent: read on two cores when one is spare. Errors still come
    # in the order of a sequential read (photo1's, then its faces, then photo2's).
    reads = parallel.both(
        lambda: _attempt(lambda: service.read_photo(call, "photo1")),
        lambda: _attempt(lambda: service.read_photo(call, "photo2")),
    )
    sides = []
    for name, read, boxes in (("photo1", reads[0], boxes1), ("photo2", reads[1], boxes2)):
        photo = read()
        chosen = service.choose_faces(photo, boxes=boxes, selector=selector, param=name)
        if not chosen:
            raise errors.bad_param(name, photo.source, f"No face was found on {name}.")
        sides.append(chosen)
    first, second = sides
    results = []
    matched_all = True
    for a in first:
        matched = False
        for b in second:
            score = service.confidence(a.descriptor, b.descriptor)
            pair: dict[str, Any] = {"bbox1": a.box, "bbox2": b.box, "confidence": score}
            if threshold is not None:
                pair["verified"] = score >= threshold
                matched = matched or pair["verified"]
            results.append(pair)
        matched_all = matched_all and matched
    data: dict[str, Any] = {"results": results}
    if threshold is not None:
        data["verified"] = matched_all
    return json_response(data)


def identify(call: Call, gallery: str | None = None) -> HttpResponse:
    where = _gallery(call, gallery)
    selector = service.mf_selector(call)
    threshold = service.threshold_param(call)
    n = call.integer("n", 1, minimum=1, maximum=service.MAX_N) or 1
    boxes = service.boxes_param(call, "bbox") or service.loose_box(call)
    photo = service.read_photo(call, "photo")
    chosen = service.choose_faces(photo, boxes=boxes, selector=selector, param="photo")
    found = service.search(call.account, where, chosen, n=n, threshold=threshold)
    return json_response(
        {
            "results": {
                service.box_key(query.rect): [
                    {"confidence": match.confidence, "face": face_json(call, match.face)}
                    for match in matches
                ]
                for query, matches in zip(chosen, found, strict=True)
            }
        }
    )


# --- faces ----------------------------------------------------------------------------------


def face_create(call: Call) -> HttpResponse:
    _attribute_flags(call)
    meta = call.text("meta", "") or ""
    galleries = service.galleries_param(call, call.account)
    selector = service.mf_selector(call)
    boxes = service.boxes_param(call, "bbox")
    photo = service.read_photo(call, "photo")
    chosen = service.choose_faces(photo, boxes=boxes, selector=selector, param="photo")
    if not chosen:
        raise errors.bad_param("photo", photo.source, "No face was found on the photo.")
    created = service.faces_create(call.account, photo, chosen, meta, galleries)
    # 200, not 201: what every example of the method shows.
    return json_response({"results": [face_json(call, face) for face in created]})


def _page(call: Call, faces: Any) -> HttpResponse:
    limit = call.integer("limit", PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE) or PAGE_SIZE
    max_id = call.integer("max_id", None)
    min_id = call.integer("min_id", None)
    shown, older, newer = service.page_filter(faces, max_id=max_id, min_id=min_id, limit=limit)
    keep = {"limit": limit} if call.raw("limit") is not None else {}
    path = call.request.path
    return json_response(
        {
            "results": [face_json(call, face) for face in shown],
            "next_page": f"{path}?{urlencode({'max_id': shown[-1].id, **keep})}" if older else None,
            "prev_page": f"{path}?{urlencode({'min_id': shown[0].id, **keep})}" if newer else None,
        }
    )


def faces_list(call: Call, gallery: str | None = None) -> HttpResponse:
    return _page(call, service.faces_of(call.account, _gallery(call, gallery)))


def face_get(call: Call, face_id: str) -> HttpResponse:
    return json_response(face_json(call, service.face_get(call.account, face_id)))


def face_update(call: Call, face_id: str) -> HttpResponse:
    face = service.face_get(call.account, face_id)
    return json_response(face_json(call, service.face_update(call.account, face, call)))


def face_delete(call: Call, face_id: str) -> HttpResponse:
    service.face_get(call.account, face_id).delete()
    return empty_response(204)


def faces_by_meta(call: Call, meta: str, gallery: str | None = None) -> HttpResponse:
    return _page(call, service.faces_by_meta(call.account, _gallery(call, gallery), meta))


def faces_delete_by_meta(call: Call, meta: str, gallery: str | None = None) -> HttpResponse:
    """Deletes the faces outright (within the gallery, for the gallery form)."""
    service.faces_by_meta(call.account, _gallery(call, gallery), meta).delete()
    return empty_response(204)


def meta_list(call: Call, gallery: str | None = None) -> HttpResponse:
    summaries = service.meta_summaries(call.account, _gallery(call, gallery))
    return json_response(
        {
            "results": [
                {"meta": s.meta, "count": s.count, "face": face_json(call, s.face)}
                for s in summaries
            ]
        }
    )


# --- galleries ------------------------------------------------------------------------------


def galleries_list(call: Call) -> HttpResponse:
    return json_response({"results": service.gallery_names(call.account)})


def gallery_create(call: Call, gallery: str | None = None) -> HttpResponse:
    """`POST /galleries/` with a `name`, or the self-hosted `POST /galleries/<name>`."""
    name = gallery if gallery is not None else call.raw("name")
    created = service.gallery_create(call.account, name)
    return json_response({"name": created}, status=201)


def gallery_delete(call: Call, gallery: str) -> HttpResponse:
    service.gallery_delete(call.account, gallery)
    return empty_response(204)


# --- thumbnails -----------------------------------------------------------------------------


def thumbnail(request: HttpRequest, api_version: str, token: str) -> HttpResponse:
    """The face crop behind a face's `thumbnail` URL. Public, like the cloud's static URLs:
    the unguessable token is the capability."""
    data = Face.objects.filter(thumbnail_token=token).values_list("thumbnail", flat=True).first()
    if data is None:
        return json_response(errors.not_found("No such thumbnail.").body(), status=404)
    response = HttpResponse(bytes(data), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response
