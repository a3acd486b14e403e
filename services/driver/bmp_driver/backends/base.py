"""The BMC backend interface: one method per concern, and the errors a BMC call can end in.

A backend implements *one try* of each operation (``_power_status``, ``_chassis_control``...);
this base class owns the policy around it: a deadline on every call, retries with a short
backoff when the BMC did not answer, and no retry at all on an authentication or privilege
failure (repeating a bad password locks the account on real BMCs).

Errors carry upstream's driver status codes (``code``), which end up in ``StepResult.error``.
"""

from __future__ import annotations

import abc
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from bmp_common import env
from bmp_common.messages.steps import USER_PRIVILEGE_ERROR, USERNAME_OR_PASSWORD_ERROR
from bmp_common.sel import SelEvent
from bmp_driver.config import env_float

log = logging.getLogger(__name__)

POWER_ON = "on"
POWER_OFF = "off"
PRIVILEGES = ("user", "operator", "administrator")
# Boot devices by their ipmitool names; each backend maps them to its own spelling.
BOOT_DEVICES = ("none", "pxe", "disk", "safe", "diag", "cdrom", "bios")

PING_ILOIP_ERROR = "PING_ILOIP_ERROR"
MAX_CALLS_NOTED = 32  # per action: a poll collapses into one entry, so this is plenty
ERROR = "ERROR"

T = TypeVar("T")


class DriverError(Exception):
    """A BMC call failed; ``code`` is upstream's driver status code, the text is for people."""

    code = ERROR
    transient = False  # worth another try after a short pause


class BmcAuthError(DriverError):
    """The BMC refused the user name or password. Fatal: not tried again, here or by the
    scheduler (``bmp_common.messages.steps.BMC_CREDENTIAL_ERRORS``), as a retry counts towards
    the BMC's account lockout."""

    code = USERNAME_OR_PASSWORD_ERROR


class BmcPrivilegeError(DriverError):
    """The user's privilege limit is below what the call needs. Fatal, as ``BmcAuthError``."""

    code = USER_PRIVILEGE_ERROR


class BmcUnreachableError(DriverError):
    code = PING_ILOIP_ERROR
    transient = True


class BmcBusyError(DriverError):
    """The BMC answered but cannot take the request now (e.g. out of sessions)."""

    transient = True


@dataclasses.dataclass(frozen=True)
class BmcCredentials:
    address: str
    port: int = 623
    username: str = ""
    password: str = dataclasses.field(default="", repr=False)

    @property
    def key(self) -> tuple[str, int]:
        """What identifies the BMC (locks, cipher-suite memory)."""
        return (self.address, self.port)

    def __str__(self) -> str:
        return f"{self.address}:{self.port}"


@dataclasses.dataclass(frozen=True)
class BootSetting:
    device: str  # one of BOOT_DEVICES
    persistent: bool
    efi: bool
    valid: bool  # the override is in force (a one-time one is consumed by the next boot)


@dataclasses.dataclass(frozen=True)
class SelRecord:
    record_id: int
    timestamp: int | None  # unix seconds when the backend can tell
    sensor_number: int | None
    asserted: bool
    event_data: str  # hex
    description: str


@dataclasses.dataclass(frozen=True)
class SelInfo:
    """Get SEL Info: how many records, and when the log last grew and was last cleared."""

    entries: int
    last_add: int  # unix seconds; 0 when the BMC never logged anything
    last_erase: int


@dataclasses.dataclass(frozen=True)
class SelRead:
    """The records after a cursor: ``found`` is False when the cursor's record is gone (the log
    was cleared or wrapped past it), and ``events`` then holds the whole log."""

    events: list[SelEvent]
    found: bool


@dataclasses.dataclass(frozen=True)
class FruInfo:
    """What FRU 0 (the server itself) says of the hardware."""

    manufacturer: str = ""
    product: str = ""
    part_number: str = ""
    serial: str = ""
    board_serial: str = ""

    def to_wire(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class CallPolicy:
    """Timeouts and retries of one backend call."""

    timeout: float = 2.0  # seconds to wait for one BMC answer
    attempts: int = 3  # tries when the BMC does not answer
    backoff: float = 0.2  # seconds before the 2nd try, doubled after each
    deadline: float = 30.0  # no new try starts after this many seconds

    @classmethod
    def from_env(cls) -> CallPolicy:
        return cls(
            timeout=env_float("BMP_DRIVER_BMC_TIMEOUT", cls.timeout),
            attempts=max(1, env.env_int("BMP_DRIVER_BMC_ATTEMPTS", cls.attempts)),
            backoff=env_float("BMP_DRIVER_BMC_BACKOFF", cls.backoff),
            deadline=env_float("BMP_DRIVER_BMC_DEADLINE", cls.deadline),
        )


class BmcBackend(abc.ABC):
    """One BMC, reached through one protocol implementation."""

    name = "abstract"

    def __init__(
        self,
        credentials: BmcCredentials,
        policy: CallPolicy | None = None,
        *,
        privilege: str = "administrator",
    ) -> None:
        if privilege not in PRIVILEGES:
            raise ValueError(f"privilege must be one of {PRIVILEGES}, got {privilege!r}")
        self.credentials = credentials
        self.policy = policy or CallPolicy.from_env()
        self.privilege = privilege

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.credentials}>"

    @contextlib.contextmanager
    def held_session(self) -> Iterator[None]:
        """Calls inside may share one BMC session (an action's status, command and polls);
        a backend without sessions of its own (a process per call) does nothing."""
        yield

    # -- the interface -----------------------------------------------------------------------
    def power_status(self) -> str:
        """``"on"`` or ``"off"``, as the BMC reports it."""
        return self._call("power status", self._power_status)

    def power_on(self) -> None:
        self._call("power on", lambda: self._chassis_control("on"))

    def power_off(self) -> None:
        """Hard power off (no OS shutdown)."""
        self._call("power off", lambda: self._chassis_control("off"))

    def power_soft(self) -> None:
        """ACPI soft off: asks the OS to shut down; the power goes off when it has."""
        self._call("power soft", lambda: self._chassis_control("soft"))

    def power_cycle(self) -> None:
        self._call("power cycle", lambda: self._chassis_control("cycle"))

    def power_reset(self) -> None:
        self._call("power reset", lambda: self._chassis_control("reset"))

    def get_boot_device(self) -> BootSetting:
        return self._call("get boot device", self._get_boot_device)

    def set_boot_device(self, device: str, persistent: bool = True, efi: bool = False) -> None:
        if device not in BOOT_DEVICES:
            raise ValueError(f"boot device must be one of {BOOT_DEVICES}, got {device!r}")
        self._call("set boot device", lambda: self._set_boot_device(device, persistent, efi))

    def check_credentials(self, privilege: str = "administrator") -> None:
        """Raise unless the user can open a session at ``privilege`` with this password."""
        if privilege not in PRIVILEGES:
            raise ValueError(f"privilege must be one of {PRIVILEGES}, got {privilege!r}")
        self._call("credentials check", lambda: self._check_credentials(privilege))

    def sel_list(self) -> list[SelRecord]:
        return self._call("SEL list", self._sel_list)

    def sel_info(self) -> SelInfo:
        return self._call("SEL info", self._sel_info)

    def sel_read(self, after: int | None = None) -> SelRead:
        """The records logged after record ``after`` (all of them when None or gone)."""
        return self._call("SEL read", lambda: self._sel_read(after))

    def fru_inventory(self) -> FruInfo:
        return self._call("FRU read", self._fru_inventory)

    # -- one try each, for the implementations -----------------------------------------------
    @abc.abstractmethod
    def _power_status(self) -> str: ...

    @abc.abstractmethod
    def _chassis_control(self, command: str) -> None:
        """``command``: "on", "off", "soft", "cycle" or "reset"."""

    @abc.abstractmethod
    def _get_boot_device(self) -> BootSetting: ...

    @abc.abstractmethod
    def _set_boot_device(self, device: str, persistent: bool, efi: bool) -> None: ...

    @abc.abstractmethod
    def _check_credentials(self, privilege: str) -> None: ...

    @abc.abstractmethod
    def _sel_list(self) -> list[SelRecord]: ...

    @abc.abstractmethod
    def _sel_info(self) -> SelInfo: ...

    @abc.abstractmethod
    def _sel_events(self) -> list[SelEvent]:
        """The whole log, oldest first."""

    @abc.abstractmethod
    def _fru_inventory(self) -> FruInfo: ...

    def _sel_read(self, after: int | None) -> SelRead:
        """Reads the whole log and keeps what follows ``after``; a backend that can start
        reading at a record (the native one) does better."""
        events = self._sel_events()
        ids = [event.record_id for event in events]
        if after is None or after not in ids:
            return SelRead(events, found=after is None)
        return SelRead(events[ids.index(after) + 1 :], found=True)

    # -- the flight recorder ------------------------------------------------------------------
    @property
    def calls(self) -> list[dict]:
        """The calls made so far (for the job's timeline): what, when, how long, the result
        (``ok`` or the error code); a poll's repeats of one call with one result are one entry
        with ``count``."""
        found = self.__dict__.get("_calls")
        if found is None:
            found = self.__dict__["_calls"] = []
        return found

    def _note_call(self, what: str, at: float, took: float, result: str, tries: int) -> None:
        calls = self.calls
        last = calls[-1] if calls else None
        if last is not None and last["call"] == what and last["result"] == result:
            last["count"] = last.get("count", 1) + 1
            last["durationS"] = round(last["durationS"] + took, 3)
            return
        if len(calls) >= MAX_CALLS_NOTED:
            return
        calls.append(
            {
                "at": at,
                "call": what,
                "backend": self.name,
                "durationS": round(took, 3),
                "result": result,
                "tries": tries,
            }
        )

    # -- the policy --------------------------------------------------------------------------
    def _call(self, what: str, once: Callable[[], T]) -> T:
        policy = self.policy
        started = time.monotonic()
        at = time.time()
        pause = policy.backoff
        for attempt in range(1, policy.attempts + 1):
            try:
                found = once()
                self._note_call(what, at, time.monotonic() - started, "ok", attempt)
                return found
            except DriverError as exc:
                elapsed = time.monotonic() - started
                last = attempt >= policy.attempts or elapsed + pause > policy.deadline
                if not exc.transient or last:
                    self._note_call(what, at, elapsed, exc.code, attempt)
                    raise
                log.info(
                    "BMC %s: %s try %d failed (%s); again in %.1f s",
                    self.credentials,
                    what,
                    attempt,
                    exc,
                    pause,
                )
            time.sleep(pause)
            pause *= 2
        raise AssertionError("unreachable")  # the loop returns or raises
