"""Chaos on MariaDB + RabbitMQ + Redis: 100 instances created at once on the lab while the
broker (a RabbitMQ node of the test's own) is restarted once and Redis (the test's own) once.
Then the job events on their way to openapi are dropped on purpose (its worker stopped, its
queue purged). Every create answers 200, even those made while the broker is down; every
instance ends ``running`` on a device of its own (the dropped events are reconciled); no job is
left in flight and no message in an outbox.

Runs in the second pass of run-tests.sh (BMP_DATABASE_URL names a MariaDB/MySQL server) where
RabbitMQ is installed; it starts its own node and redis-server, never the machine's.
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time

import pytest
from kombu import Connection

from bmp_lab.enrol import EnrolError
from bmp_lab.fleet import Fleet
from bmp_lab.platform import Platform, wait_for

from .conftest import PLATFORM_SERVICES, TEST_SETTINGS, Lab
from .servers import RabbitNode, RedisServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("BMP_DATABASE_URL", "").startswith("mysql"),
        reason="the chaos test runs on MariaDB/MySQL (run-tests.sh's second pass)",
    ),
    pytest.mark.skipif(not RabbitNode.available(), reason="RabbitMQ is not installed"),
]

OPENAPI_QUEUE = "openapi"
COUNT = 100
CALLS = 10  # concurrent creates of COUNT / CALLS instances each
CHAOS_SETTINGS = {
    **TEST_SETTINGS,
    # A broker outage of ~10 s must fit in a step's retries: driver steps get 18 s here
    # (TEST_SETTINGS' 0.9 s would spend all three attempts while the broker is away).
    "BMP_SCHEDULER_TIMEOUT_SCALE": "0.1",
    "BMP_SCHEDULER_AGENT_SILENCE": "20",
    "BMP_SCHEDULER_OUTBOX_GRACE": "2",
    "BMP_OPENAPI_SWEEP_INTERVAL": "1",
    "BMP_OPENAPI_OUTBOX_GRACE": "2",
    "BMP_OPENAPI_RECONCILE_AFTER": "10",
    "BMP_SCHEDULER_CONCURRENCY": "8",
}


@pytest.fixture
def chaos_lab(tmp_path):
    rabbit = RabbitNode(tmp_path / "rabbitmq")
    redis = RedisServer(tmp_path / "redis")
    platform = None
    try:
        rabbit.start()
        redis.start()
        settings = {**CHAOS_SETTINGS, "BMP_BROKER_URL": rabbit.url, "BMP_REDIS_URL": redis.url}
        platform = Platform(tmp_path / "platform", settings=settings)
        password = secrets.token_urlsafe(12)
        platform.up(*PLATFORM_SERVICES)
        with Fleet(
            COUNT,
            base_port=0,
            username="admin",
            password=password,
            gateway=f"http://127.0.0.1:{platform.gateway_port}",
            agent_options={
                "heartbeat_interval": 0.5,
                "step_delay": 0.2,
                "gateway_ca": str(platform.gateway_ca),  # the agents' gateway is HTTPS
            },
        ) as fleet:
            lab = Lab(platform, fleet)
            lab.start_workers()
            lab.enrol(fleet, password, count=COUNT)
            yield lab, rabbit, redis
    except BaseException:
        if platform is not None:
            print(platform.log_tails())
        raise
    finally:
        if platform is not None:
            platform.stop()
        redis.stop()
        rabbit.stop()


def patiently(call, timeout: float = 60):
    """An API read while a server restarts may fail for a moment: try again."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except EnrolError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_100_creates_survive_a_rabbitmq_and_a_redis_restart(chaos_lab):
    lab, rabbit, redis = chaos_lab
    api, platform = lab.api, lab.platform
    answers: dict[int, list[str] | str] = {}
    broker_down = threading.Event()
    during_outage: list[int] = []

    def create(call: int) -> None:
        if broker_down.is_set():
            during_outage.append(call)
        try:
            answers[call] = lab.create(f"chaos-{call}", count=COUNT // CALLS)
        except EnrolError as error:
            answers[call] = str(error)

    began = time.monotonic()
    first = [threading.Thread(target=create, args=(n,)) for n in range(CALLS // 2)]
    for thread in first:
        thread.start()
    time.sleep(0.5)  # the first creates' chains are under way
    rabbit.stop()
    broker_down.set()
    stopped_at = time.monotonic()
    rest = [threading.Thread(target=create, args=(n,)) for n in range(CALLS // 2, CALLS)]
    for thread in rest:
        thread.start()
    for thread in first + rest:
        thread.join(timeout=120)
    restart_s = rabbit.start()
    broker_down.clear()
    rabbit_outage = time.monotonic() - stopped_at

    # Redis while the chains run.
    patiently(lambda: wait_for(lambda: running_count(api) >= COUNT // 4, 120, "a quarter up"))
    redis_stopped = time.monotonic()
    redis.stop()
    time.sleep(1.0)
    redis.start()
    redis_outage = time.monotonic() - redis_stopped

    # Events lost: openapi's worker away while chains end, and what waits for it dropped.
    platform.kill("bmp-openapi-worker", signal.SIGTERM)
    time.sleep(3)
    with Connection(rabbit.url) as connection:
        dropped = connection.default_channel.queue_purge(OPENAPI_QUEUE)
    platform.start("bmp-openapi-worker")

    failures = {call: answer for call, answer in answers.items() if isinstance(answer, str)}
    assert failures == {}, failures
    instance_ids = [i for answer in answers.values() for i in answer]
    assert len(instance_ids) == COUNT

    def settled():
        counts = status_counts(api)
        return counts.get("creating", 0) == 0 and counts

    try:
        counts = patiently(lambda: wait_for(settled, 150, "every instance settled", 1.0), 160)
    except TimeoutError:
        print(platform.log_tails())
        raise
    wall = time.monotonic() - began

    assert counts == {"running": COUNT}, counts
    assert dropped > 0  # the reconciliation had events to find again
    instances = api.get("/project/instances", isAll=1)["instances"]
    devices = [instance["deviceId"] for instance in instances]
    assert len(set(devices)) == COUNT  # no device twice
    # No job stuck: every one ended, nothing waits in either outbox.
    in_flight = [
        job
        for status in ("submitted", "running")
        for job in api.get("/jobs", status=status, pageSize=100)["jobs"]
    ]
    assert in_flight == []
    assert dict(platform.sql("SELECT status, COUNT(*) FROM scheduler_job GROUP BY status")) == {
        "succeeded": scheduler_jobs(platform)
    }
    wait_for(lambda: outbox_rows(platform) == (0, 0), 30, "both outboxes empty")
    print(
        f"\nchaos: {COUNT} instances in {CALLS} concurrent creates, "
        f"{len(during_outage)} of them while RabbitMQ was down; "
        f"RabbitMQ down {rabbit_outage:.1f} s (restart {restart_s:.1f} s), "
        f"Redis down {redis_outage:.1f} s; {dropped} job events dropped; all running after "
        f"{wall:.1f} s; {len(set(devices))} distinct devices"
    )


def running_count(api) -> int:
    return api.get("/project/instances", status="running", pageSize=1)["totalCount"]


def status_counts(api) -> dict[str, int]:
    counts: dict[str, int] = {}
    for instance in api.get("/project/instances", isAll=1)["instances"]:
        counts[instance["status"]] = counts.get(instance["status"], 0) + 1
    return counts


def scheduler_jobs(platform) -> int:
    return platform.sql("SELECT COUNT(*) FROM scheduler_job")[0][0]


def outbox_rows(platform) -> tuple[int, int]:
    return (
        platform.sql("SELECT COUNT(*) FROM job_outbox")[0][0],
        platform.sql("SELECT COUNT(*) FROM scheduler_outbox")[0][0],
    )
