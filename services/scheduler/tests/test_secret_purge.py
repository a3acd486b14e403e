"""A finished job keeps no secret: at once when it succeeded, after the retry window otherwise."""

import json
from datetime import timedelta

from django.utils import timezone

from bmp_common.crypto import encrypt_secret
from bmp_common.messages import jobs
from bmp_scheduler.workflow import engine, tasks
from bmp_scheduler.workflow.models import Job

from .test_create_chain import CREATE_SPEC


def stored(job_id: str) -> str:
    """Everything the job's rows hold, as text."""
    job = Job.objects.get(job_id=job_id)
    rows = [job.node, job.spec, *[step.params for step in job.steps.all()]]
    return json.dumps(rows)


def test_a_succeeded_create_job_keeps_no_password(lab):
    root_password = encrypt_secret("Root-Pass-1")
    spec = {**CREATE_SPEC, "password_encrypted": root_password}
    job_id = lab.submit(jobs.CREATE_INSTANCES, sn="SN-P1", mac="52:54:00:aa:00:11", spec=spec)
    assert "password_encrypted" in stored(job_id)

    lab.run(job_id)

    job = Job.objects.get(job_id=job_id)
    assert job.status == "succeeded"
    assert "password_encrypted" not in stored(job_id)
    assert root_password not in stored(job_id)
    assert job.node["bmc"]["address"] == "127.0.0.1"  # what is not secret stays
    assert job.spec["hostname"] == "web-1"


def test_a_cancelled_job_keeps_its_secrets_for_a_retry_until_the_window_ends(lab, settings):
    settings.BMP_JOB_RETRY_WINDOW = 3600
    job_id = lab.submit(jobs.START_INSTANCES, sn="SN-P2")
    lab.take("driver")
    assert tasks.cancel_job(job_id=job_id) == "cancelled"

    engine.sweep()
    assert "password_encrypted" in stored(job_id)  # a retry would still reach the BMC
    settings.BMP_JOB_RETRY_WINDOW = 0  # openapi refuses retries now; the scheduler waits an hour
    engine.sweep()
    assert "password_encrypted" in stored(job_id)

    # The hour of grace over too:
    Job.objects.filter(job_id=job_id).update(finished_at=timezone.now() - timedelta(minutes=61))
    assert engine.sweep()["purged"] == 1
    assert "password_encrypted" not in stored(job_id)
    assert tasks.retry_job(job_id=job_id) == "cancelled"  # nothing left to log in with
    assert lab.pending("driver") == []


def test_a_job_retried_within_the_window_runs_with_its_secrets(lab, settings):
    settings.BMP_JOB_RETRY_WINDOW = 3600
    job_id = lab.submit(jobs.START_INSTANCES, sn="SN-P3")
    lab.take("driver")
    tasks.cancel_job(job_id=job_id)

    assert tasks.retry_job(job_id=job_id) == "running"
    again = lab.take("driver")
    assert again.action == "PowerOn"
    assert "password_encrypted" in json.dumps(again.params)
