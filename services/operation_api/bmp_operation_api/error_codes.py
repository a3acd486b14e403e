"""The errors operation-api answers itself (openapi's come back as openapi worded them)."""

from __future__ import annotations

from bmp_common.errors import ErrorSpec

PASSWORD_WRONG = ErrorSpec(400, "PASSWORD_WRONG", "Wrong password", "密码错误")
NOT_YOURSELF = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Only your own password can be checked here",
    "这里只能校验您本人的密码",
)
PASSWORD_RECHECK_NEEDED = ErrorSpec(
    403,
    "PASSWORD_RECHECK_NEEDED",
    "Enter your password again to see the credentials",
    "请再次输入您的密码以查看凭据",
)
