"""The Celery app factory: one configuration for every service that sends or runs tasks."""

from __future__ import annotations

from celery import Celery, signals

from bmp_common import env
from bmp_common.queues import SCHEDULER_QUEUE, route_task


class BmpCelery(Celery):
    """Celery whose ``send_task`` honours ``task_ignore_result``.

    Celery's own only skips the result bookkeeping when ``ignore_result=True`` is passed per
    call: otherwise, with the redis result backend, every message sent also subscribes to and
    unsubscribes from a result channel nobody reads (two more round trips to redis).
    """

    def send_task(self, name, args=None, kwargs=None, **options):
        options.setdefault("ignore_result", self.conf.task_ignore_result)
        return super().send_task(name, args, kwargs, **options)


def make_celery(service: str) -> Celery:
    """A Celery app for ``service``; broker and result backend come from the environment.

    Tasks are idempotent by contract (they take ids and re-check state), which is what makes
    ``acks_late`` safe: a worker killed mid-task leaves the message to be redelivered.
    """
    app = BmpCelery(f"bmp-{service}")
    app.conf.update(
        broker_url=env.broker_url(),
        result_backend=env.result_backend_url(),
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=SCHEDULER_QUEUE,
        task_routes=(route_task,),
        task_ignore_result=True,
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": 3600},
        # After a broker outage with tasks under way, Celery lowers the prefetch count and
        # raises it again from each ending task's thread, with a basic.qos whose reply that
        # thread reads from the connection the consumer reads too: workers were left taking one
        # task at a time, or receiving nothing (tests/integration/test_broker_restart.py).
        # Off, a reconnected worker takes as many tasks as it has threads at once.
        worker_enable_prefetch_count_reduction=False,
        # Steps under way keep running through an outage: their results go out on a new
        # connection and the redelivered message is answered again (tasks are idempotent).
        # Said explicitly: Celery 6 changes the default.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        enable_utc=True,
        timezone="UTC",
    )
    return app


def import_sender_modules(app: Celery) -> None:
    """Imports what a process's first ``send_task`` imports (the AMQP machinery, the broker's
    transport, the result backend), without connecting: for the web services that send tasks,
    at start. Their first requests imported them: about a tenth of the agent gateway's CPU in a
    300-server storm, while agents waited."""
    app.amqp.producer_pool  # noqa: B018 (read for the imports; its connections open on use)
    app.events.Dispatcher  # noqa: B018
    app.backend  # noqa: B018 (one per thread; its module stays imported)
    with app.connection_for_write() as connection:
        connection.transport  # noqa: B018 (kombu's transport module; nothing connects)


# Celery's Django fixup closes every database connection before and after each task unless
# CELERY_DB_REUSE_MAX is set: a new SQLite connection (and its PRAGMAs) or a MySQL login per
# task, a fifth of a step's cost in a storm. Workers keep them instead and, like Django's request
# cycle, let CONN_MAX_AGE and the health checks decide when one is closed.
DB_REUSE_MAX = 1_000_000


def keep_django_connections(app: Celery) -> None:
    """For the workers of Django projects (openapi, scheduler)."""
    app.conf.CELERY_DB_REUSE_MAX = DB_REUSE_MAX
    signals.task_prerun.connect(_close_old_connections, weak=False)
    signals.task_postrun.connect(_close_old_connections, weak=False)


def _close_old_connections(**_kwargs) -> None:
    from django.db import close_old_connections

    close_old_connections()
