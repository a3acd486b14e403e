"""The one exception a step raises: a stable code for the platform and a readable message."""

from __future__ import annotations


class StepError(Exception):
    """A step failed for a reason the platform should show (``code`` is at most 64 chars)."""

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(message)
        self.code = code[:64]
        self.message = message
        self.details = details
