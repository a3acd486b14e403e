"""Nothing is lost when processes die: 20 concurrent creates while the scheduler and a driver
worker are killed with SIGKILL and started again still bring all 20 to ``running``."""

from __future__ import annotations

import secrets
import signal
import time

import pytest

from bmp_lab.fleet import Fleet
from bmp_lab.platform import Platform

from .conftest import PLATFORM_SERVICES, TEST_SETTINGS, Lab

pytestmark = [pytest.mark.integration, pytest.mark.slow]

COUNT = 20


@pytest.fixture
def big_lab(tmp_path):
    platform = Platform(tmp_path, settings=TEST_SETTINGS)
    password = secrets.token_urlsafe(12)
    try:
        platform.up(*PLATFORM_SERVICES)
        gateway = f"http://127.0.0.1:{platform.gateway_port}"
        with Fleet(
            COUNT,
            base_port=0,
            username="admin",
            password=password,
            gateway=gateway,
            agent_options={
                "heartbeat_interval": 0.2,
                "step_delay": 0,
                "gateway_ca": str(platform.gateway_ca),
            },
        ) as fleet:
            lab = Lab(platform, fleet)
            lab.start_workers()
            lab.enrol(fleet, password, count=COUNT)
            yield lab
    except BaseException:
        print(platform.log_tails())
        raise
    finally:
        platform.stop()


def test_sigkill_of_scheduler_and_driver_mid_creation_loses_nothing(big_lab):
    lab, platform = big_lab, big_lab.platform
    instance_ids = lab.create("storm", count=COUNT)

    time.sleep(1.0)  # the chains are under way
    platform.kill("bmp-scheduler", signal.SIGKILL)
    platform.kill("bmp-driver", signal.SIGKILL)
    time.sleep(0.5)
    platform.start("bmp-scheduler")
    platform.start("bmp-driver")

    statuses = {
        instance_id: lab.wait_status(instance_id, ("running", "Creation failed"), timeout=240)[
            "status"
        ]
        for instance_id in instance_ids
    }
    assert set(statuses.values()) == {"running"}, statuses
