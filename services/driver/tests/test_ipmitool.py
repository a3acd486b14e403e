"""The ipmitool backend never puts the password on the command line."""

from __future__ import annotations

import shutil
import sys
import textwrap

from bmp_driver.backends.ipmitool import IpmitoolBackend, parse_verbose_sel

from .conftest import FAST, credentials


def recording_ipmitool(tmp_path):
    """An ``ipmitool`` that logs its own argv as the kernel has it, then runs the real one."""
    log = tmp_path / "argv.log"
    wrapper = tmp_path / "ipmitool"
    wrapper.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import os
            with open("/proc/self/cmdline", "rb") as own, open({str(log)!r}, "ab") as log:
                log.write(own.read().replace(b"\\0", b"\\x1f") + b"\\n")
            os.execv({shutil.which("ipmitool")!r}, ["ipmitool", *os.sys.argv[1:]])
            """
        )
    )
    wrapper.chmod(0o700)
    return wrapper, log


def test_password_goes_by_environment_never_by_argv(tmp_path, server, password):
    wrapper, log = recording_ipmitool(tmp_path)
    backend = IpmitoolBackend(credentials(server, password), FAST, binary=str(wrapper))

    backend.power_on()
    backend.set_boot_device("pxe", persistent=False)
    assert backend.power_status() == "on"

    assert server.power == "on" and server.node.boot_device == "pxe"  # the password did arrive
    command_lines = log.read_bytes().decode().splitlines()
    assert len(command_lines) == 3
    for line in command_lines:
        argv = line.split("\x1f")
        assert password not in line
        assert "-P" not in argv and "-f" not in argv
        assert "-E" in argv


def test_the_command_it_builds_holds_no_secret(server, password):
    argv = IpmitoolBackend(credentials(server, password), FAST).command("chassis", "power", "on")
    assert not any(password in arg for arg in argv)
    assert argv[-3:] == ["chassis", "power", "on"]


def test_verbose_sel_output_is_parsed():
    out = textwrap.dedent(
        """\
        SEL Record ID          : 0005
         Record Type           : 02
         Sensor Type           : Memory
         Sensor Number         : 60
         Event Direction       : Assertion Event
         Event Data            : a00003
         Description           : Correctable ECC

        SEL Record ID          : 0006
         Sensor Number         : 02
         Event Direction       : Deassertion Event
         Event Data            : 05ffff
        """
    )
    first, second = parse_verbose_sel(out)
    assert (first.record_id, first.sensor_number, first.asserted) == (5, 0x60, True)
    assert first.description == "Correctable ECC"
    assert (second.record_id, second.asserted, second.event_data) == (6, False, "05ffff")
