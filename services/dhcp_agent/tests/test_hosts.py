"""The host table: idempotent writes, replacement, conflicts, persistence and change signals."""

import sqlite3
import threading

import pytest

from bmp_dhcp_agent.errors import Conflict, InvalidValue
from bmp_dhcp_agent.hosts import HostTable, Lookup, Reservation, Subnet, table_path

MAC = "52:54:00:00:00:01"
OTHER_MAC = "52:54:00:00:00:02"


def test_adding_the_same_host_twice_changes_nothing_the_second_time(table):
    first = table.add_host(mac=MAC.upper(), ip="10.0.0.5")
    version = table.version()
    second = table.add_host(mac=MAC.replace(":", "-"), ip="10.0.0.5")

    assert first.changed and first.previous is None
    assert not second.changed
    assert table.version() == version
    assert table.hosts() == [Reservation(MAC, "10.0.0.5")]


def test_a_mac_sent_with_a_new_ip_replaces_its_reservation_and_frees_the_old_ip(table):
    table.add_host(mac=MAC, ip="10.0.0.5")
    change = table.add_host(mac=MAC, ip="10.0.0.6", hostname="node-1")

    assert change.previous == Reservation(MAC, "10.0.0.5")
    assert table.lookup(MAC).host == Reservation(MAC, "10.0.0.6", "node-1")
    table.add_host(mac=OTHER_MAC, ip="10.0.0.5")  # the old IP is free again
    assert [host.mac for host in table.hosts()] == [OTHER_MAC, MAC]


def test_an_ip_reserved_for_another_mac_is_a_conflict_and_changes_nothing(table):
    table.add_host(mac=MAC, ip="10.0.0.5")
    version = table.version()

    with pytest.raises(Conflict) as refused:
        table.add_host(mac=OTHER_MAC, ip="10.0.0.5")

    assert str(refused.value) == (
        f"IP 10.0.0.5 is already reserved for MAC {MAC}; "
        "delete that reservation before giving the IP to another MAC"
    )
    assert table.version() == version
    assert table.lookup(OTHER_MAC) is None


def test_deleting_a_host_is_idempotent(table):
    table.add_host(mac=MAC, ip="10.0.0.5")

    assert table.delete_host(mac=MAC.upper()) == Reservation(MAC, "10.0.0.5")
    version = table.version()
    assert table.delete_host(mac=MAC) is None
    assert table.version() == version
    assert table.lookup(MAC) is None


def test_lookup_gives_the_reservation_and_its_subnet_or_says_there_is_none(table):
    table.add_host(mac=MAC, ip="10.0.0.5")
    assert table.lookup(MAC) == Lookup(Reservation(MAC, "10.0.0.5"), None)

    table.add_subnet(
        network="10.0.0.0", mask="255.255.255.0", routers="10.0.0.1", dns_servers=["10.0.0.2"]
    )
    found = table.lookup("5254.0000.0001")
    assert found.to_dict() == {
        "host": {"mac": MAC, "ip": "10.0.0.5", "hostname": None},
        "subnet": {
            "network": "10.0.0.0",
            "mask": "255.255.255.0",
            "prefixlen": 24,
            "routers": ["10.0.0.1"],
            "dns_servers": ["10.0.0.2"],
        },
    }

    assert table.delete_subnet(network="10.0.0.0").network == "10.0.0.0"
    assert table.lookup(MAC).subnet is None  # the reservation itself stays
    assert table.lookup("52:54:00:99:99:99") is None


def test_a_subnet_with_the_same_network_is_replaced_and_repeats_are_no_ops(table):
    table.add_subnet(network="10.0.0.0", mask="255.255.255.0", routers="10.0.0.1")
    repeat = table.add_subnet(network="10.0.0.0", mask="24", routers=["10.0.0.1"])
    wider = table.add_subnet(network="10.0.0.0", mask="255.255.0.0", routers="10.0.1.1")

    assert not repeat.changed
    assert wider.previous == Subnet("10.0.0.0", "255.255.255.0", ("10.0.0.1",))
    assert table.subnets() == [Subnet("10.0.0.0", "255.255.0.0", ("10.0.1.1",))]
    assert table.delete_subnet(network="10.0.0.0") is not None
    assert table.delete_subnet(network="10.0.0.0") is None


def test_overlapping_subnets_are_refused(table):
    table.add_subnet(network="10.0.1.0", mask="255.255.255.0", routers="10.0.1.1")
    with pytest.raises(Conflict, match=r"10.0.0.0/255.255.0.0 overlaps the known subnet 10.0.1.0"):
        table.add_subnet(network="10.0.0.0", mask="255.255.0.0")
    table.add_subnet(network="10.0.2.0", mask="255.255.255.0")  # a neighbour is fine
    assert [subnet.network for subnet in table.subnets()] == ["10.0.1.0", "10.0.2.0"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda t: t.add_subnet(network="10.0.0.5", mask="255.255.255.0"),
            "subnet 10.0.0.5 is not a network address for mask 255.255.255.0 "
            "(the network is 10.0.0.0)",
        ),
        (
            lambda t: t.add_subnet(network="10.0.0.0", mask="24", routers="10.0.1.1"),
            "router 10.0.1.1 is outside subnet 10.0.0.0/255.255.255.0",
        ),
        (
            lambda t: t.add_subnet(network="10.0.0.0", mask="24", routers="10.0.0.255"),
            "router 10.0.0.255 is the network or broadcast address of subnet 10.0.0.0/",
        ),
        (lambda t: t.add_host(mac="nope", ip="10.0.0.5"), "mac 'nope' is not a MAC address"),
        (lambda t: t.add_host(mac=MAC, ip="0.0.0.0"), "ip '0.0.0.0' cannot be reserved"),  # noqa: S104
        (lambda t: t.add_host(mac=MAC, ip="224.0.0.1"), "cannot be reserved for a server"),
        (lambda t: t.delete_subnet(network="10.0.0"), "subnet '10.0.0' is not an IPv4"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_sentence(table, call, message):
    with pytest.raises(InvalidValue) as refused:
        call(table)
    assert message in str(refused.value)
    assert table.version() == 0


def test_the_network_and_broadcast_addresses_of_a_known_subnet_are_not_reservable(table):
    table.add_subnet(network="10.0.0.0", mask="255.255.255.0")
    with pytest.raises(InvalidValue, match=r"10\.0\.0\.255 is the network or broadcast"):
        table.add_host(mac=MAC, ip="10.0.0.255")


def test_the_table_survives_a_reopen(tmp_path):
    path = tmp_path / "hosts.sqlite3"
    with HostTable(path) as table:
        table.add_subnet(network="10.0.0.0", mask="255.255.255.0", routers="10.0.0.1")
        table.add_host(mac=MAC, ip="10.0.0.5", hostname="node-1")
        version = table.version()

    with HostTable(path) as reopened:
        assert reopened.version() == version == 2
        assert reopened.changed_at() > 0
        assert reopened.lookup(MAC) == Lookup(
            Reservation(MAC, "10.0.0.5", "node-1"),
            Subnet("10.0.0.0", "255.255.255.0", ("10.0.0.1",)),
        )


def test_a_reader_on_another_connection_sees_the_version_move(tmp_path):
    path = tmp_path / "hosts.sqlite3"
    with HostTable(path) as writer, HostTable(path) as reader:
        seen = reader.version()
        writer.add_host(mac=MAC, ip="10.0.0.5")
        assert reader.version() == seen + 1
        assert reader.lookup(MAC).host.ip == "10.0.0.5"


def test_threads_sharing_one_table_lose_no_write(table):
    def add(worker: int) -> None:
        for n in range(25):
            table.add_host(mac=f"52:54:00:00:{worker:02x}:{n:02x}", ip=f"10.0.{worker}.{n + 10}")

    threads = [threading.Thread(target=add, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(table.hosts()) == 100
    assert table.version() == 100


def test_a_table_from_a_newer_agent_is_not_opened(tmp_path):
    path = tmp_path / "hosts.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(RuntimeError, match="schema 99"):
        HostTable(path)


def test_each_idc_has_its_own_file_under_the_state_dir(state_dir):
    assert table_path("idc-1") == state_dir / "hosts-idc-1.sqlite3"
    with pytest.raises(ValueError, match="invalid IDC id"):
        table_path("../etc")


def test_a_snapshot_holds_everything_as_of_one_version(table):
    table.add_subnet(network="10.0.0.0", mask="255.255.255.0", routers="10.0.0.1")
    table.add_host(mac=MAC, ip="10.0.0.5")
    table.add_host(mac=OTHER_MAC, ip="10.0.0.4")

    snapshot = table.snapshot()

    assert snapshot.version == 3
    assert [host.ip for host in snapshot.hosts] == ["10.0.0.4", "10.0.0.5"]
    assert snapshot.subnets == (Subnet("10.0.0.0", "255.255.255.0", ("10.0.0.1",)),)
