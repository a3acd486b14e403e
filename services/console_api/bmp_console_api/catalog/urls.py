from bmp_common.bff.views import route
from bmp_console_api.catalog import apis

ROUTES = [
    route("idc", apis.IdcsApi.as_view()),
    route("deviceType/getAvailableDeviceTypes", apis.AvailableDeviceTypesApi.as_view()),
    route("device/isDeviceStockEnough", apis.DeviceStockEnoughApi.as_view()),
    route("image/queryImagesByDeviceType", apis.ImagesByDeviceTypeApi.as_view()),
    route("partition/queryDefaultSystemPartitions", apis.DefaultPartitionsApi.as_view()),
    route("raid/queryRaidsByDeviceTypeIDAndVolumeType", apis.VolumeRaidsApi.as_view()),
]
