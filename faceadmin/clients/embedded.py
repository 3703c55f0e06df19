"""In-process transport to this server's embedded engine: no socket, no deadlock.

A dashboard request that calls the local engine over a real socket would need a second free
worker; with one worker it would wait for itself. Instead, requests to EMBEDDED_ORIGIN are
handed to Django's URL resolver in this thread (through `WSGIAdapter`), exactly as if they had
come over HTTP, minus the middleware: the engine authenticates by its own header and the
outer request already ran the site middleware.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import requests
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIRequest

from faceadmin.clients.wsgi_adapter import WSGIAdapter

# `.invalid` is reserved (RFC 2606): this origin can never reach the network by accident.
EMBEDDED_ORIGIN = "http://embedded.invalid"

type StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _EngineHandler(BaseHandler):
    """Django's request handling without the middleware and without request signals.

    The request_started/finished signals would close the caller's database connection in
    the middle of its own request, so they are not sent here.
    """

    def __init__(self) -> None:
        super().__init__()
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        self._middleware_chain = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = WSGIRequest(environ)
        response = self.get_response(request)
        headers = [*response.items()]
        headers.extend(("Set-Cookie", c.OutputString()) for c in response.cookies.values())
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        if response.streaming:
            return response
        return [response.content]  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def _handler() -> _EngineHandler:
    return _EngineHandler()


def embedded_session() -> requests.Session:
    session = requests.Session()
    session.mount(EMBEDDED_ORIGIN, WSGIAdapter(_handler()))
    return session
