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
JOB_SUPERSEDED = ErrorSpec(
    409,
    "CONFLICT",
    "Job {job_id} is not the last job of its {resource}: retry the last one",
    "任务 {job_id} 不是其{resource_zh}的最后一个任务：请重试最后一个",
)
