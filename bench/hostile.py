"""What hostile clients cost the server (issue 13): decompression bombs and stalled bodies.

Run: .venv/bin/python bench/hostile.py

1. A 7000 x 7000 16-bit PNG (a few hundred KB) through the engine's decoder: refused from
   its header, against what decoding it would cost (Pillow decode + RGB, measured here).
2. A real gunicorn with the shipped gunicorn.conf.py (2 workers x 8 threads) on a throw-away
   SQLite file: login page latency with no stalled client, then while 20 sockets hold a
   request whose body never comes; and how long until the server has dropped all of them.
   Port: the first free one from BENCH_PORT (default 8100). Prints numbers; never asserts.
"""

from __future__ import annotations

import io
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STALLED = 20
BODY_TIMEOUT = 2


def bomb_rows() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from PIL import Image

    from faceadmin.engine.recognition import ImageError, decode_image
    from tests.security.conftest import png_bomb

    data = png_bomb(7000, 7000)
    start = time.perf_counter()
    try:
        decode_image(data)
    except ImageError as exc:
        refused = f"{exc.code}"
    refuse_ms = (time.perf_counter() - start) * 1000
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    start = time.perf_counter()
    image = Image.open(io.BytesIO(data))
    image.load()
    image.convert("RGB")
    decode_s = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"PNG bomb: {len(data) / 1024:.0f} KB declaring 7000 x 7000 x 16-bit RGB")
    print(f"| engine decoder | {refuse_ms:.1f} ms, {refused} |")
    print(f"| decoding it anyway | {decode_s:.2f} s, peak RSS {rss_before} -> {rss_after} MB |")


def free_port() -> int:
    for port in range(int(os.environ.get("BENCH_PORT", "8100")), 65535):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def login_ms(port: int, runs: int = 15) -> float:
    import requests

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        requests.get(f"http://127.0.0.1:{port}/login/", timeout=30).raise_for_status()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def stalled_rows() -> None:
    import requests

    work = Path(tempfile.mkdtemp(prefix="faceadmin-bench-hostile-"))
    port = free_port()
    env = {
        **os.environ,
        "FACEADMIN_ENV_FILE": "/nonexistent/.env",
        "DJANGO_SETTINGS_MODULE": "faceadmin.settings",
        "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key-0123456789",
        "FACEADMIN_KEY_ENCRYPTION_KEYS": "uVvYx4vLbZ3sJbH5m5mXH7xvK0yq3m1q6Vb0m4bq9Qw=",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{work}/db.sqlite3",
        "MEDIA_ROOT": str(work / "media"),
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESSLOG": "",
        "FACEADMIN_REQUEST_BODY_TIMEOUT": str(BODY_TIMEOUT),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    created = subprocess.run(
        [*manage, "engine", "createkey", "--name", "bench"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    key = created.stdout.strip().splitlines()[-1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                requests.get(f"http://127.0.0.1:{port}/login/", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        quiet = login_ms(port)
        sockets = []
        for _ in range(STALLED):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(
                b"POST /face/v1.0/detect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + f"Ocp-Apim-Subscription-Key: {key}\r\n".encode()
                + b"Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\nabc"
            )
            sockets.append(sock)
        opened = time.perf_counter()
        time.sleep(0.5)
        busy = login_ms(port, runs=5)
        for sock in sockets:
            sock.settimeout(60)
            while sock.recv(65536):
                pass
        dropped = time.perf_counter() - opened
        for sock in sockets:
            sock.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"gunicorn.conf.py, 2 workers x 8 threads, body timeout {BODY_TIMEOUT} s:")
    print("| login page | median |")
    print(f"| no stalled client | {quiet:.1f} ms |")
    print(f"| {STALLED} stalled bodies open | {busy:.1f} ms |")
    print(f"all {STALLED} stalled connections answered and closed after {dropped:.1f} s")


if __name__ == "__main__":
    bomb_rows()
    stalled_rows()
