"""installBmpAgent: the install chain puts the monitoring agent into the installed system. The
step carries where the bundle is and where the agent reports; its credential is stored
encrypted and handed, decrypted, to that step alone, over the agent's session."""

import json

from bmp_common.crypto import encrypt_secret
from bmp_common.messages import jobs
from bmp_common.messages.jobs import JobSubmit
from bmp_scheduler.workflow.chains import build_chain
from bmp_scheduler.workflow.models import Job

from .test_create_chain import CREATE_ACTIONS, CREATE_SPEC

CREDENTIAL = "agent-credential-0123456789abcdefABCDEF"
AGENT_SPEC = {
    **CREATE_SPEC,
    "password_encrypted": encrypt_secret("Root-Pass-1"),
    "install_bmp_agent": True,
    "monitor_agent": {"credential_encrypted": encrypt_secret(CREDENTIAL)},
}
WITH_AGENT = [
    *CREATE_ACTIONS[: CREATE_ACTIONS.index("SetMetaData") + 1],
    "InstallMonitorAgent",
    *CREATE_ACTIONS[CREATE_ACTIONS.index("SetNetwork") :],
]


def chain(spec, task=jobs.CREATE_INSTANCES):
    node = {"sn": "SN1", "mac1": "52:54:00:00:00:01", "private_ipv4": "10.0.0.5"}
    return build_chain(JobSubmit(job_id="j", task=task, idc_id="idc-1", node=node, spec=spec))


def test_the_step_is_in_the_chain_only_when_asked(settings):
    settings.BMP_IMAGE_URL = "http://10.0.0.1:10000"
    settings.BMP_MONITOR_AGENT_PROXY_URL = "http://10.0.0.1:8805/api/v1/agent/"
    assert [s.action for s in chain(CREATE_SPEC)] == CREATE_ACTIONS
    for task in (jobs.CREATE_INSTANCES, jobs.REINSTALL_INSTANCE):
        steps = {s.action: s for s in chain({**AGENT_SPEC, "keep_data": True}, task)}
        step = steps["InstallMonitorAgent"]
        assert (step.target, step.policy, step.timeout_s) == ("agent", "skip", 300)
        assert step.params == {
            "version": "2.0",
            "bundle_url": "http://10.0.0.1:10000/monitor-agent/bmp-monitor-agent.tar.gz",
            "proxy_url": "http://10.0.0.1:8805/api/v1/agent/",
            "interval_s": 60,
            "credential_encrypted": AGENT_SPEC["monitor_agent"]["credential_encrypted"],
        }
        # SetUserData stays the last agent step: it releases the target.
        assert "release_target" not in step.params
        assert steps["SetUserData"].params["release_target"] is True
    assert [s.action for s in chain(AGENT_SPEC)] == WITH_AGENT


def test_the_agent_gets_the_credential_in_that_step_only(lab):
    job_id = lab.submit(jobs.CREATE_INSTANCES, sn="SN-M1", mac="52:54:00:aa:10:01", spec=AGENT_SPEC)
    ran = lab.run(job_id, results={"PowerStatus": {"power": "on"}})

    assert ran == WITH_AGENT
    steps = [step for plan in lab.plans for step in plan]
    (install,) = {s["step_id"]: s for s in steps if s["action"] == "InstallMonitorAgent"}.values()
    assert install["params"]["credential"] == CREDENTIAL
    assert "credential_encrypted" not in install["params"]
    assert install["params"]["bundle_url"].endswith("/monitor-agent/bmp-monitor-agent.tar.gz")
    for step in steps:
        if step["action"] != "InstallMonitorAgent":
            assert CREDENTIAL not in json.dumps(step), step
        assert "gAAAA" not in json.dumps(step)
    job = Job.objects.get(job_id=job_id)
    assert job.status == "succeeded"
    # the stored step never held it in clear, and a succeeded job keeps no secret at all
    stored = job.steps.get(action="InstallMonitorAgent").params
    assert CREDENTIAL not in json.dumps(stored)
    assert "credential_encrypted" not in stored
    assert "credential_encrypted" not in json.dumps(job.spec)


def test_a_guest_that_cannot_take_the_agent_is_still_installed(lab, settings):
    settings.BMP_SCHEDULER_BACKOFF_BASE = 0.01
    job_id = lab.submit(jobs.CREATE_INSTANCES, sn="SN-M2", mac="52:54:00:aa:10:02", spec=AGENT_SPEC)
    ran = lab.run(
        job_id,
        results={"PowerStatus": {"power": "on"}},
        errors={"InstallMonitorAgent": "MONITOR_AGENT_NO_PYTHON"},
    )
    job = Job.objects.get(job_id=job_id)
    assert job.status == "succeeded"
    assert ran.count("InstallMonitorAgent") == 3  # its attempts, then the chain goes on
    assert ran[-5:] == CREATE_ACTIONS[-5:]
    step = job.steps.get(action="InstallMonitorAgent")
    assert (step.status, step.error) == ("skipped", "MONITOR_AGENT_NO_PYTHON")
