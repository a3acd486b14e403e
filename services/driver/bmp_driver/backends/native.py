"""IPMI 2.0 "lanplus" in-process, through python-ipmi's native RMCP+ client (no subprocess).

Each call opens one RMCP+ session, does its command(s) and closes it: no keep-alive thread and
no session left behind on the BMC (real BMCs hold only 4 to 32). The strongest cipher suite
goes first (17: RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128), then 3 when the BMC refuses it;
the suite a BMC accepted is remembered for the process, so later sessions skip the refusal.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import threading
from collections.abc import Iterator

import pyipmi
import pyipmi.interfaces
import pyipmi.interfaces.rmcpplus as pyipmi_rmcpplus
from pyipmi.chassis import (
    BOOT_PARAMETER_BOOT_FLAGS,
    BootDevice,
    data_to_boot_device,
    data_to_boot_mode,
    data_to_boot_persistency,
)
from pyipmi.errors import (
    AuthenticationError,
    CompletionCodeError,
    DecodingError,
    IpmiConnectionError,
    IpmiLongPasswordError,
    MessageStatusCodeError,
    NotSupportedError,
    RetryError,
)
from pyipmi.event import EVENT_ASSERTION
from pyipmi.msgs import constants
from pyipmi.sel import SelInfo as PyipmiSelInfo

from bmp_common.sel import DEASSERTION, SelEvent
from bmp_driver.backends.base import (
    POWER_OFF,
    POWER_ON,
    BmcAuthError,
    BmcBackend,
    BmcBusyError,
    BmcPrivilegeError,
    BmcUnreachableError,
    BootSetting,
    DriverError,
    FruInfo,
    SelInfo,
    SelRead,
    SelRecord,
)

log = logging.getLogger(__name__)

SUITE_ORDER = (17, 3)

# K1 and K2 (IPMI 2.0 section 13.32): K_N = HMAC_SIK(const N), the HMAC of the suite's
# authentication algorithm, where const N is the octet 0N repeated 20 times, whatever that HMAC
# is. The specification lists the constants as 20 bytes (it was written for HMAC-SHA1 and
# HMAC-MD5; HMAC-SHA256 came later and the text was not changed). The implementations that
# run suite 17 with real BMCs keep 20 bytes for SHA-256 too:
# - ipmitool, src/plugins/lanplus/lanplus_crypt.c: lanplus_generate_k1/_k2 pass CONST_1/CONST_2
#   with length 20 to lanplus_HMAC for every authentication algorithm, SHA-256 included;
# - FreeIPMI, libfreeipmi/util/ipmi-rmcpplus-util.c: IPMI_KEY_CONSTANT_LENGTH is 20 for
#   ipmi_calculate_k1/_k2 (K1 and K2 up to 32 bytes);
# - OpenBMC's BMC side, phosphor-net-ipmid rmcp.hpp: CONST_N_SIZE = 20, used by
#   integrity::AlgoSHA256::generateKn for K1 and (command/rakp34.cpp) K2.
# OpenIPMI's ipmi_sim (lanserv/lanserv_ipmi.c) runs RAKP-HMAC-SHA1 and -MD5 only (suites 0 to
# 14), so it cannot settle suite 17; it sizes the constants by the key (20 for SHA-1).
# python-ipmi 0.6.1 (pyipmi/interfaces/rmcpplus.py, SessionKeys) sizes them by the digest:
# 32 bytes for SHA-256. Against a BMC that derives them as above (the lab's suite-17 BMC, which
# Debian's ipmitool 1.8.19 logs in to with -C 17 and refuses once it uses 32-byte constants)
# every packet python-ipmi signs is dropped and the session never starts. Hence this subclass,
# put in python-ipmi's module for the sessions it opens (tests: test_native.py, suite 17).
KEY_CONSTANT_LENGTH = 20


class _SessionKeys(pyipmi_rmcpplus.SessionKeys):
    """python-ipmi's session keys with K1 and K2 from 20-byte constants (see above)."""

    def __init__(self, suite: pyipmi_rmcpplus.CipherSuite, sik: bytes) -> None:
        super().__init__(suite, sik)
        digest = pyipmi_rmcpplus.AUTH_ALGORITHMS[suite.authentication][0]
        self.k1 = hmac.new(sik, b"\x01" * KEY_CONSTANT_LENGTH, digest).digest()
        self.k2 = hmac.new(sik, b"\x02" * KEY_CONSTANT_LENGTH, digest).digest()


pyipmi_rmcpplus.SessionKeys = _SessionKeys

# RMCP+ status codes (IPMI 2.0 table 13-15) that mean "not these algorithms": try the next suite.
_SUITE_REFUSED = {
    constants.MSC_INVALID_AUTHENTICATION_ALGORITHM,
    constants.MSC_INVALID_INTEGRITY_ALGORITHM,
    constants.MSC_NO_MATCHING_AUTHENTICATION_PAYLOAD,
    constants.MSC_NO_MATCHING_INTEGRITY_PAYLOAD,
    constants.MSC_INVALID_CONFIDENTIALITY_ALGORITHM,
    constants.MSC_NO_CIPHER_SUITE_MATCH,
}
_MSC_BAD_USER_OR_PASSWORD = {
    constants.MSC_UNAUTHORIZED_NAME,
    constants.MSC_INVALID_INTEGRITY_CHECK_VALUE,
    constants.MSC_INVALID_NAME_LENGTH,
}
_MSC_BAD_ROLE = {constants.MSC_INVALID_ROLE, constants.MSC_UNAUTHORIZED_ROLE}
_MSC_BUSY = {constants.MSC_INSUFFICIENT_RESOURCES, constants.MSC_INSUFFICIENT_RESOURCES_FOR_ROLE}
# Completion codes of Set Session Privilege Level that mean "above the user's limit".
_CC_PRIVILEGE = {0x80, 0x81, constants.CC_INSUFFICIENT_PRIVILEGES}

_CHASSIS_CONTROL = {
    "on": "chassis_control_power_up",
    "off": "chassis_control_power_down",
    "soft": "chassis_control_soft_shutdown",
    "cycle": "chassis_control_power_cycle",
    "reset": "chassis_control_hard_reset",
}
_BOOT_DEVICE = {
    "none": BootDevice.NO_OVERRIDE,
    "pxe": BootDevice.PXE,
    "disk": BootDevice.DEFAULT_HDD,
    "safe": BootDevice.DEFAULT_HDD_SAFE,
    "diag": BootDevice.DIAGNOSTIC,
    "cdrom": BootDevice.CD,
    "bios": BootDevice.BIOS,
}
_BOOT_DEVICE_NAME = {value: key for key, value in _BOOT_DEVICE.items()}


class _HideSessionDump(logging.Filter):
    """python-ipmi logs its whole Session at DEBUG when it closes one, password included."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "Password:" in str(record.msg):
            record.msg = "Close Session (details withheld: they hold the password)"
            record.args = None
        return True


logging.getLogger("pyipmi.interfaces.rmcp").addFilter(_HideSessionDump())

# (address, port) -> the cipher suite the BMC accepted last.
_accepted_suites: dict[tuple[str, int], int] = {}
_suites_lock = threading.Lock()


def accepted_suite(address: str, port: int) -> int | None:
    """The cipher suite this process last opened a session with on that BMC, if any."""
    with _suites_lock:
        return _accepted_suites.get((address, port))


def forget_suites() -> None:
    with _suites_lock:
        _accepted_suites.clear()


def _suite_order(key: tuple[str, int]) -> list[int]:
    with _suites_lock:
        known = _accepted_suites.get(key)
    return [known] + [s for s in SUITE_ORDER if s != known] if known else list(SUITE_ORDER)


def _remember_suite(key: tuple[str, int], suite: int) -> None:
    with _suites_lock:
        _accepted_suites[key] = suite


def _suite_refused(exc: Exception) -> bool:
    if isinstance(exc, MessageStatusCodeError):
        return exc.msc in _SUITE_REFUSED
    return _other_algorithms(exc)


def _other_algorithms(exc: Exception) -> bool:
    # Some BMCs (pyghmi's bare server) answer a suite they do not run with other algorithms.
    return isinstance(exc, DecodingError) and "other algorithms" in str(exc)


def _translate(exc: Exception, where: str, *, opening: bool) -> DriverError:
    """One table from python-ipmi's exceptions to the driver's errors."""
    if isinstance(exc, IpmiConnectionError | TimeoutError | RetryError | ConnectionError):
        return BmcUnreachableError(f"the BMC at {where} does not answer (IPMI over UDP)")
    if isinstance(exc, AuthenticationError | IpmiLongPasswordError):
        return BmcAuthError(f"the BMC at {where} refused the user name or password")
    if isinstance(exc, MessageStatusCodeError):
        if exc.msc in _MSC_BAD_USER_OR_PASSWORD:
            return BmcAuthError(f"the BMC at {where} refused the user name or password")
        if exc.msc in _MSC_BAD_ROLE:
            return BmcPrivilegeError(
                f"the BMC user at {where} lacks the privilege level this action needs"
            )
        if exc.msc in _MSC_BUSY:
            return BmcBusyError(f"the BMC at {where} has no free session: {exc}")
        return DriverError(f"the BMC at {where} refused the session: {exc}")
    if isinstance(exc, CompletionCodeError):
        if exc.cc in _CC_PRIVILEGE and (opening or exc.cc == constants.CC_INSUFFICIENT_PRIVILEGES):
            return BmcPrivilegeError(
                f"the BMC user at {where} lacks the privilege level this action needs"
            )
        if exc.cc == constants.CC_NOT_SUPPORTED_PRESENT_STATE:
            return DriverError(f"the BMC at {where} cannot do that in the present power state")
        return DriverError(f"the BMC at {where} answered with an error: {exc}")
    if isinstance(exc, DecodingError | NotSupportedError):
        return DriverError(f"the BMC at {where} sent an answer that cannot be used: {exc}")
    if isinstance(exc, OSError):
        return BmcUnreachableError(f"the BMC at {where} cannot be reached: {exc.strerror or exc}")
    return DriverError(f"IPMI call to {where} failed: {type(exc).__name__}")


class NativeBackend(BmcBackend):
    name = "native"

    # -- sessions ----------------------------------------------------------------------------
    def _open(self, suites: list[int], privilege: str) -> tuple[pyipmi.Ipmi, int]:
        """A session with the first of ``suites`` the BMC accepts, and that suite.

        python-ipmi tries the suites in order inside one handshake: a suite the BMC refuses
        (an Open Session status code of _SUITE_REFUSED) costs one more Open Session Request,
        not a new socket, ping and capabilities exchange as one session per suite did (a
        fifth of a cold fan-out's CPU)."""
        creds = self.credentials
        # max_retries=1: one lost UDP packet is sent again inside the session.
        interface = pyipmi.interfaces.create_interface(
            "rmcpplus", keep_alive_interval=0, cipher_suite=suites[0], max_retries=1
        )
        interface.cipher_suites = tuple(suites)
        ipmi = pyipmi.create_connection(interface)
        ipmi.session.set_session_type_rmcp(creds.address, port=creds.port)
        ipmi.session.set_auth_type_user(creds.username, creds.password)
        ipmi.session.set_priv_level(privilege)
        ipmi.target = pyipmi.Target(ipmb_address=0x20)
        interface.open()  # the socket, with python-ipmi's fixed 2 s timeout...
        interface.set_timeout(self.policy.timeout)  # ...replaced by ours before the first packet
        try:
            ipmi.session.establish()
        except BaseException:
            interface.close()
            raise
        return ipmi, interface._keys.suite.id

    def _connect(self, privilege: str) -> pyipmi.Ipmi:
        key = self.credentials.key
        suites = _suite_order(key)
        try:
            ipmi, suite = self._open(suites, privilege)
        except Exception as exc:
            if len(suites) == 1 or not _other_algorithms(exc):
                raise _translate(exc, str(self.credentials), opening=True) from None
            # A BMC that answers a suite it does not run with other algorithms (pyghmi's bare
            # server) ends python-ipmi's handshake: one session per suite, as before.
            ipmi, suite = self._connect_suite_by_suite(suites[1:], privilege)
        if _suite_order(key)[0] != suite:
            log.info("BMC %s: using cipher suite %d", self.credentials, suite)
        _remember_suite(key, suite)
        return ipmi

    def _connect_suite_by_suite(self, suites: list[int], privilege: str) -> tuple[pyipmi.Ipmi, int]:
        for suite in suites:
            try:
                return self._open([suite], privilege)
            except Exception as exc:
                if _suite_refused(exc) and suite != suites[-1]:
                    log.debug("BMC %s refused cipher suite %d", self.credentials, suite)
                    continue
                raise _translate(exc, str(self.credentials), opening=True) from None
        raise AssertionError("unreachable")  # the last suite returns or raises

    _held: pyipmi.Ipmi | None = None  # the session calls share inside held_session()
    _held_privilege = ""
    _holding = False

    @contextlib.contextmanager
    def held_session(self) -> Iterator[None]:
        """Calls inside share one RMCP+ session, opened by the first: an action's power status,
        command and confirmation polls cost one handshake (four UDP round trips and the key
        exchange, on both sides) instead of one each. A call that fails drops the session, so
        its retry opens a new one."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
            self._release_held()

    def _release_held(self) -> None:
        ipmi, self._held = self._held, None
        if ipmi is not None:
            self._close(ipmi)

    @contextlib.contextmanager
    def session(self, privilege: str | None = None) -> Iterator[pyipmi.Ipmi]:
        """An open RMCP+ session; python-ipmi errors inside come out as ``DriverError``."""
        privilege = privilege or self.privilege
        if self._held is not None and self._held_privilege == privilege:
            ipmi = self._held
        else:
            self._release_held()
            ipmi = self._connect(privilege)
            if self._holding:
                self._held, self._held_privilege = ipmi, privilege
        try:
            yield ipmi
        except DriverError:
            self._drop(ipmi)
            raise
        except Exception as exc:
            self._drop(ipmi)
            raise _translate(exc, str(self.credentials), opening=False) from None
        finally:
            if ipmi is not self._held:
                self._close(ipmi)

    def _drop(self, ipmi: pyipmi.Ipmi) -> None:
        if ipmi is self._held:  # it may be dead: closed below, the retry opens another
            self._held = None

    def _close(self, ipmi: pyipmi.Ipmi) -> None:
        try:
            ipmi.close()
        except Exception:  # the BMC may be gone; the session then times out on its side
            log.debug("BMC %s: closing the session failed", self.credentials)

    # -- one try each ------------------------------------------------------------------------
    def _power_status(self) -> str:
        with self.session() as ipmi:
            return POWER_ON if ipmi.get_chassis_status().power_on else POWER_OFF

    def _chassis_control(self, command: str) -> None:
        with self.session() as ipmi:
            getattr(ipmi, _CHASSIS_CONTROL[command])()

    def _get_boot_device(self) -> BootSetting:
        with self.session() as ipmi:
            data = ipmi.get_system_boot_options(BOOT_PARAMETER_BOOT_FLAGS)
        try:
            device = _BOOT_DEVICE_NAME.get(data_to_boot_device(data), "none")
        except KeyError:  # a reserved device code
            device = "none"
        return BootSetting(
            device=device,
            persistent=data_to_boot_persistency(data),
            efi=data_to_boot_mode(data) == "efi",
            valid=bool(data[0] & 0x80),
        )

    def _set_boot_device(self, device: str, persistent: bool, efi: bool) -> None:
        with self.session() as ipmi:
            ipmi.set_boot_options(_BOOT_DEVICE[device], "efi" if efi else "legacy", persistent)

    def _check_credentials(self, privilege: str) -> None:
        # The BMC checks the role in RAKP 1 and again in Set Session Privilege Level.
        with self.session(privilege) as ipmi:
            ipmi.get_chassis_status()

    def _sel_list(self) -> list[SelRecord]:
        with self.session() as ipmi:
            entries = ipmi.get_sel_entries()
        return [
            SelRecord(
                record_id=entry.record_id,
                timestamp=entry.timestamp,
                sensor_number=entry.sensor_number,
                asserted=entry.event_direction == EVENT_ASSERTION,
                event_data=bytes(entry.event_data).hex(),
                description=(
                    f"sensor type 0x{entry.sensor_type:02x}, event type 0x{entry.event_type:02x}"
                ),
            )
            for entry in entries
        ]

    def _sel_info(self) -> SelInfo:
        with self.session() as ipmi:
            info = PyipmiSelInfo(ipmi.send_message_by_name("GetSelInfo"))
        return SelInfo(
            entries=info.entries,
            last_add=int(info.most_recent_addition or 0),
            last_erase=int(info.most_recent_erase or 0),
        )

    def _sel_events(self) -> list[SelEvent]:
        return self._sel_read(None).events

    def _sel_read(self, after: int | None) -> SelRead:
        # One reservation; start at the cursor's record (its "next" is the first new one), or
        # at the first record when there is no cursor or the cursor's record is gone.
        with self.session() as ipmi:
            if ipmi.get_sel_entries_count() == 0:
                return SelRead([], found=after is None)
            reservation = ipmi.get_sel_reservation_id()
            found = after is None
            next_id = 0
            if after is not None:
                try:
                    _, next_id = ipmi.get_sel_entry(after, reservation)
                    found = True
                except CompletionCodeError as exc:
                    if exc.cc != constants.CC_REQ_DATA_NOT_PRESENT:
                        raise
                    next_id = 0
            events = []
            while next_id != 0xFFFF:
                entry, next_id = ipmi.get_sel_entry(next_id, reservation)
                events.append(_event(entry))
        return SelRead(events, found=found)

    def _fru_inventory(self) -> FruInfo:
        with self.session() as ipmi:
            fru = ipmi.get_fru_inventory(0, ignore_checksum=True)
        product, board = fru.product_info_area, fru.board_info_area

        def text(area, name: str) -> str:
            value = getattr(area, name, None) if area is not None else None
            return str(value).strip() if value is not None else ""

        return FruInfo(
            manufacturer=text(product, "manufacturer") or text(board, "manufacturer"),
            product=text(product, "name") or text(board, "product_name"),
            part_number=text(product, "part_number"),
            serial=text(product, "serial_number"),
            board_serial=text(board, "serial_number"),
        )


def _event(entry) -> SelEvent:
    deasserted = entry.event_direction != EVENT_ASSERTION
    return SelEvent(
        record_id=entry.record_id,
        timestamp=int(entry.timestamp or 0),
        sensor_type=entry.sensor_type or 0,
        sensor_number=entry.sensor_number or 0,
        event_type=(entry.event_type or 0) | (DEASSERTION if deasserted else 0),
        event_data=tuple([*(entry.event_data or b""), 0xFF, 0xFF, 0xFF][:3]),
    )
