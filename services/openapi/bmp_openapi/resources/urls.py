from bmp_openapi.core.routing import api
from bmp_openapi.resources import apis

ROUTES = [
    api("resources", apis.ResourceListApi, "resources"),
]
