# syntax=docker/dockerfile:1
# faceadmin: multi-stage build; the runtime image has no build tools and runs as a non-root user.

FROM python:3.12-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# Install only the dependencies (from pyproject.toml); the code is copied in the next stage,
# so a code change does not reinstall them. dlib-bin ships a manylinux wheel: no compiler.
COPY pyproject.toml README.md ./
RUN mkdir faceadmin && touch faceadmin/__init__.py \
    && pip install --upgrade pip \
    && pip install . \
    && pip uninstall -y faceadmin

FROM python:3.12-slim-bookworm AS runtime
RUN useradd --create-home --uid 10001 faceadmin
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=faceadmin.settings \
    MEDIA_ROOT=/data/media \
    STATIC_ROOT=/app/staticfiles \
    DATABASE_URL=sqlite:////data/db.sqlite3
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY manage.py gunicorn.conf.py ./
COPY faceadmin ./faceadmin
COPY templates ./templates
COPY static ./static
# collectstatic needs settings but no real secrets: these throwaway values exist for this step.
RUN SECRET_KEY=collectstatic-only \
    FACEADMIN_KEY_ENCRYPTION_KEYS=QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE= \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /data && chown faceadmin:faceadmin /data
USER faceadmin
VOLUME ["/data"]
EXPOSE 8000
# One image, two roles (the Procfile's): this CMD is the web process; run the job worker from
# the same image with `python manage.py db_worker --no-reload` (see compose.example.yaml).
# Required at run time: SECRET_KEY, FACEADMIN_KEY_ENCRYPTION_KEYS, ALLOWED_HOSTS (DATABASE_URL
# defaults to SQLite on the /data volume, which web and worker then share). gunicorn.conf.py
# holds the server settings (gthread workers whose threads share one copy of the dlib models;
# GUNICORN_WORKERS / _THREADS / _TIMEOUT override them) and the worker that, with
# faceadmin/serving.py, bounds slow request bodies. Migrations run at start, so a fresh volume
# works at once.
ENV GUNICORN_BIND=0.0.0.0:8000
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn -c gunicorn.conf.py"]
