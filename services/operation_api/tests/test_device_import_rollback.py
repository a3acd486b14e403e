"""An import whose device-type step fails midway deletes what it created.

openapi cannot be made to fail on the third of five associations on purpose, so ``call`` here
is a recorded openapi: what it answered in the integration tests, with one answer turned into
the failure.
"""

from __future__ import annotations

import pytest

from bmp_common.contract.client import OpenapiError
from bmp_common.errors import BmpError
from bmp_operation_api.device_import.checks import Row
from bmp_operation_api.device_import.services import devices_import
from bmp_operation_api.device_import.template import COLUMNS


def rows(count: int) -> list[Row]:
    found = []
    for i in range(count):
        cells = dict.fromkeys((c.field for c in COLUMNS), "")
        cells.update(
            sn=f"SN-{i}",
            cabinet="R1",
            uPosition="1",
            mac1=f"02:00:00:00:00:{i:02x}",
            mask="255.255.255.0",
            privateIpv4=f"10.0.0.{i + 10}",
            gateway="10.0.0.1",
            iloIp=f"10.1.0.{i + 10}",
        )
        found.append(Row(number=i + 3, cells=cells))
    return found


class RecordedOpenapi:
    def __init__(self, *, fail_association_of: str, undeletable: frozenset = frozenset()):
        self.fail_association_of = fail_association_of
        self.undeletable = undeletable
        self.calls: list[tuple[str, dict]] = []
        self.deleted: list[str] = []

    def __call__(self, operation_id: str, **arguments) -> dict:
        self.calls.append((operation_id, arguments))
        if operation_id == "describeIdc":
            return {"idc": {"idcId": "idc-1"}}
        if operation_id == "describeDeviceTypes":
            return {"deviceTypes": [{"deviceTypeId": "dt-1"}], "totalCount": 1}
        if operation_id == "describeDevices":
            return {"devices": [], "totalCount": 0, "pageNumber": 1, "pageSize": 1000}
        if operation_id == "createDevice":
            count = len(arguments["body"]["devices"])
            return {"success": True, "deviceIds": [f"d-{i}" for i in range(count)]}
        if operation_id == "deviceAssociateDeviceType":
            if arguments["body"]["deviceId"] == self.fail_association_of:
                raise OpenapiError(
                    operation_id=operation_id, code=409, status="CONFLICT", message="sold"
                )
            return {"success": True}
        if operation_id == "deleteDevice":
            device_id = arguments["path"]["device_id"]
            if device_id in self.undeletable:
                raise OpenapiError(
                    operation_id=operation_id, code=409, status="CONFLICT", message="busy"
                )
            self.deleted.append(device_id)
            return {"success": True}
        raise AssertionError(operation_id)


def test_a_failed_association_deletes_every_device_of_the_import():
    openapi = RecordedOpenapi(fail_association_of="d-2")
    with pytest.raises(BmpError) as failed:
        devices_import(
            call=openapi, rows=rows(5), idc_id="idc-1", device_type_id="dt-1", language="en_US"
        )
    assert openapi.deleted == [f"d-{i}" for i in range(5)]
    message = failed.value.message("en_US")
    assert message.startswith("Row 5 could not be given the device type (sold)")
    assert "the 5 devices of this import were deleted again" in message


def test_devices_that_could_not_be_deleted_are_named():
    openapi = RecordedOpenapi(fail_association_of="d-1", undeletable=frozenset({"d-3"}))
    with pytest.raises(BmpError) as failed:
        devices_import(
            call=openapi, rows=rows(5), idc_id="idc-1", device_type_id="dt-1", language="en_US"
        )
    assert failed.value.spec.code == 500
    assert failed.value.message("en_US").endswith("could not be deleted again: d-3")


def test_the_whole_file_goes_in_one_create_call():
    openapi = RecordedOpenapi(fail_association_of="")
    result = devices_import(
        call=openapi, rows=rows(5), idc_id="idc-1", device_type_id="", language="en_US"
    )
    assert result.device_ids == [f"d-{i}" for i in range(5)]
    creates = [arguments for name, arguments in openapi.calls if name == "createDevice"]
    assert len(creates) == 1
    assert [d["sn"] for d in creates[0]["body"]["devices"]] == [f"SN-{i}" for i in range(5)]
