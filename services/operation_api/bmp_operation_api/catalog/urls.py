from bmp_common.bff.views import route
from bmp_operation_api.catalog import apis

DEVICE_TYPE = r"deviceTypes/(?P<dt_id>[^/]+)"

ROUTES = [
    route("filterList", apis.FilterListApi.as_view()),
    route("deviceTypes", apis.DeviceTypesApi.as_view()),
    route("deviceTypes/getAvailableDeviceTypes", apis.AvailableDeviceTypesApi.as_view()),
    route("deviceTypes/deviceTypeImage", apis.DeviceTypeImagesApi.as_view()),
    route("deviceTypes/associatedImage", apis.DeviceTypeBindImagesApi.as_view()),
    route("deviceTypes/dissociatedImage", apis.DeviceTypeUnbindImageApi.as_view()),
    route(r"deviceTypes/queryDeviceType/(?P<dt_id>[^/]+)", apis.DeviceTypeGetApi.as_view()),
    route(DEVICE_TYPE, apis.DeviceTypeApi.as_view()),
    route(DEVICE_TYPE + "/describeVolumes", apis.DeviceTypeVolumesApi.as_view()),
    route(DEVICE_TYPE + "/copy", apis.DeviceTypeCopyApi.as_view()),
    route("oss", apis.OssApi.as_view()),
    route("oss/filter", apis.OssFilterApi.as_view()),
    route("raids", apis.RaidsApi.as_view()),
    route("raids/queryRaidsByDeviceTypeIDAndVolumeType", apis.VolumeRaidsApi.as_view()),
    route("partition/queryDefaultSystemPartitions", apis.DefaultPartitionsApi.as_view()),
    route("resources", apis.ResourcesApi.as_view()),
]
