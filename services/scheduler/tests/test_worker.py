"""A real Celery worker (a thread) consumes queue ``scheduler`` from the broker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from bmp_common.messages import jobs
from bmp_common.messages.steps import StepResult
from bmp_scheduler.celery import app
from bmp_scheduler.workflow import tasks  # noqa: F401 (registers the tasks)
from bmp_scheduler.workflow.models import Job


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# The worker thread has its own database connection: with the test inside a transaction it would
# wait on the test's locks (MariaDB), so this test commits for real.
# The threads pool, as the runtime runs it (the solo pool took 5 s per hop on RabbitMQ). Stopping
# a worker thread on RabbitMQ takes about 10 s here (more on a loaded machine): the shutdown
# wait is generous so that only a worker that never stops fails the test.
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_a_job_from_the_broker(lab):
    submit = lab.submission(jobs.START_INSTANCES, sn="SN-W1")
    with start_worker(app, pool="threads", perform_ping_check=False, shutdown_timeout=60):
        app.send_task("bmp.scheduler.submit_job", kwargs={"message": submit.to_wire()})
        power_on = lab.take("driver", timeout=30)
        assert power_on.action == "PowerOn"
        for dispatch, data in ((power_on, {"power": "on"}), (None, {"power": "on"})):
            dispatch = dispatch or lab.take("driver", timeout=30)
            result = StepResult(step_id=dispatch.step_id, attempt=1, status="ok", data=data)
            app.send_task("bmp.scheduler.step_result", kwargs={"message": result.to_wire()})
        assert _wait_for(
            lambda: Job.objects.get(job_id=submit.job_id).status == "succeeded", timeout=30
        )
    events = lab.events()
    assert [e.kind for e in events] == ["step", "succeeded"]
    assert events[-1].observed == {"power": "on"}
