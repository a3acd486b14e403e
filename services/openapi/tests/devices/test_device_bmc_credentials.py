"""A device shows whether its BMC accepts the credentials, from the ends of its jobs.

The scheduler never retries a refused BMC login (it counts towards the BMC's account lockout),
so the refusal must be visible on the device: refused after a job failed that way, ok after a
later job succeeded, unknown again when the operator changes the credentials.
"""

from __future__ import annotations

from ..catalog.data import ok
from ..instances.conftest import finish_job, last_job
from .conftest import import_devices, spec


def mounted(admin_api, idc_id, make_device_type, *specs) -> list[str]:
    """Devices put on sale: each has a PutawayDevice job (the BMC credential check) running."""
    device_type = make_device_type(idc_id)
    device_ids = ok(import_devices(admin_api, idc_id, list(specs)))["deviceIds"]
    for device_id in device_ids:
        body = {"deviceId": device_id, "deviceTypeId": device_type.device_type_id}
        ok(admin_api.put("/v1/devices/deviceType/associate", body, format="json"))
        ok(admin_api.put("/v1/devices/mount", {"deviceId": device_id}, format="json"))
    return device_ids


def bmc_state(admin_api, device_id: str, **headers) -> tuple:
    device = ok(admin_api.get(f"/v1/devices/{device_id}", **headers))["device"]
    return (
        device["bmcCredentialState"],
        device["bmcCredentialStateName"],
        device["bmcCredentialReason"],
        device["bmcCredentialTime"] is not None,
    )


def refuse(device_id: str, reason: str = "USERNAME_OR_PASSWORD_ERROR") -> None:
    job = last_job(device_id=device_id)
    message = "CheckInitConfig failed: the BMC at 10.1.1.10:623 refused the user name or password"
    finish_job(job.job_id, "failed", action="CheckInitConfig", reason=reason, message=message)


def test_a_refused_login_shows_on_the_device_until_a_job_succeeds(
    admin_api, idc_id, make_device_type
):
    device_id = mounted(admin_api, idc_id, make_device_type, spec(0))[0]
    assert bmc_state(admin_api, device_id) == ("unknown", "Unknown", "", False)

    refuse(device_id)

    assert bmc_state(admin_api, device_id, HTTP_BMPLANGUAGE="zh_CN") == (
        "refused",
        "被拒绝",
        "USERNAME_OR_PASSWORD_ERROR",
        True,
    )
    listed = ok(admin_api.get(f"/v1/devices?idcId={idc_id}"))["devices"]
    assert [(d["deviceId"], d["bmcCredentialState"]) for d in listed] == [(device_id, "refused")]

    ok(admin_api.put("/v1/devices/mount", {"deviceId": device_id}, format="json"))  # again
    finish_job(last_job(device_id=device_id).job_id)

    assert bmc_state(admin_api, device_id) == ("ok", "Accepted", "", True)


def test_a_privilege_refusal_shows_its_code_and_other_failures_change_nothing(
    admin_api, idc_id, make_device_type
):
    privilege, unreachable = mounted(admin_api, idc_id, make_device_type, spec(0), spec(1))

    refuse(privilege, "USER_PRIVILEGE_ERROR")
    refuse(unreachable, "PING_ILOIP_ERROR")

    assert bmc_state(admin_api, privilege)[::2] == ("refused", "USER_PRIVILEGE_ERROR")
    assert bmc_state(admin_api, unreachable) == ("unknown", "Unknown", "", False)


def test_changing_the_bmc_password_makes_the_state_unknown(admin_api, idc_id, make_device_type):
    changed, untouched = mounted(admin_api, idc_id, make_device_type, spec(0), spec(1))
    refuse(changed)
    refuse(untouched)  # both failed to mount: modifyDevice is allowed

    body = {"iloPassword": "The-Right-One-1"}
    ok(admin_api.put(f"/v1/devices/{changed}", body, format="json"))
    ok(admin_api.put(f"/v1/devices/{untouched}", {"description": "rack 7"}, format="json"))

    assert bmc_state(admin_api, changed) == ("unknown", "Unknown", "", True)
    assert bmc_state(admin_api, untouched)[0] == "refused"


def test_changing_the_idc_password_resets_only_the_devices_that_use_it(
    admin_api, idc_id, make_device_type
):
    own, borrowed = mounted(
        admin_api, idc_id, make_device_type, spec(0), spec(1, iloUser="", iloPassword="")
    )
    refuse(own)
    refuse(borrowed)

    body = {"iloUser": "admin", "iloPassword": "Idc-Bmc-Pass-2"}
    ok(admin_api.put(f"/v1/idcs/{idc_id}", body, format="json"))

    assert bmc_state(admin_api, own)[0] == "refused"
    assert bmc_state(admin_api, borrowed)[0] == "unknown"
