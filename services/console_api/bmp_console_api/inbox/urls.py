from bmp_common.bff.views import route
from bmp_console_api.inbox import apis

ROUTES = [
    route(f"messages/{name}".rstrip("/"), view.as_view()) for name, view in apis.MESSAGES.items()
]
