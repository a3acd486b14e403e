"""Messages leave after commit, and a message whose send was lost is sent by the sweep."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bmp_scheduler.workflow.models import Outbox

log = logging.getLogger(__name__)


def celery_app():
    from bmp_scheduler.celery import app

    return app


def enqueue(task: str, kwargs: dict) -> None:
    """Send ``task`` once the current transaction commits (nothing is sent if it rolls back)."""
    row = Outbox.objects.create(task=task, kwargs=kwargs)
    transaction.on_commit(lambda: _send(row.pk, task, kwargs))


def _send(pk: int, task: str, kwargs: dict) -> bool:
    try:
        celery_app().send_task(task, kwargs=kwargs)
    except Exception:
        # The row stays: the sweep sends it again once the broker answers.
        log.exception("could not send %s (outbox row %s); the sweep will retry", task, pk)
        return False
    Outbox.objects.filter(pk=pk).delete()
    return True


def send_pending(limit: int) -> int:
    """Send what a dead worker committed but never sent (older than the grace period)."""
    cutoff = timezone.now() - timedelta(seconds=settings.BMP_SCHEDULER_OUTBOX_GRACE)
    rows = list(
        Outbox.objects.filter(created_at__lt=cutoff)
        .order_by("id")
        .values_list("pk", "task", "kwargs")[:limit]
    )
    sent = 0
    for pk, task, kwargs in rows:
        sent += _send(pk, task, kwargs)
    if rows:
        log.warning(
            "outbox: sent %d of %d messages left over by an earlier worker", sent, len(rows)
        )
    return sent
