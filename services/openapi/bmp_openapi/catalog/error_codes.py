"""The catalog's errors. Combinations the contract cannot express (one system volume, GPU
fields together, RAID levels against disks) are refused with 409: the request is well formed
but conflicts with the catalog's rules."""

from bmp_common.errors import ErrorSpec

# Not found
OS_NOT_FOUND = ErrorSpec(404, "NOT_FOUND", "OS {os_id} does not exist", "操作系统 {os_id} 不存在")
IMAGE_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Image {image_id} does not exist", "镜像 {image_id} 不存在"
)
RAID_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "RAID level {raid_id} does not exist", "RAID {raid_id} 不存在"
)
DEVICE_TYPE_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Device type {device_type_id} does not exist", "机型 {device_type_id} 不存在"
)
IDC_NOT_FOUND = ErrorSpec(404, "NOT_FOUND", "IDC {idc_id} does not exist", "机房 {idc_id} 不存在")
NOT_BOUND = ErrorSpec(
    404,
    "NOT_FOUND",
    "Image {image_id} is not bound to device type {device_type_id}",
    "镜像 {image_id} 未绑定机型 {device_type_id}",
)
VOLUME_NOT_FOUND = ErrorSpec(
    404,
    "NOT_FOUND",
    "Device type {device_type_id} has no {volume_type} volume {volume_id}",
    "机型 {device_type_id} 没有 {volume_type} 卷 {volume_id}",
)
DEVICE_TYPE_RAID_NOT_FOUND = ErrorSpec(
    404,
    "NOT_FOUND",
    "No {volume_type} volume of device type {device_type_id} offers RAID level {raid_id}",
    "机型 {device_type_id} 的 {volume_type} 卷未配置 RAID {raid_id}",
)

# Names taken
OS_NAME_TAKEN = ErrorSpec(
    409, "CONFLICT", "An OS named {name} already exists", "名为 {name} 的操作系统已存在"
)
IMAGE_NAME_TAKEN = ErrorSpec(
    409, "CONFLICT", "An image named {name} already exists", "名为 {name} 的镜像已存在"
)
RAID_NAME_TAKEN = ErrorSpec(
    409, "CONFLICT", "A RAID level named {name} already exists", "名为 {name} 的 RAID 已存在"
)
DEVICE_TYPE_NAME_TAKEN = ErrorSpec(
    409,
    "CONFLICT",
    "IDC {idc_id} already has a device type named {name}",
    "机房 {idc_id} 已有名为 {name} 的机型",
)
DEVICE_TYPE_CODE_TAKEN = ErrorSpec(
    409,
    "CONFLICT",
    "IDC {idc_id} already has a device type with spec {device_type}",
    "机房 {idc_id} 已有规格为 {device_type} 的机型",
)

# In use
OS_IN_USE = ErrorSpec(
    409,
    "CONFLICT",
    "OS {os_id} is used by {count} image(s): delete them first",
    "操作系统 {os_id} 仍被 {count} 个镜像使用，请先删除镜像",
)
OS_ARCHITECTURE_IN_USE = ErrorSpec(
    409,
    "CONFLICT",
    "The architecture of OS {os_id} cannot change while images use it",
    "操作系统 {os_id} 仍被镜像使用，不能修改体系架构",
)
IMAGE_BOUND = ErrorSpec(
    409,
    "CONFLICT",
    "Image {image_id} is bound to {count} device type(s): unbind it first",
    "镜像 {image_id} 仍绑定 {count} 个机型，请先解绑",
)
RAID_IN_USE = ErrorSpec(
    409,
    "CONFLICT",
    "RAID level {raid_id} is offered by {count} device-type volume(s): remove it there first",
    "RAID {raid_id} 仍被 {count} 个机型卷使用，请先移除",
)
RAID_BUILT_IN = ErrorSpec(
    409,
    "CONFLICT",
    "RAID level {name} is built in: it can be described but not renamed or deleted",
    "RAID {name} 为内置级别，只能修改描述，不能改名或删除",
)
DEVICE_TYPE_IN_USE = ErrorSpec(
    409,
    "CONFLICT",
    "Device type {device_type_id} still has {what}: remove them first",
    "机型 {device_type_id} 下仍有{what}，请先处理",
)
IMAGE_IN_USE = ErrorSpec(
    409,
    "CONFLICT",
    "Image {image_id} is still used by {what}: remove them first",
    "镜像 {image_id} 仍被{what}使用，请先处理",
)

# Combinations the request makes that the catalog's rules refuse
ONE_SYSTEM_VOLUME = ErrorSpec(
    409,
    "CONFLICT",
    "A device type has exactly one system volume (got {count})",
    "机型有且只有一个系统卷（当前 {count} 个）",
)
VOLUME_NAME_TWICE = ErrorSpec(
    409, "CONFLICT", "Volume name {name} is used twice", "卷名称 {name} 重复"
)
BOND_NEEDS_TWO_NICS = ErrorSpec(
    409,
    "CONFLICT",
    "interfaceMode bond needs nicAmount 2",
    "网口模式为 bond 时网卡数量须为 2",
)
GPU_ALL_OR_NONE = ErrorSpec(
    409,
    "CONFLICT",
    "gpuAmount, gpuManufacturer and gpuModel are given together (amount above 0) or not at all",
    "gpuAmount、gpuManufacturer、gpuModel 须同时填写（数量大于 0）或同时不填",
)
NO_RAID_NEEDS_ONE_NVME = ErrorSpec(
    409,
    "CONFLICT",
    "Volume {name}: raidCan NO RAID needs interfaceType NVME and volumeAmount 1",
    "卷 {name}：RAID 配置为 NO RAID 时接口类型须为 NVME 且只能有 1 块盘",
)
SINGLE_RAID0_NEEDS_ONE_DISK = ErrorSpec(
    409,
    "CONFLICT",
    "Volume {name}: raidCan 单盘RAID0 needs volumeAmount 1",
    "卷 {name}：RAID 配置为单盘RAID0 时只能有 1 块盘",
)
RAID_LEVEL_NOT_ALLOWED = ErrorSpec(
    409,
    "CONFLICT",
    "Volume {name}: RAID level {level} does not fit raidCan {raid_can}",
    "卷 {name}：RAID {level} 与 RAID 配置 {raid_can} 不符",
)
RAID_NEEDS_DISKS = ErrorSpec(
    409,
    "CONFLICT",
    "Volume {name}: RAID level {level} needs at least {count} disks",
    "卷 {name}：RAID {level} 至少需要 {count} 块盘",
)
RAID_LEVEL_MISSING = ErrorSpec(
    409,
    "CONFLICT",
    "Volume {name}: raidCan RAID needs at least one RAID level in raid",
    "卷 {name}：RAID 配置为 RAID 时须至少选择一个 RAID 级别",
)
RAID_ALREADY_OFFERED = ErrorSpec(
    409,
    "CONFLICT",
    "Volume {volume_id} already offers RAID level {raid_id}",
    "卷 {volume_id} 已配置 RAID {raid_id}",
)
LAST_RAID_LEVEL = ErrorSpec(
    409,
    "CONFLICT",
    "Volume {volume_id} must keep at least one RAID level",
    "卷 {volume_id} 至少保留一个 RAID 级别",
)
ARCHITECTURE_MISMATCH = ErrorSpec(
    409,
    "CONFLICT",
    "Image {image_id} is for {image_architecture}, device type {device_type_id} is {architecture}",
    "镜像 {image_id} 的体系架构 {image_architecture} "
    "与机型 {device_type_id} 的 {architecture} 不符",
)
OS_MISMATCH = ErrorSpec(
    409,
    "CONFLICT",
    "An OS named {name} exists with another type, version or architecture",
    "已存在名为 {name} 的操作系统，但其类型、版本或体系架构不同",
)
PARTITION_POINT_TWICE = ErrorSpec(
    409, "CONFLICT", "Mount point {point} is used twice", "挂载点 {point} 重复"
)
SWAP_PARTITION = ErrorSpec(
    409,
    "CONFLICT",
    "Partition {point}: format swap goes with point swap, and only with it",
    "分区 {point}：swap 格式只能对应 swap 挂载点",
)
