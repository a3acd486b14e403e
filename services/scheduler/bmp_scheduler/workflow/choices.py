"""Status values of jobs and steps, step targets and failure policies."""

# Job status.
JOB_QUEUED = "queued"  # waiting for its device to be free (one active job per SN)
JOB_RUNNING = "running"
JOB_SUCCEEDED = "succeeded"
JOB_FAILED = "failed"
JOB_CANCELLED = "cancelled"
JOB_STATUSES = (JOB_QUEUED, JOB_RUNNING, JOB_SUCCEEDED, JOB_FAILED, JOB_CANCELLED)
JOB_ACTIVE = (JOB_QUEUED, JOB_RUNNING)
JOB_ENDED = (JOB_SUCCEEDED, JOB_FAILED, JOB_CANCELLED)

# Step status.
STEP_WAITING = "waiting"  # not started, or waiting for its retry (``not_before``)
STEP_RUNNING = "running"  # an attempt is out: dispatched, or handed to / due for the agent
STEP_SUCCEEDED = "succeeded"
STEP_FAILED = "failed"
STEP_SKIPPED = "skipped"  # not needed (no password), or failed with policy ``skip``
STEP_CANCELLED = "cancelled"
STEP_STATUSES = (
    STEP_WAITING,
    STEP_RUNNING,
    STEP_SUCCEEDED,
    STEP_FAILED,
    STEP_SKIPPED,
    STEP_CANCELLED,
)
STEP_DONE = (STEP_SUCCEEDED, STEP_SKIPPED)  # the chain may go past these

# Who runs a step.
TARGET_DRIVER = "driver"  # Celery queue driver.<idc_id>
TARGET_DHCP = "dhcp"  # Celery queue dhcp.<idc_id>
TARGET_AGENT = "agent"  # the LiveOS agent, through the gateway (never the broker)
TARGETS = (TARGET_DRIVER, TARGET_DHCP, TARGET_AGENT)

# What the last failed attempt of a step does to its job.
POLICY_FAIL = "fail"  # upstream's "warning": the job fails
POLICY_SKIP = "skip"  # the chain carries on as if it had succeeded
POLICIES = (POLICY_FAIL, POLICY_SKIP)

# Step.error of an attempt that produced no result before its deadline.
ERROR_TIMEOUT = "TIMEOUT"
ERROR_AGENT_SILENT = "AGENT_SILENT"
ERROR_AGENT_RESTARTED = "AGENT_RESTARTED"


def as_choices(values) -> list[tuple[str, str]]:
    return [(value, value) for value in values]
