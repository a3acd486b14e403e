"""The request id (``traceId``) of the work in progress, for envelopes and log lines."""

from __future__ import annotations

import contextvars
import re
import uuid

_current = contextvars.ContextVar("bmp_trace_id", default="")

# Accept a caller's id only if it is short and plain: it ends up in logs and headers.
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def new_trace_id() -> str:
    return uuid.uuid4().hex


def accept_or_new(candidate: str | None) -> str:
    if candidate and _VALID.match(candidate):
        return candidate
    return new_trace_id()


def current_trace_id() -> str:
    return _current.get()


def bind_trace_id(trace_id: str) -> contextvars.Token:
    return _current.set(trace_id)


def unbind_trace_id(token: contextvars.Token) -> None:
    _current.reset(token)
