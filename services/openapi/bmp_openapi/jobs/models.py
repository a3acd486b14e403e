"""openapi's record of a job it handed to the scheduler (the scheduler keeps the steps)."""

from django.db import models

SUBMITTED = "submitted"  # committed; the scheduler has not reported yet
# Shown (never stored) for a submitted job whose message is still in the outbox: the broker
# has not taken it yet (it was down at commit time); the sweep delivers it.
QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELLED = "cancelled"
FINAL = (SUCCEEDED, FAILED, CANCELLED)


class Job(models.Model):
    job_id = models.CharField(max_length=64, unique=True)
    task = models.CharField(max_length=32)
    idc_id = models.CharField(max_length=64)
    device_id = models.CharField(max_length=64, db_index=True)
    sn = models.CharField(max_length=64)
    instance_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    status = models.CharField(max_length=16, default=SUBMITTED)
    # The last event applied: events are applied once, in order, later ones only.
    last_sequence = models.PositiveIntegerField(default=0)
    action = models.CharField(max_length=64, blank=True, default="")  # the step now (or failed)
    reason = models.CharField(max_length=64, blank=True, default="")
    message = models.CharField(max_length=512, blank=True, default="")
    # The JobSubmit wire, kept to send again if it was lost (its secrets are encrypted).
    submission = models.JSONField(default=dict)
    created_by = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When reconciliation last asked the scheduler about this job (jobs/services/reconcile.py).
    checked_at = models.DateTimeField(null=True, blank=True)
    # An operator's retry the scheduler has not answered yet (its retry_job kwargs), sent again
    # by the reconciliation: the scheduler ignores a repeat (``after_sequence``).
    retry_command = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "job"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="job_status_created")]

    def __str__(self):
        return self.job_id


class Outbox(models.Model):
    """A message to the scheduler, committed with the decision that makes it (a job submitted,
    cancelled or retried) and sent once that transaction commits (jobs/services/outbox.py).

    A row whose send failed (the broker down) or never happened (the process died after the
    commit) is sent by the sweep; the scheduler takes each command once per job.
    """

    task = models.CharField(max_length=64)
    kwargs = models.JSONField(default=dict)
    job_id = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "job_outbox"
        ordering = ["id"]

    def __str__(self):
        return f"{self.task} {self.job_id}"
