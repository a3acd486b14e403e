"""Fixtures: a file SQLite test database (a Celery worker thread shares it), the real broker
(the plugin's private redis), and ``lab``: drives chains the way the driver, the dhcp-agent and
the LiveOS agent would, and reads the JobEvents openapi would receive."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
from django.test import Client
from kombu import Connection

from bmp_common import cpio
from bmp_common.crypto import encrypt_secret
from bmp_common.env import data_dir
from bmp_common.messages.jobs import JobEvent, JobSubmit
from bmp_common.messages.steps import StepDispatch, StepResult
from bmp_scheduler.celery import app
from bmp_scheduler.workflow import engine, tasks
from bmp_scheduler.workflow.choices import JOB_RUNNING, STEP_RUNNING, TARGET_AGENT
from bmp_scheduler.workflow.models import Job

OPENAPI_QUEUE = "openapi"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A file, not SQLite's in-memory database: the worker-thread test needs a second
    connection that sees committed rows. (On MariaDB, pytest-django's suffix gives each xdist
    worker a test database of its own.)"""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        path = Path(data_dir()) / f"scheduler-test-{uuid.uuid4().hex[:8]}.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture(autouse=True)
def engine_settings(settings):
    settings.BMP_SCHEDULER_BACKOFF_BASE = 0.1
    settings.BMP_SCHEDULER_BACKOFF_CAP = 1.0
    settings.BMP_SCHEDULER_OUTBOX_GRACE = 0.2
    settings.BMP_SCHEDULER_TIMEOUT_SCALE = 1.0
    return settings


class Broker:
    """Reads what the scheduler sent, from the real broker's queues."""

    def __init__(self, connection):
        self.connection = connection
        self.queues = {}

    def queue(self, name):
        if name not in self.queues:
            self.queues[name] = self.connection.SimpleQueue(name)
        return self.queues[name]

    def get(self, name, timeout=5.0):
        message = self.queue(name).get(timeout=timeout)
        message.ack()
        _args, kwargs, _embed = message.payload
        return message.headers["task"], kwargs

    def drain(self, name):
        received = []
        queue = self.queue(name)
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                return received
            message.ack()
            received.append((message.headers["task"], message.payload[1]))

    def close(self):
        for name, queue in self.queues.items():
            queue.close()
            self.connection.default_channel.queue_delete(name)


@pytest.fixture
def broker():
    with Connection(app.conf.broker_url) as connection:
        broker = Broker(connection)
        broker.drain(OPENAPI_QUEUE)  # events of earlier tests
        try:
            yield broker
        finally:
            broker.close()


AGENT_CPIO = re.compile(r"^initrd --name bmp-agent\.cpio (\S+)$", re.MULTILINE)
# The address the DHCP reservation gives every node of these tests (node["private_ipv4"]):
# the only one the gateway hands a token to and takes the agent's calls from.
NODE_ADDRESS = "10.0.0.5"


class Lab:
    """One IDC's outside world: driver, dhcp-agent and agents answer through the real paths."""

    def __init__(self, broker, client):
        self.broker = broker
        self.client = client
        self.idc_id = f"idc-{uuid.uuid4().hex[:8]}"
        self.tokens = {}  # mac -> the boot ticket its LiveOS read from agent.cpio
        # ticket -> the session token an answer gave for it: heartbeat and report send the
        # session token once they have one, as the agents do (``agent_post`` sends as told).
        self.sessions = {}
        self.plans = []  # every plan handed to an agent by ``run``
        self.restart_before = None  # ``run``'s agent restarts when handed this action

    # -- openapi's side
    def node(self, sn, mac):
        return {
            "sn": sn,
            "device_id": f"d-{sn}",
            "mac1": mac,
            "private_ipv4": NODE_ADDRESS,
            "mask": "255.255.255.0",
            "gateway": "10.0.0.1",
            "architecture": "x86_64",
            "bmc": {
                "address": "127.0.0.1",
                "port": 6230,
                "username": "admin",
                "password_encrypted": encrypt_secret("bmc-secret"),
                "interface": "native",
            },
        }

    def submission(self, task, *, sn="SN1", mac="52:54:00:00:00:01", spec=None, job_id=None):
        return JobSubmit(
            job_id=job_id or f"job-{uuid.uuid4().hex[:12]}",
            task=task,
            idc_id=self.idc_id,
            request_id="req-1",
            instance_id=f"i-{sn}",
            node=self.node(sn, mac),
            spec=spec or {},
        )

    def submit(self, task, **kwargs) -> str:
        submit = self.submission(task, **kwargs)
        tasks.submit_job(message=submit.to_wire())
        return submit.job_id

    def events(self, settle: float = 0.0) -> list[JobEvent]:
        """The events sent so far; with ``settle``, also those arriving until none came for that
        long (RabbitMQ delivers a message published on commit a moment later)."""
        received = self.broker.drain(OPENAPI_QUEUE)
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < settle:
            time.sleep(0.05)
            more = self.broker.drain(OPENAPI_QUEUE)
            if more:
                received += more
                quiet_since = time.monotonic()
        return [JobEvent.from_wire(kw["message"]) for _t, kw in received]

    # -- the driver's and the dhcp-agent's side
    def take(self, target, timeout=5.0) -> StepDispatch:
        task, kwargs = self.broker.get(f"{target}.{self.idc_id}", timeout=timeout)
        assert task == f"bmp.{target}.run_step"
        assert kwargs["idc_id"] == self.idc_id
        return StepDispatch.from_wire(kwargs["message"])

    def pending(self, target) -> list[StepDispatch]:
        return [
            StepDispatch.from_wire(kw["message"])
            for _t, kw in self.broker.drain(f"{target}.{self.idc_id}")
        ]

    def answer(self, dispatch, *, data=None, error=None, attempt=None):
        result = StepResult(
            step_id=dispatch.step_id,
            attempt=attempt or dispatch.attempt,
            status="failed" if error else "ok",
            data=data or {},
            error=error,
        )
        return tasks.step_result(message=result.to_wire())

    # -- the LiveOS agent's side
    def boot(self, mac):
        response = self.client.get("/v1/boot/ipxe", {"mac": mac})
        assert response.status_code == 200
        return response.content.decode()

    def fetch_agent_cpio(self, url, source=NODE_ADDRESS):
        """What iPXE does with the script's second initrd (from ``source``)."""
        path, _, query = url.partition("?")
        assert path.endswith("/v1/boot/agent.cpio")
        return self.client.get(f"/v1/boot/agent.cpio?{query}", REMOTE_ADDR=source)

    def token_for(self, mac):
        """The boot ticket of the machine's current boot: when its script boots the LiveOS (its
        ticket not exchanged yet), a fresh ticket is read from agent.cpio, as the LiveOS does
        (the one before dies); else the one it got before, if any."""
        match = AGENT_CPIO.search(self.boot(mac))
        if match:
            response = self.fetch_agent_cpio(match.group(1))
            assert response.status_code == 200, response.content
            self.tokens[mac.lower()] = token_in(response.content)
        return self.tokens.get(mac.lower())

    def heartbeat(self, sn, token, progress=None, working=None, boot_id=None):
        body = {"sn": sn, "token": token}
        if boot_id is not None:
            body["boot_id"] = boot_id
        if progress is not None:
            body["progress"] = progress
        if working is not None:
            body["working"] = working
        return self._as_agent("/v1/agent/heartbeat", body)

    def report(self, sn, token, step, *, data=None, error=None, attempt=None, boot_id=None):
        body = {
            "sn": sn,
            "token": token,
            "step_id": step["step_id"],
            "attempt": attempt or step["attempt"],
            "status": "failed" if error else "ok",
            "data": data or {},
            "error": error,
        }
        if boot_id is not None:
            body["boot_id"] = boot_id
        return self._as_agent("/v1/agent/result", body)

    def results(self, sn, token, results):
        return self._as_agent("/v1/agent/results", {"sn": sn, "token": token, "results": results})

    def _as_agent(self, path, body):
        """POST as the agent holding ``body["token"]`` (a ticket) does: with the session token
        once an answer gave one, the ticket until then."""
        ticket = body["token"]
        response = self.agent_post(path, {**body, "token": self.sessions.get(ticket, ticket)})
        if response.status_code == 200 and response.json()["result"].get("token"):
            self.sessions[ticket] = response.json()["result"]["token"]
        return response

    def agent_post(self, path, body, source=NODE_ADDRESS):
        """POST ``body`` to an agent endpoint over HTTPS, as it is."""
        return self.client.post(path, body, content_type="application/json", REMOTE_ADDR=source)

    def restart_agent_before(self, action):
        """``run``'s agent restarts (a new boot_id) once, when it is handed ``action``."""
        self.restart_before = action

    # -- a whole chain
    def run(self, job_id, *, results=None, errors=None, max_rounds=100):
        """Answer every step with success (``results[action]`` as its data), agent steps of
        ``errors`` with that error code, until the job ends; returns the list of actions in
        the order they ran."""
        results, errors = results or {}, errors or {}
        ran = []
        boot = 1
        for _ in range(max_rounds):
            job = Job.objects.get(job_id=job_id)
            if job.status != JOB_RUNNING:
                return ran
            step = job.steps.filter(status=STEP_RUNNING).first()
            if step is None:  # a retry waits for its backoff
                time.sleep(0.05)
                engine.sweep()
                continue
            if step.target != TARGET_AGENT:
                dispatch = self.take(step.target)
                ran.append(dispatch.action)
                self.answer(dispatch, data=results.get(dispatch.action))
                continue
            token = self.token_for(job.mac)
            answer = self.heartbeat(job.sn, token, boot_id=f"boot-{boot}")
            handed = answer.json()["result"]["steps"]
            while handed:
                self.plans.append(handed)
                if handed[0]["action"] == self.restart_before:
                    self.restart_before, boot = None, boot + 1
                    answer = self.heartbeat(job.sn, token, boot_id=f"boot-{boot}")
                    handed = answer.json()["result"]["steps"]
                    continue
                ran.append(handed[0]["action"])
                data = results.get(handed[0]["action"])
                error = errors.get(handed[0]["action"])
                answer = self.report(
                    job.sn, token, handed[0], data=data, error=error, boot_id=f"boot-{boot}"
                )
                assert answer.status_code == 200, answer.content
                handed = answer.json()["result"]["steps"]
        raise AssertionError("the chain did not end")


def token_in(archive: bytes) -> str:
    """The token in an agent.cpio, checked to be where and how the LiveOS expects it."""
    files = {entry.name: entry for entry in cpio.read(archive)}
    token = files["etc/bmp/agent-token"]
    assert token.permissions == 0o600
    assert files["etc/bmp"].is_dir and files["etc/bmp"].permissions == 0o700
    return token.data.decode()


class TlsClient(Client):
    """Requests as they reach bmp-scheduler-gateway-tls: over HTTPS (the agent endpoints refuse
    plain HTTP; the ``client`` fixture is the plain-HTTP gateway)."""

    def _base_environ(self, **request):
        return {**super()._base_environ(**request), "wsgi.url_scheme": "https"}


@pytest.fixture
def lab(broker, transactional_db):
    return Lab(broker, TlsClient())
