"""Celery tasks of openapi's worker (queue ``openapi``)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from bmp_common.messages import MessageSchemaError
from bmp_common.messages.jobs import JOB_EVENT_TASK, JobEvent
from bmp_openapi.jobs.services.events import job_event_apply
from bmp_openapi.jobs.services.outbox import outbox_send_pending
from bmp_openapi.jobs.services.reconcile import jobs_reconcile

log = logging.getLogger(__name__)


# An event that could not be applied (the database locked or gone, a handler's error) rolled
# back whole: it is tried again later, 1, 2, 4… s apart (at most a minute, with jitter), which
# is safe because applying is idempotent by (job, sequence). An event still not applied after
# the retries is found by the reconciliation (jobs/services/reconcile.py) and sent again.
EVENT_RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name=JOB_EVENT_TASK, **EVENT_RETRY)
def job_event(message) -> bool:
    try:
        event = JobEvent.from_wire(message)
    except MessageSchemaError as exc:
        log.error("job event dropped: %s", exc)  # a bad message is not retried forever
        return False
    return job_event_apply(event)


@shared_task(name="bmp.openapi.sweep")  # the next sweep is a few seconds away: no retries
def sweep() -> dict[str, int]:
    limit = settings.BMP_OPENAPI_SWEEP_BATCH
    return {"sent": outbox_send_pending(limit), "reconciled": jobs_reconcile(limit)}
