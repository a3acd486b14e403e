"""The image upload's own errors (openapi's come back as openapi worded them)."""

from __future__ import annotations

from bmp_common.errors import ErrorSpec

NOT_MULTIPART = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "imageFile: send the image as multipart/form-data with a Content-Length",
    "imageFile：请以 multipart/form-data 上传镜像，并带 Content-Length",
)
NO_FILE = ErrorSpec(400, "INVALID_ARGUMENT", "imageFile: required", "imageFile：必填")
WRONG_TYPE = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "imageFile: only .tar.xz, .tar.gz and .qcow2 images can be registered{detail}",
    "imageFile：只能注册 .tar.xz、.tar.gz 和 .qcow2 镜像{detail}",
)
TWO_FILES = ErrorSpec(
    400, "INVALID_ARGUMENT", "imageFile: one image per upload", "imageFile：每次只能上传一个镜像"
)
TOO_LARGE = ErrorSpec(
    413,
    "TOO_LARGE",
    "imageFile: larger than {limit} bytes (BMP_IMAGE_UPLOAD_MAX_BYTES)",
    "imageFile：超过 {limit} 字节（BMP_IMAGE_UPLOAD_MAX_BYTES）",
)
INTERRUPTED = ErrorSpec(
    400,
    "INVALID_ARGUMENT",
    "imageFile: the upload ended before the file did; nothing was kept",
    "imageFile：上传在文件结束前中断，未保留任何内容",
)
MISSING_FIELD = ErrorSpec(400, "INVALID_ARGUMENT", "{field}: required", "{field}：必填")
BAD_FIELD = ErrorSpec(400, "INVALID_ARGUMENT", "{field}: {detail}", "{field}：{detail}")
