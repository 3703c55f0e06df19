"""WSGI entry point: gunicorn and `manage.py runserver` both serve this."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faceadmin.settings")

application = get_wsgi_application()
