"""``python -m bmp_driver --idc IDC_ID [--idc ...]``: the driver worker of one or more IDCs."""

from __future__ import annotations

import argparse
import logging.config
import os

from bmp_common import env
from bmp_common.logging import logging_config
from bmp_common.queues import driver_queue


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bmp_driver", description=__doc__)
    parser.add_argument(
        "--idc",
        action="append",
        default=[],
        help="IDC id, repeatable (default $BMP_IDC_ID); consumes queue driver.<idc>",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="steps at once per IDC (default $BMP_DRIVER_CONCURRENCY or 32)",
    )
    parser.add_argument("--loglevel", default=env.env_str("BMP_LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    idcs = args.idc or [idc for idc in [env.env_str("BMP_IDC_ID")] if idc]
    if not idcs:
        parser.error("--idc (or BMP_IDC_ID) is required")
    try:
        queues = [driver_queue(idc) for idc in idcs]
    except ValueError as exc:
        parser.error(str(exc))
    if args.concurrency is not None:
        if args.concurrency < 1:
            parser.error("--concurrency must be at least 1")
        os.environ["BMP_DRIVER_CONCURRENCY"] = str(args.concurrency)

    from celery import signals

    from bmp_driver import config
    from bmp_driver.worker import app, ensure_settings

    @signals.setup_logging.connect(weak=False)
    def json_logs(loglevel=None, **_kwargs):
        # The platform's JSON lines (with secret redaction) instead of Celery's own format.
        logging.config.dictConfig(logging_config("driver", loglevel or args.loglevel))

    ensure_settings()  # fail now, not at the first step, without BMP_ENCRYPTION_KEY
    per_idc = config.concurrency()
    print(f"driver: queues {','.join(queues)}, {per_idc} steps at once per IDC", flush=True)
    app.worker_main(
        [
            "worker",
            "--queues",
            ",".join(queues),
            "--pool",
            "threads",
            "--concurrency",
            str(per_idc * len(idcs)),
            "--hostname",
            f"driver.{'+'.join(idcs)}@%h",
            "--loglevel",
            args.loglevel,
            "--without-gossip",
            "--without-mingle",
        ]
    )


if __name__ == "__main__":
    main()
