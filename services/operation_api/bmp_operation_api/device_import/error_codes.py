"""The device import's own errors (openapi's come back as openapi worded them)."""

from __future__ import annotations

from bmp_common.errors import ErrorSpec

NOT_A_TEMPLATE = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "deviceFile: not the device import template: {detail}",
    "deviceFile：不是设备导入模板：{detail}",
)
TOO_MANY_ROWS = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "deviceFile: more than {limit} devices; import them in several files",
    "deviceFile：超过 {limit} 台设备，请分多个文件导入",
)
NO_ROWS = ErrorSpec(
    400, "INVALID_ARGUMENT", "deviceFile: the file lists no device", "deviceFile：文件中没有设备"
)
ROWS_REFUSED = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "{count} rows are wrong, nothing was imported: {detail}",
    "{count} 行有误，未导入任何设备：{detail}",
)
UNKNOWN_IDC = ErrorSpec(404, "NOT_FOUND", "idcId: no IDC {idc_id}", "idcId：机房 {idc_id} 不存在")
UNKNOWN_DEVICE_TYPE = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "deviceTypeId: no device type {device_type_id} in this IDC",
    "deviceTypeId：该机房没有机型 {device_type_id}",
)
IMPORT_REFUSED = ErrorSpec(
    409,
    "CONFLICT",
    "Nothing was imported: row {row}: {detail}",
    "未导入任何设备：第 {row} 行：{detail}",
)
ROLLED_BACK = ErrorSpec(
    409,
    "CONFLICT",
    "Row {row} could not be given the device type ({detail}); the {count} devices of this "
    "import were deleted again",
    "第 {row} 行无法关联机型（{detail}），本次导入的 {count} 台设备已删除",
)
ROLLBACK_INCOMPLETE = ErrorSpec(
    500,
    "INTERNAL",
    "Row {row} could not be given the device type ({detail}), and these devices of this "
    "import could not be deleted again: {left}",
    "第 {row} 行无法关联机型（{detail}），且本次导入的这些设备未能删除：{left}",
)
