"""(ours) The jobs openapi handed to the scheduler, for the portal's job pages: the list with
filters, one job (its current step and message), its flight recorder (the timeline and the
likely cause of a failure or a stall), and an operator's cancel and retry (from a step)."""

from __future__ import annotations

from bmp_operation_api.relay import relay

JobsApi = relay({"get": "describeJobs"})
JobApi = relay({"get": "describeJob"}, url_to_path={"job_id": "job_id"})
JobTimelineApi = relay({"get": "describeJobTimeline"}, url_to_path={"job_id": "job_id"})
JobCancelApi = relay({"put": "cancelJob"}, url_to_path={"job_id": "job_id"})
JobRetryApi = relay({"put": "retryJob"}, url_to_path={"job_id": "job_id"})
