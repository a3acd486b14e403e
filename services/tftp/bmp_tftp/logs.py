"""JSON-lines logging for the TFTP server: bmp_common's format plus the fields of each event.

A transfer is logged as one line whose top level holds its fields (``file``, ``client``,
``bytes``, ``duration_s``...), so a log shipper can index them without parsing the message.
"""

from __future__ import annotations

from bmp_common.logging import logging_config

LOGGER_NAME = "bmp_tftp"


def tftp_logging_config(level: str = "INFO") -> dict:
    config = logging_config("tftp", "WARNING")
    # fbtftp logs three INFO lines per transfer on the root logger; we log one line of our own.
    config["loggers"][LOGGER_NAME] = {"level": level}
    if level.upper() == "DEBUG":
        config["root"]["level"] = "DEBUG"
    return config
