"""The agent's log lines as RFC 5424 datagrams to bmp.rsyslog (a real UDP socket here)."""

from __future__ import annotations

import logging
import re
import socket

from bmp_agent import config as agent_config
from bmp_agent.syslog import Rfc5424Handler, parse_address

LINE = re.compile(
    r"^<(?P<pri>\d+)>1 (?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (?P<host>\S+) "
    r"(?P<app>\S+) (?P<pid>\d+) (?P<msgid>\S+) - (?P<msg>.*)$"
)


def test_a_log_line_arrives_as_rfc5424():
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    handler = Rfc5424Handler(receiver.getsockname(), hostname="SN 0001")
    log = logging.getLogger("bmp_agent.runner")
    log.addHandler(handler)
    try:
        log.warning("step %s failed:\nsecond line", 7)
        got = receiver.recv(4096).decode()
    finally:
        log.removeHandler(handler)
        handler.close()
        receiver.close()
    line = LINE.match(got)
    assert line, got
    assert int(line["pri"]) == 16 * 8 + 4  # local0, warning
    assert (line["host"], line["app"], line["msgid"]) == ("SN0001", "bmp-agent", "bmp_agent.runner")
    assert line["msg"] == "WARNING bmp_agent.runner: step 7 failed: | second line"


def test_nobody_listening_loses_the_line_and_nothing_else():
    handler = Rfc5424Handler(("127.0.0.1", 9), hostname="SN1")
    handler.emit(logging.makeLogRecord({"msg": "lost", "levelno": logging.INFO}))
    handler.close()


def test_the_address_comes_from_the_kernel_command_line(tmp_path):
    cmdline = tmp_path / "cmdline"
    cmdline.write_text(
        "quiet bmp.gateway=https://10.0.0.1:8813 bmp.sn=SN1 bmp.rsyslog=10.0.0.1:1514\n"
    )
    (tmp_path / "token").write_text("ticket\n")
    (tmp_path / "ca.pem").write_text("ca")
    config = agent_config.load(
        cmdline, tmp_path, token_file=tmp_path / "token", gateway_ca=tmp_path / "ca.pem"
    )
    assert config.rsyslog == "10.0.0.1:1514"
    assert parse_address(config.rsyslog) == ("10.0.0.1", 1514)
    assert parse_address("[fd00::1]:1514") == ("fd00::1", 1514)
    assert parse_address("nohost") is None and parse_address("h:99999") is None
