"""gunicorn settings for faceadmin, used by the Dockerfile (and `make run`'s Procfile).

Every value can be overridden from the environment (GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_THREADS, GUNICORN_TIMEOUT, GUNICORN_KEEPALIVE). Why these values:

* gthread workers: threads share one copy of the dlib models per process. The custom worker
  (faceadmin/gunicorn_worker.py) answers requests gunicorn itself refuses with JSON, and lets
  the application close a connection honestly (`Connection: close`).
* Slow or stalled request bodies are handled in the application (faceadmin/serving.py):
  at most FACEADMIN_REQUEST_BODY_READERS (default threads / 2) requests per worker wait for
  a body at once, each for at most FACEADMIN_REQUEST_BODY_TIMEOUT seconds plus one second
  per 32 KiB, so the other half of the threads always serves everyone else.
* `timeout` is the worker heartbeat: a worker whose main loop hangs this long is restarted.
* `limit_request_line` 8190 (gunicorn's maximum): longer request lines get a JSON 414.
* The control socket is off: several servers on one machine would share its path.
"""

import os

wsgi_app = "faceadmin.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
worker_class = "faceadmin.gunicorn_worker.Worker"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
