"""A task sent through our Celery app lands on the IDC's queue of the real broker, schema intact."""

import uuid

import pytest
from kombu import Connection

from bmp_common.celery import make_celery
from bmp_common.messages.steps import StepDispatch


def _sent_to_driver(**extra):
    """A driver task sent through our app with ``extra`` kwargs, as its IDC's queue receives it."""
    app = make_celery("test")
    idc_id = f"idc-test-{uuid.uuid4().hex[:8]}"
    queue_name = f"driver.{idc_id}"
    with Connection(app.conf.broker_url) as conn:
        queue = conn.SimpleQueue(queue_name)
        try:
            app.send_task("bmp.driver.run_step", kwargs={"idc_id": idc_id, **extra})
            received = queue.get(timeout=10)
            received.ack()
        finally:
            queue.close()  # cancel our consumer before the queue goes away
            conn.default_channel.queue_delete(queue_name)
    return received


def test_driver_task_reaches_its_idc_queue_on_the_broker():
    message = StepDispatch(step_id=1, attempt=1, action="PowerOn", idc_id="idc-test")

    received = _sent_to_driver(message=message.to_wire())

    assert received.headers["task"] == "bmp.driver.run_step"
    _args, kwargs, _embed = received.payload
    assert StepDispatch.from_wire(kwargs["message"]) == message


def test_a_message_names_its_arguments_in_its_headers_without_their_values():
    secret = "gAAAA-an-encrypted-bmc-password"

    received = _sent_to_driver(credential=secret)

    assert received.headers["kwargsrepr"] == "{credential, idc_id}"
    assert secret not in str(received.headers)
    assert received.payload[1]["credential"] == secret  # the body is the body


def test_the_redis_transport_publishes_through_one_client_per_connection_pool():
    app = make_celery("test")
    with app.connection_for_write() as conn:
        if conn.transport.driver_type != "redis":
            pytest.skip("RabbitMQ: kombu's amqp transport makes no client per message")
        channel = conn.default_channel
        first = channel._create_client()
        assert channel._create_client() is first  # kombu's own made one per message
        channel._disconnect_pools()  # what a reconnect does
        assert channel._create_client() is not first
