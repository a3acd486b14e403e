"""Celery tasks of openapi's worker (queue ``openapi``)."""

from __future__ import annotations

import logging

from celery import shared_task

from bmp_common.messages import MessageSchemaError
from bmp_common.messages.jobs import JobEvent
from bmp_openapi.jobs.events import job_event_apply
from bmp_openapi.jobs.submission import jobs_resend_unacknowledged

log = logging.getLogger(__name__)


@shared_task(name="bmp.openapi.job_event")
def job_event(message) -> bool:
    try:
        event = JobEvent.from_wire(message)
    except MessageSchemaError as exc:
        log.error("job event dropped: %s", exc)  # a bad message is not retried forever
        return False
    return job_event_apply(event)


@shared_task(name="bmp.openapi.resend_jobs")
def resend_jobs() -> int:
    return jobs_resend_unacknowledged()
