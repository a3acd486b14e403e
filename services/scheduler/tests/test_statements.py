"""bmp_common.db's Statement, save_fields and insert_rows: the engine's compiled reads find
what the QuerySets they replace found, with the same field values (converted: datetimes, JSON),
and its compiled writes write what ``save`` and ``bulk_create`` wrote, on SQLite and MariaDB."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bmp_common.db import Arg, Statement, insert_rows, save_fields
from bmp_common.ids import token_digest
from bmp_scheduler.workflow import tokens
from bmp_scheduler.workflow.choices import (
    JOB_RUNNING,
    JOB_SUCCEEDED,
    STEP_RUNNING,
    STEP_SUCCEEDED,
    STEP_WAITING,
)
from bmp_scheduler.workflow.engine import core
from bmp_scheduler.workflow.models import Job, Outbox, Step

pytestmark = pytest.mark.django_db


def make_job(job_id: str, *, sn: str, status: str = JOB_RUNNING, ticket: str = "ticket") -> Job:
    now = timezone.now()
    job = Job.objects.create(
        job_id=job_id,
        task="CreateInstance",
        idc_id="idc-1",
        sn=sn,
        status=status,
        node={"sn": sn, "secret_looking": "x"},
        token_digest=token_digest(ticket),
        token_claimed_at=now,
        token_expires_at=now + timedelta(hours=1),
        step_count=3,
    )
    for index, status in enumerate((STEP_SUCCEEDED, STEP_RUNNING, STEP_WAITING)):
        Step.objects.create(
            job=job,
            index=index,
            action=f"Action{index}",
            target="agent",
            params={"index": index, "nested": {"list": [1, 2]}},
            status=status,
            result={"done": index} if status == STEP_SUCCEEDED else {},
            timeout_s=60,
            started_at=now if status != STEP_WAITING else None,
        )
    return job


def same_fields(found, expected) -> None:
    assert type(found) is type(expected)
    assert found.pk == expected.pk
    assert found.get_deferred_fields() == expected.get_deferred_fields()
    for field in type(found)._meta.concrete_fields:
        if field.attname not in found.get_deferred_fields():
            assert getattr(found, field.attname) == getattr(expected, field.attname), field.name


def test_the_agents_job_is_the_one_the_queryset_finds():
    make_job("job-a", sn="SN-A", ticket="ticket-a")
    job = make_job("job-b", sn="SN-B", ticket="ticket-b")
    found = tokens.job_for(sn="SN-B", token="ticket-b")
    expected = Job.objects.defer("node", "spec").get(pk=job.pk)
    same_fields(found, expected)
    assert found.token_expires_at.tzinfo is not None  # converted as the ORM converts it
    assert found.get_deferred_fields() == {"node", "spec"}


def test_a_credential_of_another_sn_another_job_or_past_its_expiry_finds_nothing():
    job = make_job("job-a", sn="SN-A", ticket="ticket-a")
    make_job("job-b", sn="SN-B", ticket="ticket-b")
    assert tokens.job_for(sn="SN-A", token="ticket-b") is None
    assert tokens.job_for(sn="SN-B", token="ticket-a") is None
    Job.objects.filter(pk=job.pk).update(token_expires_at=timezone.now() - timedelta(seconds=1))
    assert tokens.job_for(sn="SN-A", token="ticket-a") is None
    Job.objects.filter(pk=job.pk).update(
        token_expires_at=timezone.now() + timedelta(hours=1), status=JOB_SUCCEEDED
    )
    assert tokens.job_for(sn="SN-A", token="ticket-a") is None


def test_the_session_token_is_good_and_the_lock_finds_the_same_row():
    job = make_job("job-a", sn="SN-A")
    Job.objects.filter(pk=job.pk).update(session_digest=token_digest("session"))
    with transaction.atomic():
        locked = tokens.job_for(sn="SN-A", token="session", lock=True)
    assert locked is not None and locked.pk == job.pk


def test_the_engines_reads_find_the_unfinished_steps_in_order_with_their_params():
    job = make_job("job-a", sn="SN-A")
    with transaction.atomic():
        locked = core.lock_job(job.pk)
        steps = core.unfinished_steps(locked)
    assert [(s.index, s.status) for s in steps] == [(1, STEP_RUNNING), (2, STEP_WAITING)]
    assert steps[0].params == {"index": 1, "nested": {"list": [1, 2]}}
    assert steps[0].job is locked  # no query to reach the job
    expected = Step.objects.defer("result", "progress").get(pk=steps[0].pk)
    same_fields(steps[0], expected)
    with pytest.raises(Job.DoesNotExist):
        core.lock_job(job.pk + 1000)


def test_each_run_takes_its_own_values_in_one_query():
    make_job("job-a", sn="SN-A", ticket="ticket-a")
    make_job("job-b", sn="SN-B", ticket="ticket-b")
    with CaptureQueriesContext(connection) as queries:
        first = tokens.job_for(sn="SN-A", token="ticket-a")
        second = tokens.job_for(sn="SN-B", token="ticket-b")
        neither = tokens.job_for(sn="SN-A", token="ticket-b")
    assert (first.job_id, second.job_id, neither) == ("job-a", "job-b", None)
    assert len(queries) == 3


def test_joined_rows_and_annotations_are_built_as_the_queryset_builds_them():
    from django.db.models import Count

    job = make_job("job-a", sn="SN-A")
    step_pk = Step.objects.get(job=job, index=1).pk
    joined = Statement(
        lambda: Step.objects.select_related("job").defer("job__node").filter(pk=Arg("pk"))
    )
    found = joined.first(pk=step_pk)
    expected = Step.objects.select_related("job").defer("job__node").get(pk=step_pk)
    same_fields(found, expected)
    with CaptureQueriesContext(connection) as queries:
        same_fields(found.job, expected.job)  # loaded with the step: no query
    assert len(queries) == 0
    counted = Statement(
        lambda: Job.objects.annotate(steps_left=Count("steps")).filter(sn=Arg("sn"))
    )
    assert counted.first(sn="SN-A").steps_left == 3


def test_a_statement_refuses_what_it_cannot_build():
    values = Statement(lambda: Step.objects.filter(pk=Arg("pk")).values_list("job_id"))
    with pytest.raises(TypeError):
        values.first(pk=1)


def test_save_fields_writes_the_fields_named_and_sets_auto_now():
    job = make_job("job-a", sn="SN-A")
    step = Step.objects.get(job=job, index=1)
    finished = timezone.now()
    step.status, step.finished_at, step.result = STEP_SUCCEEDED, finished, {"disk": {"a": [1]}}
    step.error = "not saved"  # not named: stays as stored
    save_fields(step, ["status", "finished_at", "result"])
    stored = Step.objects.get(pk=step.pk)
    assert (stored.status, stored.finished_at, stored.result, stored.error) == (
        STEP_SUCCEEDED,
        finished,
        {"disk": {"a": [1]}},
        "",
    )
    before = Job.objects.get(pk=job.pk).updated_at
    job.message = "saved"
    save_fields(job, ["message", "updated_at"])
    stored_job = Job.objects.get(pk=job.pk)
    assert stored_job.message == "saved" and stored_job.updated_at > before
    Step.objects.filter(pk=step.pk).delete()
    with pytest.raises(DatabaseError):
        save_fields(step, ["status"])


def test_insert_rows_writes_what_create_writes():
    job = make_job("job-a", sn="SN-A")
    row = Outbox(task="bmp.test", kwargs={"message": {"nested": [1, "two"]}})
    insert_rows([row])
    stored = Outbox.objects.get(pk=row.pk)  # the single row got its key
    assert (stored.task, stored.kwargs) == ("bmp.test", {"message": {"nested": [1, "two"]}})
    assert stored.created_at is not None and stored.created_at == row.created_at
    steps = [
        Step(job=job, index=10 + n, action=f"Extra{n}", target="driver", timeout_s=5)
        for n in range(3)
    ]
    insert_rows(steps)
    stored_steps = Step.objects.filter(job=job, index__gte=10).order_by("index")
    assert [(s.action, s.status, s.params, s.attempt) for s in stored_steps] == [
        (f"Extra{n}", STEP_WAITING, {}, 0) for n in range(3)
    ]
    insert_rows([])  # nothing to write: no statement
