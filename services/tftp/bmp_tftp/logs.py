"""JSON-lines logging for the TFTP server: bmp_common's format plus the fields of each event.

A transfer is logged as one line whose top level holds its fields (``file``, ``client``,
``bytes``, ``duration_s``...), so a log shipper can index them without parsing the message.
"""

from __future__ import annotations

import json
import logging

from bmp_common.logging import JsonFormatter, logging_config, redact

LOGGER_NAME = "bmp_tftp"


class FieldsJsonFormatter(JsonFormatter):
    """bmp_common's JSON line, with ``extra={"fields": {...}}`` merged in (never over its keys)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "fields", None)
        if not fields:
            return line
        entry = json.loads(line)
        for key, value in redact(fields).items():
            entry.setdefault(key, value)
        return json.dumps(entry, ensure_ascii=False)


def tftp_logging_config(level: str = "INFO") -> dict:
    config = logging_config("tftp", "WARNING")
    config["formatters"]["json"]["()"] = f"{__name__}.FieldsJsonFormatter"
    # fbtftp logs three INFO lines per transfer on the root logger; we log one line of our own.
    config["loggers"][LOGGER_NAME] = {"level": level}
    if level.upper() == "DEBUG":
        config["root"]["level"] = "DEBUG"
    return config
