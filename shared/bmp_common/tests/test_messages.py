"""Broker messages carry a schema and version; a consumer rejects what it does not understand."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bmp_common.messages import MessageSchemaError
from bmp_common.messages.jobs import JobEvent, JobSubmit
from bmp_common.messages.steps import StepDispatch, StepResult
from bmp_common.queues import SCHEDULER_QUEUES, dhcp_queue, driver_queue, route_task


def test_dispatch_round_trips_through_its_wire_form():
    message = StepDispatch(step_id=7, attempt=2, action="SetPXEBoot", idc_id="idc-1", params={})

    wire = message.to_wire()

    assert wire == {
        "schema": "bmp.step.dispatch",
        "version": 1,
        "body": {
            "step_id": 7,
            "attempt": 2,
            "action": "SetPXEBoot",
            "idc_id": "idc-1",
            "params": {},
        },
    }
    assert StepDispatch.from_wire(wire) == message


@given(
    step_id=st.integers(min_value=1, max_value=2**53),
    attempt=st.integers(min_value=1, max_value=100),
    status=st.sampled_from(["ok", "failed"]),
    data=st.dictionaries(st.text(max_size=10), st.integers() | st.text(max_size=20), max_size=5),
    error=st.none() | st.text(max_size=50),
)
def test_any_result_round_trips(step_id, attempt, status, data, error):
    message = StepResult(step_id=step_id, attempt=attempt, status=status, data=data, error=error)

    assert StepResult.from_wire(message.to_wire()) == message


def wire(**body_changes):
    body = {"step_id": 1, "attempt": 1, "status": "ok", "data": {}, "error": None, **body_changes}
    return {"schema": "bmp.step.result", "version": 1, "body": body}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({**wire(), "version": 2}, "version 2 is not supported"),
        ({**wire(), "schema": "bmp.step.dispatch"}, "expected schema"),
        (wire(step_id="1"), "wrong type"),
        (wire(attempt=True), "wrong type"),
        (wire(extra=1), "unknown fields"),
        (wire(status="maybe"), "step status"),
        ({"schema": "bmp.step.result", "version": 1, "body": {"step_id": 1}}, "missing field"),
        ([], "must be an object"),
    ],
)
def test_malformed_messages_are_rejected_with_a_reason(data, reason):
    with pytest.raises(MessageSchemaError, match=reason):
        StepResult.from_wire(data)


def test_tasks_are_routed_by_owner_and_idc():
    assert route_task("bmp.scheduler.submit_job", (), {}, {}) == {"queue": "scheduler"}
    assert route_task("bmp.scheduler.submit_jobs", (), {}, {}) == {"queue": "scheduler"}
    assert route_task("bmp.scheduler.sweep", (), {}, {}) == {"queue": "scheduler"}
    # Results on a queue of their own: they do not wait behind a backlog of submissions.
    assert route_task("bmp.scheduler.step_result", (), {}, {}) == {"queue": "scheduler.results"}
    assert SCHEDULER_QUEUES == ("scheduler.results", "scheduler")  # what the workers consume
    assert route_task("bmp.driver.run_step", (), {"idc_id": "idc-a"}, {}) == {
        "queue": "driver.idc-a"
    }
    assert route_task("bmp.dhcp.run_step", (), {"idc_id": "idc-a"}, {}) == {"queue": "dhcp.idc-a"}
    assert route_task("bmp.openapi.job_event", (), {}, {}) == {"queue": "openapi"}
    assert route_task("celery.ping", (), {}, {}) is None


def test_job_messages_round_trip_and_refuse_unknown_tasks_and_kinds():
    submit = JobSubmit(
        job_id="job-1",
        task="CreateInstances",
        idc_id="idc-a",
        instance_id="bmp-x",
        node={"sn": "SN1", "bmc": {"address": "127.0.0.1", "port": 16230}},
        spec={"hostname": "web-1"},
    )
    event = JobEvent(
        job_id="job-1",
        sequence=3,
        task="CreateInstances",
        kind="succeeded",
        observed={"power": "on"},
    )

    assert JobSubmit.from_wire(submit.to_wire()) == submit
    assert JobEvent.from_wire(event.to_wire()) == event
    with pytest.raises(MessageSchemaError, match="unknown task"):
        JobSubmit.from_wire({**submit.to_wire(), "body": {**submit.to_wire()["body"], "task": "X"}})
    with pytest.raises(MessageSchemaError, match="unknown job event kind"):
        JobEvent.from_wire({**event.to_wire(), "body": {**event.to_wire()["body"], "kind": "meh"}})


@pytest.mark.parametrize("idc_id", ["", "a.b", "a b", "x" * 65, None, "idc/../x"])
def test_queue_names_refuse_odd_idc_ids(idc_id):
    with pytest.raises(ValueError, match="invalid IDC id"):
        driver_queue(idc_id)
    with pytest.raises(ValueError, match="invalid IDC id"):
        dhcp_queue(idc_id)
