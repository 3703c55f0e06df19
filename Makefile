# faceadmin — the two commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Django 6 needs Python >= 3.12: take the first suitable interpreter (pyenv installs count).
PYTHON ?= $(shell for c in python3.12 python3.13 python3.14 $$HOME/.pyenv/versions/3.1[2-4]*/bin/python3 python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$c; break; fi; done)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: help install run dev test check lint typecheck imports pytest fmt bench chromium migrate dlib-debs dlib-wheel dlib-check

help:
	@echo "make run     install, migrate, bootstrap, serve (gunicorn + job worker) on http://$(HOST):$(PORT)"
	@echo "make test    install what tests need, then ruff, mypy and pytest (browser tests too)"
	@echo "make dev     the same with Django's development server (auto-reload) + a job worker"
	@echo "make install / check / fmt / bench"

# dlib is built from source with OpenBLAS (and AVX where the CPU has it): 5x faster descriptors
# than the dlib-bin wheel. The wheel is built once into $(WHEELHOUSE) (~7-10 min on 2 cores) and
# every later install takes it from there; `make dlib-wheel` rebuilds it if it is missing.
DLIB_VERSION := 20.0.1
WHEELHOUSE ?= .wheelhouse
DLIB_BUILD_DEBS := clang-16 make pkg-config libopenblas-dev liblapack-dev
DLIB_ENV := -u MAKEFLAGS -u MFLAGS -u MAKELEVEL CC=clang-16 CXX=clang++-16 CMAKE_BUILD_PARALLEL_LEVEL=$${CMAKE_BUILD_PARALLEL_LEVEL:-2} \
	DLIB_USE_BLAS=ON DLIB_USE_LAPACK=ON DLIB_USE_CUDA=OFF DLIB_NO_GUI_SUPPORT=ON

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "faceadmin needs Python >= 3.12 (none found on PATH or in ~/.pyenv)."; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@$(MAKE) --no-print-directory dlib-wheel
	@# dlib-bin and dlib install the same `dlib` module: never both (venvs from before the switch).
	@if $(PY) -m pip show --quiet dlib-bin >/dev/null 2>&1; then $(PY) -m pip uninstall --quiet -y dlib-bin dlib; fi
	$(PY) -m pip install --quiet --find-links $(WHEELHOUSE) --only-binary dlib -e '.[dev]'
	@$(MAKE) --no-print-directory dlib-check
	@touch $@

install: $(VENV)/.installed

# Debian packages the dlib build needs (installed only when missing, like chromium below).
dlib-debs:
	@missing=$$(for p in $(DLIB_BUILD_DEBS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages for the dlib build:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# The wheel for this venv's Python, built only when $(WHEELHOUSE) has none.
dlib-wheel:
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	@tag=$$($(PY) -c 'import sys; print("cp%d%d" % sys.version_info[:2])'); \
	if ls $(WHEELHOUSE)/dlib-$(DLIB_VERSION)-$$tag-*.whl >/dev/null 2>&1; then exit 0; fi; \
	$(MAKE) --no-print-directory dlib-debs && \
	echo "Building dlib $(DLIB_VERSION) with OpenBLAS into $(WHEELHOUSE)/ (once; ~7-10 min on 2 cores)..." && \
	mkdir -p $(WHEELHOUSE) && \
	env $(DLIB_ENV) $(PY) -m pip wheel --quiet --no-cache-dir --no-deps --no-binary dlib \
		dlib==$(DLIB_VERSION) -w $(WHEELHOUSE)

# Fails loudly when the installed dlib is not the BLAS build (e.g. a dlib-bin slipped in).
dlib-check:
	@$(PY) -c 'import dlib, sys; \
	ok = dlib.DLIB_USE_BLAS and dlib.DLIB_USE_LAPACK; \
	print("dlib %s: BLAS %s, LAPACK %s, AVX %s" % (dlib.__version__, dlib.DLIB_USE_BLAS, dlib.DLIB_USE_LAPACK, dlib.USE_AVX_INSTRUCTIONS)); \
	ok or sys.exit("ERROR: this dlib was built without BLAS; remove it and $(WHEELHOUSE)/dlib-*.whl, then make install")'

# First run: write a .env with a fresh SECRET_KEY and key-encryption key. Never overwritten.
.env: | $(VENV)/.installed
	@$(PY) -c "import secrets; from cryptography.fernet import Fernet; \
	print('# Written by make run on first use; see .env.example for every setting.'); \
	print('SECRET_KEY=' + secrets.token_urlsafe(50)); \
	print('FACEADMIN_KEY_ENCRYPTION_KEYS=' + Fernet.generate_key().decode()); \
	print('ALLOWED_HOSTS=127.0.0.1,localhost')" > .env
	@echo "Wrote .env (secret key and key-encryption key)."

migrate: install .env
	$(PY) manage.py migrate --noinput

# Production topology on one machine: gunicorn (gunicorn.conf.py) + a job worker, both from
# the Procfile under honcho; Ctrl-C stops them all.
run: migrate
	$(PY) manage.py bootstrap
	$(PY) manage.py retention --enqueue
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "faceadmin: http://$(HOST):$(PORT)/ (gunicorn + job worker; Ctrl-C stops both)"
	PATH="$(abspath $(VENV))/bin:$$PATH" GUNICORN_BIND=$(HOST):$(PORT) $(VENV)/bin/honcho start -f Procfile

# For developers: Django's development server (auto-reload) and a reloading job worker.
dev: migrate
	$(PY) manage.py bootstrap
	$(PY) manage.py retention --enqueue
	@echo "faceadmin (development server): http://$(HOST):$(PORT)/"
	PATH="$(abspath $(VENV))/bin:$$PATH" HOST=$(HOST) DEBUG=$${DEBUG:-True} $(VENV)/bin/honcho start -p $(PORT) -f Procfile.dev

# Playwright drives Debian's Chromium; nothing downloads a browser of its own.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

# The architecture's layers ([tool.importlinter] in pyproject.toml).
imports: install
	$(VENV)/bin/lint-imports

pytest: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

check: lint typecheck imports pytest

test: install chromium check

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	@for b in bench/[!_]*.py; do echo "== $$b"; $(PY) $$b || exit 1; done
