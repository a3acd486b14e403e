"""The agent reads upstream's 21 metrics from /proc and /sys (a fake tree here)."""

from __future__ import annotations

import pytest

from bmp_common.monitoring import METRICS
from bmp_monitor_agent.collect import Collector, serial_number
from bmp_monitor_agent.fake import GB, FakeHost


@pytest.fixture
def host(tmp_path):
    return FakeHost(tmp_path)


@pytest.fixture
def collector(host):
    return Collector(proc=host.proc, sys=host.sys, statvfs=host.statvfs)


def values(points):
    return {(p.metric, p.device): p.value for p in points}


def test_every_one_of_the_21_metrics_is_reported(collector):
    assert {p.metric for p in collector.collect()} == set(METRICS)


def test_what_the_tree_says(collector):
    found = values(collector.collect())

    assert found[("bmp.memory.used", "")] == 12_000_000 * 1024
    assert found[("bmp.memory.util", "")] == 75.0
    assert found[("bmp.disk.partition.util", "/data")] == 20.0
    assert found[("bmp.disk.used", "sda")] == pytest.approx(140 * GB, rel=1e-6)
    assert found[("bmp.disk.bytes.read", "sda")] == 20000 * 512
    assert found[("bmp.disk.counts.write", "sda")] == 500
    assert found[("bmp.network.bytes.egress", "eth1")] == 8000
    assert ("bmp.network.bytes.ingress", "lo") not in found  # loopback is not a NIC
    assert ("bmp.disk.bytes.read", "loop0") not in found
    assert found[("bmp.avg.load5", "")] == 0.4
    assert found[("bmp.tcp.connect.total", "")] == 2  # listeners are not connections
    assert found[("bmp.tcp.connect.established", "")] == 1
    assert found[("bmp.process.total", "")] == 2


def test_cpu_utilisation_is_over_the_last_period(host, collector):
    collector.collect()
    host.set_cpu(93)

    assert values(collector.collect())[("bmp.cpu.util", "")] == 93.0


def test_the_sn_comes_from_dmi(host):
    assert serial_number(host.sys) == "SN-FAKE-0001"


def test_the_agent_spells_the_metrics_as_the_platform_does():
    # The agent imports nothing of the platform (it runs in the guest): the names are spelt
    # twice, and must agree.
    from pathlib import Path

    import bmp_monitor_agent

    source = "".join(p.read_text() for p in Path(bmp_monitor_agent.__file__).parent.glob("*.py"))
    assert all(f'"{metric}"' in source for metric in METRICS)
    assert "bmp_common" not in source.replace("bmp_common.monitoring import METRICS", "")
