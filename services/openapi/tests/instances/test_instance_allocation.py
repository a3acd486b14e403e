"""Concurrent creates never share a server: the allocation and the stock check are one
transaction with row locks (SKIP LOCKED on MariaDB/MySQL, a single writer on SQLite)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from bmp_common.errors import BmpError
from bmp_openapi.accounts.models import User
from bmp_openapi.instances.models import Instance
from bmp_openapi.instances.services.create import instances_create

from ..catalog.data import RAID1, ok
from .conftest import Stock


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the seeded roles
def test_concurrent_creates_take_distinct_devices_and_never_oversell(admin, admin_api):
    stock = Stock(admin_api, 3)
    actor = User.objects.get(user_name="admin")
    project_id = ok(admin_api.get("/v1/user/projects"))["projects"][0]["projectId"]
    outcomes: list[str] = []
    start = threading.Barrier(5)

    def create(n: int) -> None:
        try:
            start.wait()
            instances_create(
                actor=actor,
                idc_id=stock.idc_id,
                project_id=project_id,
                device_type_id=stock.device_type_id,
                image_id=stock.image_id,
                system_volume_raid_id=RAID1,
                instance_name=f"race-{n}",
                password="Root-Pass-2026",
            )
            outcomes.append("created")
        except BmpError as error:
            outcomes.append(error.spec.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["CONFLICT", "CONFLICT", "created", "created", "created"]
    devices = list(Instance.objects.values_list("device__device_id", flat=True))
    assert sorted(devices) == sorted(stock.device_ids)
