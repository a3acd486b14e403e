"""The DHCP server's record: one row per DHCP message seen or sent, plus counters.

Rows live in the IDC's host table file (tables ``dhcp_events`` and ``dhcp_counters``), so an
operator or a test reads what happened to a MAC with ``read_events(path, mac)``. The server
buffers rows and writes them in one transaction ``FLUSH_DELAY`` seconds after the first unwritten
one (or at ``FLUSH_EVERY`` rows): one commit per packet would cap the server at the disk's commit
rate, and a commit each time the socket is momentarily empty (as before) stalled a storm's
answers for a transaction every few packets. The table is bounded: the oldest rows go once
there are more than ``max_rows``.

The rows, and the same packets for the flight recorder, are written by a process of its own
(``EventWriter``): on a thread, the writes held the GIL for a third of the server's time, and
the loop answered only as fast as the two took turns (1,000 reservations: 0.6-0.9x dnsmasq with
the writes, 1.3-1.5x without them).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import logging.config
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from bmp_common import flight
from bmp_common.logging import logging_config

log = logging.getLogger(__name__)

# The writer's cost is per batch and per server in it (three Redis commands each), so a batch
# should hold what FLUSH_DELAY gathers: 8,192 rows is 0.2 s at 20,000 answers a second. At 2,048
# a storm's batches held one exchange per server and the writer took half the CPU of answering.
FLUSH_EVERY = 8192
FLUSH_DELAY = 0.2  # seconds an event waits at most before it reaches the file
DEFAULT_MAX_ROWS = 100_000
WRITER_NICENESS = 10
READY_TIMEOUT_S = 60  # a writer process that has not started by then will not
FLIGHT_DROPPED = "flight_dropped"  # the counter of flight recorder entries given up

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dhcp_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,          -- epoch seconds
    mac TEXT NOT NULL,         -- 52:54:00:ab:cd:ef
    xid INTEGER NOT NULL,
    kind TEXT NOT NULL,        -- DISCOVER, OFFER, REQUEST, ACK, NAK, INFORM, RELEASE, DECLINE
    ip TEXT NOT NULL,          -- the address offered/acked/requested, or ''
    detail TEXT NOT NULL       -- e.g. 'unknown_mac' when a request got no answer
);
-- No index on mac: keeping one cost the writer 5 of its 7 µs per row (a random insert and,
-- once the table is full, a random delete per row); a read of one MAC's rows walks the
-- newest first and stops at its limit, 7-14 ms for the whole of 100,000 rows.
DROP INDEX IF EXISTS dhcp_events_mac;
CREATE TABLE IF NOT EXISTS dhcp_counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""


@dataclasses.dataclass(frozen=True)
class Event:
    at: float
    mac: str
    xid: int
    kind: str
    ip: str = ""
    detail: str = ""


def _connect(path: Path | str) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=20, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    # Events are a log, not the reservations: losing the last second in a power cut is fine.
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_SCHEMA)
    return db


class EventLog:
    """The writer, owned by the server loop (one thread)."""

    def __init__(self, path: Path | str, max_rows: int = DEFAULT_MAX_ROWS):
        self.path = Path(path)
        self.max_rows = max_rows
        self._db = _connect(self.path)
        self._pending: list[tuple] = []  # Event fields; tuples because this is per packet
        self._counts: dict[str, int] = {}
        self.totals: dict[str, int] = {}  # counters since this process started
        self._flight_dropped = flight.dropped()  # given up before this log: not ours to count

    def record(self, mac: str, xid: int, kind: str, ip: str = "", detail: str = "") -> None:
        self._pending.append((time.time(), mac, xid, kind, ip, detail))

    def count(self, name: str) -> None:
        self._counts[name] = self._counts.get(name, 0) + 1
        self.totals[name] = self.totals.get(name, 0) + 1

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def unwritten(self) -> bool:
        """Rows or counters not yet in the file."""
        return bool(self._pending or self._counts)

    def take(self) -> tuple[list[tuple], dict[str, int]]:
        """The unwritten rows and counters, for ``write`` (the server writes on a thread of
        its own, so answering goes on while SQLite works)."""
        events, counts = self._pending, self._counts
        self._pending, self._counts = [], {}
        return events, counts

    def flush(self) -> None:
        self.write(*self.take())

    def write(self, events: list[tuple], counts: dict[str, int]) -> None:
        """Write rows and counters taken with ``take``, in one transaction, and count the flight
        recorder's entries this process gave up since the last write (``flight_dropped``:
        Redis away for longer than its buffer lasts), so an operator sees what the jobs'
        timelines miss."""
        dropped = flight.dropped()
        if dropped > self._flight_dropped:
            counts = {**counts, FLIGHT_DROPPED: dropped - self._flight_dropped}
        if not events and not counts:
            return
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT INTO dhcp_events (at, mac, xid, kind, ip, detail)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                events,
            )
            db.executemany(
                "INSERT INTO dhcp_counters (name, value) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                counts.items(),
            )
            last = db.execute("SELECT MAX(id) FROM dhcp_events").fetchone()[0] or 0
            if last > self.max_rows:
                db.execute("DELETE FROM dhcp_events WHERE id <= ?", (last - self.max_rows,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._flight_dropped = dropped
        _to_flight_recorder(events)

    def close(self) -> None:
        try:
            self.flush()
            self.write([], {})  # what the last batch's flight entries lost
        finally:
            self._db.close()


class EventWriter:
    """Writes the batches ``EventLog.take`` hands over, in order, in a process of its own (see
    the module's docstring). ``close`` returns once every batch handed over is written."""

    def __init__(self, path: Path | str, max_rows: int = DEFAULT_MAX_ROWS):
        self._path, self._max_rows = str(path), max_rows
        self._pool = self._start()
        # The pool starts its process on the first task: started by the first batch, it would
        # import and connect while the first burst of a PXE storm is being answered, on the
        # same cores. The server starts once and answers for days: it waits here instead.
        try:
            self._pool.submit(_ready).result(timeout=READY_TIMEOUT_S)
        except Exception as exc:  # answering matters more than the record: go on
            log.error("the DHCP events writer did not start (%r); retried with the next batch", exc)

    def _start(self) -> ProcessPoolExecutor:
        # spawn, not fork: the server holds sockets and threads a child must not inherit.
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_open_writer,
            initargs=(
                self._path,
                self._max_rows,
                logging.getLogger().getEffectiveLevel(),
                os.getpid(),
            ),
        )

    def submit(self, batch: tuple[list[tuple], dict[str, int]]) -> None:
        try:
            future = self._pool.submit(_write_batch, batch)
        except BrokenProcessPool:
            # Killed from outside (the OOM killer, an operator): the server goes on with a new
            # one; what the dead one held is lost (logged by _lost).
            log.error("the DHCP events writer process ended; starting another")
            self._pool.shutdown(wait=False)
            self._pool = self._start()
            future = self._pool.submit(_write_batch, batch)
        future.add_done_callback(functools.partial(_lost, len(batch[0])))

    def close(self) -> None:
        self._pool.shutdown(wait=True)


_writer_log: EventLog | None = None  # in the writer process: its own connection


def _open_writer(path: str, max_rows: int, level: int, server_pid: int) -> None:
    global _writer_log
    # Ctrl-C reaches the whole process group: the server decides when its writer ends, after
    # the last batch (EventWriter.close). A server killed outright leaves no pipe end closed
    # to tell it (its queue holds both), so it watches for the server's end itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Answering comes first: on a host short of CPU the record waits for a quiet moment (its
    # batches queue in order) rather than slow the answers of a PXE storm.
    os.nice(WRITER_NICENESS)
    threading.Thread(target=_end_with, args=(server_pid,), daemon=True).start()
    logging.config.dictConfig(logging_config("dhcp-server", logging.getLevelName(level)))
    _writer_log = EventLog(path, max_rows=max_rows)
    flight.prepare()


def _ready() -> None:
    """The first task of a new writer: returns once its initializer is done."""


def _end_with(server_pid: int) -> None:
    while os.getppid() == server_pid:
        time.sleep(1)
    os._exit(0)  # adopted: the server is gone, and nothing will hand over another batch


def _lost(count: int, future) -> None:
    if future.exception() is not None:
        log.error("%d DHCP events may not have been written: %s", count, future.exception())


def _write_batch(batch: tuple[list[tuple], dict[str, int]]) -> None:
    assert _writer_log is not None
    try:
        _writer_log.write(*batch)
    except Exception:
        log.exception("could not write DHCP events to %s", _writer_log.path)


# A DHCP packet's flight recorder entry, exactly as ``json.dumps(flight.entry(...),
# separators=(",", ":"))`` writes it (a test holds the two equal), from a template: the writer
# encodes every packet the server sees, and ``json.dumps`` per entry was half of its CPU.
_PACKET_ENTRY = (
    f'{{"time":%r,"source":"{flight.DHCP}","kind":"{flight.DHCP_PACKET}",'
    '"detail":{"type":%s,"xid":"0x%08x"%s}}'
)


@functools.lru_cache(maxsize=256)
def _quoted(text: str) -> str:
    """A JSON string; the message types and reasons are a few dozen names."""
    return json.dumps(text)


def flight_entry(at: float, kind: str, xid: int, detail: str = "") -> str:
    """The flight recorder's entry (JSON) for one packet of the event log."""
    extra = f',"detail":{_quoted(detail)}' if detail else ""
    return _PACKET_ENTRY % (float(at), _quoted(kind), xid, extra)


def _to_flight_recorder(events: list[tuple]) -> None:
    """The same packets for the jobs' timelines (bmp_common.flight), in the same batch: one
    Redis round trip per flush, never one per packet."""
    flight.record_node_encoded(
        (mac, flight_entry(at, kind, xid, detail)) for at, mac, xid, kind, _ip, detail in events
    )


def read_events(path: Path | str, mac: str | None = None, limit: int = 1000) -> list[Event]:
    """The last ``limit`` events (of ``mac`` when given), oldest first."""
    db = _connect(path)
    try:
        where, args = ("WHERE mac = ?", [mac.lower()]) if mac else ("", [])
        rows = db.execute(
            f"SELECT at, mac, xid, kind, ip, detail FROM dhcp_events {where}"  # noqa: S608
            " ORDER BY id DESC LIMIT ?",
            [*args, limit],
        ).fetchall()
    finally:
        db.close()
    return [Event(*row) for row in reversed(rows)]


def read_counters(path: Path | str) -> dict[str, int]:
    """Counters summed over every run of the server: packets dropped by reason, replies sent."""
    db = _connect(path)
    try:
        return dict(db.execute("SELECT name, value FROM dhcp_counters ORDER BY name"))
    finally:
        db.close()
