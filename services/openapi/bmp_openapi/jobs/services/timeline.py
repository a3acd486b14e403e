"""describeJobTimeline: the job's flight recorder (bmp_common.flight) and its verdict.

The scheduler, the driver (through its step results), the gateway, the DHCP server, the TFTP and
HTTP servers and the oob agent write the entries to the shared Redis; this reads the job's and
those of its server (by MAC, reserved address and SN) between the job's start and end, adds
the API call that made the job, and asks the rules (bmp_common.flight_verdict) for the likely
cause. A caller who does not see the fleet gets no driver or agent message (they can name the
BMC's address), as the instance reads leave out ``reasonMessage``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.conf import settings

from bmp_common import flight
from bmp_common.flight_verdict import classify
from bmp_openapi.core.scoping import sees_fleet
from bmp_openapi.jobs.models import Job
from bmp_openapi.jobs.selectors import job_node_keys, jobs_shown_status

# Node entries a little after the job's end still belong to it (a late DHCP flush, the last
# TFTP transfer logged as the job ended).
END_GRACE_S = 5.0
FLEET_ONLY_DETAIL = ("message", "requestId", "createdBy")


def _iso(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def job_timeline(*, job: Job, actor) -> dict:
    fleet = sees_fleet(actor)
    since = job.created_at.timestamp()
    until = job.finished_at.timestamp() + END_GRACE_S if job.finished_at else None
    entries = flight.read(job.job_id, nodes=job_node_keys(job), since=since, until=until)
    created = {"task": job.task, "createdBy": job.created_by}
    entries.insert(0, flight.entry(flight.API, flight.JOB_CREATED, created, at=since))
    if not fleet:
        entries = [_for_tenant(item) for item in entries]
    status = jobs_shown_status([job])[job.job_id]
    verdict = classify(entries, status=status, now=time.time(), stall_s=settings.BMP_FLIGHT_STALL_S)
    return {
        "jobId": job.job_id,
        "task": job.task,
        "status": status,
        "instanceId": job.instance_id,
        "verdict": verdict.to_wire() if verdict else None,
        "entries": [
            {
                "time": _iso(item["time"]),
                "source": str(item.get("source", "")),
                "kind": str(item.get("kind", "")),
                "detail": item.get("detail") if isinstance(item.get("detail"), dict) else {},
            }
            for item in entries
        ],
    }


def _for_tenant(item: dict) -> dict:
    detail = item.get("detail")
    if isinstance(detail, dict) and any(key in detail for key in FLEET_ONLY_DETAIL):
        detail = {key: value for key, value in detail.items() if key not in FLEET_ONLY_DETAIL}
        return {**item, "detail": detail}
    return item
