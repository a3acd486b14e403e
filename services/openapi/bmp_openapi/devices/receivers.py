"""What the devices app answers the apps below it (``core.events``, connected in
``DevicesConfig.ready``): in-use checks, the BMC credentials of an IDC, and the ends of jobs."""

from __future__ import annotations

from bmp_common.messages.jobs import COLLECT_HARDWARE_INFO, PUTAWAY_DEVICE
from bmp_openapi.core import events
from bmp_openapi.devices.selectors import device_type_has_devices, idc_has_devices
from bmp_openapi.devices.services import bmc, jobs

# Labels in English and Chinese: the refusal names what is left in the caller's language.
DEVICES = ("devices", "设备")

# What the end of each device job means (the instances app owns the others).
ON_JOB_EVENT = {PUTAWAY_DEVICE: jobs.on_putaway_event, COLLECT_HARDWARE_INFO: jobs.on_collect_event}
ON_RETRY = {PUTAWAY_DEVICE: jobs.retry_putaway, COLLECT_HARDWARE_INFO: jobs.retry_collect}


def idc_in_use(sender, *, idc, **kwargs):
    return DEVICES if idc_has_devices(idc) else None


def device_type_in_use(sender, *, device_type, **kwargs):
    return DEVICES if device_type_has_devices(device_type) else None


def idc_credentials_changed(sender, *, idc, **kwargs) -> None:
    bmc.devices_idc_credentials_changed(idc)


def job_event_applied(sender, *, job, event, **kwargs) -> None:
    handler = ON_JOB_EVENT.get(job.task)
    if handler is not None:
        handler(job, event)
    bmc.on_job_end(job, event)  # any job's end says whether the BMC took the credentials


def job_retrying(sender, *, job, actor_name: str, **kwargs) -> None:
    retry = ON_RETRY.get(job.task)
    if retry is not None:
        retry(job, actor_name)


def connect() -> None:
    for signal, receiver in (
        (events.idc_in_use, idc_in_use),
        (events.device_type_in_use, device_type_in_use),
        (events.idc_credentials_changed, idc_credentials_changed),
        (events.job_event_applied, job_event_applied),
        (events.job_retrying, job_retrying),
    ):
        signal.connect(receiver, dispatch_uid=f"devices.{receiver.__name__}")
