"""One thread, one epoll: serves every virtual BMC's UDP socket and the timers they need.

pyghmi's own server loop shares a process-wide `select()` IO thread (limited to 1,024 file
descriptors and a poor fit for 1,000 BMCs). The lab instead owns its sockets and feeds each packet
to pyghmi's protocol objects itself. Delays (latency injection, soft-off, BMC reboot) are timers
on the same loop, so nothing ever sleeps while other BMCs wait.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Handler = Callable[[bytes, tuple], None]


class Reactor:
    """A selectors loop over UDP sockets plus a timer heap, run on its own daemon thread."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._pending: list[Callable[[], None]] = []
        self._pending_lock = threading.Lock()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._thread: threading.Thread | None = None
        self._running = False

    # -- called from any thread --------------------------------------------------------------
    def start(self) -> None:
        self._running = True
        self._thread = threading.Thread(target=self._run, name="bmp-lab-reactor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for key in list(self._selector.get_map().values()):
            if key.fileobj is not self._wake_r:
                key.fileobj.close()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the loop thread (the only thread that touches BMC protocol state)."""
        with self._pending_lock:
            self._pending.append(fn)
        self._wake()

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        """Run `fn` on the loop thread after `delay` seconds."""
        if threading.current_thread() is self._thread:
            heapq.heappush(self._timers, (time.monotonic() + delay, next(self._sequence), fn))
        else:
            self.call_soon(lambda: self.call_later(delay, fn))

    def add_socket(self, sock: socket.socket, handler: Handler) -> None:
        sock.setblocking(False)
        self._selector.register(sock, selectors.EVENT_READ, handler)

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass  # the pipe is full (already woken) or closed (stopping)

    # -- the loop ----------------------------------------------------------------------------
    def _run(self) -> None:
        while self._running:
            timeout = None
            if self._timers:
                timeout = max(0.0, self._timers[0][0] - time.monotonic())
            for key, _ in self._selector.select(timeout):
                if key.data is None:
                    self._drain_wakeups()
                else:
                    self._read(key.fileobj, key.data)
            self._run_due_timers()
            self._run_pending()

    def _drain_wakeups(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass

    @staticmethod
    def _read(sock: socket.socket, handler: Handler) -> None:
        # One datagram per readiness: a BMC's socket rarely holds two, so reading on until
        # EAGAIN cost a second recvfrom (and an exception) per packet; the selector is
        # level-triggered and reports a socket with more queued again on the next turn.
        try:
            data, addr = sock.recvfrom(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return  # e.g. ICMP port unreachable reported on a UDP socket
        try:
            handler(data, addr)
        except Exception:
            log.exception("virtual BMC failed on a packet from %s", addr)

    def _run_due_timers(self) -> None:
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, fn = heapq.heappop(self._timers)
            self._guarded(fn)

    def _run_pending(self) -> None:
        with self._pending_lock:
            pending, self._pending = self._pending, []
        for fn in pending:
            self._guarded(fn)

    @staticmethod
    def _guarded(fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:
            log.exception("virtual BMC timer failed")
