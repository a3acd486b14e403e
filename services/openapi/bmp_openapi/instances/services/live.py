"""What a console shows live of an instance (``bmp_common.live_events``, the BFFs' /events):
its owner's stream and those of the users it is shared with, after the commit."""

from __future__ import annotations

from bmp_common import live_events
from bmp_openapi.accounts.models import User
from bmp_openapi.core import events
from bmp_openapi.instances.models import Instance
from bmp_openapi.instances.selectors import instances_sharer_ids

# The columns whose change an instance's watchers are told of.
LIVE_COLUMNS = frozenset({"status", "progress", "locked", "instance_name"})


def instances_live_publish(instances: list[Instance]) -> None:
    """Tells the watchers of each of ``instances`` that it changed: one query for the shares
    of all (and one for the owners not loaded yet), one round trip to Redis after the commit."""
    owners = _owner_ids(instances)
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
                [owners[instance.user_id], *sharers[instance.pk]],
            )
            for instance in instances
        ],
    )


def _owner_ids(instances: list[Instance]) -> dict[int, str]:
    """The public id of each instance's owner (by the user's key): from the users already
    loaded, the others' in one query (their ids, not their rows)."""
    owners = {
        instance.user_id: instance.user.user_id
        for instance in instances
        if Instance.user.is_cached(instance)
    }
    missing = {instance.user_id for instance in instances} - owners.keys()
    if missing:
        users = User.all_objects.filter(pk__in=missing).order_by()
        owners.update(users.values_list("pk", "user_id"))
    return owners
