"""One openapi operation each (``relay``)."""

from bmp_operation_api.relay import relay

JobsApi = relay({"get": "describeJobs"})
JobTimelineApi = relay({"get": "describeJobTimeline"}, url_to_path={"job_id": "job_id"})
