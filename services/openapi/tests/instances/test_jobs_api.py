"""Operators see the jobs, cancel one that runs and retry one that failed."""

from __future__ import annotations

import json
from datetime import timedelta

from django.utils import timezone

from bmp_openapi.jobs.models import Job

from ..catalog.data import ok
from .conftest import finish_job
from .test_instance_lifecycle import create, describe


def test_a_failed_creation_is_retried_from_its_job(admin_api, stock, project_id):
    instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    job_id = describe(admin_api, instance_id)["jobId"]
    finish_job(job_id, "failed", action="SetPXEBoot", reason="PING_ILOIP_ERROR")

    listed = ok(admin_api.get("/v1/jobs", {"instanceId": instance_id}))["jobs"]
    assert [(j["jobId"], j["status"], j["action"]) for j in listed] == [
        (job_id, "failed", "SetPXEBoot")
    ]
    ok(admin_api.put(f"/v1/jobs/{job_id}/retry", {"fromStep": 1}, format="json"))

    assert describe(admin_api, instance_id)["status"] == "creating"
    assert ok(admin_api.get(f"/v1/jobs/{job_id}"))["status"] == "running"
    finish_job(job_id, power="on")  # the retried chain's end
    assert describe(admin_api, instance_id)["status"] == "running"
    again = admin_api.put(f"/v1/jobs/{job_id}/retry", {}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == (
        f"Job {job_id} is succeeded: only a failed or cancelled job can be retried"
    )


def test_cancel_ends_the_job_and_the_instance_fails_with_reason_cancelled(
    admin_api, stock, project_id
):
    instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    job_id = describe(admin_api, instance_id)["jobId"]

    ok(admin_api.put(f"/v1/jobs/{job_id}/cancel", {}, format="json"))
    finish_job(job_id, "cancelled")  # what the scheduler answers

    instance = describe(admin_api, instance_id)
    assert (instance["status"], instance["reason"]) == ("Creation failed", "Cancelled")
    assert admin_api.put(f"/v1/jobs/{job_id}/cancel", {}, format="json").status_code == 409
    assert Job.objects.get(job_id=job_id).status == "cancelled"


def test_only_the_last_job_of_an_instance_may_be_retried(admin_api, stock, project_id):
    instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    first = describe(admin_api, instance_id)["jobId"]
    finish_job(first, power="on")
    ok(admin_api.put(f"/v1/project/instances/{instance_id}/stop", {}, format="json"))
    finish_job(describe(admin_api, instance_id)["jobId"], "failed", reason="PowerOffError")
    Job.objects.filter(job_id=first).update(status="failed")  # an old failure, say

    answer = admin_api.put(f"/v1/jobs/{first}/retry", {}, format="json")

    assert answer.status_code == 409
    assert "is not the last job of its instance" in answer.json()["error"]["message"]


def test_a_finished_job_keeps_no_password_in_its_submission(admin_api, stock, project_id):
    ids = ok(create(admin_api, stock, project_id, count=2))["instanceIds"]
    jobs = [describe(admin_api, instance_id)["jobId"] for instance_id in ids]
    assert all(
        "password_encrypted" in json.dumps(Job.objects.get(job_id=j).submission) for j in jobs
    )

    finish_job(jobs[0], power="on")
    finish_job(jobs[1], "failed", action="SetPXEBoot", reason="PING_ILOIP_ERROR")

    for job_id in jobs:
        submission = Job.objects.get(job_id=job_id).submission
        assert "password_encrypted" not in json.dumps(submission)
        assert submission["body"]["node"]["sn"]  # the rest stays, for the record


def test_a_job_that_failed_longer_ago_than_the_retry_window_is_not_retried(
    admin_api, stock, project_id, settings
):
    instance_id = ok(create(admin_api, stock, project_id))["instanceIds"][0]
    job_id = describe(admin_api, instance_id)["jobId"]
    finish_job(job_id, "failed", action="SetPXEBoot", reason="PING_ILOIP_ERROR")
    settings.BMP_JOB_RETRY_WINDOW = 3600
    Job.objects.filter(job_id=job_id).update(finished_at=timezone.now() - timedelta(hours=2))

    answer = admin_api.put(f"/v1/jobs/{job_id}/retry", {}, format="json")

    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == (
        f"Job {job_id} ended more than 1 hours ago: its secrets are purged, so it cannot be "
        "retried; start the operation again"
    )
    assert Job.objects.get(job_id=job_id).status == "failed"
