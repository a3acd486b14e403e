"""Job endpoints (tag ``job``, ours): what the platform is doing to a server, and the
operators' cancel and retry."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response

from bmp_common.api.paging import PageQuerySerializer, list_result, paginate
from bmp_common.api.serializers import StrictIntegerField, StrictSerializer, filter_field
from bmp_common.errors import BmpError
from bmp_openapi.core import rbac
from bmp_openapi.core.api import BmpApi
from bmp_openapi.core.responses import SUCCESS
from bmp_openapi.jobs.error_codes import JOB_NOT_FOUND
from bmp_openapi.jobs.models import CANCELLED, FAILED, RUNNING, SUBMITTED, SUCCEEDED, Job
from bmp_openapi.jobs.selectors import job_visible, jobs_shown_status
from bmp_openapi.jobs.serializers import JobOutputSerializer
from bmp_openapi.jobs.services import operator
from bmp_openapi.jobs.services.timeline import job_timeline

STATUSES = (SUBMITTED, RUNNING, SUCCEEDED, FAILED, CANCELLED)


def render_jobs(request, jobs, *, many=False):
    context = {"request": request, "statuses": jobs_shown_status(jobs if many else [jobs])}
    return JobOutputSerializer(jobs, many=many, context=context).data


def _job(job_id: str) -> Job:
    job = Job.objects.filter(job_id=job_id).first()
    if job is None:
        raise BmpError(JOB_NOT_FOUND, job_id=job_id)
    return job


class JobListApi(BmpApi):
    """describeJobs"""

    rules = {"get": rbac.STAFF_ONLY}

    class FilterSerializer(PageQuerySerializer):
        instanceId = filter_field(64)
        deviceId = filter_field(64)
        sn = filter_field(64)
        task = filter_field(32)
        status = serializers.ChoiceField(choices=[*STATUSES, ""], required=False)

    def get(self, request):
        jobs = Job.objects.all()
        for name, column in (
            ("instanceId", "instance_id"),
            ("deviceId", "device_id"),
            ("sn", "sn"),
            ("task", "task"),
            ("status", "status"),
        ):
            if self.query.get(name):
                jobs = jobs.filter(**{column: self.query[name]})
        items, page = paginate(jobs, self.query)
        rows = render_jobs(request, list(items), many=True)
        return Response(list_result("jobs", rows, page))


class JobDetailApi(BmpApi):
    """describeJob"""

    rules = {"get": rbac.STAFF_ONLY}

    def get(self, request, job_id):
        return Response(render_jobs(request, _job(job_id)))


class JobTimelineApi(BmpApi):
    """describeJobTimeline: staff read every job's; on the console, the jobs of the instances
    the caller sees (any other job is a 404, as if it did not exist)."""

    rules = {"get": rbac.AUDIT_READ}

    def get(self, request, job_id):
        job = job_visible(job_id=job_id, actor=request.user)
        if job is None:
            raise BmpError(JOB_NOT_FOUND, job_id=job_id)
        return Response(job_timeline(job=job, actor=request.user))


class JobCancelApi(BmpApi):
    """cancelJob"""

    rules = {"put": rbac.STAFF_ONLY}
    audit = {"put": "CancelJob"}

    def put(self, request, job_id):
        self.audit_resource = job_id
        operator.job_cancel(job_id=job_id, actor=request.user)
        return Response(SUCCESS)


class JobRetryApi(BmpApi):
    """retryJob"""

    rules = {"put": rbac.STAFF_ONLY}
    audit = {"put": "RetryJob"}

    class InputSerializer(StrictSerializer):
        fromStep = StrictIntegerField(min_value=0, max_value=100, required=False)

    def put(self, request, job_id):
        self.audit_resource = job_id
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        operator.job_retry(
            job_id=job_id, from_step=body.validated_data.get("fromStep"), actor=request.user
        )
        return Response(SUCCESS)
