"""DHCP step actions: upstream's params in, an ok outcome with the table's view or an ERROR out."""

import pytest

from bmp_dhcp_agent.actions import run_action

MAC = "52:54:00:00:00:01"


def test_add_host_reports_the_reservation_and_its_subnet(table):
    run_action(
        table,
        "DHCPConfigAddSubnet",
        {"subnet": "10.0.0.0", "subnet_mask": "255.255.255.0", "routes": "10.0.0.1"},
    )
    outcome = run_action(table, "DHCPConfigAddHost", {"ip": "10.0.0.5", "mac": MAC.upper()})

    assert (outcome.status, outcome.error) == ("ok", None)
    assert outcome.data == {
        "host": {"mac": MAC, "ip": "10.0.0.5", "hostname": None},
        "subnet": {
            "network": "10.0.0.0",
            "mask": "255.255.255.0",
            "prefixlen": 24,
            "routers": ["10.0.0.1"],
            "dns_servers": [],
        },
        "changed": True,
        "replaced": None,
        "version": 2,
    }


def test_repeating_add_host_is_ok_and_unchanged_and_a_new_ip_replaces(table):
    run_action(table, "DHCPConfigAddHost", {"ip": "10.0.0.5", "mac": MAC})
    again = run_action(table, "DHCPConfigAddHost", {"ip": "10.0.0.5", "mac": MAC})
    moved = run_action(table, "DHCPConfigAddHost", {"ip": "10.0.0.6", "mac": MAC})

    assert again.status == "ok" and again.data["changed"] is False
    assert again.data["subnet"] is None  # accepted without a subnet, and said so
    assert moved.data["replaced"] == {"mac": MAC, "ip": "10.0.0.5", "hostname": None}
    assert moved.data["host"]["ip"] == "10.0.0.6"


def test_del_host_is_ok_whether_or_not_the_host_was_there(table):
    run_action(table, "DHCPConfigAddHost", {"ip": "10.0.0.5", "mac": MAC})

    first = run_action(table, "DHCPConfigDelHost", {"ip": "10.0.0.5", "mac": MAC})
    second = run_action(table, "DHCPConfigDelHost", {"ip": "10.0.0.5", "mac": MAC})

    assert first.data["removed"] == {"mac": MAC, "ip": "10.0.0.5", "hostname": None}
    assert (second.status, second.data["removed"]) == ("ok", None)
    assert table.lookup(MAC) is None


def test_subnets_take_dns_servers_from_the_environment_by_default(table, monkeypatch):
    monkeypatch.setenv("BMP_DHCP_DNS_SERVERS", "10.0.0.53, 10.0.1.53")
    added = run_action(
        table,
        "DHCPConfigAddSubnet",
        {"subnet": "10.0.0.0", "subnet_mask": "255.255.255.0", "routes": "10.0.0.1"},
    )
    removed = run_action(table, "DHCPConfigDelSubnet", {"subnet": "10.0.0.0"})
    again = run_action(table, "DHCPConfigDelSubnet", {"subnet": "10.0.0.0"})

    assert added.data["subnet"]["dns_servers"] == ["10.0.0.53", "10.0.1.53"]
    assert removed.data["removed"]["network"] == "10.0.0.0"
    assert (again.status, again.data["removed"]) == ("ok", None)


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("DHCPConfigAddHost", {"ip": "10.0.0.5"}, "DHCPConfigAddHost needs params.mac"),
        ("DHCPConfigAddHost", {"mac": MAC, "ip": ""}, "DHCPConfigAddHost needs params.ip"),
        ("DHCPConfigAddHost", {"mac": MAC, "ip": "10.0.0.300"}, "'10.0.0.300' is not an IPv4"),
        ("DHCPConfigDelHost", {"ip": "10.0.0.5"}, "DHCPConfigDelHost needs params.mac"),
        ("DHCPConfigDelHost", {"mac": MAC, "ip": "x"}, "ip 'x' is not an IPv4 address"),
        ("DHCPConfigAddSubnet", {"subnet": "10.0.0.0"}, "needs params.subnet_mask"),
        (
            "DHCPConfigAddSubnet",
            {"subnet": "10.0.0.0", "subnet_mask": "255.255.255.0", "routes": "192.168.0.1"},
            "router 192.168.0.1 is outside subnet 10.0.0.0/255.255.255.0",
        ),
        ("DHCPConfigDelSubnet", {}, "DHCPConfigDelSubnet needs params.subnet"),
        ("DHCPConfigAddHost", ["not", "an", "object"], "params must be an object"),
        ("TFTPConfigAddGrub", {}, "does not know action 'TFTPConfigAddGrub'"),
    ],
)
def test_bad_requests_fail_with_error_and_a_sentence(table, action, params, message):
    outcome = run_action(table, action, params)

    assert (outcome.status, outcome.error) == ("failed", "ERROR")
    assert message in outcome.data["message"]
    assert table.version() == 0


def test_an_ip_held_by_another_mac_fails_the_step(table):
    run_action(table, "DHCPConfigAddHost", {"ip": "10.0.0.5", "mac": MAC})
    outcome = run_action(table, "DHCPConfigAddHost", {"ip": "10.0.0.5", "mac": "52:54:00:0:0:2"})

    assert outcome.error == "ERROR"
    assert outcome.data["message"].startswith(f"IP 10.0.0.5 is already reserved for MAC {MAC}")
