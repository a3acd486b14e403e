from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "bmp_openapi.devices"
    label = "devices"
    verbose_name = "Devices (physical servers)"

    def ready(self):
        # An IDC or a device type with live devices cannot be deleted.
        from bmp_openapi.catalog.services import IN_USE_CHECKS as DEVICE_TYPE_IN_USE_CHECKS
        from bmp_openapi.devices.selectors import device_type_has_devices, idc_has_devices
        from bmp_openapi.idcs.services import IN_USE_CHECKS as IDC_IN_USE_CHECKS

        # Labels in English and Chinese: the refusal names what is left in the caller's language.
        _register(IDC_IN_USE_CHECKS, ("devices", "设备"), idc_has_devices)
        _register(DEVICE_TYPE_IN_USE_CHECKS, ("devices", "设备"), device_type_has_devices)

        # What the ends of device jobs mean, and what the end of any job says of the BMC login.
        from bmp_openapi.devices.services import bmc, jobs
        from bmp_openapi.idcs.services import CREDENTIALS_CHANGED as IDC_CREDENTIALS_CHANGED
        from bmp_openapi.jobs.events import HANDLERS, OBSERVERS
        from bmp_openapi.jobs.operator import RETRY_HOOKS

        HANDLERS["PutawayDevice"] = jobs.on_putaway_event
        HANDLERS["CollectHardwareInfo"] = jobs.on_collect_event
        _register_once(OBSERVERS, bmc.on_job_end)
        _register_once(IDC_CREDENTIALS_CHANGED, bmc.devices_idc_credentials_changed)
        RETRY_HOOKS["PutawayDevice"] = jobs.retry_putaway
        RETRY_HOOKS["CollectHardwareInfo"] = jobs.retry_collect


def _register(checks: list, label, check) -> None:
    if not any(registered is check for _, registered in checks):
        checks.append((label, check))


def _register_once(hooks: list, hook) -> None:
    if hook not in hooks:
        hooks.append(hook)
