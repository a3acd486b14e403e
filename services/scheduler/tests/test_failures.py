"""Results that must be ignored, retries with backoff, timeouts found by the sweep, policies."""

import time

import pytest

from bmp_common.messages import jobs
from bmp_scheduler.workflow import engine, tasks
from bmp_scheduler.workflow.models import Job

from .test_create_chain import CREATE_SPEC


def test_duplicate_and_late_results_are_ignored(lab):
    job_id = lab.submit(jobs.START_INSTANCES, sn="SN-D1")
    power_on = lab.take("driver")
    assert lab.answer(power_on, error="ERROR", data={"message": "BMC busy"}) == engine.RECORDED
    assert lab.answer(power_on, error="ERROR") == engine.IGNORED  # duplicate

    time.sleep(0.15)  # backoff of the first retry: 0.1 s
    assert engine.sweep()["retried"] == 1
    second = lab.take("driver")
    assert (second.step_id, second.attempt) == (power_on.step_id, 2)
    assert lab.answer(power_on) == engine.IGNORED  # a late success of attempt 1
    assert lab.answer(second) == engine.RECORDED
    assert lab.answer(second) == engine.IGNORED  # the same result, delivered twice
    status = lab.take("driver")
    assert status.action == "PowerStatus"
    assert lab.answer(status, data={"power": "on"}) == engine.RECORDED
    assert lab.answer(status, data={"power": "off"}) == engine.IGNORED
    assert Job.objects.get(job_id=job_id).status == "succeeded"
    assert [e.observed for e in lab.events() if e.kind == "succeeded"] == [{"power": "on"}]


def test_unknown_steps_and_malformed_messages_are_dropped(lab):
    assert tasks.step_result(message={"schema": "bmp.step.result", "version": 1}) is None
    assert tasks.step_result(message="not a message") is None
    assert tasks.submit_job(message={"schema": "bmp.job.submit", "version": 9}) is None
    assert tasks.cancel_job(job_id=12) is None
    assert tasks.retry_job(job_id="job-x", from_step="2") is None
    missing = {"schema": "bmp.step.result", "version": 1, "body": {}}
    assert tasks.step_result(message=missing) is None
    result = {
        "schema": "bmp.step.result",
        "version": 1,
        "body": {"step_id": 999999, "attempt": 1, "status": "ok"},
    }
    assert tasks.step_result(message=result) == engine.IGNORED


def test_a_failing_driver_step_is_retried_with_backoff_then_fails_the_job(lab):
    job_id = lab.submit(jobs.START_INSTANCES, sn="SN-F1")
    silent = {"message": "the BMC at 10.0.0.9:623 does not answer (IPMI over UDP)"}
    first = lab.take("driver")
    lab.answer(first, error="PING_ILOIP_ERROR", data=silent)
    assert engine.sweep()["retried"] == 0  # still backing off
    assert lab.pending("driver") == []
    time.sleep(0.12)
    engine.sweep()
    second = lab.take("driver")
    assert second.attempt == 2
    lab.answer(second, error="PING_ILOIP_ERROR", data=silent)
    engine.sweep()
    assert lab.pending("driver") == []  # the second backoff is 0.2 s
    time.sleep(0.22)
    engine.sweep()
    third = lab.take("driver")
    assert third.attempt == 3
    lab.answer(third, error="PING_ILOIP_ERROR", data=silent)

    job = Job.objects.get(job_id=job_id)
    assert (job.status, job.reason, job.message) == (
        "failed",
        "PING_ILOIP_ERROR",
        silent["message"],
    )
    events = lab.events()
    assert [(e.kind, e.action) for e in events] == [("step", "PowerOn"), ("failed", "PowerOn")]
    assert (events[-1].reason, events[-1].message) == ("PING_ILOIP_ERROR", silent["message"])
    assert [e.sequence for e in events] == [1, 2]


@pytest.mark.parametrize("code", ["USERNAME_OR_PASSWORD_ERROR", "USER_PRIVILEGE_ERROR"])
def test_a_bmc_credential_refusal_fails_the_step_at_its_first_attempt(lab, code):
    job_id = lab.submit(jobs.START_INSTANCES, sn="SN-F2")
    refused = {"message": "PowerOn failed: the BMC at 10.0.0.9:623 refused the login"}
    lab.answer(lab.take("driver"), error=code, data=refused)

    time.sleep(0.15)  # past the backoff a retry would wait
    engine.sweep()

    assert lab.pending("driver") == []
    job = Job.objects.get(job_id=job_id)
    assert (job.status, job.reason, job.message) == ("failed", code, refused["message"])
    step = job.steps.get(action="PowerOn")
    assert (step.status, step.attempt, step.error) == ("failed", 1, code)
    failed = lab.events()[-1]
    assert (failed.kind, failed.action, failed.reason) == ("failed", "PowerOn", code)


def test_a_lost_agent_times_out_after_retries(lab, settings):
    settings.BMP_SCHEDULER_TIMEOUT_SCALE = 0.0002  # Ping: 0.36 s
    job_id = lab.submit(jobs.DELETE_INSTANCE, sn="SN-L1", mac="52:54:00:bb:00:01")
    lab.answer(lab.take("dhcp"))
    lab.answer(lab.take("driver"))
    # The server never boots its agent.
    for _ in range(3):
        time.sleep(0.4)
        assert engine.sweep()["timed_out"] == 1
        time.sleep(0.25)
        engine.sweep()  # the backoff is over: the next attempt starts (or the job has failed)
    job = Job.objects.get(job_id=job_id)
    assert (job.status, job.reason) == ("failed", "PingError")
    assert "no result within" in job.message
    ping = job.steps.get(action="Ping")
    assert (ping.status, ping.attempt, ping.error) == ("failed", 3, "TIMEOUT")
    failed = lab.events()[-1]
    assert (failed.kind, failed.action, failed.reason) == ("failed", "Ping", "PingError")


def test_a_driver_step_without_result_is_sent_again_as_a_new_attempt(lab, settings):
    settings.BMP_SCHEDULER_TIMEOUT_SCALE = 0.001  # driver steps: 0.18 s
    job_id = lab.submit(jobs.STOP_INSTANCES, sn="SN-L2")
    lost = lab.take("driver")  # the driver died with it
    time.sleep(0.2)
    assert engine.sweep()["timed_out"] == 1
    time.sleep(0.12)
    engine.sweep()
    again = lab.take("driver")
    assert (again.step_id, again.attempt, again.action) == (lost.step_id, 2, "PowerOff")
    lab.answer(again)
    lab.answer(lab.take("driver"), data={"power": "off"})
    assert Job.objects.get(job_id=job_id).status == "succeeded"


def test_policy_skip_lets_the_chain_carry_on(lab):
    job_id = lab.submit(jobs.COLLECT_HARDWARE_INFO, sn="SN-S1", mac="52:54:00:bb:00:02")
    lab.answer(lab.take("dhcp"))  # subnet
    lab.answer(lab.take("dhcp"))  # host
    lab.answer(lab.take("driver"))  # PXE
    token = lab.token_for("52:54:00:bb:00:02")
    step, *_ = lab.heartbeat("SN-S1", token).json()["result"]["steps"]
    step, *_ = lab.report("SN-S1", token, step).json()["result"]["steps"]  # Ping
    step, *_ = lab.report("SN-S1", token, step, data={"devices": []}).json()["result"]["steps"]
    assert step["action"] == "CollectHardwareInfo"
    for attempt in (1, 2, 3):
        assert step["attempt"] == attempt
        answer = lab.report("SN-S1", token, step, error="CollectHardwareInfoError")
        assert answer.json()["result"] == {"steps": []}
        if attempt < 3:
            time.sleep(0.1 * 2 ** (attempt - 1) + 0.02)
            step, *_ = lab.heartbeat("SN-S1", token).json()["result"]["steps"]
    # Skipped: the chain went on to the next (DHCP) step.
    assert lab.take("dhcp").action == "DHCPConfigDelHost"
    job = Job.objects.get(job_id=job_id)
    assert job.steps.get(action="CollectHardwareInfo").status == "skipped"
    assert job.status == "running"


def _at_init_node(lab):
    """A create job whose agent took Ping and is now handed InitNode."""
    job_id = lab.submit(jobs.CREATE_INSTANCES, sn="SN-S1", mac="52:54:00:bb:00:09", spec={})
    lab.answer(lab.take("dhcp"))
    lab.answer(lab.take("driver"))
    token = lab.token_for("52:54:00:bb:00:09")
    ping, *_ = lab.heartbeat("SN-S1", token).json()["result"]["steps"]
    init, *_ = lab.report("SN-S1", token, ping).json()["result"]["steps"]
    assert init["action"] == "InitNode"
    return job_id, token, init


def test_a_silent_agent_gets_its_server_booted_into_the_liveos_again(lab, settings):
    settings.BMP_SCHEDULER_AGENT_SILENCE = 0.4
    job_id, token, init = _at_init_node(lab)
    time.sleep(0.2)
    assert engine.sweep()["silent"] == 0  # not silent long enough yet
    time.sleep(0.3)  # the server hung mid-step: no heartbeat, no result

    assert engine.sweep()["silent"] == 1
    steps = {s.action: s for s in Job.objects.get(job_id=job_id).steps.all()}
    assert (steps["InitNode"].status, steps["InitNode"].error) == ("waiting", "AGENT_SILENT")
    assert steps["Ping"].status == "waiting"  # to be awaited again
    # A hung server does not come back by itself: it is PXE-booted again.
    pxe = lab.take("driver")
    assert (pxe.action, pxe.attempt) == ("SetPXEBoot", 2)
    lab.answer(pxe)
    ping, *_ = lab.heartbeat("SN-S1", token, boot_id="boot-2").json()["result"]["steps"]
    assert ping["action"] == "Ping"
    time.sleep(0.15)  # InitNode's backoff
    again, *_ = lab.report("SN-S1", token, ping, boot_id="boot-2").json()["result"]["steps"]
    assert (again["step_id"], again["attempt"]) == (init["step_id"], init["attempt"] + 1)
    assert lab.report("SN-S1", token, init).json()["result"]["ignored"] is True  # the old one


def _pinged_by(lab, sn, mac, boot_id):
    """A create job whose agent, in boot ``boot_id``, has just been handed Ping."""
    job_id = lab.submit(jobs.CREATE_INSTANCES, sn=sn, mac=mac, spec=CREATE_SPEC)
    lab.answer(lab.take("dhcp"))
    lab.answer(lab.take("driver"))
    token = lab.token_for(mac)
    ping, *_ = lab.heartbeat(sn, token, boot_id=boot_id).json()["result"]["steps"]
    assert ping["action"] == "Ping"
    return job_id, token, ping


def test_an_agent_that_restarted_runs_its_steps_again_from_the_first_after_ping(lab):
    job_id, token, step = _pinged_by(lab, "SN-R1", "52:54:00:bb:00:0b", "boot-1")
    while step["action"] != "WriteImageTar":  # Ping .. MountPartitions
        step, *_ = lab.report("SN-R1", token, step, boot_id="boot-1").json()["result"]["steps"]
    same = lab.heartbeat("SN-R1", token, boot_id="boot-1", working=step)  # the same boot
    assert same.json()["result"] == {"steps": []}

    # The server reset mid-write: the LiveOS boots again and its agent asks, idle.
    init, *_ = lab.heartbeat("SN-R1", token, boot_id="boot-2").json()["result"]["steps"]
    assert (init["action"], init["attempt"]) == ("InitNode", 2)
    job = Job.objects.get(job_id=job_id)
    write = job.steps.get(action="WriteImageTar")
    assert (write.status, write.error) == ("waiting", "AGENT_RESTARTED")
    assert job.steps.get(action="Ping").status == "succeeded"  # the agent is there
    late = lab.report("SN-R1", token, step, boot_id="boot-1")  # the old boot's last word
    assert late.json()["result"]["ignored"] is True

    ran, step = [], init
    while step["action"] != "SetCloudinitConf":  # (no password: SetPassword is skipped)
        ran.append((step["action"], step["attempt"]))
        time.sleep(0.12 if step["action"] == "MountPartitions" else 0)  # WriteImageTar backoff
        step, *_ = lab.report("SN-R1", token, step, boot_id="boot-2").json()["result"]["steps"]
    assert ran == [
        ("InitNode", 2),
        ("MakePartitions", 2),
        ("FormatPartitions", 2),
        ("MountPartitions", 2),
        ("WriteImageTar", 2),
    ]


def test_an_agent_restarting_again_and_again_fails_the_job(lab):
    job_id, token, ping = _pinged_by(lab, "SN-R2", "52:54:00:bb:00:0c", "boot-0")
    lab.report("SN-R2", token, ping, boot_id="boot-0")  # InitNode handed out
    for boot in range(1, 4):  # InitNode's three attempts, each cut short by a restart
        restarted = lab.heartbeat("SN-R2", token, boot_id=f"boot-{boot}")
        if boot < 3:
            assert restarted.json()["result"] == {"steps": []}  # InitNode waits for its backoff
            time.sleep(0.1 * 2 ** (boot - 1) + 0.05)
            init, *_ = lab.heartbeat("SN-R2", token, boot_id=f"boot-{boot}").json()["result"][
                "steps"
            ]
            assert (init["action"], init["attempt"]) == ("InitNode", boot + 1)
    assert restarted.status_code == 401  # the third restart ended the job: its token is gone
    job = Job.objects.get(job_id=job_id)
    assert (job.status, job.reason) == ("failed", "InitNodeError")
    assert "the agent restarted" in job.message


def test_an_agent_that_heartbeats_while_working_is_not_silent(lab, settings):
    settings.BMP_SCHEDULER_AGENT_SILENCE = 0.4
    job_id, token, init = _at_init_node(lab)
    working = {"step_id": init["step_id"], "attempt": init["attempt"]}
    for _ in range(4):
        time.sleep(0.15)
        assert lab.heartbeat("SN-S1", token, working=working).json()["result"] == {"steps": []}
        assert engine.sweep()["silent"] == 0
    step = Job.objects.get(job_id=job_id).steps.get(pk=init["step_id"])
    assert (step.status, step.attempt) == ("running", 1)


def test_ping_waits_for_the_boot_without_a_silence_rule(lab, settings):
    settings.BMP_SCHEDULER_AGENT_SILENCE = 0.1
    job_id = lab.submit(jobs.DELETE_INSTANCE, sn="SN-S2", mac="52:54:00:bb:00:0a")
    lab.answer(lab.take("dhcp"))
    lab.answer(lab.take("driver"))
    time.sleep(0.2)
    assert engine.sweep()["silent"] == 0
    assert Job.objects.get(job_id=job_id).steps.get(action="Ping").status == "running"
