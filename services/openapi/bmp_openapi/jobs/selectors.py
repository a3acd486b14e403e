"""Reads of jobs."""

from __future__ import annotations

from bmp_openapi.core import events
from bmp_openapi.core.scoping import sees_fleet
from bmp_openapi.devices.models import Device
from bmp_openapi.jobs.models import QUEUED, SUBMITTED, Job
from bmp_openapi.jobs.services.outbox import outbox_pending


def jobs_shown_status(jobs) -> dict[str, str]:
    """job_id → the status a user sees: ``queued`` for a submitted job whose message the
    broker has not taken yet (it waits in the outbox), else the job's status."""
    submitted = [job.job_id for job in jobs if job.status == SUBMITTED]
    queued = outbox_pending(submitted) if submitted else set()
    return {job.job_id: QUEUED if job.job_id in queued else job.status for job in jobs}


def jobs_status_by_id(job_ids) -> dict[str, str]:
    """job_id → shown status of the named jobs (one query, two with submitted jobs)."""
    jobs = list(Job.objects.filter(job_id__in=list(job_ids)).only("job_id", "status"))
    return jobs_shown_status(jobs)


def job_node_keys(job: Job) -> list[str]:
    """Where the boot services and the oob agent file what they saw of the job's server
    (bmp_common.flight): its MAC (DHCP, the gateway's boot files), its reserved address (TFTP,
    HTTP) and its SN (SEL records)."""
    device = (
        Device.all_objects.filter(device_id=job.device_id)
        .only("mac1", "private_ipv4", "sn")
        .first()
        if job.device_id
        else None
    )
    keys = [f"sn:{job.sn}"] if job.sn else []
    if device is not None:
        keys += [device.mac1.lower(), device.private_ipv4]
    return [key for key in keys if key]


def job_visible(*, job_id: str, actor) -> Job | None:
    """The job, when the caller may see it: staff on the operation profile every job, anyone
    else the jobs of the instances they see."""
    job = Job.objects.defer("submission").filter(job_id=job_id).first()
    if job is None or sees_fleet(actor):
        return job
    if not job.instance_id:
        return None
    for visible_ids in events.answers(events.instance_ids_visible, Job, principal=actor):
        if visible_ids.filter(instance_id=job.instance_id).exists():
            return job
    return None
