"""The triggers that keep the lists' grouped counts and name suffixes exist after the
migrations. On SQLite, a migration that remakes a table (most AlterField and RemoveField
operations) drops that table's triggers with it, and the counts would silently stop: such a
migration must create them again (its RunPython calls the spec's ``drop_sql`` and
``create_sql``), or this test fails."""

from __future__ import annotations

from django.db import connection

from bmp_openapi.devices.models import (
    DEVICE_COUNTS,
    DEVICE_SN_SUFFIXES,
    DEVICE_USER_NAME_SUFFIXES,
)
from bmp_openapi.instances.models import INSTANCE_COUNTS, INSTANCE_NAME_SUFFIXES

SPECS = (
    DEVICE_COUNTS,
    INSTANCE_COUNTS,
    DEVICE_SN_SUFFIXES,
    DEVICE_USER_NAME_SUFFIXES,
    INSTANCE_NAME_SUFFIXES,
)


def triggers_in_database() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute(
                "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS "
                "WHERE TRIGGER_SCHEMA = DATABASE()"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall()}


def test_every_list_trigger_exists(db):
    expected = {
        f"{spec.name}_{event}" for spec in SPECS for event in ("insert", "update", "delete")
    }
    assert expected <= triggers_in_database()
