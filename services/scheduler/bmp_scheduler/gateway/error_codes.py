from bmp_common.errors import ErrorSpec

AGENT_TOKEN_INVALID = ErrorSpec(
    401,
    "AUTH_ERROR_OR_PERMISSION_DENIED",
    "The agent token is invalid, revoked, or not for this SN",
    "代理令牌无效、已撤销或与序列号不符",
)
# One answer whatever the reason (no boot due, exchanged already, another address): a machine
# probing for tokens learns nothing. The gateway's log says which.
AGENT_TOKEN_UNAVAILABLE = ErrorSpec(
    403,
    "PERMISSION_DENIED",
    "No agent token for this request",
    "此请求无法获得代理令牌",
)
AGENT_ADDRESS_REFUSED = ErrorSpec(
    403,
    "PERMISSION_DENIED",
    "Agent calls are accepted only from the address reserved for the machine",
    "仅接受来自为该机器保留的地址的代理请求",
)

# The agent's requests carry its job token: never accepted where they travelled in clear.
AGENT_HTTPS_REQUIRED = ErrorSpec(
    403,
    "PERMISSION_DENIED",
    "The agent endpoints answer over HTTPS only: {url}",
    "代理接口只接受 HTTPS 请求：{url}",
)
