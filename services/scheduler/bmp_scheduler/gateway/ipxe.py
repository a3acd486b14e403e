"""The iPXE scripts the gateway answers with: boot the LiveOS for a job, or the local disk."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

LOCAL_DISK_SCRIPT = """#!ipxe
echo BMP: nothing to do for this machine, booting from the local disk
sanboot --no-describe --drive 0x80 || exit
"""


def _cmdline_value(value: str) -> str:
    # Kernel command-line values end at a space; keep the usual SN/URL characters as they are.
    return quote(value, safe=":/._-=+,@")


def liveos_script(*, sn: str, token: str) -> str:
    kernel = f"{settings.BMP_IMAGE_URL}/{settings.BMP_LIVEOS_KERNEL}"
    initrd = f"{settings.BMP_IMAGE_URL}/{settings.BMP_LIVEOS_INITRD}"
    initrd_name = settings.BMP_LIVEOS_INITRD.rsplit("/", 1)[-1]
    args = " ".join(
        [
            f"initrd={initrd_name}",
            settings.BMP_LIVEOS_CMDLINE,
            f"bmp.gateway={_cmdline_value(settings.BMP_GATEWAY_URL)}",
            f"bmp.token={_cmdline_value(token)}",
            f"bmp.sn={_cmdline_value(sn)}",
        ]
    ).replace("  ", " ")
    return (
        "#!ipxe\n"
        f"echo BMP: booting the LiveOS for {_cmdline_value(sn)}\n"
        f"kernel {kernel} {args}\n"
        f"initrd --name {initrd_name} {initrd}\n"
        "boot\n"
    )
