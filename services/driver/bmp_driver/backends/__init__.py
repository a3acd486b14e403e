"""BMC backends: how the driver talks to a BMC. ``make_backend`` picks one by name."""

from __future__ import annotations

from bmp_driver.backends.base import BmcBackend, BmcCredentials, CallPolicy
from bmp_driver.backends.ipmitool import IpmitoolBackend
from bmp_driver.backends.native import NativeBackend

BACKENDS: dict[str, type[BmcBackend]] = {
    "native": NativeBackend,  # python-ipmi, in-process RMCP+
    "ipmitool": IpmitoolBackend,  # the ipmitool binary, password by environment
}


def make_backend(
    interface: str | None,
    credentials: BmcCredentials,
    policy: CallPolicy | None = None,
    **options,
) -> BmcBackend:
    """The backend named ``interface`` ("native" when empty) for one BMC."""
    try:
        backend = BACKENDS[interface or "native"]
    except KeyError:
        raise ValueError(
            f"unknown BMC interface {interface!r} (use one of {', '.join(BACKENDS)})"
        ) from None
    return backend(credentials, policy, **options)
