"""Structured (JSON lines) logging that never lets a secret through.

Redaction happens in a filter on every handler: values of secret-looking keys in dict arguments,
``key=value`` / ``key: value`` pairs and ``Bearer`` tokens in the formatted message are masked.
"""

from __future__ import annotations

import json
import logging
import re
import time

from bmp_common.tracing import current_trace_id

MASK = "******"

SECRET_KEY_PATTERN = re.compile(
    r"(pass(word|wd)?|secret|token|api[_-]?key|authorization|credential|private[_-]?key)",
    re.IGNORECASE,
)
# Every pattern below is matched at positions that only move forward, so redaction is linear in
# its input: a log line is often built from what a caller sent (a path, a header), and a pattern
# that backtracks over it (a leading ``[\w-]*`` tried at every offset) let one 2,000-character
# path hold a worker for seconds.
_SECRET_WORD = re.compile(r"pass(?:word|wd)?|secret|token|api[_-]?key|authorization", re.IGNORECASE)
_WORD_TAIL = re.compile(r"[\w-]*")
_INLINE_VALUE = re.compile(r"['\"]?\s*[=:]\s*['\"]?(?P<value>[^\s'\",&;}]+)")
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_SCHEME_CHARS = re.compile(r"[a-z0-9+.-]*", re.IGNORECASE)
_URL_USER = re.compile(r"[^:/@\s]*:")
_URL_PASSWORD = re.compile(r"[^@\s]+")

# What one call scans at most; the rest of a longer text is dropped, not logged unredacted.
REDACT_SCAN_LIMIT = 64 * 1024
TRUNCATED_MARKER = "…[truncated {count} characters]"


def _mask_inline_secrets(text: str) -> str:
    """``<word holding password/secret/token/api-key/authorization><= or :><value>`` → mask."""
    pieces, copied, pos = [], 0, 0
    while (word := _SECRET_WORD.search(text, pos)) is not None:
        key_end = _WORD_TAIL.match(text, word.end()).end()
        assignment = _INLINE_VALUE.match(text, key_end)
        if assignment is None:
            pos = key_end
            continue
        pieces += [text[copied : assignment.start("value")], MASK]
        copied = pos = assignment.end()
    return "".join(pieces) + text[copied:] if pieces else text


def _mask_url_passwords(text: str) -> str:
    """``scheme://user:password@host`` → ``scheme://user:******@host``."""
    reversed_text = text[::-1]
    pieces, copied, pos = [], 0, 0
    while (separator := text.find("://", pos)) >= 0:
        pos = separator + 3
        # The scheme is the run of scheme characters before "://", read backwards.
        scheme = _SCHEME_CHARS.match(reversed_text, len(text) - separator).group()
        if not any(char.isascii() and char.isalpha() for char in scheme):
            continue
        user = _URL_USER.match(text, pos)
        if user is None:
            continue
        password = _URL_PASSWORD.match(text, user.end())
        if password is None:
            continue
        if not text.startswith("@", password.end()):
            # Any later "://" before this boundary ends its password here too: skip them all.
            pos = password.end()
            continue
        pieces += [text[copied : user.end()], MASK]
        copied = pos = password.end()
    return "".join(pieces) + text[copied:] if pieces else text


def redact_text(text: str) -> str:
    if len(text) > REDACT_SCAN_LIMIT:
        dropped = len(text) - REDACT_SCAN_LIMIT
        text = text[:REDACT_SCAN_LIMIT] + TRUNCATED_MARKER.format(count=dropped)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    text = _mask_url_passwords(text)
    return _mask_inline_secrets(text)


def redact(value):
    """A copy of ``value`` with secret-looking keys masked, recursively."""
    if isinstance(value, dict):
        return {
            key: MASK if isinstance(key, str) and SECRET_KEY_PATTERN.search(key) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact(item) for item in value)
    if isinstance(value, str):
        return redact_text(value)
    return value


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the log line
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str = "bmp"):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "traceId": current_trace_id() or None,
            "message": record.getMessage(),
        }
        if record.exc_info or record.exc_text:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        # extra={"fields": {...}}: top-level keys a log shipper can index (never over ours).
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            for key, value in redact(fields).items():
                entry.setdefault(key, value)
        return json.dumps(entry, ensure_ascii=False)


def logging_config(service: str, level: str = "INFO") -> dict:
    """A ``LOGGING`` dict for Django settings: JSON lines on stderr, redacted."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "bmp_common.logging.RedactingFilter"}},
        "formatters": {"json": {"()": "bmp_common.logging.JsonFormatter", "service": service}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["redact"],
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # Django logs every 4xx as a warning; the envelope already tells the caller.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "ERROR"},
        },
    }
