"""What the BMC said of a device's credentials, learnt from the ends of the device's jobs.

Every job chain logs in to the device's BMC (the power and boot-device steps, or put-away's
credential check), so a job that succeeded shows the credentials accepted, and a job that
failed with a BMC credential code (``bmp_common.messages.steps.BMC_CREDENTIAL_ERRORS``) shows
them refused. The scheduler never retries a refusal (it counts towards the BMC's account
lockout), so the operator must see it on the device. Other failures say nothing about the
credentials. A change of the credentials makes the state unknown until the next job ends.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from bmp_common.messages.jobs import EVENT_FAILED, EVENT_SUCCEEDED, JobEvent
from bmp_common.messages.steps import BMC_CREDENTIAL_ERRORS
from bmp_openapi.devices import choices
from bmp_openapi.devices.models import Device

# modifyDevice fields that change which credentials reach which BMC.
CREDENTIAL_FIELDS = ("iloIp", "iloPort", "iloUser", "iloPassword")
# modifyDevice fields after which an ``auto`` device's BMC is probed again.
INTERFACE_FIELDS = ("iloIp", "iloPort", "bmcInterface")


def on_job_end(job, event: JobEvent) -> None:
    """Every task's events (``core.events.job_event_applied``): an end records the BMC's verdict,
    and what an ``auto`` device's BMC was found to speak."""
    found = event.observed.get("bmc_interface")
    if found in (choices.BMC_NATIVE, choices.BMC_REDFISH):
        Device.objects.filter(
            device_id=job.device_id, bmc_interface=choices.BMC_AUTO, bmc_interface_detected=""
        ).update(bmc_interface_detected=found)
    if event.kind == EVENT_SUCCEEDED:
        state, reason = choices.BMC_CREDENTIALS_OK, ""
    elif event.kind == EVENT_FAILED and event.reason in BMC_CREDENTIAL_ERRORS:
        state, reason = choices.BMC_CREDENTIALS_REFUSED, event.reason
    else:
        return
    _record(Device.objects.filter(device_id=job.device_id), state, reason)


def credential_columns_reset() -> dict:
    """The columns of a device whose BMC credentials were just changed (modifyDevice)."""
    return {
        "bmc_credential_state": choices.BMC_CREDENTIALS_UNKNOWN,
        "bmc_credential_reason": "",
        "bmc_credential_changed_at": timezone.now(),
    }


def devices_idc_credentials_changed(idc) -> int:
    """The IDC's BMC user or password changed: the devices that use it (no user or no password
    of their own, see ``jobs.services.submission.node_facts``) are unknown again."""
    uses_idc = Device.objects.filter(idc=idc).filter(Q(ilo_user="") | Q(ilo_password_encrypted=""))
    return _record(uses_idc, choices.BMC_CREDENTIALS_UNKNOWN, "")


def _record(devices: QuerySet, state: str, reason: str) -> int:
    """Only rows whose state changes are written, so the time says since when it holds (and a
    job's end costs no write when nothing changed)."""
    changed = devices.exclude(bmc_credential_state=state, bmc_credential_reason=reason)
    return changed.update(
        bmc_credential_state=state,
        bmc_credential_reason=reason,
        bmc_credential_changed_at=timezone.now(),
    )
