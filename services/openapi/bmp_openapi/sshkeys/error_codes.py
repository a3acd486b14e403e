from bmp_common.errors import ErrorSpec

SSHKEY_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "SSH key {sshkey_id} does not exist", "SSH 密钥 {sshkey_id} 不存在"
)
SSHKEY_NAME_TAKEN = ErrorSpec(
    409, "CONFLICT", "You already have an SSH key named {name}", "您已有名为 {name} 的 SSH 密钥"
)
SSHKEY_REGISTERED = ErrorSpec(
    409,
    "CONFLICT",
    "This public key is already registered as {name}",
    "该公钥已登记为 {name}",
)
# The key itself: 400 naming the field, in both languages.
KEY_MALFORMED = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    'Invalid argument: key: not an OpenSSH public key ("<type> <base64> [comment]" on one line)',
    "参数错误：key：不是 OpenSSH 公钥（应为一行“<类型> <base64> [注释]”）",
)
KEY_UNSUPPORTED = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: key: unsupported key type {key_type}"
    " (use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa)",
    "参数错误：key：不支持的密钥类型 {key_type}"
    "（请使用 ssh-ed25519、ecdsa-sha2-nistp256/384/521 或 ssh-rsa）",
)
KEY_CORRUPT = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: key: the key data is corrupt or is not a {key_type} key",
    "参数错误：key：密钥数据已损坏或不是 {key_type} 密钥",
)
KEY_TOO_SHORT = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "Invalid argument: key: RSA keys need at least {minimum} bits, this one has {bits}",
    "参数错误：key：RSA 密钥至少需要 {minimum} 位，此密钥只有 {bits} 位",
)
