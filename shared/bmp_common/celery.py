"""The Celery app factory: one configuration for every service that sends or runs tasks."""

from __future__ import annotations

from celery import Celery

from bmp_common import env
from bmp_common.queues import SCHEDULER_QUEUE, route_task


def make_celery(service: str) -> Celery:
    """A Celery app for ``service``; broker and result backend come from the environment.

    Tasks are idempotent by contract (they take ids and re-check state), which is what makes
    ``acks_late`` safe: a worker killed mid-task leaves the message to be redelivered.
    """
    app = Celery(f"bmp-{service}")
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
        enable_utc=True,
        timezone="UTC",
    )
    return app
