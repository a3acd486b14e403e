"""Handing a job to the scheduler: every fact its chain needs goes in the message.

The job row, its message (an outbox row) and the change that asked for it commit together; the
message is sent after the commit (never for a rolled-back change), and by the sweep if that send
failed. The scheduler takes a job once (by job_id).
"""

from __future__ import annotations

import logging

from bmp_common.crypto import without_secrets
from bmp_common.ids import new_id
from bmp_common.messages.jobs import SUBMIT_JOB_TASK, JobSubmit
from bmp_openapi.jobs.models import Job
from bmp_openapi.jobs.services import outbox

log = logging.getLogger(__name__)


def node_facts(device) -> dict:
    """What the scheduler, driver and dhcp-agent need to know of a device (password encrypted).

    A device without its own BMC user uses its IDC's, as upstream. An ``auto`` device whose
    BMC was probed already goes as what was found; a Redfish one (or one to probe) carries its
    SN (which system, on a BMC with several) and the IDC's CA bundle.
    """
    idc = device.idc
    interface = device.bmc_interface
    if interface == "auto" and device.bmc_interface_detected:
        interface = device.bmc_interface_detected
    bmc = {
        "address": device.ilo_ip,
        "port": device.ilo_port,
        "username": device.ilo_user or idc.ilo_user,
        "password_encrypted": device.ilo_password_encrypted or idc.ilo_password_encrypted,
        "interface": interface,
    }
    if interface in ("redfish", "auto"):
        bmc["sn"] = device.sn
        if idc.bmc_ca_bundle:
            bmc["ca_bundle"] = idc.bmc_ca_bundle
    return {
        "sn": device.sn,
        "device_id": device.device_id,
        "mac1": device.mac1,
        "private_ipv4": device.private_ipv4,
        "mask": device.mask,
        "gateway": device.gateway,
        "architecture": device.architecture or "x86_64",
        "bmc": bmc,
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
    outbox.enqueue(SUBMIT_JOB_TASK, {"message": job.submission}, job_id=job_id)
    log.info("job %s (%s) for device %s submitted", job.job_id, task, device.device_id)
    return job


def jobs_submit(*, task: str, instances: list, specs: list[dict], actor_name: str) -> list[Job]:
    """``job_submit`` for each of ``instances`` (with its ``device`` and its ``job_id``
    chosen already), ``specs`` in the same order: the jobs in one INSERT, their submissions
    in one more, sent together after the commit (outbox.enqueue_submissions)."""
    jobs = []
    for instance, spec in zip(instances, specs, strict=True):
        device = instance.device
        message = JobSubmit(
            job_id=instance.job_id,
            task=task,
            idc_id=device.idc.idc_id,
            instance_id=instance.instance_id,
            node=node_facts(device),
            spec=spec,
        )
        jobs.append(
            Job(
                job_id=message.job_id,
                task=task,
                idc_id=message.idc_id,
                device_id=device.device_id,
                sn=device.sn,
                instance_id=message.instance_id,
                submission=message.to_wire(),
                created_by=actor_name,
            )
        )
    Job.objects.bulk_create(jobs)
    outbox.enqueue_submissions([(job.job_id, job.submission) for job in jobs])
    for job in jobs:
        log.info("job %s (%s) for device %s submitted", job.job_id, task, job.device_id)
    return jobs


def job_submission_purged(submission: dict) -> dict:
    """A finished job's submission without its secrets (BMC and root passwords).

    The submission is kept only to be sent again while the scheduler has not taken the job; a
    retry runs on the scheduler's own copy (which keeps its secrets for the retry window).
    """
    return without_secrets(submission)
