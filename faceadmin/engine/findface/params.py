"""Reading a method's parameters from wherever the client put them.

FindFace takes any parameter from the query string, a JSON body, a urlencoded body or a
multipart body (the only way to upload a photo), and the facade merges them: body over query.
Values from JSON keep their types; everywhere else they are text, and structured values
(box lists, gallery changes) are JSON text. An empty string counts as "not given" (the Go
client sends `"threshold": ""` for unset values).

The body is read with the engine's `read_body` (chunked uploads included), so a photo upload
is bounded before anything parses it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser, MultiPartParserError

from faceadmin.engine.errors import EngineError
from faceadmin.engine.findface import errors
from faceadmin.engine.findface.models import TokenAccount
from faceadmin.engine.http import BodyTooLarge, media_type, parse_json, read_body

# A 10 MB photo (FindFace's fetch limit) plus room for the multipart envelope and fields.
BODY_LIMIT = 11 * 1024 * 1024
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


@dataclass
class Upload:
    filename: str
    data: bytes = field(repr=False)


@dataclass
class Call:
    """One authenticated request: its account, API version, mount prefix and parameters."""

    request: HttpRequest
    account: TokenAccount
    version: str
    values: dict[str, Any]
    files: dict[str, Upload]

    # -- typed readers: each raises BAD_PARAM naming the parameter -----------------------

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value == "" else value

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise errors.bad_param(name, value, f"'{name}' must be a string.")

    def flag(self, name: str) -> bool:
        value = self.raw(name)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise errors.bad_param(name, value, f"'{name}' must be true or false.")

    def integer(
        self,
        name: str,
        default: int | None,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self.raw(name)
        if value is None:
            return default
        try:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            number = int(value)
        except (TypeError, ValueError):
            raise errors.bad_param(name, value, f"'{name}' must be an integer.") from None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise errors.bad_param(
                name, value, f"'{name}' must be between {minimum} and {maximum}."
            )
        return number

    def structured(self, name: str) -> Any:
        """A list or object: as sent in JSON, or JSON text from the query or a form."""
        value = self.raw(name)
        if isinstance(value, str):
            try:
                return parse_json(value)
            except ValueError:
                raise errors.bad_param(name, value, f"'{name}' is not valid JSON.") from None
        return value


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.bad_param("body", None, f"The {what} body is not UTF-8.") from None


def _multipart(request: HttpRequest, body: bytes) -> tuple[dict[str, Any], dict[str, Upload]]:
    meta = {**request.META, "CONTENT_LENGTH": str(len(body))}
    handlers = [MemoryFileUploadHandler(), TemporaryFileUploadHandler()]
    try:
        post, files = MultiPartParser(meta, io.BytesIO(body), handlers, "utf-8").parse()
    except MultiPartParserError as exc:
        raise errors.bad_param("body", None, f"Malformed multipart body: {exc}") from None
    values: dict[str, Any] = {key: post.get(key) for key in post}
    uploads = {}
    for key in files:
        upload = files.get(key)
        if isinstance(upload, UploadedFile):
            uploads[key] = Upload(filename=upload.name or key, data=upload.read())
            upload.close()
    return values, uploads


def read_call(request: HttpRequest, account: TokenAccount, version: str) -> Call:
    """The merged parameters of a request (query, then the body's)."""
    values: dict[str, Any] = {key: request.GET.get(key) for key in request.GET}
    files: dict[str, Upload] = {}
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        try:
            body = read_body(request, limit=BODY_LIMIT)
        except BodyTooLarge:
            raise errors.bad_param(
                "photo", None, "The request body is larger than 10 MB."
            ) from None
        except EngineError as exc:
            raise errors.bad_param("body", None, exc.message) from None
        media = media_type(request)
        if media == "application/json" or (not media and body.lstrip().startswith(b"{")):
            try:
                data = parse_json(body.decode("utf-8")) if body.strip() else {}
            except ValueError:  # UnicodeDecodeError included
                raise errors.malformed_json() from None
            if not isinstance(data, dict):
                raise errors.malformed_json("The JSON body must be an object.")
            values.update(data)
        elif media == "application/x-www-form-urlencoded":
            values.update(parse_qsl(_decode(body, "form"), keep_blank_values=True))
        elif media == "multipart/form-data":
            form, files = _multipart(request, body)
            values.update(form)
        elif body.strip():
            raise errors.bad_param(
                "Content-Type",
                media,
                "Send JSON, application/x-www-form-urlencoded or multipart/form-data.",
            )
    return Call(request=request, account=account, version=version, values=values, files=files)


__all__ = ["BODY_LIMIT", "Call", "Upload", "read_call"]
