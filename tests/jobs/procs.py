"""Real processes against the test database: a `manage.py db_worker`, a gunicorn."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database (not the configured one) as a DATABASE_URL."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def process_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.jobs.worker_settings",
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "FACEADMIN_JOBS_STALE_SECONDS": str(settings.FACEADMIN_JOBS_STALE_SECONDS),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def start(args: list[str], log: Path, **extra: str) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=process_env(**extra),
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def db_worker(log: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = start(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
        ],
        log,
    )
    try:
        yield process
    finally:
        stop(process)


def free_port(low: int = 8400, high: int = 8499) -> int:
    for port in range(low, high + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8400-8499")


def gunicorn(port: int, log: Path) -> subprocess.Popen[bytes]:
    process = start(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--workers",
            "1",
            "--threads",
            "4",
        ],
        log,
        GUNICORN_BIND=f"127.0.0.1:{port}",
    )
    wait_for(lambda: _answers(f"http://127.0.0.1:{port}/login/"), 60, log)
    return process


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_for(check: Any, seconds: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    detail = log.read_text()[-3000:] if log is not None and log.exists() else ""
    raise AssertionError(f"gave up waiting after {seconds} s\n{detail}")
