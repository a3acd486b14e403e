from bmp_openapi.core.routing import api
from bmp_openapi.jobs import apis

ROUTES = [
    api("jobs", apis.JobListApi, "jobs"),
    api("jobs/<str:job_id>", apis.JobDetailApi, "job"),
    api("jobs/<str:job_id>/timeline", apis.JobTimelineApi, "job-timeline"),
    api("jobs/<str:job_id>/cancel", apis.JobCancelApi, "job-cancel"),
    api("jobs/<str:job_id>/retry", apis.JobRetryApi, "job-retry"),
]
