"""Display names of the instance enums, and the instance's own constants."""

from __future__ import annotations

from bmp_common.i18n import EN_US, ZH_CN
from bmp_openapi.instances import states

LOCKED = "locked"
UNLOCKED = "unlocked"

BOOT_UEFI = "UEFI"
BOOT_BIOS = "Legacy/BIOS"
BOOT_MODES = (BOOT_UEFI, BOOT_BIOS)

MAX_COUNT = 100  # instances one create may ask for (upstream's console allows 1-100)

STATUS_NAMES = {
    states.CREATING: {ZH_CN: "创建中", EN_US: "Creating"},
    states.STARTING: {ZH_CN: "开机中", EN_US: "Starting"},
    states.RUNNING: {ZH_CN: "运行", EN_US: "Running"},
    states.STOPPING: {ZH_CN: "关机中", EN_US: "Stopping"},
    states.STOPPED: {ZH_CN: "已关机", EN_US: "Stopped"},
    states.RESTARTING: {ZH_CN: "重启中", EN_US: "Restarting"},
    states.RESETTING_PASSWORD: {ZH_CN: "重置密码中", EN_US: "Resetting password"},
    states.REINSTALLING: {ZH_CN: "重装中", EN_US: "Reinstalling"},
    states.DESTROYING: {ZH_CN: "销毁中", EN_US: "Destroying"},
    states.DESTROYED: {ZH_CN: "已销毁", EN_US: "Destroyed"},
    states.CREATION_FAILED: {ZH_CN: "创建失败", EN_US: "Creation failed"},
    states.STARTUP_FAILED: {ZH_CN: "开机失败", EN_US: "Startup failed"},
    states.SHUTDOWN_FAILED: {ZH_CN: "关机失败", EN_US: "Shutdown failed"},
    states.REBOOT_FAILED: {ZH_CN: "重启失败", EN_US: "Reboot failed"},
    states.DELETE_FAILED: {ZH_CN: "删除失败", EN_US: "Delete failed"},
    states.REINSTALL_FAILED: {ZH_CN: "重装失败", EN_US: "Reinstall failed"},
    states.RESETPASSWD_FAILED: {ZH_CN: "重置密码失败", EN_US: "Reset password failed"},
}

LOCKED_NAMES = {
    LOCKED: {ZH_CN: "已锁定", EN_US: "Locked"},
    UNLOCKED: {ZH_CN: "未锁定", EN_US: "Unlocked"},
}

ACTION_NAMES = {
    states.START: {ZH_CN: "开机", EN_US: "start"},
    states.STOP: {ZH_CN: "关机", EN_US: "stop"},
    states.RESTART: {ZH_CN: "重启", EN_US: "restart"},
    states.REINSTALL: {ZH_CN: "重装", EN_US: "reinstall"},
    states.RESET_PASSWORD: {ZH_CN: "重置密码", EN_US: "reset the password of"},
    states.DELETE: {ZH_CN: "删除", EN_US: "delete"},
    states.LOCK: {ZH_CN: "锁定", EN_US: "lock"},
    states.UNLOCK: {ZH_CN: "解锁", EN_US: "unlock"},
    states.MODIFY: {ZH_CN: "修改", EN_US: "modify"},
    states.RESET_STATUS: {ZH_CN: "重置状态", EN_US: "reset the status of"},
    states.JOB_SUCCEEDED: {ZH_CN: "完成任务", EN_US: "finish the job of"},
    states.JOB_FAILED: {ZH_CN: "任务失败", EN_US: "fail the job of"},
    states.JOB_RETRIED: {ZH_CN: "重试任务", EN_US: "retry the job of"},
    states.REMOVE_DEVICE: {ZH_CN: "移除设备", EN_US: "remove the device of"},
}

# reason: why the last job failed. Upstream's codes; a driver failure gives its status code.
REASON_NAMES = {
    "DHCPConfigAddHostError": {ZH_CN: "DHCP 添加主机失败", EN_US: "Adding the DHCP host failed"},
    "DHCPConfigDelHostError": {ZH_CN: "DHCP 删除主机失败", EN_US: "Removing the DHCP host failed"},
    "SetDISKBootError": {ZH_CN: "设置硬盘启动失败", EN_US: "Setting disk boot failed"},
    "SetPXEBootError": {ZH_CN: "设置PXE启动失败", EN_US: "Setting PXE boot failed"},
    "PowerCycleError": {ZH_CN: "重启电源失败", EN_US: "Power cycle failed"},
    "PowerOffError": {ZH_CN: "关机失败", EN_US: "Power off failed"},
    "PowerOnError": {ZH_CN: "开机失败", EN_US: "Power on failed"},
    "PowerStatusError": {ZH_CN: "电源状态与预期不符", EN_US: "The power state is not as expected"},
    "PingError": {ZH_CN: "PXE启动失败", EN_US: "PXE start failed"},
    "MakeRaidError": {ZH_CN: "创建RAID失败", EN_US: "Making the RAID failed"},
    "MakePartitionsError": {ZH_CN: "分区失败", EN_US: "Partitioning failed"},
    "WriteImageTarError": {ZH_CN: "写入镜像失败", EN_US: "Writing the image failed"},
    "WriteImageError": {ZH_CN: "写入镜像失败", EN_US: "Writing the image failed"},
    "SetPasswordError": {ZH_CN: "设置密码失败", EN_US: "Setting the password failed"},
    "SetCloudinitConfError": {ZH_CN: "设置cloud-init失败", EN_US: "Setting cloud-init failed"},
    "InitRootDeviceError": {
        ZH_CN: "初始化根设备失败",
        EN_US: "Initialising the root device failed",
    },
    "SetMetaDataError": {ZH_CN: "设置元数据失败", EN_US: "Setting the metadata failed"},
    "SetNetworkError": {ZH_CN: "设置网络失败", EN_US: "Setting the network failed"},
    "USERNAME_OR_PASSWORD_ERROR": {
        ZH_CN: "带外用户名或密码错误",
        EN_US: "The BMC user does not exist or the password is wrong",
    },
    "USER_PRIVILEGE_ERROR": {ZH_CN: "带外用户权限错误", EN_US: "The BMC user lacks privileges"},
    "PING_ILOIP_ERROR": {ZH_CN: "带外不通", EN_US: "The BMC does not answer"},
    "Cancelled": {ZH_CN: "任务已被取消", EN_US: "The job was cancelled"},
    "ERROR": {ZH_CN: "未知错误", EN_US: "Unknown error"},
}


def reason_name(reason: str, language: str) -> str:
    """Known codes by name; another ``<Action>Error`` as itself (the chain has more steps)."""
    names = REASON_NAMES.get(reason)
    return names[language] if names else reason
