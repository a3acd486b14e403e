"""A device import, all or nothing: every row checked first, then one openapi call.

1. The IDC (and the device type, when one is chosen) must exist.
2. Every row is checked (``checks.check_rows``) against the others and against the devices
   already enrolled (openapi's device list, read page by page, only the identities kept).
   One bad row: nothing is imported, and every bad row is reported.
3. ``createDevice`` imports them all in one transaction (openapi checks everything again, and
   imports all or none).
4. With a device type: each new device is associated with it. If one association fails, the
   devices this import created are deleted again, and the failure is reported.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from bmp_common.contract.client import ContractClientError, OpenapiError, RequestOutsideContract
from bmp_common.errors import BmpError
from bmp_operation_api.device_import import error_codes
from bmp_operation_api.device_import.checks import (
    Enrolled,
    Problem,
    Row,
    check_rows,
    device_spec,
)

log = logging.getLogger(__name__)

PAGE = 1000  # openapi's largest page
_INDEX = re.compile(r"devices\[(\d+)\]")

Call = Callable[..., dict]


@dataclass
class ImportResult:
    device_ids: list[str]
    associated: int


class RowsRefused(Exception):
    """Some rows are bad: nothing was imported."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len({p.row for p in problems})} rows refused")


def enrolled_devices(call: Call, idc_id: str) -> Enrolled:
    """The identities live devices hold (SNs of every IDC; MACs, addresses of this one)."""
    enrolled = Enrolled()
    number = 1
    while True:
        page = call("describeDevices", query={"pageNumber": number, "pageSize": PAGE})
        for device in page["devices"]:
            enrolled.add(device, idc_id)
        if len(page["devices"]) < PAGE or number * PAGE >= page["totalCount"]:
            return enrolled
        number += 1


def _check_targets(call: Call, idc_id: str, device_type_id: str) -> None:
    try:
        call("describeIdc", path={"idc_id": idc_id})
    except OpenapiError as exc:
        if exc.code == 404:
            raise BmpError(error_codes.UNKNOWN_IDC, idc_id=idc_id) from None
        raise
    if not device_type_id:
        return
    found = call(
        "describeDeviceTypes",
        query={"idcId": idc_id, "deviceTypeId": device_type_id, "isAll": "1"},
    )["deviceTypes"]
    if not found:
        raise BmpError(error_codes.UNKNOWN_DEVICE_TYPE, device_type_id=device_type_id)


def devices_import(
    *, call: Call, rows: list[Row], idc_id: str, device_type_id: str, language: str
) -> ImportResult:
    """Checks, then imports ``rows`` into ``idc_id``; raises ``RowsRefused`` (nothing imported)
    or ``BmpError`` / ``OpenapiError``. ``call(operation_id, **arguments)`` is openapi as the
    operator."""
    if not rows:
        raise BmpError(error_codes.NO_ROWS)
    _check_targets(call, idc_id, device_type_id)
    problems = check_rows(rows, enrolled_devices(call, idc_id), language)
    if problems:
        raise RowsRefused(problems)
    body = {"idcId": idc_id, "devices": [device_spec(row) for row in rows]}
    try:
        created = call("createDevice", body=body)["deviceIds"]
    except (OpenapiError, RequestOutsideContract) as exc:
        # Raced by another import, or a rule only openapi knows: said with the row number.
        message = exc.message if isinstance(exc, OpenapiError) else exc.detail
        row = _row_of(message, rows)
        raise BmpError(error_codes.IMPORT_REFUSED, row=row, detail=message) from None
    log.info("imported %d devices into %s", len(created), idc_id)
    if not device_type_id:
        return ImportResult(created, 0)
    for index, device_id in enumerate(created):
        try:
            call(
                "deviceAssociateDeviceType",
                body={"deviceId": device_id, "deviceTypeId": device_type_id},
            )
        except ContractClientError as exc:
            left = _roll_back(call, created)
            detail = getattr(exc, "message", str(exc))
            log.warning(
                "import into %s: associating %s failed (%s); %d of %d devices deleted again",
                idc_id,
                device_id,
                detail,
                len(created) - len(left),
                len(created),
            )
            if left:
                raise BmpError(
                    error_codes.ROLLBACK_INCOMPLETE,
                    row=rows[index].number,
                    detail=detail,
                    left=", ".join(left),
                ) from None
            raise BmpError(
                error_codes.ROLLED_BACK, row=rows[index].number, detail=detail, count=len(created)
            ) from None
    return ImportResult(created, len(created))


def _roll_back(call: Call, device_ids: list[str]) -> list[str]:
    """Deletes the devices; the ids of those that could not be deleted."""
    left = []
    for device_id in device_ids:
        try:
            call("deleteDevice", path={"device_id": device_id})
        except ContractClientError as exc:
            log.error("import roll-back: device %s not deleted: %s", device_id, exc)
            left.append(device_id)
    return left


def _row_of(message: str, rows: list[Row]) -> int | str:
    found = _INDEX.search(message or "")
    if found and int(found.group(1)) < len(rows):
        return rows[int(found.group(1))].number
    return "?"
