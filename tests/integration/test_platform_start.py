"""The lab platform's start (bmp_lab.platform): a service that cannot start fails the fixture at
once, and the error says why. A CI run once spent 60 s waiting for a TLS gateway and then said
only that it was "not ready"; the log that would have said why was cut from the output."""

from __future__ import annotations

import socket
import time

import pytest

from bmp_lab.platform import Platform

pytestmark = [pytest.mark.integration]


def test_a_service_that_exits_fails_at_once_with_the_end_of_its_log(tmp_path):
    platform = Platform(tmp_path / "platform")
    port = platform.gateway_tls_port
    with socket.socket() as holder:  # another program has the gateway's port
        holder.bind(("127.0.0.1", port))
        holder.listen()
        try:
            platform.start("bmp-scheduler-gateway-tls")
            started = time.monotonic()
            with pytest.raises(RuntimeError) as failure:
                platform.wait_healthy(
                    "bmp-scheduler-gateway-tls", f"https://127.0.0.1:{port}/health"
                )
            waited = time.monotonic() - started
        finally:
            platform.stop()
    message = str(failure.value)
    assert message.startswith("bmp-scheduler-gateway-tls exited (1) before it answered")
    assert f"Connection in use: ('127.0.0.1', {port})" in message  # gunicorn's own words
    assert waited < 30  # gunicorn tries to bind for 5 s; not the 120 s of a wait for health
