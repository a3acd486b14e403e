"""Whom the agent trusts with its token: a gateway whose HTTPS certificate chains to the CA the
LiveOS embeds and names the gateway's address, and a token from the file the boot put there."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from bmp_agent.config import ConfigError, load

from .test_loop import Gateway, run_agent

PING = {"step_id": 1, "attempt": 1, "action": "Ping", "params": {}}


def _run_briefly(gateway, tmp_path, ca, seconds=0.6):
    agent, thread = run_agent(gateway, tmp_path, ca)
    time.sleep(seconds)
    agent.stop.set()
    thread.join(timeout=5)
    return agent


@pytest.mark.parametrize(
    ("server", "reason"),
    [("other_ca", "unable to get local issuer"), ("wrong_name", "IP address mismatch")],
)
def test_a_gateway_that_our_ca_does_not_vouch_for_never_gets_the_token(
    tmp_path, certs, caplog, server, reason
):
    impostor = Gateway([dict(PING)], getattr(certs, server))

    agent = _run_briefly(impostor, tmp_path, certs.ca)

    assert impostor.heartbeats == [] and impostor.results == []  # not one request arrived
    assert agent.results == []  # and no step it handed out ran
    refusals = [r for r in caplog.records if "is not the gateway of our CA" in r.getMessage()]
    assert refusals and refusals[0].levelname == "ERROR"
    assert reason in refusals[0].getMessage()
    assert "nothing sent" in refusals[0].getMessage()
    assert "tok-1" not in caplog.text


def test_the_gateway_of_our_ca_gets_the_heartbeat_and_hands_out_steps(tmp_path, certs, caplog):
    gateway = Gateway([dict(PING)], certs.ours)

    agent = _run_briefly(gateway, tmp_path, certs.ca)

    assert gateway.heartbeats and gateway.heartbeats[0]["token"] == "tok-1"  # the ticket
    # exchanged in that answer: the result carries the session token
    assert [(r["step_id"], r["status"]) for r in gateway.results] == [(1, "ok")]
    assert [b["token"] for b in gateway.reports] == ["sess-1"]
    assert agent.results == [("Ping", "ok", None)]
    assert "not the gateway of our CA" not in caplog.text


def _cmdline(tmp_path, text):
    path = tmp_path / "cmdline"
    path.write_text(text)
    return path


def test_the_token_comes_from_the_file_never_from_the_command_line(tmp_path, certs):
    # An old iPXE script's bmp.token is ignored: without the file the agent does not start.
    cmdline = _cmdline(tmp_path, "bmp.gateway=https://10.0.0.1:8813 bmp.sn=S1 bmp.token=old-tok")
    missing = tmp_path / "etc" / "agent-token"

    with pytest.raises(ConfigError, match=f"no agent token at {missing}"):
        load(cmdline, tmp_path, token_file=missing, gateway_ca=certs.ca)

    missing.parent.mkdir()
    missing.write_text("file-tok")
    assert load(cmdline, tmp_path, token_file=missing, gateway_ca=certs.ca).token == "file-tok"


def test_a_plain_http_gateway_or_a_missing_ca_is_refused(tmp_path, certs):
    token = tmp_path / "agent-token"
    token.write_text("tok")
    http = _cmdline(tmp_path, "bmp.gateway=http://10.0.0.1:8803 bmp.sn=S1")
    with pytest.raises(ConfigError, match="must be an https URL"):
        load(http, tmp_path, token_file=token, gateway_ca=certs.ca)

    https = _cmdline(tmp_path, "bmp.gateway=https://10.0.0.1:8813 bmp.sn=S1")
    with pytest.raises(ConfigError, match="no gateway CA certificate at"):
        load(https, tmp_path, token_file=token, gateway_ca=tmp_path / "no-ca.pem")


def test_the_agent_program_without_a_token_file_exits_with_the_reason(tmp_path, certs):
    cmdline = _cmdline(tmp_path, "bmp.gateway=https://127.0.0.1:9 bmp.sn=S1 bmp.token=cmd-tok")
    run = [
        sys.executable,
        "-m",
        "bmp_agent",
        "--cmdline",
        str(cmdline),
        "--sys-root",
        str(tmp_path),
    ]

    ended = subprocess.run(
        [*run, "--token-file", str(tmp_path / "none"), "--gateway-ca", str(certs.ca)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert ended.returncode == 2
    assert f"cannot start: no agent token at {tmp_path / 'none'}" in ended.stderr
    assert "cmd-tok" not in ended.stderr + ended.stdout
