"""openapi's Celery app: it sends jobs to the scheduler, and its worker (queue ``openapi``)
applies the scheduler's job events.

    python -m celery -A bmp_openapi.celery worker -Q openapi -B
"""

from __future__ import annotations

import os

import django
from django.conf import settings

from bmp_common.celery import keep_django_connections, make_celery
from bmp_common.queues import OPENAPI_QUEUE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmp_openapi.settings")
django.setup()

app = make_celery("openapi")
keep_django_connections(app)
app.conf.task_default_queue = OPENAPI_QUEUE
interval = settings.BMP_OPENAPI_SWEEP_INTERVAL
app.conf.beat_schedule = {
    # Outbox rows the broker did not take, and jobs whose events were lost (jobs/tasks.py).
    "sweep": {"task": "bmp.openapi.sweep", "schedule": interval, "options": {"expires": interval}},
}
app.autodiscover_tasks(["bmp_openapi.jobs"])
