from bmp_openapi.core.routing import api
from bmp_openapi.idcs import apis

ROUTES = [
    api("idcs", apis.IdcListCreateApi, "idcs"),
    api("idcs/<str:idc_id>", apis.IdcDetailApi, "idc"),
]
