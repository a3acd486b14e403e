"""The errors a BFF answers itself (openapi's own errors come back as openapi worded them)."""

from __future__ import annotations

from bmp_common.errors import ErrorSpec

# Upstream's answer to a request without a live session: HTTP 402, "user not login"; the
# consoles send the user to their login page on it.
NOT_LOGIN = ErrorSpec(402, "NOT_LOGIN", "user not login", "用户未登录")
LOGIN_FAILED = ErrorSpec(401, "LOGIN_FAILED", "Wrong user name or password", "用户名或密码错误")
LOGIN_RATE_LIMIT = ErrorSpec(
    429,
    "RATE_LIMIT",
    "Too many failed logins; retry in {minutes} minutes",
    "登录失败次数过多，请 {minutes} 分钟后重试",
)
CSRF_FAILED = ErrorSpec(
    403, "CSRF_FAILED", "CSRF check failed: {detail}", "CSRF 校验失败：{detail}"
)
OPENAPI_UNAVAILABLE = ErrorSpec(
    503, "UNAVAILABLE", "The API service is unavailable", "API 服务不可用"
)
OPENAPI_BROKE_CONTRACT = ErrorSpec(
    502,
    "BAD_GATEWAY",
    "The API service answered unexpectedly, quote requestId {request_id}",
    "API 服务返回了意外的应答，请提供 requestId {request_id}",
)
OOB_ALERT_UNAVAILABLE = ErrorSpec(
    503,
    "UNAVAILABLE",
    "The out-of-band monitoring service is unavailable",
    "带外监控服务不可用",
)
OOB_ALERT_BROKE_CONTRACT = ErrorSpec(
    502,
    "BAD_GATEWAY",
    "The out-of-band monitoring service answered unexpectedly, quote requestId {request_id}",
    "带外监控服务返回了意外的应答，请提供 requestId {request_id}",
)
