"""The iPXE scripts the gateway answers with: boot the LiveOS for a job, or the local disk.

Nothing secret is in a script or on the kernel command line (the kernel prints it on the
console, which BMCs record over SOL): the agent's boot ticket comes as a second initrd,
``agent.cpio``, which the gateway hands out until the agent exchanged it (see tokens.py).
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

LOCAL_DISK_SCRIPT = """#!ipxe
echo BMP: nothing to do for this machine, booting from the local disk
sanboot --no-describe --drive 0x80 || exit
"""
# The name of the token archive among the initrds (the kernel's initrd= arguments on EFI).
AGENT_CPIO_NAME = "bmp-agent.cpio"
AGENT_CPIO_PATH = "/v1/boot/agent.cpio"
# Where the token lands in the LiveOS (the kernel unpacks every initrd into one root).
AGENT_TOKEN_FILE = "etc/bmp/agent-token"  # noqa: S105 (a path)


def _cmdline_value(value: str) -> str:
    # Kernel command-line values end at a space; keep the usual SN/URL characters as they are.
    return quote(value, safe=":/._-=+,@")


def liveos_script(*, sn: str, mac: str) -> str:
    kernel = f"{settings.BMP_IMAGE_URL}/{settings.BMP_LIVEOS_KERNEL}"
    initrd = f"{settings.BMP_IMAGE_URL}/{settings.BMP_LIVEOS_INITRD}"
    initrd_name = settings.BMP_LIVEOS_INITRD.rsplit("/", 1)[-1]
    agent_cpio = f"{settings.BMP_GATEWAY_BOOT_URL}{AGENT_CPIO_PATH}?mac={mac}"  # a checked MAC
    args = (
        " ".join(
            [
                # On EFI the kernel's stub loads each initrd named here; iPXE serves them by name.
                f"initrd={initrd_name}",
                f"initrd={AGENT_CPIO_NAME}",
                settings.BMP_LIVEOS_CMDLINE,
                f"bmp.gateway={_cmdline_value(settings.BMP_GATEWAY_URL)}",
                f"bmp.sn={_cmdline_value(sn)}",
                f"bmp.silence={settings.BMP_SCHEDULER_AGENT_SILENCE:g}",
                # where the agent's log lines also go (bmp-rsyslog); not a secret either
                f"bmp.rsyslog={_cmdline_value(settings.BMP_RSYSLOG_ADDRESS)}"
                if settings.BMP_RSYSLOG_ADDRESS
                else "",
            ]
        )
        .replace("  ", " ")
        .rstrip()
    )
    return (
        "#!ipxe\n"
        f"echo BMP: booting the LiveOS for {_cmdline_value(sn)}\n"
        f"kernel {kernel} {args}\n"
        f"initrd --name {initrd_name} {initrd}\n"
        f"initrd --name {AGENT_CPIO_NAME} {agent_cpio}\n"
        "boot\n"
    )
