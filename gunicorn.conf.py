"""gunicorn settings of the web process (`make run`, the Procfile and the Docker image use them).

Every value can be overridden from the environment: GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_THREADS, GUNICORN_TIMEOUT.

Heavy recognition (detect, add-face, training) is bounded per process by
FACEADMIN_ENGINE_HEAVY_SLOTS. Unless it is set, each web worker gets its share of the cores
(cores // workers, at least 1), so the whole server never runs more dlib work at once than
there are cores, and the threads left over answer cheap calls (identify, lists, pages).
"""

import os

wsgi_app = "faceadmin.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Many threads, few of them busy: a heavy request waits for its slot while holding a thread,
# and with 8 threads a burst of add-faces took them all, so identify queued behind them
# (bench/mixed_load.py: identify p50 2.4 s with 8 threads, 0.1 s with 32). Each thread may
# keep a database connection (CONN_MAX_AGE): workers x threads must fit PostgreSQL's
# max_connections (100 by default) with the job workers.
threads = int(os.environ.get("GUNICORN_THREADS", "32"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 20
keepalive = 5
accesslog = "-"
control_socket_disable = True

_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
if os.environ.get("FACEADMIN_ENGINE_HEAVY_SLOTS", "0").strip() in ("", "0"):
    os.environ["FACEADMIN_ENGINE_HEAVY_SLOTS"] = str(max(1, _cores // max(1, workers)))


def post_worker_init(worker: object) -> None:
    """Load the dlib models before the worker takes requests, not in its first detect."""
    from faceadmin.engine.recognition import warm_up

    warm_up()
