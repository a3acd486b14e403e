"""Chains against a real lab BMC: the scheduler's dispatches are run by the driver's own code
(``bmp_driver.worker.execute``, IPMI over UDP to a ``bmp_lab`` BMC) and its results go back
through the scheduler's task, until the job ends.

A refused login must cost exactly one login on the BMC (real BMCs lock the account after a
few); a BMC that does not answer for a while must still be reached by the step's retries.
"""

from __future__ import annotations

import dataclasses
import secrets
import time

import pytest

from bmp_common.crypto import encrypt_secret
from bmp_common.messages import jobs
from bmp_driver.worker import execute
from bmp_lab.fleet import Fleet
from bmp_scheduler.workflow import engine, tasks
from bmp_scheduler.workflow.models import Job


@pytest.fixture
def password() -> str:
    return secrets.token_urlsafe(12)


@pytest.fixture
def server(password):
    with Fleet(1, base_port=0, username="admin", password=password) as fleet:
        yield fleet.nodes[0]


@pytest.fixture(autouse=True)
def quick_driver(monkeypatch):
    """One short try per driver call: a silent BMC fails the step's attempt in a second."""
    monkeypatch.setenv("BMP_DRIVER_BMC_TIMEOUT", "0.3")
    monkeypatch.setenv("BMP_DRIVER_BMC_ATTEMPTS", "1")
    monkeypatch.setenv("BMP_DRIVER_POWER_CONFIRM_TIMEOUT", "3")
    monkeypatch.setenv("BMP_DRIVER_POLL_INTERVAL", "0.05")


def submit_against(lab, server, password, task) -> str:
    submit = lab.submission(task, sn=server.sn, mac=server.mac)
    bmc = {
        "address": server.bmc_address,
        "port": server.bmc_port,
        "username": "admin",
        "password_encrypted": encrypt_secret(password),
        "interface": "native",
    }
    submit = dataclasses.replace(submit, node={**submit.node, "bmc": bmc})
    tasks.submit_job(message=submit.to_wire())
    return submit.job_id


def drive(lab, job_id: str, timeout: float = 20) -> Job:
    """Be the driver and the dhcp-agent until the job ends: every dispatch the scheduler sends
    (retries included, swept when their backoff is over) is run and answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(job_id=job_id)
        if job.status != "running":
            return job
        for dispatch in lab.pending("dhcp"):
            lab.answer(dispatch)
        for dispatch in lab.pending("driver"):
            outcome = execute(lab.idc_id, dispatch)
            lab.answer(dispatch, data=outcome.data, error=outcome.error)
        time.sleep(0.05)
        engine.sweep()
    raise AssertionError(f"job {job_id} did not end")


@pytest.mark.parametrize(
    ("task", "action", "refusal", "code"),
    [
        (jobs.START_INSTANCES, "PowerOn", "wrong password", "USERNAME_OR_PASSWORD_ERROR"),
        (jobs.STOP_INSTANCES, "PowerOff", "wrong password", "USERNAME_OR_PASSWORD_ERROR"),
        (jobs.PUTAWAY_DEVICE, "CheckInitConfig", "operator only", "USER_PRIVILEGE_ERROR"),
    ],
)
def test_a_refused_login_fails_the_job_after_one_login(
    lab, server, password, task, action, refusal, code
):
    server.set_wrong_password(refusal == "wrong password")
    if refusal == "operator only":
        server.set_privilege("operator")

    job = drive(lab, submit_against(lab, server, password, task))

    assert server.bmc.stats["logins"] == 1
    assert (job.status, job.reason) == ("failed", code)
    step = job.steps.get(action=action)
    assert (step.status, step.attempt, step.error) == ("failed", 1, code)
    failed = lab.events()[-1]
    assert (failed.kind, failed.action, failed.reason) == ("failed", action, code)
    assert password not in failed.message


def test_a_bmc_silent_for_one_attempt_is_reached_by_the_next(lab, server, password):
    server.reboot_bmc(0.6)  # longer than one try of the driver's call (0.3 s)

    job = drive(lab, submit_against(lab, server, password, jobs.START_INSTANCES))

    assert (job.status, job.reason) == ("succeeded", "")
    power_on = job.steps.get(action="PowerOn")
    assert power_on.status == "succeeded" and power_on.attempt > 1  # failed first, then retried
    assert server.power == "on"
    assert lab.events()[-1].observed == {"power": "on"}
