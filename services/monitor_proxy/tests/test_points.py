"""What the proxy takes from an agent's report, and how it groups it for the Pushgateway."""

from __future__ import annotations

from prometheus_client.exposition import generate_latest

from bmp_monitor_proxy import push


def point(metric, value, device=""):
    return {"metric": metric, "tags": {"device": device} if device else {}, "value": value}


def test_unknown_metrics_and_non_numbers_are_dropped():
    points, dropped = push.parse_points(
        [
            point("bmp.cpu.util", 12.5),
            point("cps.cpu.util", 1),
            point("bmp.memory.util", "nan"),
            point("bmp.avg.load1", True),
            {"metric": "bmp.process.total"},
        ]
    )

    assert [p.metric for p in points] == ["bmp.cpu.util"]
    assert dropped == 4


def test_when_bond0_reports_the_nics_are_bond0s_only():
    points, _ = push.parse_points(
        [
            point("bmp.network.bytes.ingress", 1, "eth0"),
            point("bmp.network.bytes.ingress", 2, "bond0"),
            point("bmp.disk.bytes.read", 3, "sda"),
        ]
    )

    assert [(p.metric, p.device) for p in points] == [
        ("bmp.network.bytes.ingress", "bond0"),
        ("bmp.disk.bytes.read", "sda"),
    ]


def test_upstreams_names_and_labels_one_family_per_table():
    points, _ = push.parse_points(
        [point("bmp.cpu.util", 93), point("bmp.disk.counts.read", 7, "sda")]
    )
    from prometheus_client import CollectorRegistry

    texts = {}
    for table in ("bmp_monitor_gauge", "bmp_monitor_counter"):
        registry = CollectorRegistry(auto_describe=False)
        mine = [
            p for p in points if (p.metric == "bmp.disk.counts.read") == (table.endswith("counter"))
        ]
        registry.register(push._Points(table, "bmp-1", mine))
        texts[table] = generate_latest(registry).decode()

    assert (
        'bmp_monitor_gauge{device="",instance_id="bmp-1",metric_name="bmp.cpu.util"} 93.0'
        in (texts["bmp_monitor_gauge"])
    )
    # Untyped, under upstream's exact name (a typed counter would be renamed ..._total).
    assert "# TYPE bmp_monitor_counter untyped" in texts["bmp_monitor_counter"]
    sample = 'bmp_monitor_counter{device="sda",instance_id="bmp-1",metric_name="%s"} 7.0'
    assert sample % "bmp.disk.counts.read" in texts["bmp_monitor_counter"]
