import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmp_scheduler.settings")

application = get_wsgi_application()

# The gateway sends tasks (engine/outbox.py imports the Celery app when it first sends): made
# at start, not by the first agent's request.
from bmp_scheduler.celery import app as celery_app  # noqa: E402, F401
