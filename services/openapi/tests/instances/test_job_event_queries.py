"""What applying one job event costs in statements (a provisioning storm applies two per
install: its first step and its end). A column read lazily, a row read twice or a save that
grows a query shows here first.

Counted: every statement but the savepoints (the test's transaction turns the event's own
transaction into one, and audit_record and message_send each take one).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bmp_common.messages.jobs import JobEvent
from bmp_openapi.audit.models import AuditLog
from bmp_openapi.inbox.models import Message
from bmp_openapi.instances.models import Instance
from bmp_openapi.jobs.models import Job
from bmp_openapi.jobs.tasks import job_event

from ..catalog.data import ok
from .test_instance_access_and_batches import default_project, tenant
from .test_instance_share_and_move import create_in, share

# The job read (locked) and written; the instance read (locked) and written; its owner's and
# sharers' user ids for the live event.
STEP = 6
# As a step, plus: the device's BMC verdict, the owner's name (audit line and message), the
# project's id (message), the audit line and the message.
END = 10
# A project shared in part: the instances its shares list.
PARTIAL_SHARE = 1
# Columns an event never reads (full rows cost more to compile and load than their queries
# cost to run): the instance's wide ones, a user's secrets, the submission but with the end.
NOT_READ = ('"user_data"', '"software_raid"', '"password"', '"description"')


def _apply(job_id: str, sequence: int, kind: str, **fields) -> list[str]:
    job = Job.objects.get(job_id=job_id)
    message = JobEvent(
        job_id=job_id,
        sequence=sequence,
        task=job.task,
        kind=kind,
        instance_id=job.instance_id,
        device_id=job.device_id,
        sn=job.sn,
        **fields,
    ).to_wire()
    with CaptureQueriesContext(connection) as captured:
        assert job_event(message)
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def _install(owner, instance_id: str) -> tuple[list[str], list[str]]:
    job_id = Instance.objects.get(instance_id=instance_id).job_id
    step = _apply(job_id, 1, "step", action="SetPXEBoot", progress={"step": 1, "steps": 17})
    end = _apply(job_id, 2, "succeeded", observed={"power": "on"})
    assert ok(owner.get(f"/v1/project/instances/{instance_id}"))["instance"]["status"] == (
        "running"
    )
    assert AuditLog.objects.filter(instance_id=instance_id).exists()
    assert Message.objects.filter(instance_id=instance_id).exists()
    return step, end


@pytest.mark.django_db
def test_a_step_and_an_end_cost_their_baseline_statements(stock, make_user):
    tina = tenant(make_user, "tina")
    web = create_in(tina, stock, default_project(tina), "web")
    step, end = _install(tina, web)
    assert len(step) == STEP, "\n".join(step)
    assert len(end) == END, "\n".join(end)
    reads = [sql for sql in step + end if sql.startswith("SELECT")]
    assert not [sql for sql in reads if any(column in sql for column in NOT_READ)]
    assert not [sql for sql in step if '"submission"' in sql]


@pytest.mark.django_db
def test_a_project_shared_in_part_costs_one_statement_more(stock, make_user):
    tina, tom = tenant(make_user, "tina"), tenant(make_user, "tom")
    project = default_project(tina)
    web = create_in(tina, stock, project, "web")
    ok(share(tina, project, tom, instanceIDs=web))
    step, end = _install(tina, web)
    assert len(step) == STEP + PARTIAL_SHARE, "\n".join(step)
    assert len(end) == END + PARTIAL_SHARE, "\n".join(end)
