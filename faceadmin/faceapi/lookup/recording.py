"""Recording the provider calls of a lookup: the exact request ("copy as curl", key masked),
the raw answer and the time spent waiting for the provider."""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from faceadmin.clients.azure import AzureFaceClient
from faceadmin.clients.errors import FaceApiError
from faceadmin.clients.transport import ParamValue, Response, Transport, encode_params
from faceadmin.faceapi.connection import client_for
from faceadmin.tenants.models import Tenant

__all__ = ["ApiCall", "AzureSession", "Recorder"]


@dataclass(frozen=True)
class ApiCall:
    """One request to the provider, as sent, and what came back."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    json_body: Any
    sent_bytes: int | None
    status: int | None
    body: bytes = field(repr=False)
    elapsed_ms: float

    def curl(self, *, base_url: str, masked_key: str, filename: str = "photo.jpg") -> str:
        """The same request as a shell command; the key is shown masked."""
        url = base_url.rstrip("/") + self.path
        if self.query:
            url += "?" + urlencode(self.query, safe=",")
        lines = [
            f"curl -X {self.method} {shlex.quote(url)}",
            f"  -H {shlex.quote('Ocp-Apim-Subscription-Key: ' + masked_key)}",
        ]
        if self.sent_bytes is not None:
            lines.append("  -H 'Content-Type: application/octet-stream'")
            lines.append(f"  --data-binary {shlex.quote('@' + filename)}")
        elif self.json_body is not None:
            lines.append("  -H 'Content-Type: application/json'")
            lines.append(f"  -d {shlex.quote(json.dumps(self.json_body))}")
        return " \\\n".join(lines)

    def pretty_body(self) -> str:
        try:
            return json.dumps(json.loads(self.body), indent=2, ensure_ascii=False)
        except ValueError:
            return self.body.decode("utf-8", "replace")


class Recorder:
    """A `Transport` that passes every request on and keeps a record of it."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.calls: list[ApiCall] = []

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Any = None,
        data: bytes | None = None,
        idempotent: bool | None = None,
    ) -> Response:
        started = time.perf_counter()
        status: int | None = None
        body = b""
        try:
            response = self.inner.request(
                method, path, params=params, json=json, data=data, idempotent=idempotent
            )
        except FaceApiError as exc:
            status = exc.status
            raise
        else:
            status, body = response.status, response.body
            return response
        finally:
            self.calls.append(
                ApiCall(
                    method=method,
                    path=path,
                    query=tuple(encode_params(params)),
                    json_body=json,
                    sent_bytes=len(data) if data is not None else None,
                    status=status,
                    body=body,
                    elapsed_ms=(time.perf_counter() - started) * 1000,
                )
            )


class AzureSession:
    """The tenant's Azure client for one lookup, with every call recorded."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.recorder = Recorder(client_for(tenant).transport)
        self.client = AzureFaceClient(self.recorder)

    @property
    def api_ms(self) -> float:
        return sum(call.elapsed_ms for call in self.recorder.calls)

    def last_call(self, path: str) -> ApiCall | None:
        return next((c for c in reversed(self.recorder.calls) if c.path == path), None)
