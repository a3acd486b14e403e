"""Celery queue names and the one routing table every service shares.

Control-plane work goes to ``scheduler``, except step results, which go to ``scheduler.results``;
job events for openapi's worker to ``openapi``; out-of-band work of an IDC to
``driver.<idc_id>``; DHCP changes of an IDC to ``dhcp.<idc_id>``. Task names carry their owner
as a prefix (``bmp.driver.``) and IDC tasks take ``idc_id`` as a keyword argument, which is how
the router finds the queue.

Step results have a queue of their own so that they do not wait behind every submission queued
before them: a create of 1,000 servers puts 1,000 submissions on ``scheduler`` at once, and a
result sent then, on the same FIFO queue, waited until all of them had run, stalling every
chain under way. The scheduler's workers consume both queues (``SCHEDULER_QUEUES``,
``-Q scheduler.results,scheduler``) at once, so a result waits for a task or two, not for the
backlog.
"""

from __future__ import annotations

import re

# No cycle: messages.steps imports this module only inside its functions.
from bmp_common.messages.steps import STEP_RESULT_TASK

SCHEDULER_QUEUE = "scheduler"
SCHEDULER_RESULTS_QUEUE = "scheduler.results"
# What a scheduler worker consumes (its ``-Q``), results first.
SCHEDULER_QUEUES = (SCHEDULER_RESULTS_QUEUE, SCHEDULER_QUEUE)
OPENAPI_QUEUE = "openapi"
DRIVER_PREFIX = "driver"
DHCP_PREFIX = "dhcp"

_IDC_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _idc_queue(prefix: str, idc_id: str) -> str:
    if not isinstance(idc_id, str) or not _IDC_ID.match(idc_id):
        raise ValueError(f"invalid IDC id for a queue name: {idc_id!r}")
    return f"{prefix}.{idc_id}"


def driver_queue(idc_id: str) -> str:
    return _idc_queue(DRIVER_PREFIX, idc_id)


def dhcp_queue(idc_id: str) -> str:
    return _idc_queue(DHCP_PREFIX, idc_id)


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery ``task_routes`` router: the queue of a task from its name and ``idc_id``."""
    if name == STEP_RESULT_TASK:
        return {"queue": SCHEDULER_RESULTS_QUEUE}
    if name.startswith("bmp.scheduler."):
        return {"queue": SCHEDULER_QUEUE}
    if name.startswith("bmp.openapi."):
        return {"queue": OPENAPI_QUEUE}
    if name.startswith("bmp.driver."):
        return {"queue": driver_queue((kwargs or {}).get("idc_id"))}
    if name.startswith("bmp.dhcp."):
        return {"queue": dhcp_queue((kwargs or {}).get("idc_id"))}
    return None
