"""What a console shows live of an instance (``bmp_common.live_events``, the BFFs' /events):
its owner's stream and those of the users it is shared with, after the commit."""

from __future__ import annotations

from bmp_common import live_events
from bmp_openapi.core import events
from bmp_openapi.instances.models import Instance
from bmp_openapi.instances.selectors import instances_sharer_ids

# The columns whose change an instance's watchers are told of.
LIVE_COLUMNS = frozenset({"status", "progress", "locked", "instance_name"})


def instances_live_publish(instances: list[Instance]) -> None:
    """Tells the watchers of each of ``instances`` that it changed: one query for the shares
    of all, one round trip to Redis after the commit."""
    sharers = instances_sharer_ids(instances)
    events.publish_live_many_on_commit(
        live_events.INSTANCE,
        [
            (
                {
                    "instanceId": instance.instance_id,
                    "instanceName": instance.instance_name,
                    "status": instance.status,
                    "locked": instance.locked,
                    "progress": instance.progress,
                    "jobId": instance.job_id,
                    "reason": instance.reason,
                },
                [instance.user.user_id, *sharers[instance.pk]],
            )
            for instance in instances
        ],
    )
