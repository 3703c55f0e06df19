# syntax=docker/dockerfile:1
# faceadmin: multi-stage build; the runtime image has no build tools and runs as a non-root user.

FROM python:3.12-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# dlib is built from source with OpenBLAS (README: "dlib build"), as `make install` does: its
# own layer, so it is rebuilt only when this step changes. The wheel targets the build host's
# CPU (AVX when it has it): build the image on (a machine like) the one that runs it.
ARG DLIB_VERSION=20.0.1
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       clang-16 make pkg-config libopenblas-dev liblapack-dev libjpeg-dev libpng-dev \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --upgrade pip \
    && CC=clang-16 CXX=clang++-16 CMAKE_BUILD_PARALLEL_LEVEL=2 \
       DLIB_USE_BLAS=ON DLIB_USE_LAPACK=ON DLIB_USE_CUDA=OFF DLIB_NO_GUI_SUPPORT=ON \
       pip wheel --no-deps --no-binary dlib dlib==${DLIB_VERSION} -w /wheels
# Install only the dependencies (from pyproject.toml); the code is copied in the next stage,
# so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir faceadmin && touch faceadmin/__init__.py \
    && pip install --find-links /wheels --only-binary dlib . \
    && pip uninstall -y faceadmin \
    && python -c 'import dlib, sys; sys.exit(0 if dlib.DLIB_USE_BLAS else "dlib without BLAS")'

FROM python:3.12-slim-bookworm AS runtime
# dlib's runtime libraries: OpenBLAS (with its LAPACK), and the libjpeg/libpng it finds at build.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libopenblas0-pthread libjpeg62-turbo libpng16-16 \
    && rm -rf /var/lib/apt/lists/*
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
