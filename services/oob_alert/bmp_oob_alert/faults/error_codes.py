from bmp_common.errors import ErrorSpec

RULE_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Rule {rule_id} does not exist", "规则 {rule_id} 不存在"
)
LOG_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Fault log {logid} does not exist", "故障日志 {logid} 不存在"
)
INSTANCE_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Instance {instance_id} does not exist", "实例 {instance_id} 不存在"
)
