"""The virtual BMC seen through the real ipmitool (lanplus, password via -E)."""

from __future__ import annotations

from bmp_lab.fleet import Fleet

from .conftest import ipmitool, wait_until


def test_power_status_follows_power_commands(fleet, password):
    server = fleet.nodes[0]
    assert ipmitool(server, password, "chassis", "power", "status").stdout.strip() == (
        "Chassis Power is off"
    )
    assert ipmitool(server, password, "chassis", "power", "on").returncode == 0
    assert "Chassis Power is on" in ipmitool(server, password, "chassis", "power", "status").stdout
    assert ipmitool(server, password, "chassis", "power", "off").returncode == 0
    assert "Chassis Power is off" in ipmitool(server, password, "chassis", "power", "status").stdout


def test_soft_off_powers_down_after_the_os_shuts_down(fleet, password):
    server = fleet.nodes[0]
    server.node.soft_off_delay = 0.2
    ipmitool(server, password, "chassis", "power", "on")
    assert ipmitool(server, password, "chassis", "power", "soft").returncode == 0
    assert wait_until(lambda: server.power == "off", timeout=3)


def test_cycle_and_reset_need_the_power_on(fleet, password):
    server = fleet.nodes[0]
    refused = ipmitool(server, password, "chassis", "power", "cycle")
    assert refused.returncode != 0
    ipmitool(server, password, "chassis", "power", "on")
    assert ipmitool(server, password, "chassis", "power", "reset").returncode == 0
    assert server.node.boot_count == 2


def test_bootdev_pxe_is_reflected_by_bootparam_5(fleet, password):
    server = fleet.nodes[1]
    assert ipmitool(server, password, "chassis", "bootdev", "pxe").returncode == 0
    shown = ipmitool(server, password, "chassis", "bootparam", "get", "5").stdout
    assert "Boot Flag Valid" in shown
    assert "Force PXE" in shown
    assert "Options apply to only next boot" in shown


def test_bootdev_keeps_persistent_and_efi_flags(fleet, password):
    server = fleet.nodes[1]
    done = ipmitool(server, password, "chassis", "bootdev", "disk", "options=persistent,efiboot")
    assert done.returncode == 0, done.stderr
    shown = ipmitool(server, password, "chassis", "bootparam", "get", "5").stdout
    assert "Options apply to all future boots" in shown
    assert "BIOS EFI boot" in shown
    assert "Force Boot from default Hard-Drive" in shown


def test_sel_list_shows_the_event_log(fleet, password):
    server = fleet.nodes[2]
    listed = ipmitool(server, password, "sel", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert len(lines) >= 5
    assert any("Correctable ECC" in line for line in lines)
    ipmitool(server, password, "chassis", "power", "on")
    assert "S0/G0: working" in ipmitool(server, password, "sel", "list").stdout.splitlines()[-1]


def test_user_list_shows_the_administrator(fleet, password):
    listed = ipmitool(fleet.nodes[0], password, "user", "list").stdout
    assert any(
        line.split()[:2] == ["2", "admin"] and "ADMINISTRATOR" in line
        for line in listed.splitlines()
    )


def test_wrong_password_is_refused(fleet, password):
    failed = ipmitool(fleet.nodes[0], password + "x", "chassis", "power", "status")
    assert failed.returncode != 0
    assert "Chassis Power" not in failed.stdout


def test_an_operator_user_cannot_open_an_administrator_session(fleet, password):
    server = fleet.nodes[0]
    server.set_privilege("operator")
    assert ipmitool(server, password, "chassis", "power", "status").returncode != 0
    listed = ipmitool(server, password, "-L", "OPERATOR", "user", "list")
    assert listed.returncode == 0, listed.stderr
    assert any(
        line.split()[:2] == ["2", "admin"] and "OPERATOR" in line
        for line in listed.stdout.splitlines()
    )


def test_suite_17_is_the_one_ipmitool_speaks(password):
    """A BMC that runs suite 17 (RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128) lets
    Debian's ipmitool in with -C 17: the lab derives the session keys as ipmitool does (the
    reference the backends' suite 17 is checked against); the fleet's default BMC refuses 17."""
    with Fleet(1, base_port=0, username="admin", password=password, cipher_suites=(17, 3)) as fleet:
        server = fleet.nodes[0]
        for suite in ("17", "3"):
            shown = ipmitool(server, password, "-C", suite, "chassis", "power", "status")
            assert shown.stdout.strip() == "Chassis Power is off", (suite, shown.stderr)
    with Fleet(1, base_port=0, username="admin", password=password) as fleet:
        refused = ipmitool(fleet.nodes[0], password, "-C", "17", "chassis", "power", "status")
        assert refused.returncode != 0
