"""A fleet in one process: many BMCs answer, identities are stable, the CLI runs and stops."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from bmp_lab.fleet import Fleet, read_password, read_state, write_state
from bmp_lab.node import node_identity

from .conftest import connect, wait_until


def test_node_identities_are_deterministic():
    assert node_identity(1) == ("LAB-0001", "52:54:00:00:00:01")
    assert node_identity(1000) == ("LAB-1000", "52:54:00:00:03:e8")


def test_200_bmcs_all_answer_power_status(password):
    with Fleet(200, base_port=0, username="admin", password=password) as fleet:
        fleet.nodes[7].node.power_up()

        def power(server):
            ipmi = connect(server, password)
            try:
                return ipmi.get_chassis_status().power_on
            finally:
                ipmi.close()

        # How fast a fleet answers is bench/bmc_fanout.py's measure (against ipmitool, in the
        # same run); here, that every BMC answers for its own node.
        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(power, fleet.nodes))
    assert answers == [index == 7 for index in range(200)]


def test_state_file_lists_nodes_without_the_password(tmp_path, password):
    with Fleet(2, base_port=0, username="admin", password=password) as fleet:
        state_path = write_state(fleet, tmp_path)
        state = read_state(tmp_path)
        assert [n["sn"] for n in state["nodes"]] == ["LAB-0001", "LAB-0002"]
        assert state["nodes"][1]["bmc"] == {
            "address": "127.0.0.1",
            "port": fleet.nodes[1].bmc_port,
            "username": "admin",
        }
        # Real VMs (no simulated agent) are addressed on the provisioning bridge.
        assert (state["network"], state["nodes"][1]["private_ipv4"]) == (
            "10.200.0.0/16",
            "10.200.0.12",
        )
    assert password not in state_path.read_text()
    assert read_password(tmp_path) == password
    assert stat.S_IMODE(os.stat(tmp_path / "bmc-password").st_mode) == 0o600


def test_simulated_agents_get_loopback_addresses_they_can_call_from(password):
    """The gateway takes agent calls only from a node's reserved address: a simulated node's
    is in 127.0.0.0/8 (all local on Linux), so its agent binds it as its source."""
    with Fleet(2, base_port=0, username="admin", password=password, gateway="http://x") as fleet:
        state = fleet.state()
        assert state["network"] == "127.200.0.0/16"
        assert [n["private_ipv4"] for n in state["nodes"]] == ["127.200.0.11", "127.200.0.12"]
        assert fleet.nodes[0].agent.source_address == "127.200.0.11"
        with socket.socket() as listener, socket.socket() as client:
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            client.bind((fleet.nodes[1].private_ipv4, 0))
            client.connect(listener.getsockname())
            accepted, peer = listener.accept()
            accepted.close()
        assert peer[0] == "127.200.0.12"


def test_cli_up_status_and_sigterm(tmp_path):
    env = {**os.environ, "BMP_LAB_BMC_PASSWORD": "cli-test-password"}
    up = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bmp_lab",
            "up",
            "3",
            "--base-port",
            "0",
            "--state-dir",
            str(tmp_path),
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_until(lambda: (tmp_path / "lab-state.json").exists(), timeout=20)
        assert "cli-test-password" not in " ".join(up.args)
        status = subprocess.run(
            [sys.executable, "-m", "bmp_lab", "status", "--state-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert status.returncode == 0, status.stdout
        assert "3 BMCs answered a ping" in status.stdout
        state = json.loads((tmp_path / "lab-state.json").read_text())
        assert state["pid"] == up.pid
    finally:
        up.send_signal(signal.SIGTERM)
        assert up.wait(timeout=10) == 0
    assert not (tmp_path / "lab-state.json").exists()
