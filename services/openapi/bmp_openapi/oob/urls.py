from bmp_openapi.core.routing import api
from bmp_openapi.oob import apis

ROUTES = [
    api("oob/targets", apis.OobTargetsApi, "oob-targets"),
    api("oob/health", apis.OobHealthApi, "oob-health"),
    api("oob/notices", apis.OobNoticesApi, "oob-notices"),
]
