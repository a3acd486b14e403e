"""openapi's transactional outbox: every message to the scheduler (submit, cancel, retry,
reconciliation's questions) is a row committed with the decision, sent after the commit.

A send that fails (the broker down or restarting) leaves the row and answers nothing to the
caller: the request that committed still succeeds, and the sweep (``outbox_send_pending``, beat)
sends the row once the broker is back. After a failed send this process does not try the broker
again for ``BROKER_PAUSE_S``: a create of 100 instances during an outage waits for one refused
connection, not a hundred.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bmp_common.messages.jobs import SUBMIT_JOB_TASK, SUBMIT_JOBS_TASK
from bmp_openapi.jobs.models import Outbox

log = logging.getLogger(__name__)

BROKER_PAUSE_S = 5.0
# Submissions a message carries when a write submits several jobs (a create of 100: five
# messages). One scheduler thread takes a message's jobs one after another, so a batch keeps
# a few of its threads busy, not all of them queued on SQLite's one write lock (see
# enqueue_submissions); several messages still let the batch start on several threads.
SUBMISSIONS_PER_MESSAGE = 20


class _Broker:
    """Whether this process saw the broker refuse a message in the last ``BROKER_PAUSE_S``."""

    def __init__(self) -> None:
        self._down_until = 0.0
        self._lock = threading.Lock()

    def resting(self) -> bool:
        return time.monotonic() < self._down_until

    def failed(self) -> None:
        with self._lock:
            self._down_until = time.monotonic() + BROKER_PAUSE_S

    def answered(self) -> None:
        self._down_until = 0.0


broker = _Broker()


def celery_app():
    from bmp_openapi.celery import app

    return app


def enqueue(task: str, kwargs: dict, *, job_id: str) -> None:
    """Send ``task`` to the scheduler once the current transaction commits (``job_id``: the job
    it is about, for the reconciliation and the queued status)."""
    row = Outbox.objects.create(task=task, job_id=job_id, kwargs=kwargs)
    transaction.on_commit(lambda: _send(row.pk, task, kwargs) if not broker.resting() else None)


def enqueue_submissions(submissions: list[tuple[str, dict]]) -> None:
    """The submissions ``(job_id, JobSubmit wire)`` of one write, as one row each (written in
    one statement), sent once the current transaction commits: together, in messages of
    ``SUBMISSIONS_PER_MESSAGE`` (task ``SUBMIT_JOBS_TASK``; a lone one as ``SUBMIT_JOB_TASK``),
    and their rows deleted in one
    statement. A create of 100 sent and deleted them one by one: 100 more round trips (and
    100 turns of SQLite's write lock) before the call could answer. A row whose send failed is
    sent alone by the sweep, as any other."""
    Outbox.objects.bulk_create(
        Outbox(task=SUBMIT_JOB_TASK, job_id=job_id, kwargs={"message": message})
        for job_id, message in submissions
    )
    transaction.on_commit(lambda: _send_submissions(submissions) if not broker.resting() else None)


def _send_submissions(submissions: list[tuple[str, dict]]) -> None:
    sent: list[str] = []
    for first in range(0, len(submissions), SUBMISSIONS_PER_MESSAGE):
        batch = submissions[first : first + SUBMISSIONS_PER_MESSAGE]
        # One goes as any single submission does (the task the sweep sends, too).
        task, kwargs = (
            (SUBMIT_JOB_TASK, {"message": batch[0][1]})
            if len(batch) == 1
            else (SUBMIT_JOBS_TASK, {"messages": [message for _, message in batch]})
        )
        try:
            celery_app().send_task(task, kwargs=kwargs)
        except Exception:
            broker.failed()
            log.warning(
                "could not send %d submission(s): the sweep will", len(batch), exc_info=True
            )
            break
        broker.answered()
        sent += [job_id for job_id, _ in batch]
    if not sent:
        return
    try:
        Outbox.objects.filter(task=SUBMIT_JOB_TASK, job_id__in=sent).delete()
    except Exception:
        # Sent but still there: the sweep sends them again, and the scheduler ignores repeats.
        log.warning("outbox rows of %d sent submission(s) not deleted", len(sent), exc_info=True)


def _send(pk: int, task: str, kwargs: dict) -> bool:
    try:
        celery_app().send_task(task, kwargs=kwargs)
    except Exception:
        broker.failed()
        log.warning("could not send %s (outbox row %s): the sweep will", task, pk, exc_info=True)
        return False
    broker.answered()
    try:
        Outbox.objects.filter(pk=pk).delete()
    except Exception:
        # Sent but still there: the sweep sends it again, and the scheduler ignores the repeat.
        log.warning("outbox row %s sent but not deleted", pk, exc_info=True)
    return True


def outbox_send_pending(limit: int) -> int:
    """Sends the rows older than the grace period (their send failed or never ran), oldest
    first, stopping at the first failure; returns how many were sent."""
    cutoff = timezone.now() - timedelta(seconds=settings.BMP_OPENAPI_OUTBOX_GRACE)
    rows = Outbox.objects.filter(created_at__lt=cutoff).values_list("pk", "task", "kwargs")
    sent = 0
    for pk, task, kwargs in rows[:limit]:
        if not _send(pk, task, kwargs):
            break
        sent += 1
    if sent:
        log.warning("outbox: sent %d message(s) that had waited for the broker", sent)
    return sent


def outbox_pending(job_ids) -> set[str]:
    """Which of ``job_ids`` still have a message waiting in the outbox."""
    return set(Outbox.objects.filter(job_id__in=list(job_ids)).values_list("job_id", flat=True))
