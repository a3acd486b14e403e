from bmp_common.bff.views import route
from bmp_operation_api.device_import import apis

ROUTES = [
    route("devices/upload", apis.DeviceImportApi.as_view()),
    route("devices/template", apis.DeviceTemplateApi.as_view()),
    # Where upstream's operator console links the template (served by nginx from the image
    # volume there): the console's nginx may send this path to the BFF.
    route("data/device_import.xlsx", apis.DeviceTemplateApi.as_view()),
]
