"""gunicorn settings of the web process (`make run`'s Procfile and the Docker image use them).

Every value can be overridden from the environment (GUNICORN_BIND or PORT, GUNICORN_WORKERS,
GUNICORN_THREADS, GUNICORN_TIMEOUT, GUNICORN_KEEPALIVE, GUNICORN_ACCESSLOG). Why these values:

* gthread workers: threads share one copy of the dlib models per process. The custom worker
  (faceadmin/gunicorn_worker.py) answers requests gunicorn itself refuses with JSON, and lets
  the application close a connection honestly (`Connection: close`).
* Many threads, few of them busy: a heavy request waits for its slot while holding a thread;
  with 8 threads a burst of add-faces took them all and identify queued behind them
  (bench/mixed_load.py). Each thread may keep a database connection (CONN_MAX_AGE): workers x
  threads must fit PostgreSQL's max_connections (100 by default) with the job workers.
* Heavy recognition (detect, add-face, training) is bounded per process by
  FACEADMIN_ENGINE_HEAVY_SLOTS. Unless it is set, each web worker gets its share of the cores
  (cores // workers, at least 1), so the server never runs more dlib work at once than there
  are cores, and the threads left over answer cheap calls (identify, lists, pages).
* Slow or stalled request bodies are handled in the application (faceadmin/serving.py):
  at most FACEADMIN_REQUEST_BODY_READERS (default threads / 2) requests per worker wait for
  a body at once, each for at most FACEADMIN_REQUEST_BODY_TIMEOUT seconds plus one second
  per 32 KiB, so the other threads always serve everyone else.
* `timeout` is the worker heartbeat: a worker whose main loop hangs this long is restarted.
* `limit_request_line` 8190 (gunicorn's maximum): longer request lines get a JSON 414.
* The control socket is off: several servers on one machine would share its path.
"""

import os

wsgi_app = "faceadmin.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
worker_class = "faceadmin.gunicorn_worker.Worker"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "32"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 20
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log

_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
if os.environ.get("FACEADMIN_ENGINE_HEAVY_SLOTS", "0").strip() in ("", "0"):
    os.environ["FACEADMIN_ENGINE_HEAVY_SLOTS"] = str(max(1, _cores // max(1, workers)))


def post_worker_init(worker: object) -> None:
    """Load the dlib models before the worker takes requests, not in its first detect."""
    from faceadmin.engine.recognition import warm_up

    warm_up()
