import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmp_openapi.settings")

application = get_wsgi_application()

# What the first requests that send a task (a create, a cancel) imported otherwise: the Celery
# machinery (jobs/services/outbox.py sends after the commit) and the database backend.
from django.db import connections  # noqa: E402

from bmp_common.celery import import_sender_modules  # noqa: E402
from bmp_openapi.celery import app as celery_app  # noqa: E402

import_sender_modules(celery_app)
connections["default"]  # read for the backend module's import
