"""One mount-point rule for every partition (an image's, an instance's system and data
partitions), and the contract says the same as the serializers."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from bmp_common.contract import load_contract
from bmp_openapi.catalog.fields import DATA_MOUNT_POINT, MOUNT_POINT, MountPointField

DEFINITIONS = load_contract()["definitions"]


@pytest.mark.parametrize(
    ("definition", "pattern"),
    [
        ("Partition", MOUNT_POINT),  # an image's system and data partitions
        ("InstancePartition", MOUNT_POINT),  # create and reinstall: systemPartition
        ("InstanceDataPartition", DATA_MOUNT_POINT),  # reinstall: dataPartition
    ],
)
def test_the_contract_patterns_are_the_fields(definition, pattern):
    point = DEFINITIONS[definition]["properties"]["point"]
    assert (point["pattern"], point["maxLength"]) == (pattern, 255)


def _accepts(field: MountPointField, value: str) -> bool:
    try:
        field.run_validation(value)
    except serializers.ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("point", "system", "data"),
    [
        ("/", True, False),
        ("swap", True, False),
        ("/data", True, True),
        ("/data/db-1.d/x_y", True, True),
        ("/.snapshots", True, True),
        ("/..data", True, True),
        ("/a" * 100, True, True),
        ("/data/", False, False),
        ("/data/..", False, False),
        ("/./data", False, False),
        ("data", False, False),
        ("//data", False, False),
        ("/da ta", False, False),
        ("", False, False),
    ],
)
def test_system_points_are_the_only_difference(point, system, data):
    assert _accepts(MountPointField(system=True), point) is system
    assert _accepts(MountPointField(system=False), point) is data
