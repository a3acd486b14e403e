from bmp_common.errors import ErrorSpec

JOB_NOT_FOUND = ErrorSpec(404, "NOT_FOUND", "Job {job_id} does not exist", "任务 {job_id} 不存在")
JOB_NOT_RUNNING = ErrorSpec(
    409,
    "CONFLICT",
    "Job {job_id} is {status}: only a submitted or running job can be cancelled",
    "任务 {job_id} 当前为 {status}：只能取消已提交或运行中的任务",
)
JOB_NOT_FAILED = ErrorSpec(
    409,
    "CONFLICT",
    "Job {job_id} is {status}: only a failed or cancelled job can be retried",
    "任务 {job_id} 当前为 {status}：只能重试失败或已取消的任务",
)
JOB_RETRY_EXPIRED = ErrorSpec(
    409,
    "CONFLICT",
    "Job {job_id} ended more than {hours:g} hours ago: its secrets are purged, so it cannot be "
    "retried; start the operation again",
    "任务 {job_id} 已结束超过 {hours:g} 小时：其密钥已清除，无法重试，请重新发起操作",
)
JOB_SUPERSEDED = ErrorSpec(
    409,
    "CONFLICT",
    "Job {job_id} is not the last job of its {resource}: retry the last one",
    "任务 {job_id} 不是其{resource_zh}的最后一个任务：请重试最后一个",
)
