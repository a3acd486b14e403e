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

# Far deeper than any request body of the contract needs (they nest a few levels).
MAX_JSON_DEPTH = 64


def nesting_depth_exceeds(document, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels (iterative: no recursion)."""
    pending = [(document, 1)] if isinstance(document, dict | list) else []
    while pending:
        value, depth = pending.pop()
        if depth > limit:
            return True
        items = value.values() if isinstance(value, dict) else value
        pending.extend((item, depth + 1) for item in items if isinstance(item, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.BMP_MAX_JSON_BODY
        raw = stream.read(limit + 1)  # DRF calls no parser for a body it sees as empty
        if len(raw) > limit:
            raise BmpError(errors.TOO_LARGE)
        try:
            document = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise drf.ParseError("JSON nested too deeply") from None
        # Fewer opening brackets than the limit cannot nest deeper: most bodies skip the walk.
        openings = raw.count(b"[") + raw.count(b"{")
        if openings > MAX_JSON_DEPTH and nesting_depth_exceeds(document, MAX_JSON_DEPTH):
            raise BmpError(errors.TOO_DEEP, limit=MAX_JSON_DEPTH)
        return document
