"""A worker with tasks under way when its broker restarts is whole again afterwards.

The services' workers run Celery's thread pool with late acks. When the broker went away with
tasks running, Celery (5.7) lowered the worker's prefetch count to what it thought free and
raised it again, one step per task ended, with a ``basic.qos`` sent from that task's thread,
which then reads the reply from the connection the main thread reads too. The driver of the
chaos test was seen stuck at a prefetch of one (its steps queued behind one another until they
timed out) and with a connection torn between two readers (nothing more received; "Couldn't
ack: BrokenPipeError" at shutdown). ``make_celery`` turns the reduction off: the worker takes
as many tasks as it has threads as soon as it is connected again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery
from kombu import Connection

from bmp_lab.platform import wait_for

from .servers import RabbitNode

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not RabbitNode.available(), reason="RabbitMQ is not installed"),
]

REPO = Path(__file__).resolve().parents[2]
THREADS = 8


def count(work: Path, state: str, phase: str) -> int:
    return sum(1 for _ in work.glob(f"{state}-{phase}-*"))


def test_a_worker_with_tasks_under_way_has_all_its_threads_after_a_broker_restart(tmp_path):
    work = tmp_path / "probe"
    work.mkdir()
    worker_log = tmp_path / "worker.log"
    rabbit = RabbitNode(tmp_path / "rabbitmq")
    rabbit.start()
    env = {
        **os.environ,
        "BMP_BROKER_URL": rabbit.url,
        "BMP_PROBE_DIR": str(work),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    with open(worker_log, "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.integration.broker_probe", "worker",
             "--pool", "threads", "--concurrency", str(THREADS), "--queues", "probe",
             "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
        )  # fmt: skip

    sender = Celery("probe-sender", broker=rabbit.url)  # the worker's module stays its own

    def send(phase: str) -> None:
        with Connection(rabbit.url) as connection:
            for number in range(THREADS):
                sender.send_task("probe.hold", args=[phase, number], queue="probe",
                                 connection=connection)  # fmt: skip

    def started(phase: str) -> bool:
        return count(work, "started", phase) == THREADS

    def why() -> str:
        return f"worker log:\n{worker_log.read_text()[-3000:]}"

    try:
        send("before")
        wait_for(lambda: started("before"), 60, "every thread busy", 0.1)
        rabbit.stop()  # with every thread busy
        rabbit.start()
        wait_for(lambda: worker_log.read_bytes().count(b"Connected to") >= 2, 60,
                 "the worker connected again", 0.2)  # fmt: skip
        # The tasks under way end on the new connection (their acks are lost with the old
        # one: the broker delivers them again, and they run again, as late acks promise).
        (work / "release-before").touch()
        wait_for(lambda: count(work, "done", "before") == THREADS, 60, "the first tasks", 0.1)

        send("after")
        try:
            wait_for(lambda: started("after"), 30, "every thread busy again", 0.1)
        except TimeoutError:
            pytest.fail(f"{count(work, 'started', 'after')} of {THREADS} tasks sent after "
                        f"the restart run at once; {why()}")  # fmt: skip
        (work / "release-after").touch()
        wait_for(lambda: count(work, "done", "after") == THREADS, 30, "the tasks after", 0.1)
        assert b"Temporarily reducing the prefetch count" not in worker_log.read_bytes(), why()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        rabbit.stop()
