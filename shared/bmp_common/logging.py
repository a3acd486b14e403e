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
_INLINE_SECRET = re.compile(
    r"(?P<key>[\w-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key|authorization)[\w-]*)"
    r"(?P<sep>['\"]?\s*[=:]\s*['\"]?)(?P<value>[^\s'\",&;}]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@", re.IGNORECASE)


def redact_text(text: str) -> str:
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    text = _URL_PASSWORD.sub(lambda m: m.group("scheme") + MASK + "@", text)
    return _INLINE_SECRET.sub(lambda m: m.group("key") + m.group("sep") + MASK, text)


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
