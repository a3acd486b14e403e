"""Job-level behaviour: idempotent submits, one job per device, cancel, retry, crash recovery."""

import time

from django.db import connection, transaction

from bmp_common.messages import jobs
from bmp_scheduler.workflow import engine, tasks
from bmp_scheduler.workflow.models import Job, Outbox


def test_submitting_a_job_twice_runs_it_once(lab):
    submit = lab.submission(jobs.START_INSTANCES, sn="SN-I1")
    tasks.submit_job(message=submit.to_wire())
    tasks.submit_job(message=submit.to_wire())
    assert Job.objects.filter(job_id=submit.job_id).count() == 1
    assert [d.action for d in lab.pending("driver")] == ["PowerOn"]


def test_a_batch_of_submissions_starts_every_job_once_and_skips_a_malformed_one(lab):
    """openapi's create of several instances: their submissions in one message, each job
    stored and started once, even when the message comes again."""
    batch = [lab.submission(jobs.START_INSTANCES, sn=f"SN-B{n}") for n in range(3)]
    messages = [batch[0].to_wire(), {"schema": "nonsense"}, *(s.to_wire() for s in batch[1:])]

    taken = tasks.submit_jobs(messages=messages)
    tasks.submit_jobs(messages=messages)

    assert [status is None for status in taken] == [False, True, False, False]
    for submit in batch:
        assert [job.status for job in Job.objects.filter(job_id=submit.job_id)] == ["running"]
    assert [d.action for d in lab.pending("driver")] == ["PowerOn"] * 3
    assert tasks.submit_jobs(messages="nonsense") is None


def test_one_job_per_device_at_a_time(lab):
    first = lab.submit(jobs.START_INSTANCES, sn="SN-Q1")
    second = lab.submit(jobs.STOP_INSTANCES, sn="SN-Q1")
    other = lab.submit(jobs.RESTART_INSTANCES, sn="SN-Q2")
    assert Job.objects.get(job_id=second).status == "queued"
    sent = {d.action: d for d in lab.pending("driver")}
    assert set(sent) == {"PowerOn", "PowerCycle"}  # SN-Q1's first job and SN-Q2's job
    engine.sweep()
    assert Job.objects.get(job_id=second).status == "queued"

    lab.answer(sent["PowerOn"])
    lab.answer(lab.take("driver"), data={"power": "on"})
    assert Job.objects.get(job_id=first).status == "succeeded"
    # The end of the first job started the second.
    assert Job.objects.get(job_id=second).status == "running"
    assert lab.take("driver").action == "PowerOff"
    assert Job.objects.get(job_id=other).status == "running"


def test_cancel_stops_the_chain_and_frees_the_device(lab):
    first = lab.submit(jobs.START_INSTANCES, sn="SN-X1")
    second = lab.submit(jobs.STOP_INSTANCES, sn="SN-X1")
    power_on = lab.take("driver")
    assert tasks.cancel_job(job_id=first) == "cancelled"
    assert lab.answer(power_on) == engine.IGNORED  # on its way when we cancelled
    job = Job.objects.get(job_id=first)
    assert job.steps.get(action="PowerOn").status == "cancelled"
    assert Job.objects.get(job_id=second).status == "running"
    cancelled = [e for e in lab.events() if e.job_id == first][-1]
    assert (cancelled.kind, cancelled.action) == ("cancelled", "PowerOn")
    assert tasks.cancel_job(job_id=first) == "cancelled"  # a second cancel changes nothing


def _fail_power_on(lab, job_id):
    for attempt in (1, 2, 3):
        dispatch = lab.take("driver")
        assert dispatch.attempt == attempt
        lab.answer(dispatch, error="PING_ILOIP_ERROR", data={"message": "no answer"})
        if attempt < 3:
            time.sleep(0.1 * 2 ** (attempt - 1) + 0.02)
            engine.sweep()
    assert Job.objects.get(job_id=job_id).status == "failed"


def test_retry_restarts_a_failed_job_at_its_failed_step(lab):
    job_id = lab.submit(jobs.START_INSTANCES, sn="SN-R1")
    _fail_power_on(lab, job_id)
    lab.events()
    assert tasks.retry_job(job_id=job_id) == "running"
    again = lab.take("driver")
    assert (again.action, again.attempt) == ("PowerOn", 4)  # attempts keep counting
    lab.answer(again)
    lab.answer(lab.take("driver"), data={"power": "on"})
    job = Job.objects.get(job_id=job_id)
    assert (job.status, job.reason) == ("succeeded", "")
    events = lab.events()
    assert [e.kind for e in events] == ["succeeded"]  # openapi knows the job already
    assert events[0].sequence == 3  # after the first run's step event and failure


def test_retry_from_a_given_step(lab):
    job_id = lab.submit(jobs.START_INSTANCES, sn="SN-R2")
    _fail_power_on(lab, job_id)
    assert tasks.retry_job(job_id=job_id, from_step=1) == "running"
    status = lab.take("driver")
    assert status.action == "PowerStatus"
    lab.answer(status, data={"power": "off"})
    job = Job.objects.get(job_id=job_id)
    assert job.status == "succeeded"
    assert job.steps.get(action="PowerOn").status == "skipped"
    assert tasks.retry_job(job_id=job_id) == "succeeded"  # nothing to retry


def test_a_retry_among_agent_steps_boots_the_liveos_again_with_a_fresh_token(lab):
    mac = "52:54:00:dd:00:01"
    job_id = lab.submit(jobs.DELETE_INSTANCE, sn="SN-R3", mac=mac)
    lab.answer(lab.take("dhcp"))
    lab.answer(lab.take("driver"))
    old = lab.token_for(mac)
    ping, *_ = lab.heartbeat("SN-R3", old).json()["result"]["steps"]
    clean, *_ = lab.report("SN-R3", old, ping).json()["result"]["steps"]
    tasks.cancel_job(job_id=job_id)  # mid-CleanBlockDevice
    assert lab.heartbeat("SN-R3", old).status_code == 401

    assert tasks.retry_job(job_id=job_id) == "running"
    pxe = lab.take("driver")  # not CleanBlockDevice: its agent is gone
    assert (pxe.action, pxe.attempt) == ("SetPXEBoot", 2)
    lab.answer(pxe)
    fresh = lab.token_for(mac)
    assert fresh and fresh != old
    assert lab.heartbeat("SN-R3", old).status_code == 401
    ping, *_ = lab.heartbeat("SN-R3", fresh).json()["result"]["steps"]
    again, *_ = lab.report("SN-R3", fresh, ping).json()["result"]["steps"]
    assert (again["action"], again["step_id"]) == ("CleanBlockDevice", clean["step_id"])


def test_a_send_lost_between_commit_and_send_is_sent_by_the_sweep(lab):
    """A worker killed right after its commit: the outbox row survives and the sweep sends."""
    submit = lab.submission(jobs.START_INSTANCES, sn="SN-K1")
    with transaction.atomic():
        engine.submit_job(submit)
        connection.run_on_commit = []  # the process "dies" before its on-commit sends
    assert lab.pending("driver") == []
    assert Outbox.objects.count() == 2  # the step event and the dispatch
    engine.sweep()  # within the grace period: an on-commit send may still be on its way
    assert lab.pending("driver") == []
    time.sleep(0.25)
    assert engine.sweep()["resent"] == 2
    dispatch = lab.take("driver")
    assert (dispatch.action, dispatch.attempt) == ("PowerOn", 1)
    assert [e.kind for e in lab.events()] == ["step"]
    assert Outbox.objects.count() == 0


def _run_of(lab):
    """The next driver message: its dispatches (the step and the run following it)."""
    from bmp_common.messages.steps import StepDispatch

    task, kwargs = lab.broker.get(f"driver.{lab.idc_id}")
    assert task == "bmp.driver.run_step"
    return [StepDispatch.from_wire(w) for w in [kwargs["message"], *kwargs.get("followed_by", [])]]


def _results_of(run, *, failed_at=None):
    from bmp_common.messages.steps import StepResult

    results = []
    for at, dispatch in enumerate(run):
        failed = at == failed_at
        status, error = ("failed", "BMC_ERROR") if failed else ("ok", None)
        result = StepResult(
            step_id=dispatch.step_id,
            attempt=dispatch.attempt,
            status=status,
            data={} if failed else {"power": "on"},
            error=error,
        )
        results.append(result.to_wire())
        if failed:
            break
    return results


def test_driver_steps_in_a_row_go_as_one_run_and_come_back_as_one_message(lab):
    job_id = lab.submit(jobs.START_INSTANCES, sn="SN-RUN1")
    run = _run_of(lab)
    assert [(d.action, d.attempt) for d in run] == [("PowerOn", 1), ("PowerStatus", 1)]

    results = _results_of(run)
    assert tasks.step_result(message=results[0], followed_by=results[1:]) == [
        engine.RECORDED,
        engine.RECORDED,
    ]
    job = Job.objects.get(job_id=job_id)
    assert job.status == "succeeded"
    assert [(s.action, s.attempt, s.status) for s in job.steps.order_by("index")] == [
        ("PowerOn", 1, "succeeded"),
        ("PowerStatus", 1, "succeeded"),
    ]
    assert lab.pending("driver") == []  # PowerStatus was not sent a second time


def test_a_run_that_failed_half_way_is_dispatched_again_from_the_failed_step(lab):
    job_id = lab.submit(jobs.START_INSTANCES, sn="SN-RUN2")
    run = _run_of(lab)
    results = _results_of(run, failed_at=0)
    assert tasks.step_result(message=results[0], followed_by=[]) == [engine.RECORDED]
    job = Job.objects.get(job_id=job_id)
    assert job.steps.get(action="PowerStatus").attempt == 0  # never began
    time.sleep(0.15)  # PowerOn's backoff
    engine.sweep()
    again = _run_of(lab)
    assert [(d.action, d.attempt) for d in again] == [("PowerOn", 2), ("PowerStatus", 1)]
    # A result of the old run for a step that has not begun is not recorded.
    stale = _results_of(run)
    assert tasks.step_result(message=stale[0], followed_by=stale[1:]) == [
        engine.IGNORED,
        engine.IGNORED,
    ]


def test_openapi_asking_again_gets_each_named_jobs_last_event_through_the_outbox(lab):
    """openapi's reconciliation names jobs it heard nothing of: each known one's last event
    comes again, the same event (openapi applies it once by its sequence)."""
    ended = lab.submit(jobs.START_INSTANCES, sn="SN-E1")
    lab.answer(lab.take("driver"))
    lab.answer(lab.take("driver"), data={"power": "on"})
    running = lab.submit(jobs.START_INSTANCES, sn="SN-E2")
    queued = lab.submit(jobs.STOP_INSTANCES, sn="SN-E2")  # behind ``running``: no event yet
    first_time = {(e.job_id, e.sequence): e for e in lab.events(settle=0.5)}

    assert tasks.resend_job_events(job_ids=[ended, running, queued, "job-unknown"]) == 2

    again = lab.events(settle=0.5)
    assert sorted((e.job_id, e.sequence, e.kind) for e in again) == sorted(
        [(ended, 2, "succeeded"), (running, 1, "step")]
    )
    assert all(e == first_time[(e.job_id, e.sequence)] for e in again)  # observed power too
    assert tasks.resend_job_events(job_ids="job-x") is None  # malformed: dropped


def test_a_retry_sent_again_by_openapi_runs_the_job_once(lab):
    """openapi's reconciliation sends a retry again while it has heard nothing since: the
    scheduler takes it once, even after the retried run failed in its turn."""
    job_id = lab.submit(jobs.START_INSTANCES, sn="SN-R3")
    _fail_power_on(lab, job_id)
    seen = Job.objects.get(job_id=job_id).event_sequence  # the failure, as openapi saw it

    assert tasks.retry_job(job_id=job_id, after_sequence=seen - 1) == "failed"  # asked earlier
    assert tasks.retry_job(job_id=job_id, after_sequence=seen) == "running"
    assert tasks.retry_job(job_id=job_id, after_sequence=seen) == "running"  # the repeat
    lab.answer(lab.take("driver"), error="PING_ILOIP_ERROR")
    for _ in (1, 2):  # the retried run fails in its turn
        time.sleep(0.5)
        engine.sweep()
        lab.answer(lab.take("driver"), error="PING_ILOIP_ERROR")
    assert Job.objects.get(job_id=job_id).status == "failed"

    assert tasks.retry_job(job_id=job_id, after_sequence=seen) == "failed"  # not a third run
    assert lab.pending("driver") == []
