"""The errors of the device endpoints, in English and Chinese.

Messages about one field start with ``Invalid argument: <field>`` like DRF's validation errors,
where ``<field>`` is the path in the request (``devices[3].gateway``).
"""

from bmp_common.errors import ErrorSpec

DEVICE_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Device {device_id} does not exist", "设备 {device_id} 不存在"
)
DEVICE_TYPE_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Device type {device_type_id} does not exist", "机型 {device_type_id} 不存在"
)
VOLUME_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Volume {volume_id} does not exist", "卷 {volume_id} 不存在"
)

# The lifecycle table (states.py) refuses the action in the current status.
ACTION_REFUSED = ErrorSpec(
    409,
    "CONFLICT",
    "Cannot {action} device {device_id}: its status is {status}; allowed now: {allowed}",
    "设备 {device_id} 当前状态为{status_zh}（{status}），不能{action_zh}；当前可执行：{allowed_zh}",
)
NO_DEVICE_TYPE = ErrorSpec(
    409,
    "CONFLICT",
    "Device {device_id} has no device type: associate one before mounting it",
    "设备 {device_id} 未关联机型，请先关联机型再上架",
)
NO_INSTANCE_TO_REMOVE = ErrorSpec(
    409,
    "CONFLICT",
    "Device {device_id} is {status}: no instance to remove",
    "设备 {device_id} 当前状态为{status_zh}（{status}），没有可移除的实例",
)
DEVICE_TYPE_OTHER_IDC = ErrorSpec(
    409,
    "CONFLICT",
    "Device type {device_type_id} belongs to IDC {type_idc_id}, device {device_id} is in {idc_id}",
    "机型 {device_type_id} 属于机房 {type_idc_id}，设备 {device_id} 在机房 {idc_id}",
)

# Uniqueness: within one import, and against the live devices.
DUPLICATE_IN_REQUEST = ErrorSpec(
    409,
    "CONFLICT",
    "{field} {value} is given twice: also in {first}",
    "{field} {value} 重复：与 {first} 相同",
)
DUPLICATE_LIVE = ErrorSpec(
    409,
    "CONFLICT",
    "{field} {value} is already used by device {device_id}",
    "{field} {value} 已被设备 {device_id} 使用",
)
DUPLICATE_RACE = ErrorSpec(
    409,
    "CONFLICT",
    "Another request took the same SN, MAC or IP address at the same time: retry",
    "其他请求同时占用了相同的 SN、MAC 或 IP 地址，请重试",
)

# Network settings that each look fine but do not fit together.
NOT_A_HOST_ADDRESS = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: {field}: {address} is not a host address of {subnet}",
    "参数错误：{field}：{address} 不是子网 {subnet} 的主机地址",
)
GATEWAY_OUTSIDE_SUBNET = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: {field}: the gateway {gateway} is not in the subnet {subnet}",
    "参数错误：{field}：网关 {gateway} 不在子网 {subnet} 内",
)
ADDRESS_IS_GATEWAY = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: {field}: {address} is the gateway",
    "参数错误：{field}：{address} 与网关相同",
)
SAME_MAC = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: {field}: mac2 must differ from mac1",
    "参数错误：{field}：mac2 不能与 mac1 相同",
)

# Disks chosen for the volumes of a device type.
VOLUME_OF_OTHER_TYPE = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: {field}: volume {volume_id} is not a volume of device type {device_type_id}",
    "参数错误：{field}：卷 {volume_id} 不属于机型 {device_type_id}",
)
VOLUME_TWICE = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: {field}: volume {volume_id} is given twice",
    "参数错误：{field}：卷 {volume_id} 重复",
)
DISK_NOT_OF_DEVICE = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: {field}: {disk_id} is not a disk of device {device_id}",
    "参数错误：{field}：{disk_id} 不是设备 {device_id} 的磁盘",
)
DISK_TWICE = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: {field}: disk {disk_id} is chosen twice",
    "参数错误：{field}：磁盘 {disk_id} 被重复选择",
)
DISK_WRONG_KIND = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: {field}: disk {disk_id} is a {types} disk, volume {volume_name} needs "
    "{needed} disks",
    "参数错误：{field}：磁盘 {disk_id} 的类型是 {types}，卷 {volume_name} 需要 {needed} 类型的磁盘",
)
DISK_COUNT = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: {field}: volume {volume_name} needs {least} to {most} disks, got {count}",
    "参数错误：{field}：卷 {volume_name} 需要 {least} 到 {most} 块磁盘，实际 {count} 块",
)
DEVICE_SN_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "No device has serial number {sn}", "序列号为 {sn} 的设备不存在"
)
COLLECT_REFUSED = ErrorSpec(
    409,
    "CONFLICT",
    "{field}: device {sn} is {status} or being collected: only stocked (in), failed-to-mount"
    " (putawayfail) and removed devices may be collected",
    "{field}：设备 {sn} 当前状态为 {status} 或正在采集：仅已入库、上架失败和已移除的设备可采集",
)
