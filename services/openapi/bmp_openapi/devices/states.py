"""The management lifecycle of a device: upstream's statuses and the one table of what may happen.

Every change of ``manage_status`` and every write that depends on it goes through
``services.lifecycle.device_transition(device, action)``, which looks the pair up in
``TRANSITIONS`` and refuses (409, naming the current status and what is allowed now) anything the
table does not list. Actions that keep the status (modify, associate...) are listed as well, so
"may I do X now?" has one answer.
"""

from __future__ import annotations

IN = "in"
"""Stocked: imported (the status after import) or taken off sale. Not for sale."""
PUTAWAYING = "putawaying"
"""Being put on sale: the scheduler checks the BMC credentials and the network (CheckInitConfig)."""
PUTAWAY = "putaway"
"""On sale: counted as stock of its device type, may be given to a new instance."""
PUTAWAYFAIL = "putawayfail"
"""The put-away checks failed (``reason`` says why); may be retried or deleted."""
CREATED = "created"
"""Sold: an instance runs on it (``instance_id``)."""
REMOVED = "removed"
"""Its instance was removed by an operator (not destroyed through the instance API)."""

STATUSES = (IN, PUTAWAYING, PUTAWAY, PUTAWAYFAIL, CREATED, REMOVED)

# Actions: API operations (upstream's names in the comment) and the lifecycle's own events.
MOUNT = "mount"  # mountDevice (put away)
MOUNT_SUCCEEDED = "mount_succeeded"  # scheduler: CheckInitConfig passed (lifecycle issue)
MOUNT_FAILED = "mount_failed"  # scheduler: CheckInitConfig failed (lifecycle issue)
UNMOUNT = "unmount"  # unMountDevice
SELL = "sell"  # instances: createInstance takes the device (instances issue)
RELEASE = "release"  # instances: the instance is destroyed, the device is for sale again
REMOVE = "remove"  # removeDevice
DELETE = "delete"  # deleteDevice (soft delete; the status is kept)
MODIFY = "modify"  # modifyDevice
ASSOCIATE_DEVICE_TYPE = "associate_device_type"  # deviceAssociateDeviceType
ASSOCIATE_DISKS = "associate_disks"  # associateDeviceDisks

ACTIONS = (
    MOUNT,
    MOUNT_SUCCEEDED,
    MOUNT_FAILED,
    UNMOUNT,
    SELL,
    RELEASE,
    REMOVE,
    DELETE,
    MODIFY,
    ASSOCIATE_DEVICE_TYPE,
    ASSOCIATE_DISKS,
)

# Groups upstream's rules are written in.
MOUNT_ALLOWED = (IN, PUTAWAYFAIL)
DELETE_ALLOWED = (IN, PUTAWAYFAIL, REMOVED)
NOT_SOLD = (IN, PUTAWAYING, PUTAWAY, PUTAWAYFAIL, REMOVED)  # modify and (re)associate

# (status, action) -> the status after it. A pair that is not here is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    # mountDevice: needs a bound device type too (checked by the service); the scheduler's
    # PutawayDevice chain then moves it on.
    **{(status, MOUNT): PUTAWAYING for status in MOUNT_ALLOWED},
    (PUTAWAYING, MOUNT_SUCCEEDED): PUTAWAY,
    (PUTAWAYING, MOUNT_FAILED): PUTAWAYFAIL,
    # unMountDevice: no "unputawaying" step, straight back to stock (as upstream).
    (PUTAWAY, UNMOUNT): IN,
    (PUTAWAY, SELL): CREATED,
    (CREATED, RELEASE): PUTAWAY,
    # removeDevice: forget the instance that runs on it.
    (CREATED, REMOVE): REMOVED,
    **{(status, DELETE): status for status in DELETE_ALLOWED},
    **{(status, MODIFY): status for status in NOT_SOLD},
    **{(status, ASSOCIATE_DEVICE_TYPE): status for status in NOT_SOLD},
    **{(status, ASSOCIATE_DISKS): status for status in NOT_SOLD},
}

# What an operator can ask for through the API (the events of other services are not offered).
API_ACTIONS = (MOUNT, UNMOUNT, REMOVE, DELETE, MODIFY, ASSOCIATE_DEVICE_TYPE, ASSOCIATE_DISKS)


def next_status(status: str, action: str) -> str | None:
    """The status after ``action``, or None when the table does not allow it."""
    return TRANSITIONS.get((status, action))


def allowed_actions(status: str) -> list[str]:
    """The API actions allowed in ``status``, in a stable order."""
    return [action for action in API_ACTIONS if (status, action) in TRANSITIONS]
