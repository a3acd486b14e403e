import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmp_scheduler.settings")

application = get_wsgi_application()

# What the gateway's first agent requests imported otherwise, while agents waited (about a
# tenth of the TLS gateway's CPU in a 300-server storm): the Celery app and what its first send
# imports (engine/outbox.py sends), the database backend, the Redis client (the flight recorder
# and the live progress). Nothing connects here.
import redis  # noqa: E402, F401
from django.db import connections  # noqa: E402

from bmp_common.celery import import_sender_modules  # noqa: E402
from bmp_scheduler.celery import app as celery_app  # noqa: E402

import_sender_modules(celery_app)
connections["default"]  # read for the backend module's import
