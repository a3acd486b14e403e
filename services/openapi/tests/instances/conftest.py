"""Stock for instance tests, built through the API: an IDC, an OS and image bound to a device
type with volumes and RAID levels, devices imported, associated and put away.

The scheduler's part is played with real job events through openapi's own Celery task
(``finish_job``): what the scheduler would send when a chain ends.
"""

from __future__ import annotations

import itertools

import pytest

from bmp_common.messages.jobs import JobEvent
from bmp_openapi.jobs.models import Job
from bmp_openapi.jobs.tasks import job_event

from ..catalog.data import NEW_DEVICE_TYPE, NEW_IMAGE, NEW_OS, RAID1, SYSTEM_VOLUME, ok
from ..devices.conftest import spec

_sequence = itertools.count(1)


def finish_job(job_id: str, kind: str = "succeeded", *, power: str = "", **fields) -> bool:
    """Delivers the end of a job as the scheduler does (a JobEvent through the openapi task)."""
    job = Job.objects.get(job_id=job_id)
    event = JobEvent(
        job_id=job_id,
        sequence=job.last_sequence + 1,
        task=job.task,
        kind=kind,
        instance_id=job.instance_id,
        device_id=job.device_id,
        sn=job.sn,
        observed={"power": power} if power else {},
        **fields,
    )
    return job_event(event.to_wire())


def last_job(**filters) -> Job:
    return Job.objects.filter(**filters).order_by("-id").first()


class Stock:
    def __init__(self, api, count: int, volumes=(SYSTEM_VOLUME,)):
        self.api = api
        self.idc_id = ok(
            api.post("/v1/idcs", {"name": "一区", "nameEn": "zone-1", "level": "T4"}, format="json")
        )["idcId"]
        ok(api.post("/v1/oss", NEW_OS, format="json"))
        self.image_id = ok(api.post("/v1/images", NEW_IMAGE, format="json"))["imageId"]
        self.device_type_id = ok(
            api.post(
                "/v1/deviceTypes",
                {**NEW_DEVICE_TYPE, "idcId": self.idc_id, "volumes": list(volumes)},
                format="json",
            )
        )["deviceTypeId"]
        ok(
            api.post(
                "/v1/deviceTypes/associatedImage",
                {"deviceTypeId": self.device_type_id, "imageIds": [self.image_id]},
                format="json",
            )
        )
        specs = [spec(n) for n in range(count)]
        self.device_ids = ok(
            api.post("/v1/devices", {"idcId": self.idc_id, "devices": specs}, format="json")
        )["deviceIds"]
        for device_id in self.device_ids:
            body = {"deviceId": device_id, "deviceTypeId": self.device_type_id}
            ok(api.put("/v1/devices/deviceType/associate", body, format="json"))
            ok(api.put("/v1/devices/mount", {"deviceId": device_id}, format="json"))
            assert finish_job(last_job(device_id=device_id, task="PutawayDevice").job_id)

    def create_body(self, project_id: str, **changes) -> dict:
        """The body of a valid create; a change to None leaves that field out."""
        body = {
            "idcId": self.idc_id,
            "projectId": project_id,
            "deviceTypeId": self.device_type_id,
            "imageId": self.image_id,
            "systemVolumeRaidId": RAID1,
            "instanceName": "web",
            "password": "Root-Pass-2026",
            **changes,
        }
        return {name: value for name, value in body.items() if value is not None}


@pytest.fixture
def stock(admin_api):
    return Stock(admin_api, 3)


@pytest.fixture
def project_id(admin_api) -> str:
    projects = ok(admin_api.get("/v1/user/projects"))["projects"]
    return projects[0]["projectId"]
