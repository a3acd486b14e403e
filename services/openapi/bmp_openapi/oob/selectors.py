"""Reads of out-of-band monitoring: device health for answers, the poller's targets."""

from __future__ import annotations

from bmp_openapi.devices import states
from bmp_openapi.devices.models import Device
from bmp_openapi.oob.models import COMPONENTS, HEALTH_OK, DeviceHealth

HEALTHY = dict.fromkeys(COMPONENTS, HEALTH_OK)


def health_by_device(device_ids) -> dict[str, dict[str, str]]:
    """device_id -> component health, for the given devices (one query)."""
    rows = DeviceHealth.objects.filter(device_id__in=[d for d in device_ids if d])
    return {row.device_id: row.summary() for row in rows}


def oob_targets(*, idc_id: str):
    """The IDC's devices whose BMC the out-of-band poller reads: every live device that is not
    being removed (removed devices have left the rack)."""
    return (
        Device.objects.filter(idc__idc_id=idc_id)
        .exclude(manage_status=states.REMOVED)
        .select_related("idc")
        .order_by("id")
    )
