"""Which file a TFTP read request names, or why it is refused (RFC 1350 error codes)."""

from __future__ import annotations

import os
from pathlib import Path

ERR_FILE_NOT_FOUND = 1
ERR_ACCESS_VIOLATION = 2


class RequestRefused(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def resolve_request(root: Path, requested: str) -> Path:
    """The regular file under ``root`` that ``requested`` names; raises ``RequestRefused``.

    ``root`` must already be resolved (no symlinks in it). Refused with "access violation":
    absolute paths, ``..`` components, and symlinks that lead out of the root. Anything that is
    not a readable regular file inside the root is "file not found", so a client cannot probe
    the server's file system.
    """
    if not requested:
        raise RequestRefused(ERR_FILE_NOT_FOUND, "File not found")
    if requested.startswith("/"):
        raise RequestRefused(ERR_ACCESS_VIOLATION, "Absolute paths are refused")
    if ".." in requested.split("/"):
        raise RequestRefused(ERR_ACCESS_VIOLATION, "Parent directory references are refused")
    target = (root / requested).resolve()
    if not target.is_relative_to(root):
        raise RequestRefused(ERR_ACCESS_VIOLATION, "Links out of the root are refused")
    if not target.is_file() or not os.access(target, os.R_OK):
        raise RequestRefused(ERR_FILE_NOT_FOUND, "File not found")
    return target
