"""Where a running job is, for the API to show: kept in the shared Redis cache, not a database.

A step's progress is a fact of the moment, replaced every few seconds and worthless once the job
has ended. Sending each one through the broker into openapi's database cost a message and a
write transaction per step: in a storm of 1,000 installs openapi's event worker fell minutes
behind a scheduler that had already finished. The scheduler publishes it here (after its
transaction commits) and forgets it when the job ends; openapi reads it when it renders an
instance whose job runs. Redis being down loses only this display, never a job's state.

Each publish also notes when it happened (``job-seen:<job_id>``, epoch seconds): openapi's
reconciliation reads it to tell a running job the scheduler is working on from one it has
heard nothing of (``seen_since``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from django.core.cache import cache

log = logging.getLogger(__name__)

TTL_S = 6 * 3600  # longer than any chain's steps; a job that vanished takes its key with it


def _key(job_id: str) -> str:
    return f"job-progress:{job_id}"


def _seen_key(job_id: str) -> str:
    return f"job-seen:{job_id}"


def publish(job_id: str, progress: dict) -> None:
    publish_many({job_id: progress})


def publish_many(progress_of: dict[str, dict]) -> None:
    """The progress of several jobs (job id -> progress) in one round trip."""
    if not progress_of:
        return
    now = time.time()
    values = {}
    for job_id, progress in progress_of.items():
        values[_key(job_id)] = progress
        values[_seen_key(job_id)] = now
    try:
        cache.set_many(values, TTL_S)
    except Exception:
        log.warning("progress of %d jobs not published (cache unavailable)", len(progress_of))


def forget(job_id: str) -> None:
    forget_many([job_id])


def forget_many(job_ids: Iterable[str]) -> None:
    keys = [key for job_id in job_ids for key in (_key(job_id), _seen_key(job_id))]
    if not keys:
        return
    try:
        cache.delete_many(keys)
    except Exception:
        log.warning("progress of %d jobs not cleared (cache unavailable)", len(keys) // 2)


def read(job_ids: Iterable[str]) -> dict[str, dict]:
    """job_id -> its last progress, for the jobs that have one."""
    keys = {_key(job_id): job_id for job_id in job_ids if job_id}
    if not keys:
        return {}
    try:
        found = cache.get_many(list(keys))
    except Exception:
        log.warning("job progress not read (cache unavailable)")
        return {}
    return {keys[key]: value for key, value in found.items()}


def seen_since(job_ids: Iterable[str], since: float) -> set[str]:
    """Which of ``job_ids`` had progress published at or after ``since`` (epoch seconds, the
    publisher's clock: hosts must agree within seconds, as NTP keeps them). Empty when the
    cache is down: then nothing counts as seen."""
    keys = {_seen_key(job_id): job_id for job_id in job_ids if job_id}
    if not keys:
        return set()
    try:
        found = cache.get_many(list(keys))
    except Exception:
        log.warning("job progress times not read (cache unavailable)")
        return set()
    return {keys[key] for key, at in found.items() if isinstance(at, int | float) and at >= since}
