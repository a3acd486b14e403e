from bmp_common.bff.views import route
from bmp_operation_api.images import apis

ROUTES = [
    route("images", apis.ImagesApi.as_view()),
    route("images/imageDeviceTypes", apis.ImageDeviceTypesApi.as_view()),
    route("images/associatedDeviceType", apis.ImageBindDeviceTypesApi.as_view()),
    route("images/dissociatedDeviceType", apis.ImageUnbindDeviceTypeApi.as_view()),
    route("images/queryImagesByDeviceType", apis.ImagesByDeviceTypeApi.as_view()),
    route(r"images/(?P<image_id>[^/]+)", apis.ImageApi.as_view()),
]
