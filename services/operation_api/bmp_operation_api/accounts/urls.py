from bmp_common.bff.views import route
from bmp_operation_api.accounts import apis

ROUTES = [
    route("users", apis.UsersApi.as_view()),
    route("users/login/validate", apis.PasswordRecheckApi.as_view()),
    route(r"users/(?P<user_id>[^/]+)", apis.UserApi.as_view()),
    route("roles", apis.RolesApi.as_view()),
    route("roles/roleInfo/current", apis.CurrentRoleApi.as_view()),
    route(r"roles/(?P<role_id>[^/]+)", apis.RoleApi.as_view()),
    route("user/local", apis.LocalUserApi.as_view()),
    route("user/local/password", apis.LocalUserPasswordApi.as_view()),
    route("user/local/timezones", apis.TimezonesApi.as_view()),
    route("apikey", apis.ApikeysApi.as_view()),
    route(r"apikey/(?P<apikey_id>[^/]+)", apis.ApikeyApi.as_view()),
    route("keypair", apis.KeypairsApi.as_view()),
]
