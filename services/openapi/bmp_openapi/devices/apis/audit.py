"""Audit entries of device operations name the device and its serial number."""

from __future__ import annotations

from bmp_openapi.devices.selectors import device_sn


class DeviceAudited:
    """Mixed into a device ``BmpApi`` whose ``audit_resource`` is a device id."""

    audit_resource: str

    def audit_columns(self) -> dict[str, str]:
        if not self.audit_resource:
            return {}
        return {"device_id": self.audit_resource, "sn": device_sn(device_id=self.audit_resource)}
