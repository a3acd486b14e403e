from bmp_common.bff.views import route
from bmp_operation_api.jobs import apis

JOB = r"jobs/(?P<job_id>[^/]+)"
ROUTES = [
    route("jobs", apis.JobsApi.as_view()),
    route(JOB, apis.JobApi.as_view()),
    route(JOB + "/timeline", apis.JobTimelineApi.as_view()),
    route(JOB + "/cancel", apis.JobCancelApi.as_view()),
    route(JOB + "/retry", apis.JobRetryApi.as_view()),
]
