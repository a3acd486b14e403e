from bmp_common.bff.views import route
from bmp_console_api.accounts import apis

ROUTES = [
    route("user", apis.UserApi.as_view()),
    route("user/password", apis.UserPasswordApi.as_view()),
    route("user/timezones", apis.TimezonesApi.as_view()),
    route("user/getConsoleAccessUserList", apis.ConsoleUsersApi.as_view()),
    route("user/checkUserConsoleAccessByName", apis.ConsoleAccessByNameApi.as_view()),
    route("keypair", apis.KeypairsApi.as_view()),
    route("keypair/checkKeypairName", apis.KeypairNameApi.as_view()),
    route(r"keypair/(?P<keypair_id>[^/]+)", apis.KeypairApi.as_view()),
    route("apikey", apis.ApikeysApi.as_view()),
    route(r"apikey/(?P<apikey_id>[^/]+)", apis.ApikeyApi.as_view()),
]
