"""Django's SQLite backend with a write lock that hands over at once.

SQLite lets one writer in at a time; a writer that finds the database locked polls with
sleeps of 1 ms growing to 100 ms (its busy handler), so under many writers the lock is idle
for most of each wait while the queue grows. Here each write transaction (Django's
``BEGIN IMMEDIATE``) first takes an exclusive ``flock`` on ``<database>.writelock``: a waiter
sleeps in the kernel and is woken the moment the holder commits. Threads of one process queue
on a process lock first (with SQLite's timeout, so a test holding a transaction open fails a
second thread cleanly instead of hanging it); only one of them waits on the file.

Readers never take it (WAL). Writes outside ``atomic()`` (autocommit) still meet SQLite's own
busy handler, which is why the engine's writes all run in transactions.
"""

from __future__ import annotations

import fcntl
import os
import threading

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_process_locks: dict[str, threading.Lock] = {}
_registry_lock = threading.Lock()


def _process_lock(path: str) -> threading.Lock:
    with _registry_lock:
        return _process_locks.setdefault(path, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_fd: int | None = None
    _holding = False

    def _lock_path(self) -> str:
        return f"{self.settings_dict['NAME']}.writelock"

    def _acquire_write_lock(self) -> None:
        if self.is_in_memory_db() or self._holding:
            return
        path = self._lock_path()
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 20))
        local = _process_lock(path)
        if not local.acquire(timeout=timeout):
            raise OperationalError(f"database is locked (no write turn in {timeout:g} s)")
        try:
            if self._lock_fd is None:
                self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        except BaseException:
            local.release()
            raise
        self._holding = True

    def _release_write_lock(self) -> None:
        if not self._holding:
            return
        self._holding = False
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        finally:
            _process_lock(self._lock_path()).release()

    def _start_transaction_under_autocommit(self):
        self._acquire_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()  # an open transaction is rolled back by SQLite
        finally:
            self._release_write_lock()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
