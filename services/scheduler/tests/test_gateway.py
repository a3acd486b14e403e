"""The agent gateway over HTTP: scripts, tokens, heartbeats, results, envelopes."""

import time

from bmp_common import progress
from bmp_common.messages import jobs
from bmp_scheduler.workflow.models import Job

MAC = "52:54:00:cc:00:01"


def _into_liveos(lab, sn="SN-G1", mac=MAC, task=jobs.DELETE_INSTANCE):
    job_id = lab.submit(task, sn=sn, mac=mac)
    lab.answer(lab.take("dhcp"))
    lab.answer(lab.take("driver"))
    return job_id, lab.token_for(mac)


def test_a_mac_without_a_job_boots_from_its_disk(lab):
    script = lab.boot("52:54:00:cc:99:99")
    assert script.startswith("#!ipxe")
    assert "sanboot --no-describe --drive 0x80" in script
    assert "bmp.token" not in script


def test_a_power_job_does_not_boot_the_liveos(lab):
    lab.submit(jobs.START_INSTANCES, sn="SN-G0", mac="52:54:00:cc:00:00")
    assert "sanboot" in lab.boot("52:54:00:cc:00:00")


def test_a_malformed_mac_is_a_400_envelope(lab):
    response = lab.client.get("/v1/boot/ipxe", {"mac": "nonsense"})
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "requestId" in response.json()


def test_the_ipxe_script_uses_the_configured_urls(lab, settings):
    settings.BMP_IMAGE_URL = "http://127.0.0.1:10001"
    settings.BMP_GATEWAY_URL = "http://127.0.0.1:18803"
    _job_id, token = _into_liveos(lab)
    script = lab.boot(MAC)
    assert "kernel http://127.0.0.1:10001/liveos/vmlinuz " in script
    assert "initrd --name initrd.img http://127.0.0.1:10001/liveos/initrd.img" in script
    assert "bmp.gateway=http://127.0.0.1:18803" in script
    assert f"bmp.token={token}" in script
    assert script.rstrip().endswith("boot")


def test_a_wrong_token_is_refused_with_401(lab):
    _job_id, token = _into_liveos(lab)
    for sn, bad in (("SN-G1", token + "x"), ("SN-OTHER", token), ("SN-G1", "")):
        response = lab.heartbeat(sn, bad)
        assert response.status_code in (400, 401)
    response = lab.heartbeat("SN-G1", "not-the-token")
    assert response.status_code == 401
    assert response.json()["error"]["status"] == "AUTH_ERROR_OR_PERMISSION_DENIED"
    step = {"step_id": 1, "attempt": 1}
    assert lab.report("SN-G1", "not-the-token", step).status_code == 401


def test_the_token_is_revoked_when_the_job_ends(lab):
    job_id, token = _into_liveos(lab)
    assert lab.heartbeat("SN-G1", token).status_code == 200
    from bmp_scheduler.workflow import tasks

    tasks.cancel_job(job_id=job_id)
    assert lab.heartbeat("SN-G1", token).status_code == 401
    assert Job.objects.get(job_id=job_id).token_digest == ""


def test_a_busy_agent_gets_nothing_and_an_idle_one_gets_its_step_again(lab):
    _job_id, token = _into_liveos(lab)
    ping, *_ = lab.heartbeat("SN-G1", token).json()["result"]["steps"]
    clean, *_ = lab.report("SN-G1", token, ping).json()["result"]["steps"]
    assert clean["action"] == "CleanBlockDevice"
    working = {"step_id": clean["step_id"], "attempt": clean["attempt"]}
    assert lab.heartbeat("SN-G1", token, working=working).json()["result"] == {"steps": []}
    # An agent that lost the answer asks again while idle: the same attempt, not a new one.
    again, *_ = lab.heartbeat("SN-G1", token).json()["result"]["steps"]
    assert (again["step_id"], again["attempt"], again["action"]) == (
        clean["step_id"],
        clean["attempt"],
        "CleanBlockDevice",
    )


def test_duplicate_and_late_agent_results_are_ignored(lab):
    _job_id, token = _into_liveos(lab)
    ping, *_ = lab.heartbeat("SN-G1", token).json()["result"]["steps"]
    clean, *_ = lab.report("SN-G1", token, ping).json()["result"]["steps"]
    assert clean["action"] == "CleanBlockDevice"
    again = lab.report("SN-G1", token, ping)
    assert again.status_code == 200
    # Ignored, and the idle agent is handed its current step (the answer it may have lost).
    assert again.json()["result"] == {"steps": [clean], "ignored": True}
    # A result for a step of another job, or a wrong attempt, is ignored too.
    other = lab.report("SN-G1", token, {"step_id": 999999, "attempt": 1}).json()["result"]
    assert other == {"steps": [clean], "ignored": True}
    late = lab.report("SN-G1", token, {**clean, "attempt": clean["attempt"] + 1}).json()
    assert late["result"]["ignored"] is True


def test_heartbeat_progress_is_shown_live_without_an_event(lab):
    job_id, token = _into_liveos(lab)
    ping, *_ = lab.heartbeat("SN-G1", token).json()["result"]["steps"]
    clean, *_ = lab.report("SN-G1", token, ping).json()["result"]["steps"]
    lab.events()
    working = {"step_id": clean["step_id"], "attempt": clean["attempt"]}
    lab.heartbeat("SN-G1", token, working=working, progress={"bytes": 10, "total": 100})
    lab.heartbeat("SN-G1", token, working=working, progress={"bytes": 20, "total": 100})
    assert progress.read([job_id])[job_id] == {
        "action": "CleanBlockDevice",
        "step": 4,
        "steps": 7,
        "bytes": 20,
        "total": 100,
    }
    assert lab.events() == []  # nothing through the broker, nothing written
    # A heartbeat about an attempt that is not the running one shows nothing.
    stale = {"step_id": clean["step_id"], "attempt": clean["attempt"] + 1}
    lab.heartbeat("SN-G1", token, working=stale, progress={"bytes": 99, "total": 100})
    assert progress.read([job_id])[job_id]["bytes"] == 20


INSTALL_SPEC = {
    "hostname": "web-1",
    "image": {"url": "http://img/c.tar", "format": "tar", "os_type": "CentOS"},
    "partitions": [{"point": "/", "fs_type": "xfs", "size_mb": 10240}],
}
INSTALL_AGENT_STEPS = [  # SetPassword is skipped: no password
    "Ping",
    "InitNode",
    "MakePartitions",
    "FormatPartitions",
    "MountPartitions",
    "WriteImageTar",
    "SetCloudinitConf",
    "SetMetaData",
    "SetNetwork",
    "SetUserData",
]


def _install_plan(lab, sn="SN-G2", mac="52:54:00:cc:00:02"):
    job_id, token = _into_liveos(lab, sn=sn, mac=mac, task=jobs.CREATE_INSTANCES)
    return job_id, token, lab.heartbeat(sn, token).json()["result"]["steps"]


def _results(lab, sn, token, results):
    body = {"sn": sn, "token": token, "results": results}
    return lab.client.post("/v1/agent/results", body, content_type="application/json")


def _ok(step, **data):
    return {"step_id": step["step_id"], "attempt": step["attempt"], "status": "ok", "data": data}


def test_an_idle_agent_is_handed_its_whole_segment_with_the_attempts_to_come(lab):
    job_id, _token, plan = _install_plan(lab)
    assert [step["action"] for step in plan] == INSTALL_AGENT_STEPS
    assert [step["attempt"] for step in plan] == [1] * len(plan)
    assert plan[-1]["params"]["release_target"] is True
    job = Job.objects.get(job_id=job_id)
    assert [s.action for s in job.steps.filter(status="running")] == ["Ping"]  # none began


def test_results_reported_together_run_the_segment_and_move_on(lab):
    job_id, token, plan = _install_plan(lab)
    answer = _results(lab, "SN-G2", token, [_ok(step) for step in plan])
    assert answer.status_code == 200
    assert answer.json()["result"] == {"steps": [], "recorded": len(plan)}
    job = Job.objects.get(job_id=job_id)
    done = job.steps.filter(status="succeeded").order_by("index")
    assert [s.action for s in done][2:] == INSTALL_AGENT_STEPS
    assert all(s.attempt == 1 for s in done)
    assert lab.take("dhcp").action == "DHCPConfigDelHost"


def test_recording_stops_at_a_failed_result_and_what_follows_has_not_begun(lab):
    job_id, token, plan = _install_plan(lab, sn="SN-G3", mac="52:54:00:cc:00:03")
    ping, init, make, fmt = plan[:4]
    failed = {**_ok(make), "status": "failed", "error": "DISK_GONE"}
    answer = _results(lab, "SN-G3", token, [_ok(ping), _ok(init), failed, _ok(fmt)])
    assert answer.json()["result"] == {"steps": [], "recorded": 3}  # MakePartitions backs off
    steps = {s.action: s for s in Job.objects.get(job_id=job_id).steps.all()}
    assert (steps["MakePartitions"].status, steps["MakePartitions"].error) == (
        "waiting",
        "DISK_GONE",
    )
    assert (steps["FormatPartitions"].status, steps["FormatPartitions"].attempt) == ("waiting", 0)
    time.sleep(0.15)  # the backoff (0.1 s in tests)
    again = lab.heartbeat("SN-G3", token).json()["result"]["steps"]
    assert [(s["action"], s["attempt"]) for s in again[:2]] == [
        ("MakePartitions", 2),
        ("FormatPartitions", 1),
    ]


def test_a_result_for_a_step_the_chain_has_not_reached_is_not_recorded(lab):
    job_id, token, plan = _install_plan(lab, sn="SN-G4", mac="52:54:00:cc:00:04")
    answer = _results(lab, "SN-G4", token, [_ok(plan[1])])  # InitNode before Ping
    assert answer.json()["result"]["recorded"] == 0
    assert answer.json()["result"]["steps"] == plan  # the plan again, from Ping
    job = Job.objects.get(job_id=job_id)
    assert job.steps.get(action="InitNode").status == "waiting"


def test_malformed_results_are_a_400_envelope_and_record_nothing(lab):
    job_id, token, plan = _install_plan(lab, sn="SN-G5", mac="52:54:00:cc:00:05")
    for results in ([], [_ok(plan[0])] * 101, [{**_ok(plan[0]), "status": "maybe"}], "x"):
        response = _results(lab, "SN-G5", token, results)
        assert response.status_code == 400, results
        assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert Job.objects.get(job_id=job_id).steps.get(action="Ping").status == "running"


def test_a_malformed_result_is_a_400_envelope(lab):
    _job_id, token = _into_liveos(lab)
    body = {"sn": "SN-G1", "token": token, "step_id": "x", "attempt": 0, "status": "maybe"}
    response = lab.client.post("/v1/agent/result", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400


def test_health(lab):
    response = lab.client.get("/health")
    assert response.status_code == 200
    assert response.json()["result"]["service"] == "scheduler"


def test_heartbeats_at_ping_write_nothing_and_the_first_results_record_the_boot(lab):
    job_id, token = _into_liveos(lab, sn="SN-G6", mac="52:54:00:cc:00:06")
    for _ in range(2):
        ping, *_ = lab.heartbeat("SN-G6", token, boot_id="boot-a").json()["result"]["steps"]
    job = Job.objects.get(job_id=job_id)
    assert (job.agent_boot, job.agent_seen_at) == ("", None)
    lab.report("SN-G6", token, ping, boot_id="boot-a")
    job = Job.objects.get(job_id=job_id)
    assert job.agent_boot == "boot-a" and job.agent_seen_at is not None


def test_an_agent_cannot_answer_a_driver_step(lab):
    job_id = lab.submit(jobs.DELETE_INSTANCE, sn="SN-G7", mac="52:54:00:cc:00:07")
    lab.answer(lab.take("dhcp"))
    pxe = lab.take("driver")  # SetPXEBoot runs: the driver's, not the agent's
    token = lab.token_for("52:54:00:cc:00:07")
    forged = {"step_id": pxe.step_id, "attempt": pxe.attempt, "status": "ok", "data": {}}
    answer = _results(lab, "SN-G7", token, [forged])
    assert answer.json()["result"] == {"steps": [], "recorded": 0}
    assert Job.objects.get(job_id=job_id).steps.get(action="SetPXEBoot").status == "running"
