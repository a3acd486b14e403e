"""The boot ticket: what crosses plain HTTP (agent.cpio) buys one session token over HTTPS, and
is worth nothing once the agent used that session token. Until the exchange, each fetch of
agent.cpio hands out a fresh ticket and kills the one before."""

import logging
import threading
import time

from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bmp_common.ids import token_digest
from bmp_common.messages import jobs
from bmp_scheduler.workflow import engine, tokens
from bmp_scheduler.workflow.models import Job

from .conftest import AGENT_CPIO, NODE_ADDRESS, token_in

MAC = "52:54:00:dd:00:01"
SN = "SN-T1"


def _sniffed_ticket(lab, sn=SN, mac=MAC):
    """A job at Ping; its agent.cpio fetched by the machine, and read by whoever listens on the
    provisioning segment (plain HTTP: the archive's bytes are theirs too)."""
    job_id = lab.submit(jobs.DELETE_INSTANCE, sn=sn, mac=mac)
    lab.answer(lab.take("dhcp"))
    lab.answer(lab.take("driver"))
    url = AGENT_CPIO.search(lab.boot(mac)).group(1)
    archive = lab.fetch_agent_cpio(url)
    assert archive.status_code == 200
    return job_id, token_in(archive.content)


def _heartbeat(lab, token, sn=SN):
    return lab.agent_post("/v1/agent/heartbeat", {"sn": sn, "token": token})


def _fetch(lab, mac=MAC, source=NODE_ADDRESS):
    return lab.client.get("/v1/boot/agent.cpio", {"mac": mac}, REMOTE_ADDR=source)


def test_a_retried_fetch_gets_a_fresh_ticket_and_the_late_one_dies(lab, caplog):
    """A storm delays the gateway's answer past iPXE's timeout: its retry gets a ticket that
    works, the late one is dead, and the boot's expiry does not move."""
    job_id, late = _sniffed_ticket(lab)
    expires = Job.objects.get(job_id=job_id).token_expires_at

    with caplog.at_level(logging.WARNING, logger="bmp_scheduler.gateway.services"):
        retry = _fetch(lab)
    assert retry.status_code == 200
    ticket = token_in(retry.content)
    assert ticket != late
    assert Job.objects.get(job_id=job_id).token_expires_at == expires
    warning = next(r for r in caplog.records if "again" in r.getMessage())
    assert warning.levelno == logging.WARNING
    assert job_id in warning.getMessage() and MAC in warning.getMessage()
    assert NODE_ADDRESS in warning.getMessage()
    assert ticket not in caplog.text and late not in caplog.text

    assert _heartbeat(lab, late).status_code == 401
    session = _heartbeat(lab, ticket).json()["result"]["token"]
    assert _heartbeat(lab, session).status_code == 200
    assert _heartbeat(lab, late).status_code == 401


def test_once_the_ticket_is_exchanged_agent_cpio_is_refused_and_changes_nothing(lab):
    job_id, ticket = _sniffed_ticket(lab)
    session = _heartbeat(lab, ticket).json()["result"]["token"]  # its answer is lost
    before = Job.objects.filter(job_id=job_id).values().get()

    assert _fetch(lab).status_code == 403
    assert _fetch(lab, source="10.0.0.6").status_code == 403
    assert Job.objects.filter(job_id=job_id).values().get() == before
    # The agent holds the ticket still: it gets its session token again, and works with it.
    fresh = _heartbeat(lab, ticket).json()["result"]["token"]
    assert fresh != session
    assert _heartbeat(lab, fresh).status_code == 200
    assert _fetch(lab).status_code == 403


def test_a_fetch_from_another_address_changes_nothing(lab):
    job_id, ticket = _sniffed_ticket(lab)
    before = Job.objects.filter(job_id=job_id).values().get()

    stolen = _fetch(lab, source="10.0.0.6")
    assert stolen.status_code == 403 and b"agent-token" not in stolen.content
    assert Job.objects.filter(job_id=job_id).values().get() == before
    assert _heartbeat(lab, ticket).status_code == 200


def test_of_two_claims_of_the_same_ticket_only_one_succeeds(lab):
    """Two fetches that read the job at once: the conditional UPDATE lets one through."""
    job_id, _ticket = _sniffed_ticket(lab)
    first, second = Job.objects.get(job_id=job_id), Job.objects.get(job_id=job_id)

    won = tokens.claim(first)
    assert won and tokens.claim(second) is None
    assert Job.objects.get(job_id=job_id).token_digest == token_digest(won)
    assert _heartbeat(lab, won).status_code == 200


def test_of_fetches_at_once_exactly_one_ticket_stays_good(lab):
    job_id, late = _sniffed_ticket(lab)
    expires = Job.objects.get(job_id=job_id).token_expires_at
    start = threading.Barrier(6)
    answers = []

    def fetch():
        try:
            client = Client()  # one each: iPXE's connections
            start.wait()
            answers.append(
                client.get("/v1/boot/agent.cpio", {"mac": MAC}, REMOTE_ADDR=NODE_ADDRESS)
            )
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 6
    assert all(answer.status_code in (200, 403) for answer in answers)
    tickets = [token_in(answer.content) for answer in answers if answer.status_code == 200]
    assert tickets  # at least one fetch got a ticket
    good = [ticket for ticket in [late, *tickets] if _heartbeat(lab, ticket).status_code == 200]
    assert len(good) == 1 and good[0] in tickets
    assert Job.objects.get(job_id=job_id).token_expires_at == expires


def test_a_ticket_sniffed_from_agent_cpio_is_useless_once_the_agent_exchanged_it(lab):
    _job_id, ticket = _sniffed_ticket(lab)

    exchanged = _heartbeat(lab, ticket)
    session = exchanged.json()["result"]["token"]
    assert exchanged.status_code == 200 and session and session != ticket
    working = _heartbeat(lab, session)
    assert working.status_code == 200 and "token" not in working.json()["result"]

    # The listener replays the ticket from the reserved address (spoofed): refused everywhere.
    replay = _heartbeat(lab, ticket)
    assert replay.status_code == 401 and session not in replay.content.decode()
    ping = working.json()["result"]["steps"][0]
    forged = {"step_id": ping["step_id"], "attempt": ping["attempt"], "status": "ok", "data": {}}
    body = {"sn": SN, "token": ticket, "results": [forged]}
    assert lab.agent_post("/v1/agent/results", body).status_code == 401
    # The agent carries on with its session token.
    assert _heartbeat(lab, session).json()["result"]["steps"][0]["action"] == "Ping"


def test_before_the_exchange_each_use_of_the_ticket_reissues_the_session_token(lab):
    """An answer lost on the way does not strand the agent: it presents the ticket again and
    gets another session token; the one it never received dies."""
    _job_id, ticket = _sniffed_ticket(lab)

    lost = _heartbeat(lab, ticket).json()["result"]["token"]
    fresh = _heartbeat(lab, ticket).json()["result"]["token"]

    assert fresh != lost
    assert _heartbeat(lab, lost).status_code == 401
    assert _heartbeat(lab, fresh).status_code == 200
    assert _heartbeat(lab, ticket).status_code == 401  # the session token was used: dead


def test_whoever_exchanges_the_ticket_first_loses_the_session_to_the_agent(lab):
    """A listener who beats the agent to the exchange (from the reserved address) holds a
    session token only until the agent presents the ticket; then it is the agent's."""
    _job_id, ticket = _sniffed_ticket(lab)
    attacker = _heartbeat(lab, ticket).json()["result"]["token"]

    agent = _heartbeat(lab, ticket).json()["result"]["token"]
    assert _heartbeat(lab, agent).status_code == 200

    assert _heartbeat(lab, attacker).status_code == 401


def test_the_session_token_never_travels_over_plain_http(lab):
    job_id, ticket = _sniffed_ticket(lab)
    plain = Client()  # the plain-HTTP gateway (8803), where iPXE fetches its files

    refused = plain.post(
        "/v1/agent/heartbeat",
        {"sn": SN, "token": ticket},
        content_type="application/json",
        REMOTE_ADDR=NODE_ADDRESS,
    )
    assert refused.status_code == 403 and "token" not in refused.json()["error"]
    assert Job.objects.get(job_id=job_id).session_digest == ""  # no exchange happened

    session = _heartbeat(lab, ticket).json()["result"]["token"]
    answers = [
        plain.post(path, body, content_type="application/json", REMOTE_ADDR=NODE_ADDRESS).content
        for path, body in (
            ("/v1/agent/heartbeat", {"sn": SN, "token": ticket}),
            ("/v1/agent/heartbeat", {"sn": SN, "token": session}),
            ("/v1/agent/results", {"sn": SN, "token": ticket, "results": []}),
        )
    ]
    answers += [
        plain.get("/v1/boot/ipxe", {"mac": MAC}).content,
        plain.get("/v1/boot/agent.cpio", {"mac": MAC}, REMOTE_ADDR=NODE_ADDRESS).content,
    ]
    assert all(session.encode() not in answer for answer in answers)
    # Stored as a digest only, like the ticket.
    job = Job.objects.filter(job_id=job_id).values().get()
    assert job["session_digest"] == token_digest(session)
    assert not any(session in str(value) or ticket in str(value) for value in job.values())


def test_the_exchange_is_one_write_per_boot_and_heartbeats_at_ping_write_nothing_after(lab):
    _job_id, ticket = _sniffed_ticket(lab)

    with CaptureQueriesContext(connection) as exchange:
        session = _heartbeat(lab, ticket).json()["result"]["token"]
    with CaptureQueriesContext(connection) as first:
        _heartbeat(lab, session)
    with CaptureQueriesContext(connection) as later:
        for _ in range(3):
            assert _heartbeat(lab, session).status_code == 200

    def writes(queries):
        return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]

    assert len(writes(exchange)) == 1  # the session token's digest
    assert len(writes(first)) == 1  # the ticket dies
    assert writes(later) == []


def test_a_new_boot_revokes_the_ticket_and_session_token_of_the_one_before(lab):
    lab.submit(jobs.DELETE_INSTANCE, sn=SN, mac=MAC)
    lab.answer(lab.take("dhcp"))
    pxe = lab.take("driver")
    old_ticket = lab.token_for(MAC)  # the server booted, but the BMC call failed
    old_session = _heartbeat(lab, old_ticket).json()["result"]["token"]
    lab.answer(pxe, error="ERROR")
    time.sleep(0.15)
    engine.sweep()
    assert lab.take("driver").attempt == 2

    ticket = lab.token_for(MAC)
    assert _heartbeat(lab, old_session).status_code == 401
    assert _heartbeat(lab, old_ticket).status_code == 401
    session = _heartbeat(lab, ticket).json()["result"]["token"]
    assert _heartbeat(lab, session).status_code == 200
