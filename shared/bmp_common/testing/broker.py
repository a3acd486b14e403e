"""Broker helpers for tests of step workers (driver, dhcp-agent)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker
from kombu import Connection

from bmp_common.queues import SCHEDULER_RESULTS_QUEUE


@contextmanager
def step_worker(app, queue: str, *, concurrency: int) -> Iterator[object]:
    """A real worker of ``app`` in a thread, consuming ``queue`` of the test broker."""
    with start_worker(
        app,
        pool="threads",
        concurrency=concurrency,
        queues=[queue],
        perform_ping_check=False,
        loglevel="WARNING",
    ) as running:
        yield running


@contextmanager
def scheduler_queue(app) -> Iterator[object]:
    """The scheduler's queue of step results (``scheduler.results``), read by the test instead:
    what a step worker reported.

    Emptied first: what other tests reported to the scheduler is not the test's.
    """
    with Connection(app.conf.broker_url) as conn:
        queue = conn.SimpleQueue(SCHEDULER_RESULTS_QUEUE)
        while True:
            try:
                queue.get(block=False).ack()
            except queue.Empty:
                break
        try:
            yield queue
        finally:
            queue.close()
