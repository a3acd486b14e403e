"""HTTP rules of a static file server, as plain functions: which file a URL names, validators,
conditional requests and byte ranges (RFC 9110 sections 8.8, 13 and 14)."""

from __future__ import annotations

import email.utils
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

_RANGE_SPEC = re.compile(r"([0-9]*)-([0-9]*)")


class RangeNotSatisfiable(Exception):
    """A single, well-formed byte range that lies wholly past the end of the file: 416."""


def file_for_url(root: Path, target: str) -> Path | None:
    """The regular file under ``root`` (already resolved) that a request target names, or None.

    None for ``..`` segments, NUL bytes, symlinks leading out of the root, directories and
    anything unreadable: the answer is 404 either way, so a client cannot probe the disk.
    """
    path = unquote(urlsplit(target).path)
    if "\x00" in path or ".." in path.split("/"):
        return None
    candidate = (root / path.lstrip("/")).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate if os.access(candidate, os.R_OK) else None


def entity_tag(stat: os.stat_result) -> str:
    """A strong validator from modification time and size (the same recipe as nginx's)."""
    return f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


def _parse_http_date(value: str) -> float | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.timestamp() if parsed.tzinfo else None


def not_modified(headers, etag: str, mtime: float) -> bool:
    """True when the client's cached copy is current (answer 304). If-None-Match wins."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since is not None:
        since = _parse_http_date(if_modified_since)
        return since is not None and int(mtime) <= since
    return False


def range_applies(headers, etag: str, mtime: float) -> bool:
    """If-Range: serve the range only if the client's copy is still this one."""
    if_range = headers.get("If-Range")
    if if_range is None:
        return True
    if_range = if_range.strip()
    if if_range.startswith('"'):
        return if_range == etag
    return if_range == http_date(mtime)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end)`` inclusive of the single range in a Range header, or None to send the
    whole file (no header, another unit, several ranges, or a syntax error: RFC 9110 lets a
    server ignore those). Raises ``RangeNotSatisfiable`` for a range past the end."""
    if header is None:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    match = _RANGE_SPEC.fullmatch(spec.strip())
    if match is None:
        return None
    first, last = match.groups()
    if first == "":
        if last == "":
            return None
        suffix = int(last)  # "-N": the last N bytes
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - suffix, 0), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # "bytes=9-5" is invalid, not unsatisfiable
    if start >= size:
        raise RangeNotSatisfiable
    return start, min(int(last), size - 1) if last else size - 1
