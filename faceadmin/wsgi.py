"""WSGI entry point: gunicorn (configured by gunicorn.conf.py) and `manage.py runserver`
both serve this. Under gunicorn, `BodyGuard` reads request bodies in bounded time before
Django runs (faceadmin/serving.py); under other servers it passes requests through."""

import os

from django.core.wsgi import get_wsgi_application

from faceadmin.serving import BodyGuard

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faceadmin.settings")

application = BodyGuard(get_wsgi_application())
