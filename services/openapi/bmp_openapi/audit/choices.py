"""Audit operations: upstream's ``AuditLogsType`` names, then ours, with their display names."""

RESULT_SUCCESS = "success"
RESULT_FAIL = "fail"

# operation -> (English, Chinese)
OPERATIONS = {
    # upstream's
    "PutawayDevice": ("Put away device", "设备上架"),
    "UnPutawayDevice": ("Unmount device", "设备下架"),
    "StartInstances": ("Start instances", "开机"),
    "StopInstances": ("Stop instances", "关机"),
    "RestartInstances": ("Restart instances", "重启"),
    "ResetInstances": ("Reset instance status", "重置实例状态"),
    "RemoveDevice": ("Remove device", "移除设备"),
    "DeleteDevice": ("Delete device", "删除设备"),
    "DeleteInstance": ("Delete instance", "删除实例"),
    "InstanceResetPassword": ("Reset password", "重置密码"),
    "ReinstallInstance": ("Reinstall instance", "重装系统"),
    "EditInstanceName": ("Rename instance", "修改实例名称"),
    "CollectHardwareInfo": ("Collect hardware info", "采集硬件信息"),
    "CreateInstances": ("Create instances", "创建实例"),
    "DropInstances": ("Drop instances", "批量删除实例"),
    "LockInstances": ("Lock instances", "锁定实例"),
    # ours: every other write is audited too
    "CreateIdc": ("Create IDC", "创建机房"),
    "ModifyIdc": ("Modify IDC", "修改机房"),
    "DeleteIdc": ("Delete IDC", "删除机房"),
    "ReadMessages": ("Mark messages read", "消息标为已读"),
    "DeleteMessages": ("Delete messages", "删除消息"),
    "DialMail": ("Test and save mail settings", "测试并保存邮件设置"),
    "SaveIsPushMail": ("Turn alert mails on or off", "设置邮件告警推送"),
}
