"""A create of many instances costs about the statements of a create of one: every row of a
batch goes in one INSERT per table (a create of 100 was ~1,500 statements on MariaDB, each a
round trip)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bmp_openapi.accounts.models import User
from bmp_openapi.instances.services.create import instances_create

from .conftest import Stock


def _create(stock: Stock, project_id: str, name: str, count: int) -> int:
    actor = User.objects.get(user_name="admin")
    with CaptureQueriesContext(connection) as queries:
        instances_create(
            actor=actor,
            idc_id=stock.idc_id,
            project_id=project_id,
            device_type_id=stock.device_type_id,
            image_id=stock.image_id,
            system_volume_raid_id=stock.create_body(project_id)["systemVolumeRaidId"],
            instance_name=name,
            password="Root-Pass-2026",
            count=count,
        )
    return len(queries.captured_queries)


@pytest.mark.django_db
def test_a_create_of_many_costs_the_statements_of_a_create_of_one(admin_api, project_id):
    stock = Stock(admin_api, 9)
    one = _create(stock, project_id, "one", 1)
    many = _create(stock, project_id, "many", 8)
    assert many == one
