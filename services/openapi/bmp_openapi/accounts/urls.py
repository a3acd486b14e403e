from bmp_openapi.accounts import apis
from bmp_openapi.accounts.apis.console_users import ConsoleAccessUsersApi
from bmp_openapi.core.routing import api

# Literal paths before the patterns that would swallow them.
ROUTES = [
    api("local/users", apis.LocalUserApi, "local-user"),
    api("local/users/password", apis.LocalUserPasswordApi, "local-user-password"),
    api("users", apis.UserListCreateApi, "users"),
    api("users/getUserByName", apis.UserByNameApi, "user-by-name"),
    api("users/verify", apis.UserVerifyApi, "user-verify"),
    api("users/<str:user_id>", apis.UserDetailApi, "user"),
    api("roles", apis.RoleListCreateApi, "roles"),
    api("roles/roleInfo/current", apis.CurrentRoleApi, "current-role"),
    api("roles/<str:role_id>", apis.RoleDetailApi, "role"),
    api("user/consoleAccessUsers", ConsoleAccessUsersApi, "console-access-users"),
    api("user/apikeys", apis.ApiKeyListCreateApi, "apikeys"),
    api("user/apikeys/<str:apikey_id>", apis.ApiKeyDetailApi, "apikey"),
]
