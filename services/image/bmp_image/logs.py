"""JSON-lines logging for the image server: bmp_common's format plus each request's fields.

An access line holds ``client``, ``method``, ``path``, ``status``, ``bytes``, ``duration_s``
(and ``range`` when asked) at its top level, so a log shipper can index them.
"""

from __future__ import annotations

from bmp_common.logging import logging_config

LOGGER_NAME = "bmp_image"


def image_logging_config(level: str = "INFO") -> dict:
    # bmp_common's formatter puts a record's extra={"fields": {...}} at the top level.
    return logging_config("image", level)
