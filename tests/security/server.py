"""A real gunicorn serving faceadmin, started by the tests: the shipped gunicorn.conf.py
(2 worker processes x 8 threads, as the Dockerfile runs it) on a free port of 8100-8199,
against the test database, with a 2-second body timeout so that cut-offs come quickly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
PORTS = range(8100, 8200)
BODY_TIMEOUT = 2


@dataclass
class Server:
    url: str
    port: int
    log: Path

    def raw(self, request: bytes, *, timeout: float = 15) -> bytes:
        """Send raw bytes on a new connection; everything the server answers until it closes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(request)
            return read_to_eof(sock)


def read_to_eof(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes (a reset after the answer ends it too)."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8100-8199")


def database_url() -> str:
    db: dict[str, Any] = connection.settings_dict
    if str(db["ENGINE"]).endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def gunicorn(log: Path) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "FACEADMIN_ENV_FILE": "/nonexistent/.env",
        "DJANGO_SETTINGS_MODULE": "faceadmin.settings",
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "8",
        "GUNICORN_ACCESSLOG": "",
        "FACEADMIN_REQUEST_BODY_TIMEOUT": str(BODY_TIMEOUT),
        "FACEADMIN_ENGINE_DATA_DIR": str(Path(settings.MEDIA_ROOT) / "gunicorn-engine"),
    }
    env.pop("FACEADMIN_REQUEST_BODY_READERS", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", port, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{log.read_text()}")
            try:
                if requests.get(f"{server.url}/login/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer:\n{log.read_text()}")
            time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
