"""Jobs in, steps out: submit a job, start it when its device is free, run its chain, end it."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bmp_common.crypto import SecretDecryptionError, decrypt_secret
from bmp_common.db import Arg, Statement, insert_rows, save_fields
from bmp_common.messages import actions
from bmp_common.messages.jobs import (
    COLLECT_HARDWARE_INFO,
    EVENT_CANCELLED,
    EVENT_FAILED,
    EVENT_SUCCEEDED,
    JobSubmit,
)
from bmp_common.messages.steps import DHCP_RUN_STEP_TASK, DRIVER_RUN_STEP_TASK, StepDispatch
from bmp_scheduler.workflow import agent_params, chains, tokens
from bmp_scheduler.workflow.choices import (
    ERROR_TIMEOUT,
    JOB_CANCELLED,
    JOB_FAILED,
    JOB_QUEUED,
    JOB_RUNNING,
    JOB_SUCCEEDED,
    STEP_RUNNING,
    STEP_SKIPPED,
    STEP_SUCCEEDED,
    STEP_WAITING,
    TARGET_DHCP,
    TARGET_DRIVER,
)
from bmp_scheduler.workflow.engine import events, outbox, purge, recorder
from bmp_scheduler.workflow.models import Job, Step

log = logging.getLogger(__name__)

# The driver step that boots a server into the LiveOS: each attempt is a new boot of the agent.
BOOT_INTO_LIVEOS = actions.SET_PXE_BOOT
RUN_STEP_TASKS = {TARGET_DRIVER: DRIVER_RUN_STEP_TASK, TARGET_DHCP: DHCP_RUN_STEP_TASK}
# Unfinished steps read when the next one begins: it and those a driver run may take along
# (the longest run of the chains is SetDISKBoot, PowerCycle, PowerStatus).
RUN_LOOKAHEAD = 4


# What openapi submitted about the device and the request: read once, when the chain is built.
SUBMITTED_ONLY = ("node", "spec")


# The engine's hottest reads (every step result locks its job and reads its unfinished steps)
# are compiled once: bmp_common.db.Statement.
_LOCKED_JOB = Statement(
    lambda: Job.objects.select_for_update().defer(*SUBMITTED_ONLY).filter(pk=Arg("pk"))
)
# Unfinished steps read at once: more than a run of results and the steps a driver run takes
# along need (see apply_results); a longer chain's rest is read when it is reached.
UNFINISHED_READ = 24
_UNFINISHED = Statement(
    lambda: (
        Step.objects.filter(job_id=Arg("job"), status__in=(STEP_WAITING, STEP_RUNNING))
        .defer("result", "progress")
        .order_by("index")[:UNFINISHED_READ]
    )
)


def lock_job(pk: int) -> Job:
    """The job row, locked until the transaction ends: the one lock every engine write takes."""
    job = _LOCKED_JOB.first(pk=pk)
    if job is None:
        raise Job.DoesNotExist(f"no job {pk}")
    return job


def unfinished_steps(job: Job) -> list[Step]:
    """The first UNFINISHED_READ unfinished steps of ``job``, in chain order."""
    steps = _UNFINISHED.all(job=job.pk)
    for step in steps:
        step.job = job
    return steps


def backoff_seconds(attempts_used: int) -> float:
    base = settings.BMP_SCHEDULER_BACKOFF_BASE
    return min(base * 2 ** max(attempts_used - 1, 0), settings.BMP_SCHEDULER_BACKOFF_CAP)


# -- submit and start ------------------------------------------------------------------------


def submit_job(submit: JobSubmit) -> Job:
    """Store the job and its chain, and start it if its device is free. Idempotent by job_id."""
    with transaction.atomic():
        existing = Job.objects.filter(job_id=submit.job_id).first()
        if existing is not None:
            return existing
        node = submit.node
        chain = chains.build_chain(submit)
        try:
            with transaction.atomic():  # a concurrent duplicate submit loses here, cleanly
                job = Job.objects.create(
                    job_id=submit.job_id,
                    task=submit.task,
                    idc_id=submit.idc_id,
                    sn=node.get("sn") or "",
                    mac=(node.get("mac1") or "").lower(),
                    agent_address=node.get("private_ipv4") or "",
                    device_id=node.get("device_id") or "",
                    instance_id=submit.instance_id,
                    request_id=submit.request_id,
                    node=node,
                    spec=submit.spec,
                    step_count=len(chain),
                )
        except IntegrityError:
            return Job.objects.get(job_id=submit.job_id)
        insert_rows(  # the chain, in one statement compiled once (bmp_common.db)
            [
                Step(
                    job=job,
                    index=index,
                    action=spec.action,
                    target=spec.target,
                    params=spec.params,
                    timeout_s=spec.timeout_s,
                    policy=spec.policy,
                    max_attempts=settings.BMP_SCHEDULER_MAX_ATTEMPTS,
                    status=STEP_SKIPPED if spec.skip else STEP_WAITING,
                )
                for index, spec in enumerate(chain)
            ]
        )
        log.info("job %s (%s) submitted for SN %s", job.job_id, job.task, job.sn)
        if job.sn:
            start_queued(job.sn)
        else:
            start_job(job)
        return job


def start_queued(sn: str) -> Job | None:
    """Start the oldest queued job of device ``sn`` unless one of its jobs is running."""
    if Job.objects.filter(active_sn=sn).exists():
        return None
    # Found without a lock, then locked by primary key and checked again. A locking read of
    # "the oldest queued job of this SN" let MariaDB walk the status index and lock the queued
    # rows of every device: a hundred submits at once deadlocked on each other's new rows.
    queued = Job.objects.filter(sn=sn, status=JOB_QUEUED).order_by("id")
    pk = queued.values_list("pk", flat=True).first()
    if pk is None:
        return None
    job = lock_job(pk)
    if job.status == JOB_QUEUED and start_job(job):
        return job
    return None


def start_job(job: Job) -> bool:
    """Queued → running (``job`` locked). False when another job of the SN got there first."""
    job.status = JOB_RUNNING
    job.active_sn = job.sn or None
    job.started_at = timezone.now()
    try:
        with transaction.atomic():  # the unique active_sn refuses a second running job
            save_fields(job, ["status", "active_sn", "started_at", "updated_at"])
    except IntegrityError:
        job.status, job.active_sn = JOB_QUEUED, None
        log.info("job %s waits: another job of SN %s is running", job.job_id, job.sn)
        return False
    log.info("job %s started", job.job_id)
    recorder.job_started(job)
    start_next(job)
    return True


# -- the chain ---------------------------------------------------------------------------------


def start_next(
    job: Job, *, in_hand: int | None = None, unfinished: list[Step] | None = None
) -> Step | None:
    """Run the first unfinished step of ``job`` (locked), or end the job when none is left.

    ``in_hand``: the step whose result the caller holds already (the next of a run): it begins
    without being sent again. Returns the running step, or None when the job ended or the step
    waits for its backoff. ``unfinished``: the job's unfinished steps in order, when the
    caller has read them all (or at least RUN_LOOKAHEAD of them) in this transaction.
    """
    if unfinished is None:
        unfinished = unfinished_steps(job)
    step, *following = unfinished[:RUN_LOOKAHEAD] or [None]
    if step is None:
        finish_job(job, JOB_SUCCEEDED)
        return None
    if step.status == STEP_RUNNING:
        return step
    if step.not_before is not None and step.not_before > timezone.now():
        return None
    begin_step(job, step, send=step.pk != in_hand, following=following)
    return step


def begin_step(
    job: Job, step: Step, *, send: bool = True, following: list[Step] | None = None
) -> None:
    """A new attempt of ``step``: running, with its deadline; sent on commit unless agent.
    ``following``: the unfinished steps after it (None: read when needed), which a driver step
    may take along."""
    now = timezone.now()
    step.status = STEP_RUNNING
    step.attempt += 1
    step.started_at = now
    step.deadline = now + timedelta(seconds=step.timeout_s)
    step.not_before = None
    step.finished_at = None
    save_fields(step, ["status", "attempt", "started_at", "deadline", "not_before", "finished_at"])
    step.job = job
    if step.action == BOOT_INTO_LIVEOS:
        _prepare_liveos_boot(job, step)
    log.info(
        "job %s step %d %s, attempt %d (deadline %s)",
        job.job_id,
        step.index,
        step.action,
        step.attempt,
        step.deadline.isoformat(),
    )
    events.emit_progress(job, step, attempt=step.attempts_used)
    recorder.step_begun(job, step)
    if send:
        dispatch(step, following)


def _prepare_liveos_boot(job: Job, boot: Step) -> None:
    """The server is about to boot into the LiveOS: a fresh boot ticket for this boot (the
    previous boot's dies), and SetPassword's crypt hash, made now rather than at submission and
    kept only until the job ends."""
    tokens.issue(job)
    job.agent_boot = ""  # the agent of the new boot reports its boot_id first
    job.password_hash = ""
    set_password = (
        job.steps.filter(index__gt=boot.index, action=actions.SET_PASSWORD, status=STEP_WAITING)
        .only("job_id", "params")  # job_id: see purge.job_secrets_purge
        .first()
    )
    encrypted = set_password.params.get("password_encrypted") if set_password else ""
    if encrypted:
        try:
            job.password_hash = agent_params.sha512_crypt(decrypt_secret(encrypted))
        except SecretDecryptionError:
            log.error("job %s: the root password cannot be decrypted", job.job_id)
    save_fields(job, [*tokens.FIELDS, "agent_boot", "password_hash", "updated_at"])


def dispatch(step: Step, following: list[Step] | None = None) -> None:
    """Send a driver or DHCP step to its IDC's queue after commit; agent steps wait for the
    agent's heartbeat. A driver step takes the driver steps right after it along (a run:
    bmp_common.messages.steps), with the attempts they will have when they begin."""
    task = RUN_STEP_TASKS.get(step.target)
    if task is None:
        return
    idc_id = step.job.idc_id
    kwargs = {"idc_id": idc_id, "message": _dispatch(step, step.attempt, idc_id)}
    if step.target == TARGET_DRIVER:
        followers = [_dispatch(s, s.attempt + 1, idc_id) for s in run_after(step, following)]
        if followers:
            kwargs["followed_by"] = followers
    outbox.enqueue(task, kwargs)


def _dispatch(step: Step, attempt: int, idc_id: str) -> dict:
    return StepDispatch(
        step_id=step.pk, attempt=attempt, action=step.action, idc_id=idc_id, params=step.params
    ).to_wire()


def run_after(step: Step, following: list[Step] | None = None) -> list[Step]:
    """The steps right after ``step`` that run with it (a driver run, an agent's plan): of its
    target, waiting, none waiting for a backoff. ``following``: the unfinished steps after it,
    when the caller has read them; else they are read."""
    if following is None:
        following = [later for later in unfinished_steps(step.job) if later.index > step.index]
    run = []
    for later in following:
        if later.target != step.target or later.status != STEP_WAITING or later.not_before:
            break
        run.append(later)
    return run


# -- the end -----------------------------------------------------------------------------------


def failure_reason(step: Step) -> str:
    """Upstream's reason: the driver's status code for driver steps, else ``<Action>Error``."""
    if step.target == TARGET_DRIVER and step.error and step.error != ERROR_TIMEOUT:
        return step.error
    return f"{step.action}Error"


def finish_job(job: Job, status: str, *, step: Step | None = None, message: str = "") -> None:
    """End ``job`` (locked): revoke its token, tell openapi, start the SN's next queued job."""
    job.status = status
    job.finished_at = timezone.now()
    job.active_sn = None
    job.reason = failure_reason(step) if status == JOB_FAILED and step is not None else ""
    job.message = message
    tokens.revoke(job)
    job.password_hash = ""
    events.forget_progress(job)
    recorder.job_ended(job)
    save_fields(
        job,
        [
            "status",
            "finished_at",
            "active_sn",
            "reason",
            "message",
            *tokens.FIELDS,
            "password_hash",
            "updated_at",
        ],
    )
    log.log(
        logging.ERROR if status == JOB_FAILED else logging.INFO,
        "job %s %s%s",
        job.job_id,
        status,
        f": {job.reason} {message}" if status == JOB_FAILED else "",
    )
    if status == JOB_SUCCEEDED:
        # Nothing runs a succeeded job again: its passwords go now (failed ones: purge.py).
        purge.job_secrets_purge(job)
        results = _succeeded_results(job)
        events.emit(
            job, EVENT_SUCCEEDED, observed=_observed(job, results), data=_collected(job, results)
        )
    elif status == JOB_FAILED:
        action = step.action if step is not None else ""
        events.emit(
            job,
            EVENT_FAILED,
            action=action,
            reason=job.reason,
            message=message,
            # only the interface: a failed job's power says nothing the instance may use
            observed={k: v for k, v in _observed(job).items() if k == "bmc_interface"},
        )
    elif status == JOB_CANCELLED:
        events.emit(job, EVENT_CANCELLED, action=step.action if step is not None else "")
    if job.sn:
        start_queued(job.sn)


def _succeeded_results(job: Job) -> list[tuple[str, dict]]:
    """(action, result) of the job's succeeded steps in chain order: one read for what the
    job's end reports (power, BMC interface, collected data)."""
    rows = job.steps.filter(status=STEP_SUCCEEDED).order_by("index")
    return [
        (action, result if isinstance(result, dict) else {})
        for action, result in rows.values_list("action", "result")
    ]


def _result_of(results: list[tuple[str, dict]], action: str) -> dict:
    """The result of the last succeeded step ``action``."""
    for done, result in reversed(results):
        if done == action:
            return result
    return {}


def _observed(job: Job, results: list[tuple[str, dict]] | None = None) -> dict:
    if results is None:
        results = _succeeded_results(job)
    observed = {}
    power = _result_of(results, actions.POWER_STATUS).get("power")
    if power in ("on", "off"):
        observed["power"] = power
    # A device's BMC interface "auto": what the driver found (its steps say, see bmp_driver).
    found = _bmc_interface_found(results)
    if found:
        observed["bmc_interface"] = found
    return observed


def _bmc_interface_found(results: list[tuple[str, dict]]) -> str:
    for _, result in results:
        found = result.get("bmc_interface")
        if found in ("native", "redfish"):
            return found
    return ""


def _collected(job: Job, results: list[tuple[str, dict]]) -> dict:
    if job.task != COLLECT_HARDWARE_INFO:
        return {}
    return {
        "hardware_info": _result_of(results, actions.COLLECT_HARDWARE_INFO),
        "disk_locations": _result_of(results, actions.COLLECT_DISK_LOCATIONS),
    }
