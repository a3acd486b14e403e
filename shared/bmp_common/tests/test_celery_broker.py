"""A task sent through our Celery app lands on the IDC's queue of the real broker, schema intact."""

import uuid

from kombu import Connection

from bmp_common.celery import make_celery
from bmp_common.messages.steps import StepDispatch


def test_driver_task_reaches_its_idc_queue_on_the_broker():
    app = make_celery("test")
    idc_id = f"idc-test-{uuid.uuid4().hex[:8]}"
    queue_name = f"driver.{idc_id}"
    message = StepDispatch(step_id=1, attempt=1, action="PowerOn", idc_id=idc_id)

    with Connection(app.conf.broker_url) as conn:
        queue = conn.SimpleQueue(queue_name)
        try:
            app.send_task(
                "bmp.driver.run_step",
                kwargs={"idc_id": idc_id, "message": message.to_wire()},
            )
            received = queue.get(timeout=10)
            received.ack()
        finally:
            queue.close()  # cancel our consumer before the queue goes away
            conn.default_channel.queue_delete(queue_name)

    assert received.headers["task"] == "bmp.driver.run_step"
    _args, kwargs, _embed = received.payload
    assert StepDispatch.from_wire(kwargs["message"]) == message
