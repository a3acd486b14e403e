from bmp_common.bff.views import route
from bmp_operation_api.uploads import apis

ROUTES = [
    route("images/upload", apis.ImageUploadApi.as_view()),
]
