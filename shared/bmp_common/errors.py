"""The error catalogue and the one exception type every service raises.

Each entry is (HTTP code, status symbol, English text, Chinese text). ``code`` is also the HTTP
status of the answer. Symbols follow upstream's catalogue where upstream has one; 403, 405, 406,
409, 413, 415 and 503 are ours (upstream answered permission errors with 401).
"""

from __future__ import annotations

from dataclasses import dataclass

from bmp_common.i18n import ZH_CN


@dataclass(frozen=True)
class Localized:
    """A message parameter that has its own translation, e.g. Localized("devices", "设备")."""

    en: str
    zh: str

    @classmethod
    def of(cls, value) -> Localized:
        """From a Localized, an (English, Chinese) pair, or one string for both."""
        if isinstance(value, Localized):
            return value
        if isinstance(value, str):
            return cls(value, value)
        en, zh = value
        return cls(en, zh)

    def in_language(self, language: str) -> str:
        return self.zh if language == ZH_CN else self.en


@dataclass(frozen=True)
class ErrorSpec:
    code: int
    status: str
    en: str
    zh: str

    def message(self, language: str, **params) -> str:
        template = self.zh if language == ZH_CN else self.en
        if not params:
            return template
        resolved = {
            key: value.in_language(language) if isinstance(value, Localized) else value
            for key, value in params.items()
        }
        return template.format(**resolved)


INVALID_ARGUMENT = ErrorSpec(
    400, "INVALID_ARGUMENT", "Invalid argument: {detail}", "参数错误：{detail}"
)
MALFORMED_BODY = ErrorSpec(
    400, "INVALID_ARGUMENT", "The request body is not valid JSON", "请求体不是合法的 JSON"
)
TOO_DEEP = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "The request body nests deeper than {limit} levels",
    "请求体嵌套超过 {limit} 层",
)
AUTH_NOT_LOGIN = ErrorSpec(400, "AUTH_NOT_LOGIN", "Login please", "请登录")
UNAUTHENTICATED = ErrorSpec(
    401,
    "AUTH_ERROR_OR_PERMISSION_DENIED",
    "Missing or invalid credentials",
    "认证失败或缺少凭证",
)
PERMISSION_DENIED = ErrorSpec(403, "PERMISSION_DENIED", "Permission denied", "没有权限执行此操作")
NOT_FOUND = ErrorSpec(404, "NOT_FOUND", "Resource not found: {detail}", "资源不存在：{detail}")
PATH_NOT_FOUND = ErrorSpec(404, "NOT_FOUND", "No such path: {path}", "路径不存在：{path}")
METHOD_NOT_ALLOWED = ErrorSpec(
    405, "METHOD_NOT_ALLOWED", "Method {method} is not allowed here", "此处不允许 {method} 方法"
)
NOT_ACCEPTABLE = ErrorSpec(
    406,
    "NOT_ACCEPTABLE",
    "Only application/json answers are available",
    "仅支持 application/json 响应",
)
CONFLICT = ErrorSpec(409, "CONFLICT", "Conflict: {detail}", "冲突：{detail}")
TOO_LARGE = ErrorSpec(413, "TOO_LARGE", "The request is too large", "请求过大")
UNSUPPORTED_MEDIA_TYPE = ErrorSpec(
    415,
    "UNSUPPORTED_MEDIA_TYPE",
    "Unsupported content type {media_type}: send application/json",
    "不支持的内容类型 {media_type}：请使用 application/json",
)
RATE_LIMIT = ErrorSpec(
    429, "RATE_LIMIT", "Too many requests, retry later", "请求过于频繁，请稍后重试"
)
INTERNAL = ErrorSpec(
    500,
    "INTERNAL",
    "Internal error, quote requestId {request_id}",
    "内部错误，请提供 requestId {request_id}",
)
UNAVAILABLE = ErrorSpec(503, "UNAVAILABLE", "Service unavailable: {detail}", "服务不可用：{detail}")

# Fallbacks for statuses raised by frameworks without a catalogue entry of their own.
BY_HTTP_STATUS = {
    spec.code: spec
    for spec in (
        PERMISSION_DENIED,
        NOT_ACCEPTABLE,
        CONFLICT,
        TOO_LARGE,
        RATE_LIMIT,
        UNAVAILABLE,
    )
}


class BmpError(Exception):
    """Raised by services and views; rendered as the error envelope by the exception handler."""

    def __init__(self, spec: ErrorSpec, **params):
        self.spec = spec
        self.params = params
        super().__init__(spec.message("en_US", **params))

    def message(self, language: str) -> str:
        return self.spec.message(language, **self.params)
