"""The fan-out helper, and the driver's log lines, which never carry a password."""

from __future__ import annotations

import logging
import secrets

from bmp_common.crypto import encrypt_secret
from bmp_common.messages.steps import StepDispatch
from bmp_driver.backends.base import BmcCredentials, DriverError
from bmp_driver.fanout import power_status_many
from bmp_driver.worker import execute
from bmp_lab.fleet import Fleet

from .conftest import FAST, credentials


def test_power_status_many_answers_in_order_with_errors_in_place(fleet, password, silent_port):
    fleet.nodes[1].node.power_up()
    targets = [credentials(server, password) for server in fleet.nodes]
    targets.insert(1, BmcCredentials("127.0.0.1", silent_port, "admin", password))

    results = power_status_many(targets, concurrency=4, policy=FAST)

    assert results[0] == "off" and results[2] == "on" and results[3] == "off"
    assert isinstance(results[1], DriverError) and results[1].code == "PING_ILOIP_ERROR"


def test_driver_logs_hold_no_password(caplog):
    # A space in it: a "password: value" pattern would hide only the first word.
    password = "ipmi " + secrets.token_urlsafe(9)
    caplog.set_level(logging.DEBUG)  # python-ipmi logs its session (password too) at DEBUG
    with Fleet(2, base_port=0, username="admin", password=password) as fleet:
        _run_power_on_steps(fleet, password)
    assert caplog.records  # the driver and python-ipmi did log
    assert "Close Session" in caplog.text
    assert password.split()[1] not in caplog.text


def _run_power_on_steps(fleet, password):
    server, other = fleet.nodes[0], fleet.nodes[1]
    other.set_wrong_password(True)
    for step_id, target in enumerate((server, other), start=1):
        step = StepDispatch(
            step_id=step_id,
            attempt=1,
            action="PowerOn",
            idc_id="idc-logs",
            params={
                "bmc": {
                    "address": target.bmc_address,
                    "port": target.bmc_port,
                    "username": "admin",
                    "password_encrypted": encrypt_secret(password),
                }
            },
        )
        execute("idc-logs", step)

    assert server.power == "on" and other.power == "off"
