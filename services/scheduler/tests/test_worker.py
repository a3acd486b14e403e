"""A real Celery worker (a thread) consumes queues ``scheduler.results`` and ``scheduler``
from the broker, as the runtime's does."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from bmp_common.messages import jobs
from bmp_common.messages.steps import STEP_RESULT_TASK, StepResult
from bmp_common.queues import SCHEDULER_QUEUES
from bmp_scheduler.celery import app
from bmp_scheduler.workflow import tasks  # noqa: F401 (registers the tasks)
from bmp_scheduler.workflow.choices import STEP_SUCCEEDED
from bmp_scheduler.workflow.models import Job, Step


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def scheduler_worker():
    """A worker on the queues the runtime's consume (``-Q scheduler.results,scheduler``).

    The threads pool, as the runtime runs it (the solo pool took 5 s per hop on RabbitMQ).
    Stopping a worker thread on RabbitMQ takes about 10 s here (more on a loaded machine): the
    shutdown wait is generous so that only a worker that never stops fails the test."""
    return start_worker(
        app,
        pool="threads",
        queues=list(SCHEDULER_QUEUES),
        perform_ping_check=False,
        shutdown_timeout=60,
    )


# The worker thread has its own database connection: with the test inside a transaction it would
# wait on the test's locks (MariaDB), so these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_a_job_from_the_broker(lab):
    submit = lab.submission(jobs.START_INSTANCES, sn="SN-W1")
    with scheduler_worker():
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


BACKLOG = 200


@pytest.mark.django_db(transaction=True)
def test_a_step_result_does_not_wait_behind_queued_submissions(lab):
    """A create of many servers queues a submission each; a step result of a chain under way,
    sent after them, is applied long before they are all taken, not after the last one."""
    lab.submit(jobs.START_INSTANCES, sn="SN-R0")
    power_on = lab.take("driver")
    backlog = [
        lab.submission(
            jobs.START_INSTANCES, sn=f"SN-R{n}", mac=f"52:54:00:00:{n // 256:02x}:{n % 256:02x}"
        )
        for n in range(1, BACKLOG + 1)
    ]
    for submit in backlog:
        app.send_task(jobs.SUBMIT_JOB_TASK, kwargs={"message": submit.to_wire()})
    result = StepResult(step_id=power_on.step_id, attempt=1, status="ok", data={"power": "on"})
    app.send_task(STEP_RESULT_TASK, kwargs={"message": result.to_wire()})

    backlog_jobs = Job.objects.filter(job_id__in=[submit.job_id for submit in backlog])
    with scheduler_worker():  # one thread: it takes one message at a time
        assert _wait_for(
            lambda: Step.objects.get(pk=power_on.step_id).status == STEP_SUCCEEDED, timeout=120
        )
        # Every submission is taken too (none is left on the broker for the next test).
        assert _wait_for(lambda: backlog_jobs.count() == BACKLOG, timeout=120)
    applied = Step.objects.get(pk=power_on.step_id).finished_at
    taken_before = backlog_jobs.filter(created_at__lt=applied).count()
    assert taken_before < BACKLOG // 2, f"the result waited for {taken_before} submissions"
