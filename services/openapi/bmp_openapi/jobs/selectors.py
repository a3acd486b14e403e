"""Reads of jobs."""

from __future__ import annotations

from bmp_openapi.jobs.models import QUEUED, SUBMITTED, Job
from bmp_openapi.jobs.services.outbox import outbox_pending


def jobs_shown_status(jobs) -> dict[str, str]:
    """job_id → the status a user sees: ``queued`` for a submitted job whose message the
    broker has not taken yet (it waits in the outbox), else the job's status."""
    submitted = [job.job_id for job in jobs if job.status == SUBMITTED]
    queued = outbox_pending(submitted) if submitted else set()
    return {job.job_id: QUEUED if job.job_id in queued else job.status for job in jobs}


def jobs_status_by_id(job_ids) -> dict[str, str]:
    """job_id → shown status of the named jobs (one query, two with submitted jobs)."""
    jobs = list(Job.objects.filter(job_id__in=list(job_ids)).only("job_id", "status"))
    return jobs_shown_status(jobs)
