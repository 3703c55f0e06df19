"""Helpers shared by the engine's handlers: image input and JSON rendering."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import HttpResponse

from faceadmin.engine import errors, training, urlfetch
from faceadmin.engine.errors import Kind
from faceadmin.engine.http import Call, json_response


def request_image(call: Call) -> bytes:
    """The photo of a detect / add-face call: a JSON `{"url"}` body or raw bytes.

    Dispatches on the media type, as Azure does; an `overload` query parameter is ignored.
    """
    media = call.media_type
    if media == "application/json":
        url = call.json().get("url")
        if not isinstance(url, str) or not url.strip():
            raise errors.invalid_url()
        return urlfetch.fetch_image(url.strip())
    if media == "application/octet-stream":
        return call.body()
    raise errors.bad_argument(
        "Invalid Media Type: send application/json with a URL or application/octet-stream."
    )


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def collection_json(
    id_field: str,
    collection_id: str,
    name: str,
    user_data: str | None,
    recognition_model: str,
    *,
    with_model: bool,
) -> dict[str, Any]:
    data: dict[str, Any] = {id_field: collection_id, "name": name, "userData": user_data}
    if with_model:
        data["recognitionModel"] = recognition_model
    return data


def training_json(collection: training.Collection, kind: Kind) -> HttpResponse:
    """GET .../training: the status, or 404 `<Entity>NotTrained` before any training."""
    status = training.training_get(collection=collection)
    if status is None:
        raise kind.not_trained(404)
    return json_response(
        {
            "status": status.status,
            "createdDateTime": iso(status.created),
            "lastActionDateTime": iso(status.last_action),
            "lastSuccessfulTrainingDateTime": iso(status.last_successful),
            "message": status.message or None,
        }
    )
