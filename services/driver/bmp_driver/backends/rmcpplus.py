"""Power status of many BMCs from one thread and one UDP socket: RMCP+ sessions as state machines.

The native backend (python-ipmi) spends about a millisecond of Python per session in its
per-message objects, and a thread per BMC blocks on every round trip. Here each BMC is a small
state machine driven by the replies as they arrive, so a thousand sessions run at once on one
socket and the CPU goes to the crypto (hashlib/OpenSSL) and little else.

One session per BMC, as the native backend opens it (IPMI 2.0 section 13): Get Channel
Authentication Capabilities, Open Session (the strongest cipher suite first, 17 then 3; a
refused suite costs one more Open Session Request; a suite the BMC accepted before is tried
first, shared with the native backend), RAKP 1 to 4, Set Session Privilege Level, Get Chassis
Status, then Close Session. The Close is sent but its answer is not awaited: the status is
known, and a lost Close leaves a session the BMC expires itself, as when a driver dies.

A call ends as the native backend's does: the same ``DriverError`` classes and texts, the same
retries (a lost datagram is sent once more; a BMC that does not answer, or is busy, is tried
again after ``policy.backoff``, which doubles, up to ``policy.attempts`` and
``policy.deadline``; never after a refused password).
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import hmac
import itertools
import logging
import os
import selectors
import socket
import struct
import time
from collections import deque

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bmp_driver.backends import native
from bmp_driver.backends.base import (
    POWER_OFF,
    POWER_ON,
    BmcAuthError,
    BmcBusyError,
    BmcCredentials,
    BmcPrivilegeError,
    BmcUnreachableError,
    CallPolicy,
    DriverError,
)

log = logging.getLogger(__name__)

RMCP_HEADER = b"\x06\x00\xff\x07"
PRIVILEGE_ADMINISTRATOR = 4
NAME_ONLY_LOOKUP = 0x10  # RAKP 1 role bit: look the user up by name and role
MAX_USERNAME, MAX_PASSWORD = 16, 20  # IPMI 2.0 user name and Kuid limits
RECEIVE_BUFFER = 4 << 20  # replies of a whole window may queue while crypto runs
REPLY_TRUESIZE = 2048  # what a queued reply of < 200 bytes costs the buffer, with headroom
CONST_1 = b"\x01" * native.KEY_CONSTANT_LENGTH
CONST_2 = b"\x02" * native.KEY_CONSTANT_LENGTH

# Payload types (IPMI 2.0 table 13-16).
PAYLOAD_IPMI, OPEN_REQUEST, OPEN_RESPONSE = 0x00, 0x10, 0x11
RAKP1, RAKP2, RAKP3, RAKP4 = 0x12, 0x13, 0x14, 0x15
SEALED = 0xC0  # encrypted and authenticated

# RMCP+ status codes (IPMI 2.0 table 13-15) and completion codes, as the native backend sorts them.
_SUITE_REFUSED = native._SUITE_REFUSED
_BAD_USER_OR_PASSWORD = native._MSC_BAD_USER_OR_PASSWORD
_BAD_ROLE = native._MSC_BAD_ROLE
_BUSY = native._MSC_BUSY
_CC_PRIVILEGE = native._CC_PRIVILEGE
CC_INSUFFICIENT_PRIVILEGES = 0xD4


@dataclasses.dataclass(frozen=True)
class Suite:
    """A cipher suite's algorithm numbers and what they mean for the keys and check values."""

    number: int
    algorithms: tuple[int, int, int]  # authentication, integrity, confidentiality
    digest: str  # hashlib name of the RAKP and integrity HMACs
    rakp4_length: int  # bytes of RAKP 4's integrity check value
    integrity_length: int  # bytes of a session packet's AuthCode

    @property
    def digest_size(self) -> int:
        return hashlib.new(self.digest).digest_size


SUITES = {
    # RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128
    17: Suite(17, (3, 4, 1), "sha256", 16, 16),
    # RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128
    3: Suite(3, (1, 1, 1), "sha1", 12, 12),
}

# The session's steps, in order; each names the reply it waits for.
AUTH_CAPS, OPEN, RAKP, ACTIVATE, PRIVILEGE, STATUS = range(6)


def _checksum(data: bytes) -> int:
    return -sum(data) & 0xFF


def ipmi_request(netfn: int, command: int, sequence: int, data: bytes = b"") -> bytes:
    """An IPMI message from the remote console (0x81) to the BMC (0x20), LUN 0."""
    head = bytes((0x20, netfn << 2))
    body = bytes((0x81, (sequence & 0x3F) << 2, command)) + data
    return head + bytes((_checksum(head),)) + body + bytes((_checksum(body),))


# Session-less, IPMI 1.5 framing: channel "this one" (0x0E) with the IPMI 2.0 bit, administrator.
GET_CHANNEL_AUTH_CAPS = (
    RMCP_HEADER
    + b"\x00"  # authentication type none
    + bytes(8)  # session sequence number and id
    + b"\x09"
    + ipmi_request(0x06, 0x38, 0, bytes((0x8E, PRIVILEGE_ADMINISTRATOR)))
)


def _unsealed(payload_type: int, payload: bytes) -> bytes:
    """An RMCP+ packet outside a session (Open Session, RAKP)."""
    return (
        RMCP_HEADER
        + bytes((0x06, payload_type))
        + bytes(8)
        + struct.pack("<H", len(payload))
        + payload
    )


class _Session:
    """One BMC's call: its credentials, where the handshake is, and what it learned."""

    __slots__ = (
        "address",
        "aes",
        "attempt",
        "console_id",
        "credentials",
        "deadline",
        "guid",
        "index",
        "k1",
        "kuid",
        "managed_id",
        "pause",
        "rc",
        "resent",
        "rm",
        "role",
        "sent",
        "sequence",
        "sik",
        "sock",
        "started",
        "step",
        "suite",
        "suites",
        "user",
        "waiting",
    )

    def __init__(self, index: int, credentials: BmcCredentials) -> None:
        self.index = index
        self.credentials = credentials
        self.user = credentials.username.encode()
        self.kuid = credentials.password.encode()
        self.role = PRIVILEGE_ADMINISTRATOR | NAME_ONLY_LOOKUP
        self.attempt = 0
        self.pause = 0.0
        self.started = 0.0
        self.deadline = 0.0
        self.sent = b""
        self.resent = False
        self.waiting = False  # between attempts: the deadline is the end of the pause


class _Failed(Exception):
    """Ends a session's attempt with a DriverError."""

    def __init__(self, error: DriverError) -> None:
        self.error = error


def power_status_many(
    credentials_list: list[BmcCredentials],
    concurrency: int = 1024,
    *,
    policy: CallPolicy | None = None,
) -> list[str | DriverError]:
    """The power state ("on"/"off") of each BMC, in order; a ``DriverError`` where it failed.
    At most ``concurrency`` sessions are open at once, fewer if the socket's receive buffer
    cannot hold as many replies (a BMC whose address appears twice runs once at a time)."""
    return _FanOut(credentials_list, max(1, concurrency), policy or CallPolicy.from_env()).run()


class _FanOut:
    def __init__(
        self, credentials_list: list[BmcCredentials], concurrency: int, policy: CallPolicy
    ) -> None:
        self.policy = policy
        self.concurrency = concurrency
        self.results: list[str | DriverError | None] = [None] * len(credentials_list)
        self.queue = deque(_Session(i, c) for i, c in enumerate(credentials_list))
        self.active: dict[tuple, _Session] = {}  # by the BMC's socket address
        self.timers: list[tuple[float, int, _Session]] = []
        self.tiebreak = itertools.count()
        self.selector = selectors.DefaultSelector()
        self.sockets: dict[int, socket.socket] = {}  # by address family

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> list[str | DriverError]:
        try:
            while self.queue or self.active:
                self._start_more()
                timeout = None
                if self.timers:
                    timeout = max(0.0, self.timers[0][0] - time.monotonic())
                for key, _ in self.selector.select(timeout):
                    self._drain(key.fileobj)
                self._expire()
        finally:
            self.selector.close()
            for sock in self.sockets.values():
                sock.close()
        return self.results  # every entry is set when the loop ends

    def _start_more(self) -> None:
        held = []
        while self.queue and len(self.active) < self.concurrency:
            session = self.queue.popleft()
            try:
                session.address, session.sock = self._resolve(session.credentials)
            except OSError as exc:
                where = str(session.credentials)
                self._finish(
                    session,
                    BmcUnreachableError(f"the BMC at {where} cannot be reached: {exc}"),
                )
                continue
            if session.address in self.active:  # the same BMC twice: one session at a time
                held.append(session)
                continue
            self.active[session.address] = session
            session.started = time.monotonic()
            session.pause = self.policy.backoff
            self._begin_attempt(session)
        self.queue.extendleft(reversed(held))

    def _resolve(self, credentials: BmcCredentials) -> tuple[tuple, socket.socket]:
        family, _, _, _, address = socket.getaddrinfo(
            credentials.address, credentials.port, type=socket.SOCK_DGRAM
        )[0]
        sock = self.sockets.get(family)
        if sock is None:
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.setblocking(False)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
            except OSError:
                pass  # the system's default buffer; a dropped reply is retried
            # No more sessions in flight than the buffer holds replies for (the kernel caps it
            # at net.core.rmem_max: ~200 on a default host): a reply dropped there costs a
            # whole timeout. Under load a wide window wins, as each round trip waits for both
            # sides to be scheduled (1,000 BMCs at load 25: 2.67 s with 1,000 in flight, 3.07 s
            # with 256).
            room = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // REPLY_TRUESIZE
            self.concurrency = max(1, min(self.concurrency, room))
            self.sockets[family] = sock
            self.selector.register(sock, selectors.EVENT_READ)
        return address[:2], sock

    def _drain(self, sock: socket.socket) -> None:
        while True:
            try:
                data, address = sock.recvfrom(1024)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # an ICMP error for an earlier datagram: its timer handles it
                continue
            session = self.active.get(address[:2])
            if session is None or session.waiting:
                continue  # a late reply (e.g. to a Close Session) or one from elsewhere
            try:
                self._on_reply(session, data)
            except _Failed as failed:
                self._attempt_failed(session, failed.error)
            except (IndexError, ValueError):  # a malformed reply ends this BMC's call only
                self._attempt_failed(session, self._error(session, "a malformed reply"))

    def _expire(self) -> None:
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            deadline, _, session = heapq.heappop(self.timers)
            if self.active.get(getattr(session, "address", None)) is not session:
                continue  # finished meanwhile
            if deadline != session.deadline:
                continue  # superseded by a later timer
            if session.waiting:
                session.waiting = False
                self._begin_attempt(session)
            elif not session.resent:  # one lost datagram is sent again, as python-ipmi does
                self._send(session, session.sent, again=True)
            else:
                where = str(session.credentials)
                self._attempt_failed(
                    session,
                    BmcUnreachableError(f"the BMC at {where} does not answer (IPMI over UDP)"),
                )

    def _arm(self, session: _Session, seconds: float) -> None:
        session.deadline = time.monotonic() + seconds
        heapq.heappush(self.timers, (session.deadline, next(self.tiebreak), session))

    def _send(self, session: _Session, packet: bytes, *, again: bool = False) -> None:
        session.sent, session.resent = packet, again
        try:
            session.sock.sendto(packet, session.address)
        except OSError as exc:
            if isinstance(exc, BlockingIOError):
                pass  # a full send buffer: lost as on the wire, the timer retries
            else:
                where = str(session.credentials)
                raise _Failed(
                    BmcUnreachableError(
                        f"the BMC at {where} cannot be reached: {exc.strerror or exc}"
                    )
                ) from None
        self._arm(session, self.policy.timeout)

    def _finish(self, session: _Session, result: str | DriverError) -> None:
        self.results[session.index] = result
        address = getattr(session, "address", None)
        if address is not None and self.active.get(address) is session:
            del self.active[address]

    def _attempt_failed(self, session: _Session, error: DriverError) -> None:
        policy = self.policy
        elapsed = time.monotonic() - session.started
        last = session.attempt >= policy.attempts or elapsed + session.pause > policy.deadline
        if not error.transient or last:
            self._finish(session, error)
            return
        log.info(
            "BMC %s: power status try %d failed (%s); again in %.1f s",
            session.credentials,
            session.attempt,
            error,
            session.pause,
        )
        session.waiting = True
        self._arm(session, session.pause)
        session.pause *= 2

    # -- the session -------------------------------------------------------------------------
    def _begin_attempt(self, session: _Session) -> None:
        session.attempt += 1
        where = str(session.credentials)
        if len(session.user) > MAX_USERNAME or len(session.kuid) > MAX_PASSWORD:
            self._finish(
                session, BmcAuthError(f"the BMC at {where} refused the user name or password")
            )
            return
        session.suites = native._suite_order(session.credentials.key)
        session.step = AUTH_CAPS
        try:
            self._send(session, GET_CHANNEL_AUTH_CAPS)
        except _Failed as failed:
            self._attempt_failed(session, failed.error)

    def _on_reply(self, session: _Session, data: bytes) -> None:
        if len(data) < 16 or data[:4] != RMCP_HEADER:
            return
        step = session.step
        if step == AUTH_CAPS:
            if data[4] != 0x00 or len(data) < 22 or data[19] != 0x38:
                return
            if data[20] != 0:
                raise _Failed(self._error(session, f"completion code 0x{data[20]:02x}"))
            self._open_session(session)
            return
        if data[4] != 0x06:
            return
        payload_type = data[5] & 0x3F
        if step == OPEN and payload_type == OPEN_RESPONSE:
            self._on_open_response(session, data[16 : 16 + _length(data)])
        elif step == RAKP and payload_type == RAKP2:
            self._on_rakp2(session, data[16 : 16 + _length(data)])
        elif step == ACTIVATE and payload_type == RAKP4:
            self._on_rakp4(session, data[16 : 16 + _length(data)])
        elif step in (PRIVILEGE, STATUS) and payload_type == PAYLOAD_IPMI and data[5] == SEALED:
            message = self._unseal(session, data)
            if message is None or len(message) < 8:
                return
            if (message[4] >> 2) != session.sequence & 0x3F:
                return  # the answer to an earlier request
            self._on_response(session, message[5], message[6], message[7:-1])

    def _open_session(self, session: _Session) -> None:
        suite = SUITES[session.suites[0]]
        session.suite = suite
        session.console_id = os.urandom(4)
        authentication, integrity, confidentiality = suite.algorithms
        payload = (
            bytes((0, PRIVILEGE_ADMINISTRATOR, 0, 0))
            + session.console_id
            + bytes((0, 0, 0, 8, authentication, 0, 0, 0))
            + bytes((1, 0, 0, 8, integrity, 0, 0, 0))
            + bytes((2, 0, 0, 8, confidentiality, 0, 0, 0))
        )
        session.step = OPEN
        self._send(session, _unsealed(OPEN_REQUEST, payload))

    def _on_open_response(self, session: _Session, payload: bytes) -> None:
        if len(payload) < 8 or payload[4:8] != session.console_id:
            return
        status = payload[1]
        if status == 0 and len(payload) >= 36:
            # Three 8-byte algorithm payloads from offset 12; the algorithm is the 5th byte of each.
            offered = (payload[16] & 0x3F, payload[24] & 0x3F, payload[32] & 0x3F)
            if offered == session.suite.algorithms:
                session.managed_id = payload[8:12]
                self._rakp1(session)
                return
            refused = "it answered with other algorithms"  # pyghmi's bare server does this
        elif status in _SUITE_REFUSED:
            refused = f"status 0x{status:02x}"
        else:
            raise _Failed(self._status_error(session, status))
        log.debug("BMC %s refused cipher suite %d", session.credentials, session.suite.number)
        if len(session.suites) == 1:
            raise _Failed(self._error(session, f"no cipher suite agreed ({refused})"))
        session.suites.pop(0)
        self._open_session(session)

    def _rakp1(self, session: _Session) -> None:
        session.rm = os.urandom(16)
        payload = (
            bytes((0, 0, 0, 0))
            + session.managed_id
            + session.rm
            + bytes((session.role, 0, 0, len(session.user)))
            + session.user
        )
        session.step = RAKP
        self._send(session, _unsealed(RAKP1, payload))

    def _on_rakp2(self, session: _Session, payload: bytes) -> None:
        if len(payload) < 8 or payload[4:8] != session.console_id:
            return
        if payload[1] != 0:
            raise _Failed(self._status_error(session, payload[1]))
        suite = session.suite
        size = suite.digest_size
        if len(payload) < 40 + size:
            raise _Failed(self._error(session, "a short RAKP message 2"))
        session.rc, session.guid = payload[8:24], payload[24:40]
        name = bytes((session.role, len(session.user))) + session.user
        expected = hmac.digest(
            session.kuid,
            session.console_id + session.managed_id + session.rm + session.rc + session.guid + name,
            suite.digest,
        )
        if not hmac.compare_digest(expected, payload[40 : 40 + size]):
            raise _Failed(self._auth_error(session))
        # No Kg is set on the BMCs the platform manages: Kg is then Kuid (IPMI 2.0 13.31).
        session.sik = hmac.digest(session.kuid, session.rm + session.rc + name, suite.digest)
        # K1 and K2 from 20-byte constants whatever the hash (IPMI 2.0 13.32, as ipmitool,
        # FreeIPMI and OpenBMC's netipmid do: the sources are in native.KEY_CONSTANT_LENGTH).
        session.k1 = hmac.digest(session.sik, CONST_1, suite.digest)
        k2 = hmac.digest(session.sik, CONST_2, suite.digest)
        session.aes = algorithms.AES(k2[:16])
        code = hmac.digest(session.kuid, session.rc + session.console_id + name, suite.digest)
        session.step = ACTIVATE
        self._send(session, _unsealed(RAKP3, bytes(4) + session.managed_id + code))

    def _on_rakp4(self, session: _Session, payload: bytes) -> None:
        if len(payload) < 8 or payload[4:8] != session.console_id:
            return
        if payload[1] != 0:
            raise _Failed(self._status_error(session, payload[1]))
        suite = session.suite
        expected = hmac.digest(
            session.sik, session.rm + session.managed_id + session.guid, suite.digest
        )[: suite.rakp4_length]
        if not hmac.compare_digest(expected, payload[8 : 8 + suite.rakp4_length]):
            raise _Failed(self._auth_error(session))
        native._remember_suite(session.credentials.key, suite.number)
        session.sequence = 0
        session.step = PRIVILEGE
        self._request(session, 0x06, 0x3B, bytes((PRIVILEGE_ADMINISTRATOR,)))

    def _on_response(self, session: _Session, command: int, code: int, data: bytes) -> None:
        where = str(session.credentials)
        if session.step == PRIVILEGE and command == 0x3B:
            if code in _CC_PRIVILEGE:
                raise _Failed(
                    BmcPrivilegeError(
                        f"the BMC user at {where} lacks the privilege level this action needs"
                    )
                )
            if code:
                raise _Failed(self._error(session, f"completion code 0x{code:02x}", answered=True))
            session.step = STATUS
            self._request(session, 0x00, 0x01)
        elif session.step == STATUS and command == 0x01:
            if code == CC_INSUFFICIENT_PRIVILEGES:
                raise _Failed(
                    BmcPrivilegeError(
                        f"the BMC user at {where} lacks the privilege level this action needs"
                    )
                )
            if code or not data:
                raise _Failed(self._error(session, f"completion code 0x{code:02x}", answered=True))
            self._request(session, 0x06, 0x3C, session.managed_id)  # Close Session
            self._finish(session, POWER_ON if data[0] & 0x01 else POWER_OFF)

    # -- packets inside the session ------------------------------------------------------------
    def _request(self, session: _Session, netfn: int, command: int, data: bytes = b"") -> None:
        session.sequence += 1
        message = ipmi_request(netfn, command, session.sequence, data)
        pad = -(len(message) + 1) % 16
        plain = message + bytes(range(1, pad + 1)) + bytes((pad,))
        iv = os.urandom(16)
        encryptor = Cipher(session.aes, modes.CBC(iv)).encryptor()
        sealed = iv + encryptor.update(plain) + encryptor.finalize()
        body = (
            bytes((0x06, SEALED))
            + session.managed_id
            + struct.pack("<IH", session.sequence, len(sealed))
            + sealed
        )
        pad = -(len(body) + 2) % 4
        body += b"\xff" * pad + bytes((pad, 0x07))
        code = hmac.digest(session.k1, body, session.suite.digest)
        self._send(session, RMCP_HEADER + body + code[: session.suite.integrity_length])

    def _unseal(self, session: _Session, data: bytes) -> bytes | None:
        length = session.suite.integrity_length
        if len(data) < 16 + 32 + length or data[6:10] != session.console_id:
            return None
        expected = hmac.digest(session.k1, data[4:-length], session.suite.digest)[:length]
        if not hmac.compare_digest(expected, data[-length:]):
            return None  # not from this session: ignored, as a BMC ignores ours
        sealed = data[16 : 16 + _length(data)]
        if len(sealed) < 32 or len(sealed) % 16:
            return None
        decryptor = Cipher(session.aes, modes.CBC(sealed[:16])).decryptor()
        plain = decryptor.update(sealed[16:]) + decryptor.finalize()
        return plain[: len(plain) - plain[-1] - 1]

    # -- errors, worded as the native backend's ----------------------------------------------
    def _auth_error(self, session: _Session) -> DriverError:
        return BmcAuthError(f"the BMC at {session.credentials} refused the user name or password")

    def _status_error(self, session: _Session, status: int) -> DriverError:
        where = str(session.credentials)
        if status in _BAD_USER_OR_PASSWORD:
            return self._auth_error(session)
        if status in _BAD_ROLE:
            return BmcPrivilegeError(
                f"the BMC user at {where} lacks the privilege level this action needs"
            )
        if status in _BUSY:
            return BmcBusyError(f"the BMC at {where} has no free session: status 0x{status:02x}")
        return DriverError(f"the BMC at {where} refused the session: status 0x{status:02x}")

    def _error(self, session: _Session, what: str, *, answered: bool = False) -> DriverError:
        if answered:
            return DriverError(f"the BMC at {session.credentials} answered with an error: {what}")
        return DriverError(
            f"the BMC at {session.credentials} sent an answer that cannot be used: {what}"
        )


def _length(data: bytes) -> int:
    return data[14] | data[15] << 8
