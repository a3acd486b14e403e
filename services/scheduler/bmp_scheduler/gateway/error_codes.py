from bmp_common.errors import ErrorSpec

AGENT_TOKEN_INVALID = ErrorSpec(
    401,
    "AUTH_ERROR_OR_PERMISSION_DENIED",
    "The agent token is invalid, revoked, or not for this SN",
    "代理令牌无效、已撤销或与序列号不符",
)

# The agent's requests carry its job token: never accepted where they travelled in clear.
AGENT_HTTPS_REQUIRED = ErrorSpec(
    403,
    "PERMISSION_DENIED",
    "The agent endpoints answer over HTTPS only: {url}",
    "代理接口只接受 HTTPS 请求：{url}",
)
