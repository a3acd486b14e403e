"""Messages leave after commit, and a message whose send was lost is sent by the sweep.

A sent row is not deleted by a transaction of its own (one more turn of the database's write
lock per message, a quarter of a step's cost on SQLite): each process collects what it sent
and a background thread deletes them together every ``FORGET_INTERVAL_S``, long before the
sweep's grace period would make it send them again. A process that dies in between leaves rows
the sweep sends again, as it did for a process killed before its send: receivers ignore
duplicates ((step, attempt), (job, sequence)).
"""

from __future__ import annotations

import atexit
import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from bmp_common.db import insert_rows
from bmp_scheduler.workflow.models import Outbox

log = logging.getLogger(__name__)

FORGET_INTERVAL_S = 0.2


def celery_app():
    from bmp_scheduler.celery import app

    return app


def enqueue(task: str, kwargs: dict) -> None:
    """Send ``task`` once the current transaction commits (nothing is sent if it rolls back)."""
    row = Outbox(task=task, kwargs=kwargs)
    insert_rows([row])  # one per step sent: compiled once (bmp_common.db)
    transaction.on_commit(lambda: _send(row.pk, task, kwargs))


def _send(pk: int, task: str, kwargs: dict) -> bool:
    try:
        celery_app().send_task(task, kwargs=kwargs)
    except Exception:
        # The row stays: the sweep sends it again once the broker answers.
        log.exception("could not send %s (outbox row %s); the sweep will retry", task, pk)
        return False
    _sent.add(pk)
    return True


class _SentRows:
    """Primary keys of sent rows, deleted in batches by one daemon thread per process."""

    def __init__(self) -> None:
        self._pks: list[int] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, pk: int) -> None:
        with self._lock:
            self._pks.append(pk)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="outbox-forget", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(FORGET_INTERVAL_S)
            self._wake.clear()
            self.forget()

    def forget(self) -> int:
        """Delete the rows sent so far (also called at exit and by tests); how many."""
        with self._lock:
            pks, self._pks = self._pks, []
        if not pks:
            return 0
        try:
            close_old_connections()
            Outbox.objects.filter(pk__in=pks).delete()
        except Exception:
            log.warning("outbox: could not delete %d sent rows; trying again", len(pks))
            with self._lock:
                self._pks[:0] = pks
            return 0
        return len(pks)


_sent = _SentRows()
forget_sent = _sent.forget
atexit.register(forget_sent)


def send_pending(limit: int) -> int:
    """Send what a dead worker committed but never sent (older than the grace period)."""
    forget_sent()  # what this process sent is not left over
    cutoff = timezone.now() - timedelta(seconds=settings.BMP_SCHEDULER_OUTBOX_GRACE)
    rows = list(
        Outbox.objects.filter(created_at__lt=cutoff)
        .order_by("id")
        .values_list("pk", "task", "kwargs")[:limit]
    )
    sent = 0
    for pk, task, kwargs in rows:
        sent += _send(pk, task, kwargs)
    forget_sent()
    if rows:
        log.warning(
            "outbox: sent %d of %d messages left over by an earlier worker", sent, len(rows)
        )
    return sent
