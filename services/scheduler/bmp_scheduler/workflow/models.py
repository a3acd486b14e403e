"""Jobs (one per JobSubmit), their steps (the chain), and the outbox of messages to send."""

from django.db import models

from bmp_scheduler.workflow import choices


class Job(models.Model):
    """One task for one device, as openapi submitted it; its chain lives in ``steps``."""

    job_id = models.CharField(max_length=64, unique=True)
    task = models.CharField(max_length=64)
    idc_id = models.CharField(max_length=64)
    sn = models.CharField(max_length=128, db_index=True, blank=True, default="")
    # Set to the SN while the job runs, NULL otherwise: the unique index is what guarantees
    # one running job per device, even when two workers start jobs of one SN at once.
    active_sn = models.CharField(  # noqa: DJ001 (NULLs never collide in a unique index)
        max_length=128, unique=True, null=True, default=None
    )
    mac = models.CharField(max_length=17, db_index=True, blank=True, default="")
    device_id = models.CharField(max_length=64, blank=True, default="")
    instance_id = models.CharField(max_length=64, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    node = models.JSONField(default=dict)  # secrets stay Fernet tokens (password_encrypted)
    spec = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=choices.as_choices(choices.JOB_STATUSES), default=choices.JOB_QUEUED
    )
    reason = models.CharField(max_length=64, blank=True, default="")
    message = models.TextField(blank=True, default="")
    event_sequence = models.PositiveIntegerField(default=0)  # last JobEvent sequence sent
    # That JobEvent's wire, sent again when openapi's reconciliation asks (engine/events.py).
    last_event = models.JSONField(default=dict, blank=True)
    agent_seen_at = models.DateTimeField(null=True, blank=True)  # the agent's last sign of life
    # The boot the agent reported first: another one means the LiveOS restarted and forgot what
    # it did (root disk, partitions, mounts), so its steps run again (engine/agent.py).
    agent_boot = models.CharField(max_length=64, blank=True, default="")
    step_count = models.PositiveIntegerField(default=0)  # steps of the chain, for progress
    # The address the DHCP reservation gives the server (the node's private_ipv4): the only
    # source the gateway hands the token to and takes the agent's calls from.
    agent_address = models.CharField(max_length=45, blank=True, default="")
    # The boot ticket of the current boot into the LiveOS (one per SetPXEBoot attempt): only its
    # digest is stored; the plaintext is derived from the boot and nonce with the server's
    # secret (see tokens.py). An empty digest means no ticket (none yet, used up, or revoked).
    token_nonce = models.CharField(max_length=64, blank=True, default="")
    token_digest = models.CharField(max_length=64, blank=True, default="", db_index=True)
    # The digest of the session token the ticket was exchanged for over HTTPS (random, handed
    # out in an agent call's answer); empty: none yet, or revoked.
    session_digest = models.CharField(max_length=64, blank=True, default="", db_index=True)
    token_boot = models.PositiveIntegerField(default=0)  # boots into the LiveOS so far
    token_claimed_at = models.DateTimeField(null=True, blank=True)  # agent.cpio handed out
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # SetPassword's SHA-512 crypt hash, made when the server boots into the LiveOS; cleared when
    # the job ends. The agent never sees the password itself.
    password_hash = models.CharField(max_length=128, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When node, spec and the steps' params lost their secrets (engine/purge.py): at success,
    # or once the retry window of a failed or cancelled job is over. Set: no retry.
    secrets_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "scheduler_job"
        indexes = [
            models.Index(fields=["status", "id"], name="scheduler_job_status_idx"),
            # "the oldest queued job of this SN", locked without touching its other jobs
            models.Index(fields=["sn", "status", "id"], name="scheduler_job_sn_status_idx"),
        ]

    def __str__(self):
        return self.job_id


class Step(models.Model):
    """One command of a chain; ``attempt`` numbers its tries so stale results are recognised."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveIntegerField()
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=16, choices=choices.as_choices(choices.TARGETS))
    params = models.JSONField(default=dict)  # secrets stay Fernet tokens
    status = models.CharField(
        max_length=16,
        choices=choices.as_choices(choices.STEP_STATUSES),
        default=choices.STEP_WAITING,
    )
    attempt = models.PositiveIntegerField(default=0)  # never goes back: (step, attempt) is unique
    attempt_base = models.PositiveIntegerField(default=0)  # attempt when retry_job reset it
    max_attempts = models.PositiveIntegerField(default=3)
    timeout_s = models.FloatField()
    policy = models.CharField(max_length=8, choices=choices.as_choices(choices.POLICIES))
    not_before = models.DateTimeField(null=True, blank=True)  # backoff before the next attempt
    started_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    progress = models.JSONField(default=dict)  # the agent's last reported progress
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict)  # data of the last result (ok or failed)
    error = models.CharField(max_length=64, blank=True, default="")  # last error code

    class Meta:
        db_table = "scheduler_step"
        ordering = ["job_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="scheduler_step_job_index")
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="scheduler_step_deadline_idx"),
            models.Index(fields=["status", "not_before"], name="scheduler_step_retry_idx"),
        ]

    def __str__(self):
        return f"{self.job_id}#{self.index} {self.action}"

    @property
    def attempts_used(self) -> int:
        return self.attempt - self.attempt_base


class Outbox(models.Model):
    """A Celery task to send once the transaction that decided it commits.

    The row commits with the decision; ``transaction.on_commit`` sends it, and the row is
    deleted soon after (engine/outbox.py).
    A worker killed between commit and send leaves the row, and the sweep sends it: nothing the
    engine decided is lost, and receivers ignore duplicates ((step, attempt), (job, sequence)).
    """

    task = models.CharField(max_length=64)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "scheduler_outbox"

    def __str__(self):
        return f"{self.task} #{self.pk}"
