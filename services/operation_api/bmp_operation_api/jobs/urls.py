from bmp_common.bff.views import route
from bmp_operation_api.jobs import apis

ROUTES = [
    route("jobs", apis.JobsApi.as_view()),
    route(r"jobs/(?P<job_id>[^/]+)/timeline", apis.JobTimelineApi.as_view()),
]
