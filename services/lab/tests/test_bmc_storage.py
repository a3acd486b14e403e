"""The lab BMC's storage commands (SEL, SDR, FRU) seen through ipmitool, and `sel add`."""

from __future__ import annotations

import os
import subprocess
import sys

from bmp_lab.fleet import read_state

from .conftest import ipmitool, wait_until


def test_injected_events_show_in_sel_list_and_elist(fleet, password):
    server = fleet.nodes[0]
    server.node.add_named_event("Memory", "Uncorrectable ECC")
    server.node.add_named_event("Power Supply", "Failure detected")
    listed = ipmitool(server, password, "sel", "list")
    assert listed.returncode == 0, listed.stderr
    last_two = [line.split(" | ") for line in listed.stdout.strip().splitlines()[-2:]]
    assert [(f[3], f[4], f[5]) for f in last_two] == [
        ("Memory #0x60", "Uncorrectable ECC", "Asserted"),
        ("Power Supply #0x30", "Failure detected", "Asserted"),
    ]
    # elist names each sensor from the SDR repository.
    extended = ipmitool(server, password, "sel", "elist").stdout.strip().splitlines()
    assert "Memory DIMM Status | Uncorrectable ECC | Asserted" in extended[-2]
    assert "Power Supply PS1 Status | Failure detected | Asserted" in extended[-1]


def test_sel_info_and_clear(fleet, password):
    server = fleet.nodes[1]
    info = ipmitool(server, password, "sel", "info").stdout
    assert "Entries          : 5" in info
    assert ipmitool(server, password, "sel", "clear").returncode == 0
    assert ipmitool(server, password, "sel", "info").stdout.count("Entries          : 0") == 1
    server.node.add_named_event("Processor", "IERR")
    listed = ipmitool(server, password, "sel", "list").stdout.strip().splitlines()
    assert len(listed) == 1 and "Processor #0x50 | IERR | Asserted" in listed[0]


def test_sdr_list_names_the_sensors(fleet, password):
    listed = ipmitool(fleet.nodes[0], password, "sdr", "list")
    assert listed.returncode == 0, listed.stderr
    names = [line.split("|")[0].strip() for line in listed.stdout.splitlines()]
    assert {"Inlet Temp", "PS1 Status", "DIMM Status", "CPU1 Status", "Drive 0"} <= set(names)


def test_fru_print_shows_the_server(fleet, password):
    server = fleet.nodes[2]
    printed = ipmitool(server, password, "fru", "print")
    assert printed.returncode == 0, printed.stderr
    fields = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in printed.stdout.splitlines())
    )
    assert fields["Product Manufacturer"] == "BMP Lab"
    assert fields["Product Name"] == "LabServer 1U"
    assert fields["Product Serial"] == server.sn
    assert fields["Board Serial"] == f"B{server.sn}"


def test_sel_add_cli_logs_into_a_running_fleet(tmp_path, password):
    env = {**os.environ, "BMP_LAB_BMC_PASSWORD": password}
    up = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bmp_lab",
            "up",
            "2",
            "--base-port",
            "0",
            "--state-dir",
            str(tmp_path),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_until(lambda: (tmp_path / "lab-state.json").exists(), timeout=20)
        cli = [sys.executable, "-m", "bmp_lab", "sel"]
        added = subprocess.run(
            [
                *cli,
                "add",
                "LAB-0002",
                "--sensor",
                "Memory",
                "--event",
                "Uncorrectable ECC",
                "--state-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=30,
            env=os.environ,
        )
        assert added.returncode == 0, added.stderr
        assert "LAB-0002: record 6 logged" in added.stdout
        listed = subprocess.run(
            [*cli, "list", "LAB-0002", "--state-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert (
            listed.stdout.strip()
            .splitlines()[-1]
            .endswith("| Memory #0x60 | Uncorrectable ECC | Asserted")
        )
        # ipmitool sees it too (the password through the environment, as ever).
        node = read_state(tmp_path)["nodes"][1]
        shown = subprocess.run(
            [
                "ipmitool",
                "-I",
                "lanplus",
                "-H",
                node["bmc"]["address"],
                "-p",
                str(node["bmc"]["port"]),
                "-U",
                "admin",
                "-E",
                "sel",
                "list",
            ],
            env={**os.environ, "IPMI_PASSWORD": password},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert "Memory #0x60 | Uncorrectable ECC | Asserted" in shown.stdout.splitlines()[-1]
        refused = subprocess.run(
            [
                *cli,
                "add",
                "LAB-0002",
                "--sensor",
                "Memory",
                "--event",
                "Melted",
                "--state-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert refused.returncode != 0 and "unknown event 'Melted'" in refused.stderr
    finally:
        up.terminate()
        up.wait(timeout=10)
