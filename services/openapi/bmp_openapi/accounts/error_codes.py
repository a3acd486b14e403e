from bmp_common.errors import ErrorSpec

USER_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "User {user_id} does not exist", "用户 {user_id} 不存在"
)
USER_NAME_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "No user is named {user_name}", "不存在名为 {user_name} 的用户"
)
USER_NAME_TAKEN = ErrorSpec(
    409, "CONFLICT", "A user named {user_name} already exists", "用户名 {user_name} 已存在"
)
USER_UNDELETABLE = ErrorSpec(
    409,
    "CONFLICT",
    "The platform administrator {user_name} cannot be deleted",
    "平台管理员 {user_name} 不能被删除",
)
USER_DELETE_SELF = ErrorSpec(409, "CONFLICT", "You cannot delete yourself", "不能删除自己")
USER_IN_USE = ErrorSpec(
    409,
    "CONFLICT",
    "User {user_id} still has {what}: release or transfer them first",
    "用户 {user_id} 下仍有{what}，请先释放或转移",
)
WRONG_OLD_PASSWORD = ErrorSpec(
    403, "PERMISSION_DENIED", "The old password is wrong", "旧密码输入错误"
)
TOO_MANY_FAILURES = ErrorSpec(
    429,
    "RATE_LIMIT",
    "Too many failed password attempts for {user_name}: retry in {minutes} minutes",
    "用户 {user_name} 密码错误次数过多，请 {minutes} 分钟后重试",
)

ROLE_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Role {role_id} does not exist", "角色 {role_id} 不存在"
)
ROLE_NAME_TAKEN = ErrorSpec(
    409, "CONFLICT", "A role named {name} already exists", "名为 {name} 的角色已存在"
)
ROLE_BUILT_IN = ErrorSpec(
    409,
    "CONFLICT",
    "Role {role_id} is built in: it cannot be deleted or renamed",
    "角色 {role_id} 为内置角色，不能删除或重命名",
)
ROLE_IN_USE = ErrorSpec(
    409,
    "CONFLICT",
    "Role {role_id} still has {count} users: move them to another role first",
    "角色 {role_id} 下仍有 {count} 个用户，请先调整这些用户的角色",
)

APIKEY_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "API key {apikey_id} does not exist", "API 密钥 {apikey_id} 不存在"
)
APIKEY_NAME_TAKEN = ErrorSpec(
    409, "CONFLICT", "You already have an API key named {name}", "已存在名为 {name} 的 API 密钥"
)
APIKEY_LIMIT = ErrorSpec(
    409,
    "CONFLICT",
    "At most {limit} API keys per user on this portal: delete one first",
    "每个用户在此平台最多可创建 {limit} 个 API 密钥，请先删除不用的密钥",
)
SYSTEM_KEY_ADMIN_ONLY = ErrorSpec(
    403,
    "PERMISSION_DENIED",
    "Only the administrator may create system API keys",
    "仅平台管理员可以创建 system 类型的 API 密钥",
)
