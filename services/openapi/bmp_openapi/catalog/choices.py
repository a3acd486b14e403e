"""The enums of the catalog (upstream's values) and their display names in both languages."""

from __future__ import annotations

from bmp_common.i18n import EN_US, ZH_CN
from bmp_common.messages.jobs import NO_RAID_NAME

# Architectures a device type, an OS or an image may have.
ARCHITECTURES = ("x86_64", "aarch64", "loongarch64")
OS_BITS = (32, 64)

IMAGE_FORMATS = ("tar", "qcow2")
IMAGE_SOURCES = ("common", "customize", "user_defined")
BOOT_MODES = ("UEFI", "Legacy/BIOS")

DEVICE_SERIES = ("computer", "storage", "gpu", "other")
SPECS = ("common", "user_defined")  # cpuSpec / memSpec: a preset or the operator's own
MEM_TYPES = ("DDR", "DDR2", "DDR3", "DDR4", "DDR5")
INTERFACE_MODES = ("bond", "dual", "single")
HEIGHT_MAX = 16  # rack units, 1..16
NEED_RAID = "1"  # the RAID controller must be configured
NO_NEED_RAID = "2"
IS_NEED_RAID = (NEED_RAID, NO_NEED_RAID)

VOLUME_SYSTEM = "system"
VOLUME_DATA = "data"
VOLUME_TYPES = (VOLUME_SYSTEM, VOLUME_DATA)
DISK_TYPES = ("SSD", "HDD", "notLimited")
INTERFACE_TYPES = ("SATA", "SAS", "NVME", "notLimited")
VOLUME_UNITS = ("GB", "TB")

# raidCan: how a volume's disks are presented. One canonical spelling of "no RAID" everywhere
# (upstream's scheduler compared against "NORAID" while the data said "NO RAID").
RAID_CAN_RAID = "RAID"
RAID_CAN_NO_RAID = NO_RAID_NAME
RAID_CAN_SINGLE_RAID0 = "单盘RAID0"
RAID_CANS = (RAID_CAN_RAID, RAID_CAN_NO_RAID, RAID_CAN_SINGLE_RAID0)

# The RAID level names of the seeded rows, and the disks each needs at least.
RAID_NO_RAID = NO_RAID_NAME
RAID_MIN_DISKS = {"RAID0": 2, "RAID1": 2, "RAID5": 3, "RAID10": 4}

NAMES = {
    # deviceSeriesName
    "computer": {ZH_CN: "计算型", EN_US: "Computer"},
    "storage": {ZH_CN: "存储型", EN_US: "Storage"},
    "gpu": {ZH_CN: "GPU型", EN_US: "GPU"},
    "other": {ZH_CN: "其他型", EN_US: "Other"},
    # sourceName
    "common": {ZH_CN: "预置镜像", EN_US: "Preset image"},
    "customize": {ZH_CN: "定制镜像", EN_US: "Customized image"},
    "user_defined": {ZH_CN: "自定义镜像", EN_US: "User-defined image"},
    # volumeTypeName / raidCanName
    VOLUME_SYSTEM: {ZH_CN: "系统卷", EN_US: "System volume"},
    VOLUME_DATA: {ZH_CN: "数据卷", EN_US: "Data volume"},
    RAID_CAN_RAID: {ZH_CN: "RAID", EN_US: "RAID"},
    RAID_CAN_NO_RAID: {ZH_CN: "不做RAID", EN_US: "NO RAID"},
    RAID_CAN_SINGLE_RAID0: {ZH_CN: "单盘RAID0", EN_US: "Single-disk RAID0"},
}
