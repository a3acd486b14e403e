from bmp_common.bff.views import route
from bmp_operation_api.devices import apis

DEVICE = r"devices/(?P<device_id>[^/]+)"

ROUTES = [
    route("devices", apis.DevicesCreateApi.as_view()),
    route("devices/queryDevices", apis.DevicesApi.as_view()),
    route(r"devices/queryDevice/(?P<device_id>[^/]+)", apis.DeviceGetApi.as_view()),
    route("devices/putaway", apis.DevicePutawayApi.as_view()),
    route("devices/unPutaway", apis.DeviceUnPutawayApi.as_view()),
    route("devices/deviceType/associate", apis.DeviceTypeBindApi.as_view()),
    route("devices/collect", apis.DeviceCollectApi.as_view()),
    route("devices/disks/describeAssociateDisks", apis.AssociatedDisksApi.as_view()),
    route("devices/disks/associateDisks", apis.AssociateDisksApi.as_view()),
    route(DEVICE, apis.DeviceApi.as_view()),
    route(DEVICE + "/remove", apis.DeviceRemoveApi.as_view()),
    route(DEVICE + "/disksDetail", apis.DeviceDisksApi.as_view()),
]
