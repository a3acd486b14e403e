"""bmp-rsyslog as the local runtime starts it (Debian's rsyslogd, deploy/local/run-service.sh):
the LiveOS agent's log lines (bmp_agent.syslog, RFC 5424 over UDP) are filed per node address
and program, as upstream files them; the host's own 127.0.0.1 is dropped; `bmp-deploy.sh logs
bmp-rsyslog` shows them."""

from __future__ import annotations

import logging
import time

import pytest

from bmp_agent.syslog import Rfc5424Handler
from bmp_common.testing.requirements import require_tools
from bmp_lab.platform import Platform, free_port, wait_for

pytestmark = [pytest.mark.integration]

NODE = "127.200.0.11"  # a lab node's provisioning address


def test_a_nodes_lines_are_filed_by_address_and_program(tmp_path):
    require_tools("rsyslogd", install="apt-get install rsyslog")
    port = free_port()
    platform = Platform(tmp_path / "platform", settings={"BMP_RSYSLOG_PORT": str(port)})
    try:
        platform.start("bmp-rsyslog")
        node = Rfc5424Handler(("127.0.0.1", port), hostname="SN-LAB-0001")
        node.socket.bind((NODE, 0))  # sent from the node's address, as on the wire
        local = Rfc5424Handler(("127.0.0.1", port), hostname="the-host")
        log = logging.getLogger("bmp_agent.runner")
        log.propagate = False
        log.addHandler(node)
        folder = platform.logs / "rsyslog" / NODE
        try:
            # rsyslogd listens a moment after it starts: send until the first line is filed.
            def filed():
                log.info("step 12 WriteImageTar: ok")
                time.sleep(0.2)
                return list(folder.glob("bmp-agent-*.log"))

            (path,) = wait_for(filed, 20, "the node's log file", 0.1)
            local.emit(
                logging.makeLogRecord(
                    {"name": "x", "msg": "from the host itself", "levelno": logging.INFO}
                )
            )
            log.warning("MakeRaid failed: mdadm: no such device")
            wait_for(lambda: "MakeRaid failed" in path.read_text(), 10, "the second line")
        finally:
            log.removeHandler(node)
            log.propagate = True
            node.close()
            local.close()
        today = time.strftime("%Y-%m-%d", time.gmtime())
        assert path.name in (f"bmp-agent-{today}.log", f"bmp-agent-{time.strftime('%Y-%m-%d')}.log")
        text = path.read_text()
        assert "INFO bmp_agent.runner: step 12 WriteImageTar: ok" in text
        assert "WARNING bmp_agent.runner: MakeRaid failed: mdadm: no such device" in text
        assert "SN-LAB-0001" in text
        assert not (platform.logs / "rsyslog" / "127.0.0.1").exists()
    except BaseException:
        print(platform.log_tails())
        raise
    finally:
        platform.stop()
