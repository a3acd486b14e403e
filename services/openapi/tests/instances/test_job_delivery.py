"""Nothing openapi decides is lost on the way to the scheduler, and no job waits forever for
an event: a create or a cancel while the broker is down answers 200 and is delivered when the
broker is back (the outbox); an event that could not be applied is tried again; an event lost
anyway is asked for again by the reconciliation (the sweep)."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from kombu import Connection

from bmp_common import env, progress
from bmp_common.messages.jobs import JobEvent, JobSubmit
from bmp_openapi.celery import app
from bmp_openapi.instances import receivers
from bmp_openapi.instances.models import Instance
from bmp_openapi.jobs import tasks
from bmp_openapi.jobs.models import Job, Outbox
from bmp_openapi.jobs.services.outbox import broker

from ..catalog.data import ok
from .conftest import finish_job
from .test_instance_lifecycle import create, describe

SCHEDULER_QUEUE = "scheduler"


def scheduler_messages() -> list[tuple[str, dict]]:
    """(task, kwargs) of every message waiting on the scheduler's queue, taken off it."""
    received = []
    with Connection(env.broker_url()) as connection:
        queue = connection.SimpleQueue(SCHEDULER_QUEUE)
        try:
            while True:
                message = queue.get(block=False)
                message.ack()
                received.append((message.headers["task"], message.payload[1]))
        except queue.Empty:
            pass
        queue.close()
    return received


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def use_broker(url: str) -> None:
    """openapi's Celery app sends to ``url`` from now on (its pooled connections dropped)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(settings):
    """The broker unreachable until ``restore()``; the sweep sends what waits at once."""
    settings.BMP_OPENAPI_OUTBOX_GRACE = 0
    working = app.conf.broker_url

    class Outage:
        @staticmethod
        def restore():
            use_broker(working)
            broker.answered()  # this process would try again after its pause anyway

    use_broker(f"redis://127.0.0.1:{closed_port()}/0")
    try:
        yield Outage
    finally:
        Outage.restore()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_create_while_the_broker_is_down_answers_200_and_is_delivered_when_it_returns(
    admin_api, stock, project_id, broker_down
):
    scheduler_messages()  # the stock's put-away jobs

    answer = create(admin_api, stock, project_id, count=2)

    instance_ids = ok(answer)["instanceIds"]
    shown = [describe(admin_api, instance_id) for instance_id in instance_ids]
    assert [(i["status"], i["jobStatus"]) for i in shown] == [("creating", "queued")] * 2
    job_ids = {i["jobId"] for i in shown}
    assert {
        j["status"] for j in ok(admin_api.get("/v1/jobs"))["jobs"] if j["jobId"] in job_ids
    } == {"queued"}
    assert tasks.sweep()["sent"] == 0  # still down: nothing sent, nothing lost
    assert Outbox.objects.count() == 2

    broker_down.restore()
    assert tasks.sweep()["sent"] == 2

    received = scheduler_messages()
    assert sorted(
        (task, JobSubmit.from_wire(kwargs["message"]).job_id) for task, kwargs in received
    ) == sorted(("bmp.scheduler.submit_job", job_id) for job_id in job_ids)
    assert Outbox.objects.count() == 0
    assert {describe(admin_api, i)["jobStatus"] for i in instance_ids} == {"submitted"}


def test_a_create_of_several_hands_their_jobs_over_in_one_message(
    admin_api, stock, project_id, django_capture_on_commit_callbacks
):
    """One message carries the create's submissions (the scheduler takes them one after the
    other), and their outbox rows are gone once it is sent."""
    scheduler_messages()  # the stock's put-away jobs

    with django_capture_on_commit_callbacks(execute=True):
        answer = create(admin_api, stock, project_id, count=3)

    job_ids = {describe(admin_api, i)["jobId"] for i in ok(answer)["instanceIds"]}
    ((task, kwargs),) = scheduler_messages()
    assert task == "bmp.scheduler.submit_jobs"
    submitted = [JobSubmit.from_wire(message) for message in kwargs["messages"]]
    assert {submit.job_id for submit in submitted} == job_ids
    assert {submit.task for submit in submitted} == {"CreateInstances"}
    assert not Outbox.objects.filter(job_id__in=job_ids).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_cancel_while_the_broker_is_down_is_delivered_when_it_returns(
    admin_api, stock, project_id
):
    instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    job_id = describe(admin_api, instance_id)["jobId"]
    scheduler_messages()

    use_broker(f"redis://127.0.0.1:{closed_port()}/0")
    try:
        ok(admin_api.put(f"/v1/jobs/{job_id}/cancel", {}, format="json"))
        assert scheduler_messages() == []
    finally:
        use_broker(env.broker_url())
    broker.answered()
    Outbox.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    assert tasks.sweep()["sent"] == 1

    assert scheduler_messages() == [("bmp.scheduler.cancel_job", {"job_id": job_id})]


def silent_for(job_id: str, seconds: float) -> None:
    """The job's last news is ``seconds`` old (what the reconciliation looks at)."""
    Job.objects.filter(job_id=job_id).update(updated_at=timezone.now() - timedelta(seconds=seconds))


def test_a_lost_end_event_is_asked_for_again_and_the_instance_ends_running(
    admin_api, stock, project_id, settings, django_capture_on_commit_callbacks
):
    settings.BMP_OPENAPI_RECONCILE_AFTER = 60
    with django_capture_on_commit_callbacks(execute=True):
        instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    job = Job.objects.get(job_id=describe(admin_api, instance_id)["jobId"])
    scheduler_messages()
    # The scheduler ran the chain; its step event and its end never reached openapi.
    silent_for(job.job_id, 30)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep()["reconciled"] == 0  # not silent for long enough yet
    silent_for(job.job_id, 61)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep()["reconciled"] == 1
    asked = dict(scheduler_messages())
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep()["reconciled"] == 0  # asked once per period, not every sweep

    # Not acknowledged either, so the submission goes again (the scheduler takes it once).
    assert JobSubmit.from_wire(asked["bmp.scheduler.submit_job"]["message"]).job_id == job.job_id
    assert asked["bmp.scheduler.resend_job_events"] == {"job_ids": [job.job_id]}
    # The scheduler's answer: the job's last event, through the one event path.
    assert finish_job(job.job_id, power="on")
    assert (describe(admin_api, instance_id)["status"], job_status(job.job_id)) == (
        "running",
        "succeeded",
    )


def job_status(job_id: str) -> str:
    return Job.objects.get(job_id=job_id).status


def test_a_running_job_whose_progress_the_scheduler_publishes_is_not_asked_about(
    admin_api, stock, project_id, settings, django_capture_on_commit_callbacks
):
    settings.BMP_OPENAPI_RECONCILE_AFTER = 60
    with django_capture_on_commit_callbacks(execute=True):
        instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    job_id = describe(admin_api, instance_id)["jobId"]
    scheduler_messages()
    # The scheduler's first event (openapi's job runs), then a step a minute later: openapi's
    # row is a minute old, the scheduler's published progress is not.
    assert finish_job(job_id, "step", action="SetPXEBoot", progress={"step": 2, "steps": 17})
    progress.publish(job_id, {"action": "Ping", "step": 3, "steps": 17})
    silent_for(job_id, 61)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep()["reconciled"] == 0
    assert scheduler_messages() == []

    # The job ended and its end event was lost: the scheduler publishes nothing any more.
    progress.forget(job_id)
    Job.objects.filter(job_id=job_id).update(checked_at=timezone.now() - timedelta(seconds=61))
    silent_for(job_id, 61)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep()["reconciled"] == 1
    assert dict(scheduler_messages())["bmp.scheduler.resend_job_events"] == {"job_ids": [job_id]}
    assert job_status(job_id) == "running"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the worker's autocommit
def test_an_event_whose_apply_failed_is_tried_again_and_applied(
    admin_api, stock, project_id, monkeypatch
):
    instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    job = Instance.objects.get(instance_id=instance_id)
    # The database refuses the instance's write once, after the job's own row was written in
    # the same transaction: the whole apply rolls back and the retry applies it.
    instance_job_event = receivers.on_instance_job_event
    failures = []

    def locked_once(job, event):
        if not failures:
            failures.append(event.sequence)
            raise OperationalError("database is locked")
        instance_job_event(job, event)

    end = JobEvent(
        job_id=job.job_id,
        sequence=1,
        task="CreateInstances",
        kind="succeeded",
        instance_id=instance_id,
        observed={"power": "on"},
    )
    monkeypatch.setattr(receivers, "on_instance_job_event", locked_once)
    result = tasks.job_event.apply(args=[end.to_wire()])

    assert (result.successful(), result.result, failures) == (True, True, [1])
    assert describe(admin_api, instance_id)["status"] == "running"
    assert job_status(job.job_id) == "succeeded"


def test_a_retry_lost_on_the_way_is_sent_again_until_the_scheduler_answers(
    admin_api, stock, project_id, settings, django_capture_on_commit_callbacks
):
    settings.BMP_OPENAPI_RECONCILE_AFTER = 60
    with django_capture_on_commit_callbacks(execute=True):
        instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    job_id = describe(admin_api, instance_id)["jobId"]
    assert finish_job(job_id, "failed", action="SetPXEBoot", reason="PING_ILOIP_ERROR")
    with django_capture_on_commit_callbacks(execute=True):
        ok(admin_api.put(f"/v1/jobs/{job_id}/retry", {"fromStep": 1}, format="json"))
    sent = scheduler_messages()  # and lost: the scheduler never ran it
    silent_for(job_id, 61)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep()["reconciled"] == 1
    again = dict(scheduler_messages())

    retry = {"job_id": job_id, "from_step": 1, "after_sequence": 1}
    assert ("bmp.scheduler.retry_job", retry) in sent
    assert again["bmp.scheduler.retry_job"] == retry  # taken once by the scheduler
    assert again["bmp.scheduler.resend_job_events"] == {"job_ids": [job_id]}
    # The retried chain ends: nothing in flight, nothing sent again.
    assert finish_job(job_id, power="on")
    silent_for(job_id, 61)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep()["reconciled"] == 0
    assert describe(admin_api, instance_id)["status"] == "running"
