"""A RabbitMQ vhost of a test's own, so that no queue is shared with another test or worker.

Made with ``rabbitmqctl`` on this machine's node (the servers the tests use are local): a queue
of a shared vhost hands one test's messages to another's consumers, and a platform a test left
running would keep sending to it.
"""

from __future__ import annotations

import shutil
import subprocess
from urllib.parse import urlsplit


def can_make_vhosts() -> bool:
    return shutil.which("rabbitmqctl") is not None


def fresh_vhost(url: str, vhost: str) -> str:
    """``url`` on ``vhost``, made empty (deleted first if it was left by an earlier run)."""
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        raise RuntimeError(f"rabbitmqctl is not installed: cannot make the vhost {vhost}")
    user = urlsplit(url).username or "guest"
    delete_vhost(vhost)
    for command in (["add_vhost", vhost], ["set_permissions", "-p", vhost, user, ".*", ".*", ".*"]):
        subprocess.run([ctl, "-q", *command], capture_output=True, timeout=120, check=True)
    return urlsplit(url)._replace(path=f"/{vhost}").geturl()


def delete_vhost(vhost: str) -> None:
    ctl = shutil.which("rabbitmqctl")
    if ctl is not None:
        subprocess.run([ctl, "-q", "delete_vhost", vhost], capture_output=True, timeout=120)
