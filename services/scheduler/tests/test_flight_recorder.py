"""What the engine writes to the flight recorder: the job's start and end, each attempt's begin
and end, and the BMC calls the driver reports (kept out of the step's stored result)."""

import time

from bmp_common import flight
from bmp_common.messages import jobs
from bmp_scheduler.workflow import engine
from bmp_scheduler.workflow.models import Job, Step


def bmc_call(call: str, result: str = "ok", **more) -> dict:
    return {"at": time.time(), "call": call, "backend": "native", "durationS": 0.01,
            "result": result, "tries": 1, **more}  # fmt: skip


def test_steps_attempts_and_bmc_calls_are_recorded_in_order(lab):
    job_id = lab.submit(jobs.START_INSTANCES, sn="SN-FR1")
    power_on = lab.take("driver")
    refused = {"message": "the BMC at 10.0.0.9:623 does not answer", "bmc_calls": [
        bmc_call("power on", "PING_ILOIP_ERROR", tries=3)]}  # fmt: skip
    assert lab.answer(power_on, error="PING_ILOIP_ERROR", data=refused) == engine.RECORDED
    time.sleep(0.15)
    engine.sweep()
    second = lab.take("driver")
    calls = [bmc_call("power on"), bmc_call("power status", count=4)]
    lab.answer(second, data={"power": "on", "bmc_calls": calls})
    lab.answer(lab.take("driver"), data={"power": "on"})
    assert Job.objects.get(job_id=job_id).status == "succeeded"

    entries = flight.read(job_id)

    shown = [
        (e["kind"], e["detail"].get("action") or e["detail"].get("call"),
         e["detail"].get("attempt"), e["detail"].get("result"))
        for e in entries
    ]  # fmt: skip
    assert shown == [
        ("job_started", None, None, None),
        ("step_begin", "PowerOn", 1, None),
        ("bmc_call", "power on", None, "PING_ILOIP_ERROR"),
        ("step_end", "PowerOn", 1, "failed"),
        ("step_begin", "PowerOn", 2, None),
        ("bmc_call", "power on", None, "ok"),
        ("bmc_call", "power status", None, "ok"),
        ("step_end", "PowerOn", 2, "ok"),
        ("step_begin", "PowerStatus", 1, None),
        ("step_end", "PowerStatus", 1, "ok"),
        ("job_ended", None, None, None),
    ]
    assert entries[2]["detail"] == {
        "step": "PowerOn", "call": "power on", "backend": "native", "durationS": 0.01,
        "result": "PING_ILOIP_ERROR", "tries": 3,
    }  # fmt: skip
    assert entries[6]["detail"]["count"] == 4
    assert entries[-1]["detail"]["status"] == "succeeded"
    # The calls went to the timeline, not into the step's stored result.
    assert Step.objects.get(pk=second.step_id).result == {"power": "on"}


def test_a_timeout_found_by_the_sweep_is_the_schedulers_word(lab, settings):
    job_id = lab.submit(jobs.START_INSTANCES, sn="SN-FR2")
    step = lab.take("driver")
    Step.objects.filter(pk=step.step_id).update(deadline="2000-01-01T00:00:00Z")
    engine.sweep()

    (end,) = [e for e in flight.read(job_id) if e["kind"] == "step_end"]

    assert end["source"] == "scheduler"
    assert (end["detail"]["result"], end["detail"]["error"]) == ("failed", "TIMEOUT")


def test_one_transactions_entries_go_together_and_a_rollback_sends_none(transactional_db):
    from django.db import transaction

    from bmp_common import progress
    from bmp_scheduler.workflow.engine import after_commit

    step = flight.entry(flight.SCHEDULER, flight.STEP_BEGIN, {"index": 0})
    with transaction.atomic():
        after_commit.record("job-tx-a", [step])
        after_commit.show_progress("job-tx-a", {"action": "Ping", "step": 1})
        after_commit.record("job-tx-b", [step])
        with transaction.atomic():
            after_commit.record("job-tx-a", [flight.entry(flight.SCHEDULER, flight.STEP_END)])
        try:
            with transaction.atomic():  # a savepoint that rolls back takes its entries along
                after_commit.record("job-tx-a", [flight.entry(flight.SCHEDULER, "undone")])
                after_commit.show_progress("job-tx-a", None)
                raise RuntimeError
        except RuntimeError:
            pass
        assert flight.read("job-tx-a") == []  # nothing before the commit
    kinds = [entry["kind"] for entry in flight.read("job-tx-a")]
    assert kinds == [flight.STEP_BEGIN, flight.STEP_END]
    assert [entry["kind"] for entry in flight.read("job-tx-b")] == [flight.STEP_BEGIN]
    assert progress.read(["job-tx-a"]) == {"job-tx-a": {"action": "Ping", "step": 1}}

    try:
        with transaction.atomic():
            after_commit.record("job-tx-c", [step])
            after_commit.show_progress("job-tx-a", None)
            raise RuntimeError
    except RuntimeError:
        pass
    with transaction.atomic():  # the next transaction starts a batch of its own
        after_commit.record("job-tx-d", [step])
    assert flight.read("job-tx-c") == []
    assert len(flight.read("job-tx-d")) == 1
    assert progress.read(["job-tx-a"]) != {}  # the rolled-back forget was not sent

    after_commit.show_progress("job-tx-a", None)  # outside a transaction: at once
    assert progress.read(["job-tx-a"]) == {}
