"""The errors of the Idempotency-Key header, in English and Chinese."""

from bmp_common.errors import ErrorSpec

INVALID_KEY = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: Idempotency-Key must be 1 to 255 printable ASCII characters, "
    "without a leading or trailing space",
    "参数错误：Idempotency-Key 须为 1 至 255 个可打印 ASCII 字符，且首尾不能是空格",
)
KEY_REUSED = ErrorSpec(
    409,
    "IDEMPOTENCY_KEY_REUSED",
    "This Idempotency-Key was already used for another request (another method, path or body): "
    "use a new key",
    "此 Idempotency-Key 已用于另一个请求（方法、路径或请求体不同）：请使用新的键",
)
KEY_IN_PROGRESS = ErrorSpec(
    409,
    "IDEMPOTENCY_KEY_IN_PROGRESS",
    "The first request with this Idempotency-Key has not finished yet: retry later",
    "使用此 Idempotency-Key 的第一个请求尚未完成：请稍后重试",
)
ANSWER_NOT_KEPT = ErrorSpec(
    409,
    "IDEMPOTENCY_ANSWER_NOT_KEPT",
    "The request with this Idempotency-Key already succeeded; its answer held a secret that is "
    "shown only once, so it is not repeated",
    "使用此 Idempotency-Key 的请求已成功；其响应包含仅显示一次的密钥，因此不再重复返回",
)
