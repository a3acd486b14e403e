"""Both backends against a virtual BMC: what they do is what the BMC then reports."""

from __future__ import annotations

import time

import pytest

from bmp_driver.backends import make_backend
from bmp_driver.backends.base import (
    PING_ILOIP_ERROR,
    USER_PRIVILEGE_ERROR,
    USERNAME_OR_PASSWORD_ERROR,
    BmcCredentials,
    CallPolicy,
    DriverError,
)

from .conftest import FAST, credentials, wait_until


def test_power_commands_change_what_the_bmc_reports(backend, server):
    assert backend.power_status() == "off"
    backend.power_on()
    assert server.power == "on" and backend.power_status() == "on"
    boots = server.node.boot_count
    backend.power_reset()
    assert server.node.boot_count == boots + 1
    backend.power_cycle()
    assert server.node.boot_count == boots + 2 and backend.power_status() == "on"
    server.node.soft_off_delay = 0.1
    backend.power_soft()
    assert wait_until(lambda: backend.power_status() == "off", timeout=3)
    backend.power_on()
    backend.power_off()
    assert server.power == "off" and backend.power_status() == "off"


def test_cycle_of_a_server_that_is_off_is_refused_with_error(backend, server):
    with pytest.raises(DriverError) as refused:
        backend.power_cycle()
    assert refused.value.code == "ERROR"
    assert server.power == "off"


@pytest.mark.parametrize(
    ("device", "persistent", "efi"), [("pxe", False, True), ("disk", True, False)]
)
def test_boot_device_is_set_and_read_back(backend, server, device, persistent, efi):
    backend.set_boot_device(device, persistent=persistent, efi=efi)

    node = server.node
    assert (node.boot_device, node.boot_persistent, node.boot_efi) == (device, persistent, efi)
    setting = backend.get_boot_device()
    assert (setting.device, setting.persistent, setting.efi, setting.valid) == (
        device,
        persistent,
        efi,
        True,
    )


def test_sel_list_returns_the_event_log(backend, server):
    records = backend.sel_list()
    assert len(records) == len(server.node.sel) >= 5
    assert [r.record_id for r in records] == [r.record_id for r in server.node.sel]


def test_wrong_password_fails_at_once_without_retries(interface, server, password):
    policy = CallPolicy(timeout=1, attempts=3, backoff=0.5, deadline=10)
    right = make_backend(interface, credentials(server, password), policy)
    right.power_status()  # one successful session: the packets of one try
    one_session = received = server.bmc.stats["received"]
    logins = server.bmc.stats["logins"]
    wrong = make_backend(interface, credentials(server, password + "x"), policy)

    with pytest.raises(DriverError) as failed:
        wrong.power_status()

    assert failed.value.code == USERNAME_OR_PASSWORD_ERROR
    # Counted, not timed (ipmitool alone takes 0.2 s to fail here, more on a loaded machine):
    # one login on the wire, as a real BMC counts them towards an account lockout, and one try.
    assert server.bmc.stats["logins"] - logins == 1
    assert [call["tries"] for call in wrong.calls] == [1]
    assert server.bmc.stats["received"] - received <= one_session  # a single try on the wire
    assert password not in str(failed.value)


def test_unknown_user_is_a_username_or_password_error(interface, server, password):
    backend = make_backend(interface, credentials(server, password, username="nobody"), FAST)
    with pytest.raises(DriverError) as failed:
        backend.power_status()
    assert failed.value.code == USERNAME_OR_PASSWORD_ERROR


def test_privilege_below_the_requested_level_is_a_privilege_error(interface, server, password):
    server.set_privilege("operator")
    backend = make_backend(interface, credentials(server, password), FAST)

    with pytest.raises(DriverError) as failed:
        backend.check_credentials("administrator")

    assert failed.value.code == USER_PRIVILEGE_ERROR
    backend.check_credentials("operator")  # what the user does have passes


def test_silent_bmc_fails_with_ping_error_within_the_timeout(interface, silent_port):
    # ipmitool waits whole seconds (-N 1) and tries twice itself (-R 1): one try of ours.
    policy = FAST if interface == "native" else CallPolicy(timeout=1, attempts=1)
    backend = make_backend(
        interface, BmcCredentials("127.0.0.1", silent_port, "admin", "pw"), policy
    )
    # The deadline a user sees: a dead BMC is reported after the policy's tries, not after a
    # library's default wait. Each bound sits between the two, with room for a loaded machine
    # (ipmitool's process start most of all): native takes 0.7 s here, 4 s with python-ipmi's
    # own 2 s a try; ipmitool 2.2 s, 17 s (our limit) with its default retries.
    budget = 2.3 if interface == "native" else 8

    started = time.monotonic()
    with pytest.raises(DriverError) as failed:
        backend.power_status()

    assert failed.value.code == PING_ILOIP_ERROR
    assert time.monotonic() - started < budget
    assert [call["tries"] for call in backend.calls] == [policy.attempts]  # retried as declared
    assert "does not answer" in str(failed.value)


def test_a_bmc_back_from_a_reboot_is_reached_by_the_retries(server, password):
    policy = CallPolicy(timeout=0.3, attempts=5, backoff=0.2, deadline=10)
    backend = make_backend("native", credentials(server, password), policy)
    server.reboot_bmc(0.8)
    time.sleep(0.05)

    assert backend.power_status() == "off"


def test_a_held_session_lost_to_a_bmc_reboot_is_opened_again(server, password):
    policy = CallPolicy(timeout=0.3, attempts=5, backoff=0.2, deadline=10)
    backend = make_backend("native", credentials(server, password), policy)
    with backend.held_session():
        assert backend.power_status() == "off"
        assert backend.power_status() == "off"
        assert server.bmc.stats["sessions"] == 1  # shared by both calls
        server.reboot_bmc(0.8)  # the BMC forgets every session
        time.sleep(0.05)
        backend.power_on()  # the held session is dead: a retry opens another
        assert backend.power_status() == "on"
    assert server.bmc.stats["sessions"] == 2


def test_credentials_never_show_the_password():
    creds = BmcCredentials("127.0.0.1", 623, "admin", "Sup3r-Secret")
    assert "Sup3r-Secret" not in repr(creds) + str(creds)
