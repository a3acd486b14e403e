from bmp_common.errors import ErrorSpec

AGENT_TOKEN_INVALID = ErrorSpec(
    401,
    "AUTH_ERROR_OR_PERMISSION_DENIED",
    "The agent token is invalid, revoked, or not for this SN",
    "代理令牌无效、已撤销或与序列号不符",
)
