from bmp_common.errors import ErrorSpec

OOB_DEVICE_NOT_FOUND = ErrorSpec(
    404, "NOT_FOUND", "Device {device_id} does not exist", "设备 {device_id} 不存在"
)
