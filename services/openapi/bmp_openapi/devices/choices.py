"""Device enums besides the lifecycle (``states.py``) and the display names of all of them."""

from __future__ import annotations

from bmp_common.i18n import EN_US, ZH_CN
from bmp_openapi.devices import states

# collect_status: whether the hardware inventory was collected (stored as strings, as upstream).
COLLECTED = "1"
NOT_COLLECTED = "2"  # the status after import
COLLECTING = "3"
COLLECT_FAILED = "4"
COLLECT_STATUSES = (COLLECTED, NOT_COLLECTED, COLLECTING, COLLECT_FAILED)

# disk.types: how the collection found the disk.
DISK_CONTROLLER = "controller"  # behind a RAID controller
DISK_NVME = "nvme"
DISK_PANFU = "panfu"  # a plain block device (upstream's 盘符)

INTERFACE_LAN = "lan"
INTERFACE_WAN = "wan"

# (ours) How the driver reaches a BMC: its UDP port and its client.
DEFAULT_BMC_PORT = 623
BMC_NATIVE = "native"  # IPMI 2.0 lanplus in the driver's process
BMC_IPMITOOL = "ipmitool"  # for BMCs the native client cannot talk to
BMC_REDFISH = "redfish"  # Redfish over https, with sushy
BMC_AUTO = "auto"  # the driver finds out (Redfish service root, else IPMI) on the first job
BMC_INTERFACES = (BMC_NATIVE, BMC_IPMITOOL, BMC_REDFISH, BMC_AUTO)

# (ours) bmc_credential_state: what the BMC last said of the credentials the driver logs in with.
BMC_CREDENTIALS_UNKNOWN = "unknown"  # not used yet, or changed since they were last used
BMC_CREDENTIALS_OK = "ok"  # a job's BMC calls succeeded with them
BMC_CREDENTIALS_REFUSED = "refused"  # the BMC refused the user, the password or the privilege
BMC_CREDENTIAL_STATES = (BMC_CREDENTIALS_UNKNOWN, BMC_CREDENTIALS_OK, BMC_CREDENTIALS_REFUSED)

# Batch import limit: one transaction, all or nothing.
MAX_IMPORT = 1000

MANAGE_STATUS_NAMES = {
    states.IN: {ZH_CN: "已入库", EN_US: "Stocked"},
    states.PUTAWAYING: {ZH_CN: "上架中", EN_US: "Mounting"},
    states.PUTAWAY: {ZH_CN: "已上架", EN_US: "Mounted"},
    states.PUTAWAYFAIL: {ZH_CN: "上架失败", EN_US: "Mount failed"},
    states.CREATED: {ZH_CN: "已创建", EN_US: "Created"},
    states.REMOVED: {ZH_CN: "已移除", EN_US: "Removed"},
}

COLLECT_STATUS_NAMES = {
    COLLECTED: {ZH_CN: "已采集", EN_US: "Collected"},
    NOT_COLLECTED: {ZH_CN: "未采集", EN_US: "Not collected"},
    COLLECTING: {ZH_CN: "采集中", EN_US: "Collecting"},
    COLLECT_FAILED: {ZH_CN: "采集失败", EN_US: "Collection failed"},
}

BMC_CREDENTIAL_STATE_NAMES = {
    BMC_CREDENTIALS_UNKNOWN: {ZH_CN: "未知", EN_US: "Unknown"},
    BMC_CREDENTIALS_OK: {ZH_CN: "正常", EN_US: "Accepted"},
    BMC_CREDENTIALS_REFUSED: {ZH_CN: "被拒绝", EN_US: "Refused"},
}

# reason: why the put-away checks failed (codes written by the lifecycle's CheckInitConfig).
REASON_NAMES = {
    "ERROR": {ZH_CN: "未知错误", EN_US: "Unknown error"},
    "PING_ILOIP_ERROR": {ZH_CN: "ping带外不通", EN_US: "The BMC does not answer ping"},
    "USERNAME_OR_PASSWORD_ERROR": {
        ZH_CN: "带外用户名或密码错误",
        EN_US: "The BMC user does not exist or the password is wrong",
    },
    "USER_PRIVILEGE_ERROR": {ZH_CN: "用户权限错误", EN_US: "The BMC user lacks privileges"},
    "PING_SUBNET_GATEWAY_ERROR": {ZH_CN: "ping子网网关错误", EN_US: "The gateway does not answer"},
    "MAC1_ERROR": {ZH_CN: "mac1地址有误", EN_US: "MAC1 is wrong"},
    "MAC2_ERROR": {ZH_CN: "mac2地址有误", EN_US: "MAC2 is wrong"},
}

# The actions of states.py, as error messages name them.
ACTION_NAMES = {
    states.MOUNT: {ZH_CN: "上架", EN_US: "mount"},
    states.MOUNT_SUCCEEDED: {ZH_CN: "上架成功", EN_US: "finish mounting"},
    states.MOUNT_FAILED: {ZH_CN: "上架失败", EN_US: "fail mounting"},
    states.UNMOUNT: {ZH_CN: "下架", EN_US: "unmount"},
    states.SELL: {ZH_CN: "售卖", EN_US: "sell"},
    states.RELEASE: {ZH_CN: "释放", EN_US: "release"},
    states.REMOVE: {ZH_CN: "移除", EN_US: "remove"},
    states.DELETE: {ZH_CN: "删除", EN_US: "delete"},
    states.MODIFY: {ZH_CN: "修改", EN_US: "modify"},
    states.ASSOCIATE_DEVICE_TYPE: {ZH_CN: "关联机型", EN_US: "associate a device type"},
    states.ASSOCIATE_DISKS: {ZH_CN: "关联磁盘", EN_US: "associate disks"},
}
