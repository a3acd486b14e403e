"""JSON-lines logging for the image server: bmp_common's format plus each request's fields.

An access line holds ``client``, ``method``, ``path``, ``status``, ``bytes``, ``duration_s``
(and ``range`` when asked) at its top level, so a log shipper can index them.
"""

from __future__ import annotations

import json
import logging

from bmp_common.logging import JsonFormatter, logging_config, redact

LOGGER_NAME = "bmp_image"


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


def image_logging_config(level: str = "INFO") -> dict:
    config = logging_config("image", level)
    config["formatters"]["json"]["()"] = f"{__name__}.FieldsJsonFormatter"
    return config
