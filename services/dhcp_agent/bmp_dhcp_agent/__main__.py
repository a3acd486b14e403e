"""The dhcp-agent of one IDC.

python -m bmp_dhcp_agent [worker] --idc IDC_ID      the Celery worker of dhcp.<idc>
python -m bmp_dhcp_agent serve --idc IDC_ID ...    the DHCP server (see serve.py)
"""

from __future__ import annotations

import argparse
import logging.config
import sys

from bmp_common import env
from bmp_common.logging import logging_config
from bmp_common.queues import dhcp_queue


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        from bmp_dhcp_agent.serve import main as serve_main

        serve_main(argv[1:])
        return
    # "worker" is optional: the bare form is what deployments ran before the server existed.
    worker_main(argv[1:] if argv[:1] == ["worker"] else argv)


def worker_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bmp_dhcp_agent worker", description=__doc__)
    parser.add_argument(
        "--idc", default=env.env_str("BMP_IDC_ID"), help="IDC id (default $BMP_IDC_ID)"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="worker threads (default 4)")
    parser.add_argument("--loglevel", default=env.env_str("BMP_LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    if not args.idc:
        parser.error("--idc (or BMP_IDC_ID) is required")
    try:
        queue = dhcp_queue(args.idc)
    except ValueError as exc:
        parser.error(str(exc))

    from celery import signals

    from bmp_dhcp_agent.worker import app, host_table

    @signals.setup_logging.connect(weak=False)
    def json_logs(loglevel=None, **_kwargs):
        # The platform's JSON lines (with secret redaction) instead of Celery's own format.
        logging.config.dictConfig(logging_config("dhcp-agent", loglevel or args.loglevel))

    table = host_table(args.idc)  # fail now, not at the first step, if the file is unusable
    print(f"dhcp-agent: IDC {args.idc}, queue {queue}, host table {table.path}", flush=True)
    app.worker_main(
        [
            "worker",
            "--queues",
            queue,
            "--pool",
            "threads",
            "--concurrency",
            str(args.concurrency),
            "--hostname",
            f"dhcp.{args.idc}@%h",
            "--loglevel",
            args.loglevel,
            "--without-gossip",
            "--without-mingle",
        ]
    )


if __name__ == "__main__":
    main()
