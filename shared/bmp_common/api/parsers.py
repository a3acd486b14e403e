"""The one request parser of every service: JSON, bounded in size and depth.

DRF's ``JSONParser`` reads the whole stream (Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` only guards
``request.body``, which DRF does not use) and lets a deeply nested document end in a
``RecursionError``, that is a 500. This one reads at most ``BMP_MAX_JSON_BODY`` bytes and answers
every malformed body with a 400.
"""

from __future__ import annotations

import io

from django.conf import settings
from rest_framework import exceptions as drf
from rest_framework.parsers import JSONParser

from bmp_common import errors
from bmp_common.errors import BmpError

# Deeper than any document of the contract (a device type's partitions nest 4 levels).
MAX_JSON_DEPTH = 64


def nesting_depth_exceeds(document, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels (iterative: no recursion)."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = list(value.values())
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        pending.extend((item, depth + 1) for item in value)
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.BMP_MAX_JSON_BODY
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BmpError(errors.TOO_LARGE)
        try:
            document = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise drf.ParseError("JSON nested too deeply") from None
        if nesting_depth_exceeds(document, MAX_JSON_DEPTH):
            raise BmpError(errors.TOO_DEEP, limit=MAX_JSON_DEPTH)
        return document
