"""The LiveOS agent (``bmp_agent``, the program the LiveOS runs) against this gateway, over
HTTPS with a certificate of the gateway's CA: it exchanges its boot ticket, runs an install's
agent segment and reports it the way the lab's simulated agent does, so that
``bench/provision_storm.py`` measures the requests a real install makes. The steps' work on
disks is replaced by quick stand-ins (this test is about the protocol, the agent's own tests run
the steps on loop devices)."""

from __future__ import annotations

import dataclasses
import ssl
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.core.handlers.wsgi import WSGIHandler

from bmp_agent import steps
from bmp_agent.config import AgentConfig
from bmp_agent.context import StepContext
from bmp_agent.runner import Agent
from bmp_common import progress
from bmp_common.messages import jobs
from bmp_scheduler import tls
from bmp_scheduler.workflow import tasks
from bmp_scheduler.workflow.models import Job

from .conftest import AGENT_CPIO, token_in

AGENT_ADDRESS = "127.0.0.1"  # the machine's reserved address: the agent calls from here


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def gateway_tls(tmp_path, lab):
    """bmp-scheduler-gateway-tls in small: this Django project behind TLS on 127.0.0.1 (a
    certificate ``tls.ensure`` made); yields (URL, CA file, the paths requested in order)."""
    tls.ensure(tmp_path / "tls", [AGENT_ADDRESS])
    paths: list[str] = []
    django_app = WSGIHandler()

    def app(environ, start_response):
        environ["wsgi.url_scheme"] = "https"  # the socket is TLS: what gunicorn's TLS reports
        paths.append(environ["PATH_INFO"])
        return django_app(environ, start_response)

    server: WSGIServer = make_server(AGENT_ADDRESS, 0, app, handler_class=_Quiet)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "tls" / "gateway.pem", tmp_path / "tls" / "gateway.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://{AGENT_ADDRESS}:{server.server_address[1]}", tmp_path / "tls" / "ca.pem", paths
    server.shutdown()
    server.server_close()


def _quick_step(params, ctx):
    return {}


def _into_liveos(lab, sn: str, mac: str) -> tuple[str, str]:
    """An install whose machine reserved AGENT_ADDRESS, booted into the LiveOS: (job id, the
    boot ticket its LiveOS read from agent.cpio)."""
    submit = lab.submission(jobs.CREATE_INSTANCES, sn=sn, mac=mac)
    node = {**submit.node, "private_ipv4": AGENT_ADDRESS}
    tasks.submit_job(message=dataclasses.replace(submit, node=node).to_wire())
    lab.answer(lab.take("dhcp"))
    lab.answer(lab.take("driver"))
    archive = AGENT_CPIO.search(lab.boot(mac)).group(1)
    return submit.job_id, token_in(lab.fetch_agent_cpio(archive, source=AGENT_ADDRESS).content)


def _run_segment(lab, gateway_tls, tmp_path, sn: str, ticket: str, window_s: float) -> Agent:
    """The agent, until the segment is done and the chain moves on to the dhcp-agent."""
    url, ca, _paths = gateway_tls
    config = AgentConfig(
        gateway=url, token=ticket, sn=sn, gateway_ca=ca, heartbeat_s=0.05, report_window_s=window_s
    )
    context = StepContext(target_root=tmp_path / "target", work_dir=tmp_path / "work", disks=[])
    agent = Agent(config, context)
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    next_step = lab.take("dhcp", timeout=15)
    agent.stop.set()
    thread.join(timeout=10)
    assert next_step.action == "DHCPConfigDelHost" and not thread.is_alive()
    return agent


def test_the_liveos_agent_reports_an_installs_quick_steps_in_one_request(
    lab, gateway_tls, tmp_path, monkeypatch
):
    job_id, ticket = _into_liveos(lab, "SN-LA1", "52:54:00:cc:0a:01")
    monkeypatch.setattr(steps, "ACTIONS", dict.fromkeys(steps.ACTIONS, _quick_step))

    # A wide window: each step syncs the disks, which a busy test machine may make slow (5 s
    # ran out once while CI built images). The results go when the plan ends, not when the
    # window does, so a wider one costs this test nothing.
    agent = _run_segment(lab, gateway_tls, tmp_path, "SN-LA1", ticket, window_s=60.0)

    job = Job.objects.get(job_id=job_id)
    # The segment's ten steps (a skipped one never reaches the agent) ran once each, in order.
    agent_steps = job.steps.filter(target="agent").exclude(status="skipped").order_by("index")
    assert len(agent_steps) == 10
    assert [(s.status, s.attempt) for s in agent_steps] == [("succeeded", 1)] * len(agent_steps)
    assert [action for action, _status, _error in agent.results] == [s.action for s in agent_steps]
    # One request for the whole segment, after the heartbeat that exchanged the ticket and
    # handed the plan; never the single-result endpoint.
    agent_calls = [path for path in gateway_tls[2] if path.startswith("/v1/agent/")]
    assert agent_calls[:2] == ["/v1/agent/heartbeat", "/v1/agent/results"]
    assert agent_calls.count("/v1/agent/results") == 1
    assert "/v1/agent/result" not in agent_calls
    assert not agent.revoked


def test_a_long_steps_progress_shows_while_it_runs_after_quick_steps(
    lab, gateway_tls, tmp_path, monkeypatch
):
    """The quick steps before the image write do not wait for it to end: their results go when
    the window closes, the gateway begins the write, and its progress shows live."""
    job_id, ticket = _into_liveos(lab, "SN-LA2", "52:54:00:cc:0a:02")
    shown: list[dict] = []

    def write_image(params, ctx):
        ctx.progress.start(1000)
        ctx.progress.add(400)
        deadline = time.monotonic() + 5
        while not shown and time.monotonic() < deadline:
            live = progress.read([job_id]).get(job_id)
            if live and live.get("action") == "WriteImageTar" and "bytes" in live:
                shown.append(live)
            time.sleep(0.05)
        return {}

    actions = dict.fromkeys(steps.ACTIONS, _quick_step)
    monkeypatch.setattr(steps, "ACTIONS", {**actions, "WriteImageTar": write_image})

    _run_segment(lab, gateway_tls, tmp_path, "SN-LA2", ticket, window_s=0.2)

    assert shown and (shown[0]["bytes"], shown[0]["total"]) == (400, 1000)
    assert gateway_tls[2].count("/v1/agent/results") >= 2
