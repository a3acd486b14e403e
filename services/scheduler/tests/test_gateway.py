"""The agent gateway over HTTP: scripts, tokens, heartbeats, results, envelopes."""

import time
from datetime import timedelta

from django.utils import timezone

from bmp_common import progress
from bmp_common.messages import jobs
from bmp_scheduler.workflow import engine
from bmp_scheduler.workflow.models import Job

from .conftest import AGENT_CPIO, NODE_ADDRESS, token_in

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
    assert "agent.cpio" not in script


def test_a_power_job_does_not_boot_the_liveos(lab):
    lab.submit(jobs.START_INSTANCES, sn="SN-G0", mac="52:54:00:cc:00:00")
    assert "sanboot" in lab.boot("52:54:00:cc:00:00")


def test_a_malformed_mac_is_a_400_envelope(lab):
    response = lab.client.get("/v1/boot/ipxe", {"mac": "nonsense"})
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "requestId" in response.json()


def _booting(lab, sn="SN-G1", mac=MAC, task=jobs.DELETE_INSTANCE):
    """A job whose server is booting into the LiveOS (SetPXEBoot began; no token fetched)."""
    job_id = lab.submit(task, sn=sn, mac=mac)
    lab.answer(lab.take("dhcp"))
    return job_id


def _agent_cpio_url(script):
    match = AGENT_CPIO.search(script)
    assert match, script
    return match.group(1)


def test_the_ipxe_script_uses_the_configured_urls_and_holds_no_token(lab, settings):
    settings.BMP_IMAGE_URL = "http://127.0.0.1:10001"
    settings.BMP_GATEWAY_URL = "https://10.0.0.1:18443"
    settings.BMP_GATEWAY_BOOT_URL = "http://10.0.0.1:18803"
    settings.BMP_RSYSLOG_ADDRESS = "10.0.0.1:1514"
    _booting(lab)
    script = lab.boot(MAC)
    kernel = next(line for line in script.splitlines() if line.startswith("kernel "))
    assert kernel.startswith("kernel http://127.0.0.1:10001/liveos/vmlinuz ")
    assert " initrd=initrd.img initrd=bmp-agent.cpio " in kernel  # both, for EFI's stub
    assert "bmp.gateway=https://10.0.0.1:18443" in kernel
    assert "bmp.sn=SN-G1" in kernel
    # the agent keeps its retries of an unreachable gateway inside the silence allowed
    assert f"bmp.silence={settings.BMP_SCHEDULER_AGENT_SILENCE:g}" in kernel
    assert kernel.endswith(" bmp.rsyslog=10.0.0.1:1514")  # where the agent's log lines go
    assert "initrd --name initrd.img http://127.0.0.1:10001/liveos/initrd.img" in script
    assert _agent_cpio_url(script) == f"http://10.0.0.1:18803/v1/boot/agent.cpio?mac={MAC}"
    assert script.rstrip().endswith("boot")
    token = token_in(lab.fetch_agent_cpio(_agent_cpio_url(script)).content)
    assert "token" not in script and token not in script
    assert token not in lab.boot(MAC)


def test_agent_cpio_hands_out_a_fresh_ticket_until_the_agent_exchanged_it(lab):
    _booting(lab)
    url = _agent_cpio_url(lab.boot(MAC))
    first = lab.fetch_agent_cpio(url)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/octet-stream"
    assert first["Cache-Control"] == "no-store"
    lost = token_in(first.content)  # its answer reached iPXE too late
    # iPXE's retry, and a server that starts over from PXE, boot the LiveOS again.
    assert _agent_cpio_url(lab.boot(MAC)) == url
    second = lab.fetch_agent_cpio(url)
    assert second.status_code == 200
    token = token_in(second.content)
    assert token != lost
    refused = lab.heartbeat("SN-G1", lost)
    assert refused.status_code == 401
    assert refused.json()["error"]["status"] == "AUTH_ERROR_OR_PERMISSION_DENIED"
    assert lab.heartbeat("SN-G1", token).status_code == 200
    # Exchanged: no ticket any more, and a machine booting now is sent to its disk.
    after = lab.fetch_agent_cpio(url)
    assert after.status_code == 403
    assert after.json()["error"]["status"] == "PERMISSION_DENIED"
    assert b"agent-token" not in after.content
    assert "sanboot" in lab.boot(MAC)
    assert lab.heartbeat("SN-G1", token).status_code == 200  # the agent carries on


def test_agent_cpio_from_another_address_gets_no_token(lab):
    _booting(lab)
    url = _agent_cpio_url(lab.boot(MAC))
    token = token_in(lab.fetch_agent_cpio(url).content)
    stolen = lab.fetch_agent_cpio(url, source="10.0.0.6")
    assert stolen.status_code == 403
    assert stolen.json()["error"]["status"] == "PERMISSION_DENIED"
    assert b"agent-token" not in stolen.content
    # It changed nothing: the ticket the machine got is still the good one.
    assert lab.heartbeat("SN-G1", token).status_code == 200


def test_behind_a_proxy_only_the_configured_header_is_the_address(lab, settings):
    _booting(lab)
    query = {"mac": MAC}
    forged = lab.client.get(
        "/v1/boot/agent.cpio", query, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=NODE_ADDRESS
    )
    assert forged.status_code == 403  # no header is trusted unless configured
    settings.BMP_GATEWAY_CLIENT_IP_HEADER = "X-Real-IP"
    direct = lab.client.get("/v1/boot/agent.cpio", query, REMOTE_ADDR=NODE_ADDRESS)
    assert direct.status_code == 403  # through the proxy: only its header counts
    proxied = lab.client.get(
        "/v1/boot/agent.cpio", query, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP=NODE_ADDRESS
    )
    assert proxied.status_code == 200
    assert token_in(proxied.content)


def test_agent_calls_from_another_address_are_refused(lab):
    job_id, token = _into_liveos(lab)
    body = {"sn": "SN-G1", "token": token}
    answer = lab.client.post(
        "/v1/agent/heartbeat", body, content_type="application/json", REMOTE_ADDR="10.0.0.6"
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["status"] == "PERMISSION_DENIED"
    assert answer.json().get("result") is None
    ping, *_ = lab.heartbeat("SN-G1", token).json()["result"]["steps"]
    result = {**body, "step_id": ping["step_id"], "attempt": 1, "status": "ok"}
    answer = lab.client.post(
        "/v1/agent/result", result, content_type="application/json", REMOTE_ADDR="10.0.0.6"
    )
    assert answer.status_code == 403
    ping_step = Job.objects.get(job_id=job_id).steps.get(action="Ping")
    assert (ping_step.status, ping_step.attempt) == ("running", 1)  # nothing recorded


def test_a_retried_pxe_boot_gets_a_fresh_token_and_the_old_one_is_refused(lab):
    job_id = _booting(lab)
    pxe = lab.take("driver")
    old = lab.token_for(MAC)  # the server booted, but the BMC call failed
    assert lab.heartbeat("SN-G1", old).status_code == 200
    lab.answer(pxe, error="ERROR")
    time.sleep(0.15)
    engine.sweep()
    again = lab.take("driver")
    assert (again.action, again.attempt) == ("SetPXEBoot", 2)
    fresh = lab.token_for(MAC)
    assert fresh and fresh != old
    refused = lab.heartbeat("SN-G1", old)
    assert refused.status_code == 401
    assert refused.json()["error"]["status"] == "AUTH_ERROR_OR_PERMISSION_DENIED"
    assert lab.heartbeat("SN-G1", fresh).status_code == 200
    assert Job.objects.get(job_id=job_id).token_boot == 2


def _sleep_past_expiry(job_id):
    expires = Job.objects.get(job_id=job_id).token_expires_at
    time.sleep(max(0.0, (expires - timezone.now()).total_seconds()) + 0.05)


def test_an_expired_token_is_refused_even_while_the_job_runs(lab, settings):
    settings.BMP_AGENT_TOKEN_TTL_S = 2.0
    job_id, token = _into_liveos(lab)
    job = Job.objects.get(job_id=job_id)  # from its SetPXEBoot, which began after the start
    assert timedelta(seconds=2) <= job.token_expires_at - job.started_at < timedelta(seconds=10)
    assert lab.heartbeat("SN-G1", token).status_code == 200
    _sleep_past_expiry(job_id)
    assert lab.heartbeat("SN-G1", token).status_code == 401
    assert Job.objects.get(job_id=job_id).status == "running"
    # An expired token of a boot not claimed yet is not handed out either.
    other = _booting(lab, sn="SN-G9", mac="52:54:00:cc:00:09")
    url = _agent_cpio_url(lab.boot("52:54:00:cc:00:09"))
    _sleep_past_expiry(other)
    assert lab.fetch_agent_cpio(url).status_code == 403
    assert "sanboot" in lab.boot("52:54:00:cc:00:09")


def test_a_stale_token_with_a_fresh_boot_id_cannot_rewind_the_chain(lab, settings):
    settings.BMP_SCHEDULER_AGENT_SILENCE = 0.3
    mac = "52:54:00:cc:00:0a"
    job_id = lab.submit(jobs.CREATE_INSTANCES, sn="SN-G10", mac=mac, spec=INSTALL_SPEC)
    lab.answer(lab.take("dhcp"))
    lab.answer(lab.take("driver"))
    stale = lab.token_for(mac)
    ping, *_ = lab.heartbeat("SN-G10", stale, boot_id="boot-1").json()["result"]["steps"]
    lab.report("SN-G10", stale, ping, boot_id="boot-1")
    time.sleep(0.35)  # the server hangs: it is booted into the LiveOS again
    assert engine.sweep()["silent"] == 1
    lab.answer(lab.take("driver"))
    fresh = lab.token_for(mac)
    ping, *_ = lab.heartbeat("SN-G10", fresh, boot_id="boot-2").json()["result"]["steps"]
    assert lab.report("SN-G10", fresh, ping, boot_id="boot-2").status_code == 200
    time.sleep(0.15)  # InitNode's backoff (its first attempt died with the hung server)
    init, *_ = lab.heartbeat("SN-G10", fresh, boot_id="boot-2").json()["result"]["steps"]
    assert init["action"] == "InitNode"
    before = list(Job.objects.get(job_id=job_id).steps.values_list("status", "attempt"))

    # Whoever kept the first boot's token claims a restart: refused, nothing rewound.
    for call in (
        lambda: lab.heartbeat("SN-G10", stale, boot_id="boot-evil"),
        lambda: lab.report("SN-G10", stale, init, boot_id="boot-evil"),
    ):
        assert call().status_code == 401
    job = Job.objects.get(job_id=job_id)
    assert job.agent_boot == "boot-2"
    assert list(job.steps.values_list("status", "attempt")) == before


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
    return lab.results(sn, token, results)


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
    answer = _results(lab, "SN-G7", token, [forged]).json()["result"]
    assert (answer["steps"], answer["recorded"]) == ([], 0)
    assert Job.objects.get(job_id=job_id).steps.get(action="SetPXEBoot").status == "running"
