from bmp_common.bff.views import route
from bmp_operation_api.accounts.apis import CredentialsRecheckApi
from bmp_operation_api.idcs import apis

ROUTES = [
    route("idc", apis.IdcsApi.as_view()),
    route("idc/VerifyUser", CredentialsRecheckApi.as_view()),
    route(r"idc/(?P<idc_id>[^/]+)", apis.IdcApi.as_view()),
]
