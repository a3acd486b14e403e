from bmp_openapi.accounts import apis
from bmp_openapi.core.routing import api

ROUTES = [
    api("local/users", apis.LocalUserApi, "describe-local-user"),
]
