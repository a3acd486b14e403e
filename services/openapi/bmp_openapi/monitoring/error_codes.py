from bmp_common.errors import ErrorSpec

RULE_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Monitor rule {rule_id} does not exist", "报警规则 {rule_id} 不存在"
)
ALERT_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Alert {alert_id} does not exist", "报警记录 {alert_id} 不存在"
)
INSTANCES_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Instances not found: {instance_ids}", "实例不存在：{instance_ids}"
)
RULE_NOT_DISABLED = ErrorSpec(
    409,
    "CONFLICT",
    "Rule {rule_id} is enabled: disable it before deleting it",
    "启用中的规则 {rule_id} 不允许删除，请先禁用",
)
RULE_ALREADY_DISABLED = ErrorSpec(
    409, "CONFLICT", "Rule {rule_id} is already disabled", "规则 {rule_id} 已是禁用状态"
)
RULE_NOT_DISABLED_TO_ENABLE = ErrorSpec(
    409, "CONFLICT", "Rule {rule_id} is not disabled", "规则 {rule_id} 不是禁用状态"
)
MONITORING_NOT_DEPLOYED = ErrorSpec(
    503,
    "UNAVAILABLE",
    "In-band monitoring is not deployed here ({component} has no address)",
    "未部署带内监控（{component} 未配置地址）",
)
MONITORING_UNREACHABLE = ErrorSpec(
    503, "UNAVAILABLE", "{component} did not answer: {detail}", "{component} 无应答：{detail}"
)
CREDENTIAL_REFUSED = ErrorSpec(
    401,
    "AUTH_ERROR_OR_PERMISSION_DENIED",
    "The agent's credential is not valid",
    "监控代理凭证无效",
)
