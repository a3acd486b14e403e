"""The scheduler's Celery app: worker for queues ``scheduler.results`` (step results) and
``scheduler`` (the rest), and beat for the sweep. Results have a queue of their own so that
they do not wait behind every queued submission (``bmp_common.queues``).

celery -A bmp_scheduler.celery worker -Q scheduler.results,scheduler
celery -A bmp_scheduler.celery beat
"""

import os

from bmp_common.celery import keep_django_connections, make_celery
from bmp_common.env import env_str

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmp_scheduler.settings")

app = make_celery("scheduler")
keep_django_connections(app)
# Celery's Django fixup (active because DJANGO_SETTINGS_MODULE is set) runs django.setup() in the
# worker and closes stale database connections between tasks.
app.autodiscover_tasks(["bmp_scheduler.workflow"])


# Read from the environment here: beat does not load Django's settings.
SWEEP_INTERVAL = float(env_str("BMP_SCHEDULER_SWEEP_INTERVAL", "5"))
app.conf.beat_schedule = {
    "sweep": {
        "task": "bmp.scheduler.sweep",
        "schedule": SWEEP_INTERVAL,
        # A sweep nobody ran in time is useless: the next one does the same work.
        "options": {"expires": SWEEP_INTERVAL * 2},
    }
}
