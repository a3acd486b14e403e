"""The errors of the instance endpoints, in English and Chinese."""

from bmp_common.errors import ErrorSpec

INSTANCE_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Instance {instance_id} does not exist", "实例 {instance_id} 不存在"
)
ACTION_REFUSED = ErrorSpec(
    409,
    "CONFLICT",
    "Cannot {action} instance {instance_id}: its status is {status}; allowed now: {allowed}",
    "实例 {instance_id} 当前状态为{status_zh}（{status}），不能{action_zh}；"
    "当前可执行：{allowed_zh}",
)
LOCKED = ErrorSpec(
    409,
    "CONFLICT",
    "Instance {instance_id} is locked: unlock it before you {action} it",
    "实例 {instance_id} 已锁定，请先解锁再{action_zh}",
)
READ_ONLY_SHARE = ErrorSpec(
    403,
    "FORBIDDEN",
    "Instance {instance_id} is in a project shared with you read-only",
    "实例 {instance_id} 所在项目仅以只读方式共享给您",
)
STOCK_INSUFFICIENT = ErrorSpec(
    409,
    "CONFLICT",
    "Device type {device_type_id} has {stock} device(s) for sale in IDC {idc_id}; {count} asked",
    "机房 {idc_id} 中机型 {device_type_id} 可售设备 {stock} 台，不足 {count} 台",
)
NAME_TAKEN = ErrorSpec(
    409,
    "CONFLICT",
    "You already have an instance named {name}",
    "您已有名为 {name} 的实例",
)
IMAGE_NOT_BOUND = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: imageId: image {image_id} is not bound to device type {device_type_id}",
    "参数错误：imageId：镜像 {image_id} 未绑定机型 {device_type_id}",
)
OTHER_IDC = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: deviceTypeId: device type {device_type_id} is not in IDC {idc_id}",
    "参数错误：deviceTypeId：机型 {device_type_id} 不属于机房 {idc_id}",
)
BOOT_MODE_UNSUPPORTED = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: bootMode: {boot_mode} is not supported by the image and device type"
    " (supported: {supported})",
    "参数错误：bootMode：镜像与机型不支持 {boot_mode}（支持：{supported}）",
)
CREDENTIALS_REQUIRED = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: password: give a password or sshKeyId, not both and not neither",
    "参数错误：password：请提供密码或 sshKeyId 之一",
)
SSHKEY_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "SSH key {sshkey_id} does not exist", "SSH 密钥 {sshkey_id} 不存在"
)
RAID_NOT_OFFERED = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: systemVolumeRaidId: RAID {raid_id} is not offered by device type"
    " {device_type_id}",
    "参数错误：systemVolumeRaidId：机型 {device_type_id} 不支持 RAID {raid_id}",
)
SHARER_NOT_FOUND = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: sharerName: there is no user named {user_name}",
    "参数错误：sharerName：用户 {user_name} 不存在",
)
NOT_MOVER_PROJECT = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: moverProjectID: {project_id} is not a project of user {user_id}",
    "参数错误：moverProjectID：{project_id} 不是用户 {user_id} 的项目",
)
TOO_MANY_IDS = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: {field}: at most {most} ids",
    "参数错误：{field}：最多 {most} 个 ID",
)
MOVER_NAME_TAKEN = ErrorSpec(
    409,
    "CONFLICT",
    "User {user_id} already has an instance named {name}",
    "用户 {user_id} 已有名为 {name} 的实例",
)
VOLUME_NOT_IN_DEVICE_TYPE = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: VolumeRaids: volume {volume_id} is not a volume of device type"
    " {device_type_id}",
    "参数错误：VolumeRaids：卷 {volume_id} 不属于机型 {device_type_id}",
)
VOLUME_CHOSEN_TWICE = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: VolumeRaids: volume {volume_id} is chosen more than once",
    "参数错误：VolumeRaids：卷 {volume_id} 重复选择",
)
VOLUME_TYPE_MISMATCH = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: VolumeRaids: volume {volume_id} is a {volume_type} volume",
    "参数错误：VolumeRaids：卷 {volume_id} 的类型是 {volume_type}",
)
VOLUME_RAID_NOT_OFFERED = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: VolumeRaids: volume {volume_id} does not offer RAID {raid_id}",
    "参数错误：VolumeRaids：卷 {volume_id} 不支持 RAID {raid_id}",
)
SYSTEM_VOLUME_RAID_MISMATCH = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: VolumeRaids: the system volume {volume_id} takes systemVolumeRaidId"
    " {raid_id}",
    "参数错误：VolumeRaids：系统卷 {volume_id} 的 RAID 应为 systemVolumeRaidId {raid_id}",
)
MOUNT_POINT_REPEATED = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: dataPartition: mount point {point} appears more than once across the"
    " system and data partitions",
    "参数错误：dataPartition：挂载点 {point} 在系统分区和数据分区中重复",
)
DATA_PARTITIONS_WITH_KEEP_DATA = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: dataPartition: partitioning the data disks would not keep their data"
    " (keepData)",
    "参数错误：dataPartition：重新分区会清除数据盘的数据，与 keepData 冲突",
)
