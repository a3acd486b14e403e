from bmp_common.errors import ErrorSpec

MESSAGE_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Message {message_id} does not exist", "消息 {message_id} 不存在"
)
MESSAGES_NOT_FOUND = ErrorSpec(
    404,
    "NOT_FOUND",
    "These messages do not exist: {message_ids}",
    "以下消息不存在：{message_ids}",
)
MAIL_SERVER_NOT_ALLOWED = ErrorSpec(
    403,
    "PERMISSION_DENIED",
    "This platform may not contact mail server {host}: it is not in BMP_MAIL_ALLOWED_HOSTS",
    "本平台不允许连接邮件服务器 {host}：它不在 BMP_MAIL_ALLOWED_HOSTS 中",
)

MAIL_PASSWORD_REQUIRED = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: admin_pass: the stored password is only sent to {host}:{port} as {user}; "
    "type the password for another server, port or user",
    "参数错误：admin_pass：已保存的密码只会发送给 {host}:{port}（用户 {user}）；"
    "更换服务器、端口或用户时请重新输入密码",
)

# dialMail saves the settings, then answers one of these when the test mail could not be sent.
_SAVED_EN = "The mail settings were saved but do not work: "
_SAVED_ZH = "邮件设置已保存，但无法使用："


def _dial_error(en: str, zh: str) -> ErrorSpec:
    return ErrorSpec(400, "INVALID_ARGUMENT", _SAVED_EN + en, _SAVED_ZH + zh)


MAIL_UNKNOWN_HOST = _dial_error("cannot resolve {host}", "无法解析 {host}")
MAIL_REFUSED = _dial_error("{host}:{port} refused the connection", "{host}:{port} 拒绝连接")
MAIL_TIMEOUT = _dial_error(
    "{host}:{port} did not answer within {seconds} s", "{host}:{port} 在 {seconds} 秒内无应答"
)
MAIL_UNREACHABLE = _dial_error(
    "cannot connect to {host}:{port} ({detail})", "无法连接 {host}:{port}（{detail}）"
)
MAIL_DISCONNECTED = _dial_error(
    "{host}:{port} closed the connection without an SMTP answer",
    "{host}:{port} 未按 SMTP 应答即关闭了连接",
)
MAIL_TLS_FAILED = _dial_error(
    "TLS with {host}:{port} failed ({detail})", "与 {host}:{port} 建立 TLS 失败（{detail}）"
)
MAIL_TLS_MISSING = _dial_error(
    "{host}:{port} offers no TLS, and the password must not cross the network in clear "
    "(use port 465 or a server with STARTTLS)",
    "{host}:{port} 不支持 TLS，密码不能明文传输（请使用 465 端口或支持 STARTTLS 的服务器）",
)
MAIL_AUTH_FAILED = _dial_error(
    "the server refused the user name {user} or its password",
    "服务器拒绝了用户名 {user} 或其密码",
)
MAIL_SENDER_REFUSED = _dial_error(
    "the server refused the sender {sender}", "服务器拒绝了发件人 {sender}"
)
MAIL_RECIPIENTS_REFUSED = _dial_error(
    "the server refused the recipients {recipients}", "服务器拒绝了收件人 {recipients}"
)
MAIL_SMTP_ERROR = _dial_error(
    "{host}:{port} answered an error ({detail})", "{host}:{port} 返回错误（{detail}）"
)
