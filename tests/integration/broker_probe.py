"""A Celery worker app made exactly as the services make theirs (``make_celery``), with one
task that blocks until the test releases it: what ``test_broker_restart.py`` runs in a worker
process of its own."""

from __future__ import annotations

import os
import time
from pathlib import Path

from bmp_common.celery import make_celery

app = make_celery("probe")
app.conf.task_default_queue = "probe"
app.conf.task_routes = None

WORK = Path(os.environ.get("BMP_PROBE_DIR", "."))


@app.task(name="probe.hold")
def hold(phase: str, number: int) -> None:
    """Marks itself started, waits until the phase's ``release-`` file exists, marks itself
    done: the test sees how many tasks of a phase run at once."""
    (WORK / f"started-{phase}-{number}").touch()
    while not (WORK / f"release-{phase}").exists():
        time.sleep(0.05)
    (WORK / f"done-{phase}-{number}").touch()
