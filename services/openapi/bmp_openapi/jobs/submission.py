"""Handing a job to the scheduler: every fact its chain needs goes in the message.

The job row and the change that asked for it commit together; the message is sent after the
commit (never for a rolled-back change). A message lost between the two (a crash right after
the commit) is sent again by ``jobs_resend_unacknowledged``: the scheduler takes a job once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from bmp_common.crypto import without_secrets
from bmp_common.ids import new_id
from bmp_common.messages.jobs import JobSubmit
from bmp_openapi.jobs.models import SUBMITTED, Job

log = logging.getLogger(__name__)

SUBMIT_TASK = "bmp.scheduler.submit_job"
RESEND_AFTER = timedelta(seconds=60)


def node_facts(device) -> dict:
    """What the scheduler, driver and dhcp-agent need to know of a device (password encrypted).

    A device without its own BMC user uses its IDC's, as upstream.
    """
    idc = device.idc
    return {
        "sn": device.sn,
        "device_id": device.device_id,
        "mac1": device.mac1,
        "private_ipv4": device.private_ipv4,
        "mask": device.mask,
        "gateway": device.gateway,
        "architecture": device.architecture or "x86_64",
        "bmc": {
            "address": device.ilo_ip,
            "port": device.ilo_port,
            "username": device.ilo_user or idc.ilo_user,
            "password_encrypted": device.ilo_password_encrypted or idc.ilo_password_encrypted,
            "interface": device.bmc_interface,
        },
    }


def job_submit(*, task: str, device, instance=None, spec: dict | None = None, actor_name: str):
    """Records the job and sends it once the caller's transaction commits."""
    job_id = new_id("job")
    message = JobSubmit(
        job_id=job_id,
        task=task,
        idc_id=device.idc.idc_id,
        instance_id=instance.instance_id if instance is not None else "",
        node=node_facts(device),
        spec=spec or {},
    )
    job = Job.objects.create(
        job_id=job_id,
        task=task,
        idc_id=message.idc_id,
        device_id=device.device_id,
        sn=device.sn,
        instance_id=message.instance_id,
        submission=message.to_wire(),
        created_by=actor_name,
    )
    transaction.on_commit(lambda: send_to_scheduler(SUBMIT_TASK, message=job.submission))
    log.info("job %s (%s) for device %s submitted", job.job_id, task, device.device_id)
    return job


def job_submission_purge(*, job: Job) -> None:
    """Drops the secrets (BMC and root passwords) of a finished job's submission.

    The submission is kept only to be sent again while the scheduler has not taken the job; a
    retry runs on the scheduler's own copy (which keeps its secrets for the retry window).
    """
    submission = Job.objects.filter(pk=job.pk).values_list("submission", flat=True).get()
    Job.objects.filter(pk=job.pk).update(submission=without_secrets(submission))


def send_to_scheduler(task: str, **kwargs) -> None:
    from bmp_openapi.celery import app

    app.send_task(task, kwargs=kwargs)


def jobs_resend_unacknowledged() -> int:
    """Sends again the jobs the scheduler has not acknowledged for a while; returns how many."""
    stale = Job.objects.filter(status=SUBMITTED, created_at__lt=timezone.now() - RESEND_AFTER)
    count = 0
    for job in stale.iterator():
        send_to_scheduler(SUBMIT_TASK, message=job.submission)
        count += 1
    if count:
        log.warning("%d job(s) not acknowledged by the scheduler: sent again", count)
    return count
