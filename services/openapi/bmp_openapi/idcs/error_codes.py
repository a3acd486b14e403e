from bmp_common.errors import ErrorSpec

IDC_NOT_FOUND = ErrorSpec(404, "NOT_FOUND", "IDC {idc_id} does not exist", "机房 {idc_id} 不存在")
IDC_NAME_TAKEN = ErrorSpec(
    409, "CONFLICT", "An IDC named {name} already exists", "名为 {name} 的机房已存在"
)
IDC_IN_USE = ErrorSpec(
    409,
    "CONFLICT",
    "IDC {idc_id} still has {what}: remove them first",
    "机房 {idc_id} 下仍有{what}，请先删除",
)
