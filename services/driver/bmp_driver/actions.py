"""The driver's step actions, composed from backend calls.

Upstream slept a fixed 3 to 10 s after every ipmitool command. Here an action that changes the
power state polls the BMC until it reports the new state, up to a bound, and says so if it
never does. Every action is safe to run twice (a redelivered step): it looks at the power state
first where that decides what to do.

``run_action`` never raises: it returns an ``Outcome``, ok with ``data["power"]``, or failed with
``error`` = upstream's driver status code and ``data["message"]`` = a sentence (no secrets).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

from bmp_common.messages import actions
from bmp_common.messages.steps import STEP_FAILED, STEP_OK
from bmp_driver.backends.base import (
    ERROR,
    POWER_OFF,
    POWER_ON,
    PRIVILEGES,
    BmcBackend,
    DriverError,
)
from bmp_driver.config import env_float

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Timing:
    soft_off_grace: float = 30.0  # seconds the OS gets to honour ACPI soft-off
    confirm_timeout: float = 60.0  # seconds to wait until the BMC reports a new power state
    poll_interval: float = 1.0

    @classmethod
    def from_env(cls) -> Timing:
        return cls(
            soft_off_grace=env_float("BMP_DRIVER_SOFT_OFF_GRACE", cls.soft_off_grace),
            confirm_timeout=env_float("BMP_DRIVER_POWER_CONFIRM_TIMEOUT", cls.confirm_timeout),
            poll_interval=env_float("BMP_DRIVER_POLL_INTERVAL", cls.poll_interval),
        )


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: str  # STEP_OK or STEP_FAILED
    data: dict[str, Any]
    error: str | None = None

    @classmethod
    def ok(cls, **data: Any) -> Outcome:
        return cls(STEP_OK, data)

    @classmethod
    def failed(cls, code: str, message: str) -> Outcome:
        return cls(STEP_FAILED, {"message": message}, code)


def wait_for_power(backend: BmcBackend, want: str, timeout: float, interval: float) -> bool:
    """Poll until the BMC reports ``want``; False if it still does not after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        if backend.power_status() == want:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(interval, remaining))


def _confirm(backend: BmcBackend, want: str, timing: Timing, after: str) -> str:
    if not wait_for_power(backend, want, timing.confirm_timeout, timing.poll_interval):
        raise DriverError(
            f"the BMC at {backend.credentials} still reports power {_other(want)} "
            f"{timing.confirm_timeout:g} s after {after}"
        )
    return want


def _other(state: str) -> str:
    return POWER_OFF if state == POWER_ON else POWER_ON


def _efi(params: dict) -> bool:
    return params.get("boot_mode") == "uefi" or params.get("efi") is True


def _power_up_or(backend: BmcBackend, timing: Timing, when_on: Callable[[], None], name: str):
    """Power on if off, else ``when_on`` (reset/cycle refuse to act on a server that is off)."""
    if backend.power_status() == POWER_OFF:
        backend.power_on()
        return _confirm(backend, POWER_ON, timing, "power on")
    when_on()
    return _confirm(backend, POWER_ON, timing, name)


# -- the actions ---------------------------------------------------------------------------
def set_pxe_boot(backend: BmcBackend, params: dict, timing: Timing) -> dict:
    # One-time by default: a server whose job died boots its disk again, not the LiveOS forever.
    persistent = params.get("persistent") is True
    backend.set_boot_device("pxe", persistent=persistent, efi=_efi(params))
    power = _power_up_or(backend, timing, backend.power_reset, "power reset")
    return {"power": power, "boot_device": "pxe"}


def set_disk_boot(backend: BmcBackend, params: dict, timing: Timing) -> dict:
    backend.set_boot_device("disk", persistent=True, efi=_efi(params))
    return {"power": backend.power_status(), "boot_device": "disk"}


def power_on(backend: BmcBackend, params: dict, timing: Timing) -> dict:
    backend.power_on()  # accepted while on, so a repeat is harmless
    return {"power": _confirm(backend, POWER_ON, timing, "power on")}


def power_off(backend: BmcBackend, params: dict, timing: Timing) -> dict:
    if backend.power_status() == POWER_OFF:
        return {"power": POWER_OFF}
    try:
        backend.power_soft()
    except DriverError as exc:
        if exc.code != ERROR:  # auth, privilege, no answer: hard off would fail the same way
            raise
        log.info("BMC %s refused soft-off (%s); powering off hard", backend.credentials, exc)
    else:
        grace, interval = timing.soft_off_grace, timing.poll_interval
        if wait_for_power(backend, POWER_OFF, grace, interval):
            return {"power": POWER_OFF, "soft": True}
        log.info("BMC %s: still on %g s after soft-off; hard off now", backend.credentials, grace)
    backend.power_off()
    return {"power": _confirm(backend, POWER_OFF, timing, "power off"), "soft": False}


def power_reset(backend: BmcBackend, params: dict, timing: Timing) -> dict:
    return {"power": _power_up_or(backend, timing, backend.power_reset, "power reset")}


def power_cycle(backend: BmcBackend, params: dict, timing: Timing) -> dict:
    return {"power": _power_up_or(backend, timing, backend.power_cycle, "power cycle")}


def power_status(backend: BmcBackend, params: dict, timing: Timing) -> dict:
    return {"power": backend.power_status()}


def check_init_config(backend: BmcBackend, params: dict, timing: Timing) -> dict:
    privilege = str(params.get("privilege") or "administrator").lower()
    if privilege not in PRIVILEGES:
        raise ValueError(f"params.privilege must be one of {', '.join(PRIVILEGES)}")
    backend.check_credentials(privilege)
    return {"privilege": privilege, "power": backend.power_status()}


ACTIONS: dict[str, Callable[[BmcBackend, dict, Timing], dict]] = {
    actions.SET_PXE_BOOT: set_pxe_boot,
    actions.SET_DISK_BOOT: set_disk_boot,
    actions.POWER_ON: power_on,
    actions.POWER_OFF: power_off,
    actions.POWER_RESET: power_reset,
    actions.POWER_CYCLE: power_cycle,
    actions.POWER_STATUS: power_status,
    actions.CHECK_INIT_CONFIG: check_init_config,
}


def run_action(
    backend: BmcBackend, action: str, params: dict, timing: Timing | None = None
) -> Outcome:
    run = ACTIONS.get(action)
    if run is None:
        return Outcome.failed(ERROR, f"the driver has no action {action!r}")
    try:
        return Outcome.ok(**run(backend, params, timing or Timing.from_env()))
    except DriverError as exc:
        return Outcome.failed(exc.code, f"{action} failed: {exc}")
    except ValueError as exc:
        return Outcome.failed(ERROR, f"{action} failed: {exc}")
