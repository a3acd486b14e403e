"""The Celery app factory: one configuration for every service that sends or runs tasks."""

from __future__ import annotations

from celery import Celery, signals
from kombu import transport as kombu_transports
from kombu.transport import redis as kombu_redis

from bmp_common import env
from bmp_common.queues import SCHEDULER_QUEUE, route_task


class BmpCelery(Celery):
    """Celery whose ``send_task`` honours ``task_ignore_result`` and does not repeat the
    message's arguments in its headers.

    Celery's own only skips the result bookkeeping when ``ignore_result=True`` is passed per
    call: otherwise, with the redis result backend, every message sent also subscribes to and
    unsubscribes from a result channel nobody reads (two more round trips to redis).

    ``argsrepr`` and ``kwargsrepr`` are headers for monitoring tools, by default a ``repr`` of
    every argument: a tenth of each send's CPU, and a copy of the body (encrypted secrets
    included) where tools show and log it. Ours name the arguments only.
    """

    def send_task(self, name, args=None, kwargs=None, **options):
        options.setdefault("ignore_result", self.conf.task_ignore_result)
        options.setdefault("argsrepr", f"<{len(args or ())} arguments>")
        options.setdefault("kwargsrepr", "{" + ", ".join(sorted(kwargs or {})) + "}")
        return super().send_task(name, args, kwargs, **options)


class _RedisChannel(kombu_redis.Channel):
    """kombu's redis channel, publishing through one client: kombu makes a new ``redis.Redis``
    (and its table of response callbacks) for every message it publishes, a tenth of the
    driver's CPU in a storm. The client is stateless over the channel's connection pool, so
    one is kept per pool (a reconnect makes a new pool, and with it a new client)."""

    _publisher: tuple[object, object] | None = None  # (pool, client)

    def _create_client(self, asynchronous=False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        pool = self.pool
        if self._publisher is None or self._publisher[0] is not pool:
            self._publisher = (pool, super()._create_client())
        return self._publisher[1]


class RedisTransport(kombu_redis.Transport):
    Channel = _RedisChannel


# kombu picks the transport by the URL's scheme (``redis+socket://`` too, which no setting
# overrides): the schemes of redis name ours.
for _scheme in ("redis", "rediss"):
    kombu_transports.TRANSPORT_ALIASES[_scheme] = f"{__name__}:RedisTransport"


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
