"""Servers a test owns: a RabbitMQ node and a redis-server of its own, on free 127.0.0.1 ports,
with their data in the test's directory, that it may stop and start again (the machine's servers
are never touched). Started and stopped by their PIDs."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from bmp_lab.platform import free_port, wait_for

# The node's own start script: /usr/sbin/rabbitmq-server is a wrapper that switches to the
# rabbitmq user (and the machine's node's files) when run as root.
RABBITMQ_SCRIPT = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class OwnServer:
    """One server process: ``start()``, ``stop()`` (SIGTERM, then wait), ``restart()``."""

    name = "server"
    port: int

    def __init__(self, work: Path):
        self.work = work
        self.work.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None

    def command(self) -> tuple[list[str], dict[str, str]]:
        raise NotImplementedError

    def start(self, timeout: float = 60) -> float:
        """Starts the server; returns how long it took to listen (s)."""
        argv, env = self.command()
        log = open(self.work / f"{self.name}.log", "ab")
        began = time.monotonic()
        self.process = subprocess.Popen(
            argv,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.work,
            start_new_session=True,
        )
        wait_for(lambda: listening(self.port), timeout, f"the test's {self.name}", 0.1)
        return time.monotonic() - began

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None
        wait_for(lambda: not listening(self.port), 30, f"the test's {self.name} to stop", 0.1)


class RabbitNode(OwnServer):
    """A RabbitMQ node named ``bmpchaos-<port>@localhost`` with its own ports, database, logs
    and Erlang cookie (HOME) under ``work``; no plugins. Its queues and persistent messages
    survive a restart, as a production node's do."""

    name = "rabbitmq"

    def __init__(self, work: Path):
        super().__init__(work)
        self.port = free_port()
        self.dist_port = free_port()
        self.node = f"bmpchaos-{self.port}@localhost"
        (self.work / "enabled_plugins").write_text("[].\n")
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}//"

    @staticmethod
    def available() -> bool:
        return RABBITMQ_SCRIPT.exists() and shutil.which("erl") is not None

    def command(self):
        env = {
            "HOME": str(self.work),  # the node's Erlang cookie is its own
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.work / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.work / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.work / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.work / "none"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.work / "none-advanced.config"),
            "RABBITMQ_PID_FILE": str(self.work / "rabbitmq.pid"),
        }
        return [str(RABBITMQ_SCRIPT)], env


class RedisServer(OwnServer):
    """A redis-server on a free port, no persistence: a restart loses the cache, as the
    platform's redis may."""

    name = "redis"

    def __init__(self, work: Path):
        super().__init__(work)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def command(self):
        argv = [
            shutil.which("redis-server"),
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.work),
        ]
        return argv, {}
