"""The facade's HTTP plumbing: token authentication, method dispatch, FindFace error bodies.

`endpoint(GET=..., POST=...)` builds the view of one URL. It checks `Authorization: Token
<key>` (401 AUTH_FAILED otherwise), reads the parameters (query and body, merged) into a
`Call`, and turns `FindFaceError` (or any unexpected exception) into `{"code", "reason"}`.
Body reading and JSON responses are the engine's own (`faceadmin.engine.http`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from faceadmin.engine.findface import errors
from faceadmin.engine.findface.accounts import token_account_for_key
from faceadmin.engine.findface.errors import FindFaceError
from faceadmin.engine.findface.models import TokenAccount
from faceadmin.engine.findface.params import Call, read_call
from faceadmin.engine.http import discard_body, json_response

logger = logging.getLogger(__name__)

Handler = Callable[..., HttpResponse]


def error_response(error: FindFaceError) -> HttpResponse:
    return json_response(error.body(), status=error.status)


def authenticate(request: HttpRequest) -> TokenAccount:
    header = request.META.get("HTTP_AUTHORIZATION", "").strip()
    scheme, _, key = header.partition(" ")
    if not header:
        raise errors.auth_failed("Authorization header is missing: send 'Token <your token>'.")
    if scheme.lower() != "token" or not key.strip():
        raise errors.auth_failed("Authorization must be 'Token <your token>'.")
    account = token_account_for_key(key.strip())
    if account is None:
        raise errors.auth_failed("The token is wrong or was revoked.")
    return account


def mount_prefix(request: HttpRequest, version: str) -> str:
    """`/findface/v1/`: the path this version of the API is served under."""
    marker = f"/{version}/"
    path = request.path if request.path.endswith("/") else request.path + "/"
    return path[: path.index(marker) + len(marker)]


def absolute(request: HttpRequest, path: str) -> str:
    """An absolute URL on this server; the bare path when the host is not one we serve
    (the dashboard's in-process calls come addressed to `embedded.invalid`)."""
    try:
        return request.build_absolute_uri(path)
    except DisallowedHost:
        return path


def _finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    discard_body(request)
    response["X-Request-Id"] = uuid.uuid4().hex
    return response


def endpoint(**handlers: Handler) -> Callable[..., HttpResponse]:
    """One view for one URL, dispatching on the method: endpoint(GET=f, DELETE=g).

    Handlers are called as `handler(call, **path_parameters)`."""

    @csrf_exempt
    def view(request: HttpRequest, api_version: str, **kwargs: Any) -> HttpResponse:
        try:
            account = authenticate(request)
            handler = handlers.get(request.method or "")
            if handler is None:
                response = json_response(
                    {
                        "code": "METHOD_NOT_ALLOWED",
                        "reason": f"{request.method} is not allowed on this path.",
                    },
                    status=405,
                )
                response["Allow"] = ", ".join(sorted(handlers))
                return _finish(request, response)
            call = read_call(request, account, api_version)
            response = handler(call, **kwargs)
        except FindFaceError as exc:
            response = error_response(exc)
        except Exception:
            logger.exception(
                "findface facade: unexpected error in %s %s", request.method, request.path
            )
            response = json_response(
                {"code": "INTERNAL_ERROR", "reason": "An internal error occurred."}, status=500
            )
        return _finish(request, response)

    return view


@csrf_exempt
def not_found(request: HttpRequest, api_version: str, **kwargs: Any) -> HttpResponse:
    """Any other path under the API: FindFace's JSON error, never a router page."""
    error = errors.not_found(f"No method at {request.path}.")
    return _finish(request, error_response(error))


__all__ = ["Call", "Handler", "absolute", "endpoint", "mount_prefix", "not_found"]
