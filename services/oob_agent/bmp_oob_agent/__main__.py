"""``python -m bmp_oob_agent --idc IDC [--idc ...] [--interval S] [--once]``: polls the BMC event
logs of the IDCs' devices every interval (default ``BMP_OOB_POLL_INTERVAL``, 600 s)."""

from __future__ import annotations

import argparse
import logging
import logging.config
import signal
import threading
import time

from bmp_common import env
from bmp_common.contract.client import OpenapiClient, system_key_file
from bmp_common.logging import logging_config
from bmp_oob_agent.heartbeat import beat, beat_every, heartbeat_file
from bmp_oob_agent.poller import AlertClient, poll_idc

log = logging.getLogger("bmp_oob_agent")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bmp_oob_agent", description=__doc__)
    parser.add_argument("--idc", action="append", default=[], help="IDC id (default $BMP_IDC_IDS)")
    parser.add_argument(
        "--interval", type=float, default=float(env.env_str("BMP_OOB_POLL_INTERVAL", "600"))
    )
    parser.add_argument("--concurrency", type=int, default=env.env_int("BMP_OOB_CONCURRENCY", 64))
    parser.add_argument("--once", action="store_true", help="one poll of each IDC, then exit")
    args = parser.parse_args(argv)
    idcs = args.idc or env.env_list("BMP_IDC_IDS", [])
    logging.config.dictConfig(logging_config("oob_agent", env.env_str("BMP_LOG_LEVEL", "INFO")))

    from django.conf import settings

    if not settings.configured:
        settings.configure(BMP_ENCRYPTION_KEY=env.env_str("BMP_ENCRYPTION_KEY", required=True))
    from bmp_common.crypto import decrypt_secret

    key_file = system_key_file()
    openapi = OpenapiClient(
        env.env_str("BMP_OPENAPI_URL", "http://127.0.0.1:8801"),
        key_file=key_file,
        profile="operation",
    )
    alert = AlertClient(
        env.env_str("BMP_OOB_ALERT_URL", "http://127.0.0.1:8804"), key_file=key_file
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    heartbeat = heartbeat_file()
    beat(heartbeat)
    print(f"oob-agent: IDCs {','.join(idcs) or '(none)'}, every {args.interval:g} s", flush=True)
    while not stop.is_set():
        for idc in idcs:
            try:
                stats = poll_idc(
                    idc,
                    openapi=openapi,
                    alert=alert,
                    decrypt=decrypt_secret,
                    concurrency=args.concurrency,
                )
                log.info(
                    "IDC %s: %d devices, %d unreachable, %d records read, %s, %.1f s",
                    idc,
                    stats.devices,
                    stats.unreachable,
                    stats.records,
                    stats.applied,
                    stats.seconds,
                )
            except Exception as exc:
                log.warning("IDC %s: poll failed: %s", idc, exc)
        beat(heartbeat)
        if args.once:
            break
        # The next round after the interval; the heartbeat goes on while waiting.
        next_round = time.monotonic() + args.interval
        while not stop.is_set() and (left := next_round - time.monotonic()) > 0:
            stop.wait(min(left, beat_every()))
            beat(heartbeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
