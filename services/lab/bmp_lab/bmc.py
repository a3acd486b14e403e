"""A virtual BMC: real IPMI 2.0 (RMCP+ "lanplus") on one UDP port of 127.0.0.1.

Built on pyghmi's BMC server classes (`pyghmi.ipmi.bmc.Bmc`, `ServerSession`), which do the
AES/HMAC packet work. The lab adds what a real BMC does and pyghmi's server does not:

- answers the RMCP/ASF presence ping (python-ipmi pings before it opens a session);
- runs cipher suite 3 (pyghmi's one suite) and, when asked to (``cipher_suites``), suite 17
  (RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128): the RAKP messages are the lab's, with the
  suite's hash; pyghmi's packet code takes the hash and the AuthCode length from the session;
- refuses cipher suites it does not run (RMCP+ status 0x11) instead of answering a suite-17
  request with suite-3 algorithms, so clients fall back cleanly;
- answers an unknown user (RAKP2 status 0x0D) or a bad RAKP3 (RAKP4 status 0x0F) instead of
  staying silent;
- fault injection: latency, packet loss, wrong password, BMC reboot.

It does not use pyghmi's process-wide IO thread: a `Reactor` owns the socket and hands each
packet to the session objects (see reactor.py for why).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import os
import random
import socket
import struct
import time
import uuid
from collections import OrderedDict

import pyghmi.ipmi.private.constants as ipmi_constants
import pyghmi.ipmi.private.session as ipmi_session
from pyghmi.ipmi.bmc import Bmc
from pyghmi.ipmi.private.serversession import ServerSession

from bmp_lab import commands
from bmp_lab.node import VirtualNode, fru_image, sdr_records
from bmp_lab.reactor import Reactor

log = logging.getLogger(__name__)

RMCP_CLASS_ASF, RMCP_CLASS_IPMI = 0x06, 0x07
ASF_IANA = 4542
ASF_PING, ASF_PONG = 0x80, 0x40
PAYLOAD_OPEN_SESSION_REQUEST = 0x10


@dataclasses.dataclass(frozen=True)
class CipherSuite:
    """A cipher suite the lab runs (IPMI 2.0 table 22-20)."""

    algorithms: tuple[int, int, int]  # authentication, integrity, confidentiality
    digest: str  # hashlib name of the RAKP and integrity HMACs
    icv_length: int  # bytes of RAKP 4's integrity check value and of a packet's AuthCode


CIPHER_SUITES = {
    3: CipherSuite((1, 1, 1), "sha1", 12),  # RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128
    17: CipherSuite((3, 4, 1), "sha256", 16),  # RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128
}
# K1 and K2 = HMAC_SIK(const 1), HMAC_SIK(const 2), 20-byte constants for every hash (IPMI 2.0
# 13.32; what ipmitool, FreeIPMI and OpenBMC's netipmid do: see bmp_driver.backends.native).
CONST_1, CONST_2 = b"\x01" * 20, b"\x02" * 20
RMCP_NO_CIPHER_SUITE_MATCH = 0x11
RMCP_UNAUTHORIZED_ROLE = 0x0A
RMCP_UNAUTHORIZED_NAME = 0x0D
RMCP_INVALID_INTEGRITY_CHECK = 0x0F
MAX_SESSIONS = 32  # per BMC; the oldest is dropped beyond (real BMCs hold 4 to 32)


class _ReplySocket:
    """What pyghmi's send helpers see as "the socket": sends only, never blocks the loop.

    pyghmi's `_io_sendto` flips its socket to blocking mode before each send; handing it this
    wrapper keeps the real socket non-blocking for the reactor.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def sendto(self, packet, address) -> None:
        try:
            self._sock.sendto(packet, address)
        except OSError:
            pass  # a full send buffer drops the reply, as UDP would

    def setblocking(self, flag) -> None:
        pass

    def getsockname(self):
        return self._sock.getsockname()


class _Credentials:
    """pyghmi looks passwords up with `.get(username)`; the wrong-password fault lives here."""

    def __init__(self, bmc: LabBmc) -> None:
        self._bmc = bmc

    def get(self, username: str) -> str | None:
        if username != self._bmc.username:
            return None
        if self._bmc.wrong_password:
            return self._bmc.password + "-changed-on-the-bmc"
        return self._bmc.password


class LabSession(ServerSession):
    """One RMCP+ session, with the refusals a real BMC sends instead of silence."""

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)  # ServerSession.__new__ wants its own argument list

    def __init__(self, bmc: LabBmc, clientaddr, request: bytes) -> None:
        self.refused = False
        self.k1 = None  # pyghmi reads it before RAKP3 if a client sends an early IPMI packet
        self.clientpriv = commands.PRIV_USER  # until Set Session Privilege Level
        super().__init__(bmc.authdata, bmc.kg, clientaddr, bmc.serversocket, request, bmc.uuid, bmc)
        # ServerSession registers itself in pyghmi's process-wide routing table; the lab routes
        # packets itself, so take it out again (it would only grow).
        handlers = ipmi_session.Session.bmc_handlers.get(clientaddr)
        if handlers is not None:
            handlers.pop(bmc.port, None)
            if not handlers:
                ipmi_session.Session.bmc_handlers.pop(clientaddr, None)

    def create_open_session_response(self, request):
        requested = []
        for offset in (8, 16, 24):  # authentication, integrity, confidentiality payloads
            length = request[offset + 3] if len(request) > offset + 4 else 0
            # A zero-length payload means "BMC's choice" (IPMI 2.0 table 13-9).
            requested.append(request[offset + 4] & 0x3F if length else None)
        self.clientsessionid = request[4:8]
        suite = next(
            (
                CIPHER_SUITES[number]
                for number in self.bmc.cipher_suites
                if all(
                    r is None or r == a
                    for r, a in zip(requested, CIPHER_SUITES[number].algorithms, strict=True)
                )
            ),
            None,
        )
        if suite is None:
            self.refused = True
            return bytearray([request[0], RMCP_NO_CIPHER_SUITE_MATCH, 0, 0]) + request[4:8]
        self.suite = suite
        # pyghmi's packet code checks and signs with these once the session is active.
        self.currhashlib = getattr(hashlib, suite.digest)
        self.currhashlen = suite.icv_length
        self.managedsessionid = os.urandom(4)
        self.privlevel = 4
        auth, integrity, confidentiality = suite.algorithms
        return (
            bytearray([request[0], 0, self.privlevel, 0])
            + self.clientsessionid
            + self.managedsessionid
            + bytearray([0, 0, 0, 8, auth, 0, 0, 0])
            + bytearray([1, 0, 0, 8, integrity, 0, 0, 0])
            + bytearray([2, 0, 0, 8, confidentiality, 0, 0, 0])
        )

    def _hmac(self, key: bytes, data: bytes) -> bytes:
        return hmac.digest(key, bytes(data), self.suite.digest)

    def _send_status(self, payload_type: str, tag: int, status: int) -> None:
        payload = bytearray([tag, status, 0, 0]) + self.clientsessionid
        self.send_payload(payload, ipmi_constants.payload_types[payload_type], retry=False)

    def _got_rakp1(self, data):
        if len(data) < 28:
            return
        username = bytes(data[28:]).decode("utf-8", "replace")
        # A login attempt, as a real BMC counts them towards an account lockout.
        self.bmc.stats["logins"] += 1
        password = self.authdata.get(username)
        if password is None or data[27] == 0:
            return self._send_status("rakp2", data[0], RMCP_UNAUTHORIZED_NAME)
        if (data[24] & 0x0F) > self.bmc.privilege:
            return self._send_status("rakp2", data[0], RMCP_UNAUTHORIZED_ROLE)
        self.Rm, self.rolem, self.username = bytes(data[8:24]), data[24], bytes(data[28:])
        self.maxpriv = min((self.rolem & 0x07) or self.bmc.privilege, self.bmc.privilege)
        self.kuid = password.encode("utf-8")
        self.uuiddata = self.uuid.bytes
        self.Rc = os.urandom(16)
        name = bytes((self.rolem, len(self.username))) + self.username
        authcode = self._hmac(
            self.kuid,
            self.clientsessionid + self.managedsessionid + self.Rm + self.Rc + self.uuiddata + name,
        )
        message = bytearray([data[0], 0, 0, 0]) + self.clientsessionid + self.Rc + self.uuiddata
        self.send_payload(message + authcode, ipmi_constants.payload_types["rakp2"], retry=False)

    def _got_rakp3(self, data):
        if not hasattr(self, "Rc") or data[1] != 0:
            return  # no RAKP2 sent, or the client reports an error (e.g. wrong password)
        name = bytes((self.rolem, len(self.username))) + self.username
        expected = self._hmac(self.kuid, self.Rc + self.clientsessionid + name)
        if not hmac.compare_digest(expected, bytes(data[8:])):
            return self._send_status("rakp4", data[0], RMCP_INVALID_INTEGRITY_CHECK)
        # No Kg is set on the lab's BMCs: Kg is then Kuid (IPMI 2.0 13.31).
        self.sik = self._hmac(self.kg or self.kuid, self.Rm + self.Rc + name)
        self.k1 = self._hmac(self.sik, CONST_1)
        self.k2 = self._hmac(self.sik, CONST_2)
        self.aeskey = self.k2[:16]
        self.localsid = struct.unpack("<I", self.managedsessionid)[0]
        self.ipmicallback = self.handle_client_request
        icv = self._hmac(self.sik, self.Rm + self.managedsessionid + self.uuiddata)
        payload = bytearray([data[0], 0, 0, 0]) + self.clientsessionid
        payload += icv[: self.suite.icv_length]
        self.send_payload(payload, ipmi_constants.payload_types["rakp4"], retry=False)
        self.confalgo = "aes"
        self.integrityalgo = self.suite.digest
        self.sequencenumber = 1
        self.sessionid = struct.unpack("<I", bytes(self.clientsessionid))[0]

    def close_server_session(self):
        self.bmc.forget_session(self.sockaddr, self)


class LabBmc(Bmc):
    """A BMC for one `VirtualNode`, listening on 127.0.0.1:`port` (0 = any free port)."""

    cold_reset_seconds = 3.0

    def __init__(
        self,
        node: VirtualNode,
        *,
        reactor: Reactor,
        username: str,
        password: str,
        port: int = 0,
        address: str = "127.0.0.1",
        privilege: str = "administrator",
        latency: float = 0.0,
        loss: float = 0.0,
        cipher_suites: tuple[int, ...] = (3,),
    ) -> None:
        """``cipher_suites``: the suites it runs, the first that matches a request wins. 3 by
        default, as the lab's BMCs always ran (the backends' fall-back from a refused 17 is
        shown against them); (17, 3) where a test needs a BMC that speaks suite 17."""
        # IpmiServer.__init__ is skipped on purpose: it binds through pyghmi's shared IO thread.
        self.node = node
        self.reactor = reactor
        self.username = username
        self.password = password
        self.privilege = commands.PRIVILEGE_NAMES[privilege]
        self.latency = latency
        self.loss = loss
        self.cipher_suites = tuple(cipher_suites)
        self.wrong_password = False
        self.down_until = 0.0
        self.sel_reservation = 0
        self.sdr_reservation = 0
        self.fru = fru_image(node.sn)
        self.sdrs = sdr_records()
        self.sessions: OrderedDict[tuple, LabSession] = OrderedDict()
        # sessions: ever opened; logins: RAKP 1 messages (user name and role), right or wrong
        self.stats = {"received": 0, "dropped": 0, "sessions": 0, "logins": 0}
        self.uuid = uuid.uuid5(uuid.NAMESPACE_DNS, f"{node.sn}.bmc.lab")
        self.authdata = _Credentials(self)
        self.authcap = struct.pack("9B", 0, 1, 0x80, 0x04, 0x02, 0, 0, 0, 0)
        self.kg = None
        self.timeout = 60
        self.pktqueue = []
        self._random = random.Random(node.index)  # noqa: S311 (reproducible loss, not crypto)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if port:
            # Only for fixed ports (a restarted lab): with port 0, Linux may hand two
            # SO_REUSEADDR sockets the same ephemeral port.
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((address, port))
        self.address, self.port = self.socket.getsockname()[:2]
        self.serversocket = _ReplySocket(self.socket)
        reactor.add_socket(self.socket, self._on_packet)

    # -- fault injection ---------------------------------------------------------------------
    def reboot(self, seconds: float) -> None:
        """Stop answering for `seconds` and lose every session, like a BMC firmware reboot."""
        self.down_until = time.monotonic() + seconds
        self.sessions.clear()

    @property
    def rebooting(self) -> bool:
        return time.monotonic() < self.down_until

    # -- packets -----------------------------------------------------------------------------
    def _on_packet(self, data: bytes, addr: tuple) -> None:
        self.stats["received"] += 1
        if self.rebooting or (self.loss and self._random.random() < self.loss):
            self.stats["dropped"] += 1
            return
        if self.latency > 0:
            self.reactor.call_later(self.latency, lambda: self._dispatch(data, addr))
        else:
            self._dispatch(data, addr)

    def _dispatch(self, data: bytes, addr: tuple) -> None:
        if self.rebooting or len(data) < 4 or data[0] != 0x06:
            return
        if data[3] == RMCP_CLASS_ASF:
            return self._answer_ping(data, addr)
        if data[3] != RMCP_CLASS_IPMI or len(data) < 6:
            return
        if data[4] == 0x06 and (data[5] & 0x3F) == PAYLOAD_OPEN_SESSION_REQUEST:
            return self._open_session(data, addr)
        session = self.sessions.get(addr)
        if data[4] == 0x06 and session is not None:
            self.sessions.move_to_end(addr)
            session._handle_ipmi_packet(bytearray(data), sockaddr=addr, qent=(data, addr, None))
        else:
            self.sessionless_data(data, addr)  # channel auth capabilities, cipher suites

    def _answer_ping(self, data: bytes, addr: tuple) -> None:
        if len(data) < 12:
            return
        iana, asf_type, tag = struct.unpack("!IBB", data[4:10])
        if iana != ASF_IANA or asf_type != ASF_PING:
            return
        # ASF 2.0 3.2.4.3: OEM IANA/data, entities (bit 7 = IPMI supported, ASF 1.0), reserved.
        pong_data = struct.pack("!IIBB6x", ASF_IANA, 0, 0x81, 0x00)
        pong = struct.pack("!BxBB", 0x06, data[2], RMCP_CLASS_ASF)
        pong += struct.pack("!IBBxB", ASF_IANA, ASF_PONG, tag, len(pong_data)) + pong_data
        self.serversocket.sendto(pong, addr)

    def _open_session(self, data: bytes, addr: tuple) -> None:
        session = LabSession(self, addr, bytes(data[16:]))
        if session.refused:
            self.sessions.pop(addr, None)
            return
        self.sessions[addr] = session
        self.sessions.move_to_end(addr)
        self.stats["sessions"] += 1
        while len(self.sessions) > MAX_SESSIONS:
            self.sessions.popitem(last=False)

    def forget_session(self, addr: tuple, session: LabSession) -> None:
        if self.sessions.get(addr) is session:
            del self.sessions[addr]

    def handle_raw_request(self, request, session) -> None:
        handler = commands.HANDLERS.get((request["netfn"], request["command"]))
        if handler is None:
            return session.send_ipmi_response(code=commands.CC_INVALID_COMMAND)
        try:
            code, body = handler(self, session, request["data"])
        except Exception:
            netfn, command = request["netfn"], request["command"]
            log.exception("IPMI command netfn=%#x cmd=%#x failed", netfn, command)
            code, body = 0xFF, b""
        session.send_ipmi_response(data=bytearray(body), code=code)
