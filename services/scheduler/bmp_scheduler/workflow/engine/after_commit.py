"""What the engine tells Redis once a transaction commits, gathered per transaction: one
flight-recorder write and one progress write (bmp_common.flight, bmp_common.progress) instead
of a round trip per step begun or ended. A results request of an agent's ten steps made about
thirty; each cost the request's thread a wait on Redis, and the service's CPU.

Nothing is sent for a transaction that rolls back: the batch is sent by an ``on_commit``
callback registered at its savepoint level, which Django drops with the savepoint.
"""

from __future__ import annotations

from django.db import transaction

from bmp_common import flight
from bmp_common import progress as live


class _Batch:
    def __init__(self) -> None:
        self.entries: dict[str, list[dict]] = {}  # job id -> flight entries, oldest first
        self.progress: dict[str, dict | None] = {}  # job id -> its last progress, None: forget
        self.send = self._send  # one object: found again in the connection's callbacks

    def _send(self) -> None:
        flight.record_jobs(self.entries)
        shown = {job_id: now for job_id, now in self.progress.items() if now is not None}
        live.publish_many(shown)
        live.forget_many([job_id for job_id, now in self.progress.items() if now is None])


def _batch() -> tuple[_Batch, bool]:
    """The batch of the current transaction and savepoint; True when outside any, where the
    caller sends it at once (``on_commit`` would run it at once too)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return _Batch(), True
    level = tuple(connection.savepoint_ids)
    pending = {call for _, call, _ in connection.run_on_commit}
    batches = connection.__dict__.get("_bmp_after_commit", {})
    batch = batches.get(level)
    if batch is None or batch.send not in pending:  # a new transaction, or a rolled-back one
        batch = _Batch()
        transaction.on_commit(batch.send)
        # Only the batches still to be sent are kept (savepoint ids are never used twice).
        batches = {at: kept for at, kept in batches.items() if kept.send in pending}
        batches[level] = batch
        connection.__dict__["_bmp_after_commit"] = batches
    return batch, False


def record(job_id: str, entries: list[dict]) -> None:
    """Flight-recorder entries of ``job_id``, written when the transaction commits."""
    batch, now = _batch()
    batch.entries.setdefault(job_id, []).extend(entries)
    if now:
        batch.send()


def show_progress(job_id: str, progress: dict | None) -> None:
    """The job's live progress once the transaction commits (None: the job ended, forget it)."""
    batch, now = _batch()
    batch.progress.pop(job_id, None)  # the last word goes last
    batch.progress[job_id] = progress
    if now:
        batch.send()
