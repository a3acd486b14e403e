"""No secret reaches a log line, whichever way it is written."""

import io
import json
import logging
import time

import pytest

from bmp_common.logging import (
    REDACT_SCAN_LIMIT,
    JsonFormatter,
    RedactingFilter,
    redact,
    redact_text,
)
from bmp_common.tracing import bind_trace_id, unbind_trace_id


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("ipmi password=hunter2 failed", "hunter2"),
        ("login with iloPassword: 'S3cr3t!'", "S3cr3t!"),
        ('{"password": "p4ss", "user": "root"}', "p4ss"),
        ("Authorization: Bearer abc.DEF-123", "abc.DEF-123"),
        ("broker amqp://bmp:mq-pass@mq:5672//", "mq-pass"),
        ("BMP_ADMIN_API_KEY=Zm9vYmFy", "Zm9vYmFy"),
        ("token=t0k&other=1", "t0k"),
        ("from redis://:r3dis@cache/0 and https://u:w:eb@h/", "r3dis"),
        ("from redis://:r3dis@cache/0 and https://u:w:eb@h/", "w:eb"),
    ],
)
def test_redact_text_masks_secrets(text, secret):
    assert secret not in redact_text(text)


def test_redact_keeps_ordinary_text():
    assert redact_text("instance i-123 is running on 10.0.0.5") == (
        "instance i-123 is running on 10.0.0.5"
    )


KIB = 1024


@pytest.mark.parametrize(
    "text",
    [
        "/" + "a" * 2000,  # a request path: took 8 s before redaction was made linear
        "password" * (100 * KIB // 8),
        "pass" * (100 * KIB // 4),
        "a-" * (50 * KIB),
        "pass " * (20 * KIB),
        "a://b:" * (17 * KIB),
        "Bearer " * (14 * KIB),
        "x" * (100 * KIB) + "://",
    ],
    ids=lambda text: f"{text[:8]!r}x{len(text)}",
)
def test_redaction_of_hostile_text_does_not_backtrack(text):
    # A linear scan of 100 KiB takes a few milliseconds; a pattern that backtracks takes seconds
    # to hours on these texts (the request path took 8 s). The bound is far from both, so a
    # loaded machine (one core shared by a dozen processes) does not fail it.
    started = time.perf_counter()
    redact_text(text)
    assert time.perf_counter() - started < 2


def test_a_text_over_the_scan_limit_is_cut_with_a_marker_and_its_tail_dropped():
    text = "i" * REDACT_SCAN_LIMIT + " password=hunter2"

    redacted = redact_text(text)

    assert redacted.startswith("i" * REDACT_SCAN_LIMIT)
    assert redacted.endswith("…[truncated 17 characters]")
    assert "hunter2" not in redacted


def test_redact_masks_secret_keys_in_nested_data():
    data = {"sn": "SN1", "bmc": {"iloPassword": "x", "iloUser": "admin"}, "keys": [{"apiKey": "k"}]}

    assert redact(data) == {
        "sn": "SN1",
        "bmc": {"iloPassword": "******", "iloUser": "admin"},
        "keys": [{"apiKey": "******"}],
    }


def test_a_logged_line_is_json_with_trace_id_and_no_secret():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter("driver"))
    logger = logging.getLogger("bmp.test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    token = bind_trace_id("trace-42")
    try:
        logger.warning("bmc %s rejected %s", "10.0.0.9", {"password": "hunter2"})
        try:
            raise ValueError("password=hunter2")
        except ValueError:
            logger.exception("failed")
    finally:
        unbind_trace_id(token)
        logger.removeHandler(handler)

    output = stream.getvalue()
    assert "hunter2" not in output
    first, second = (json.loads(line) for line in output.splitlines() if line.startswith("{"))
    assert first["traceId"] == "trace-42"
    assert first["service"] == "driver"
    assert first["level"] == "WARNING"
    assert "10.0.0.9" in first["message"]
    assert "ValueError" in second["exception"]


def test_fields_given_as_extra_are_top_level_keys_redacted_and_never_over_ours():
    record = logging.LogRecord("bmp.test", logging.INFO, __file__, 1, "sent %s", ("a",), None)
    record.fields = {"file": "undionly.kpxe", "bytes": 68, "password": "hunter2", "level": "X"}

    entry = json.loads(JsonFormatter("tftp").format(record))

    assert (entry["file"], entry["bytes"], entry["message"]) == ("undionly.kpxe", 68, "sent a")
    assert entry["level"] == "INFO"
    assert "hunter2" not in json.dumps(entry)
