from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value

from bmp_common.errors import BmpError
from bmp_openapi.catalog.error_codes import IMAGE_NOT_FOUND
from bmp_openapi.catalog.fields import split_ids
from bmp_openapi.catalog.models import DeviceType, DeviceTypeImage, DeviceTypeImagePartition, Image

# query parameter -> lookup, for the filters describeImages and describeDeviceTypeImages share
EXACT_FILTERS = {
    "imageId": "image_id",
    "version": "os__os_version",
    "osId": "os__os_id",
    "source": "source",
    "architecture": "os__architecture",
    "osType": "os__os_type",
}


def _annotated(queryset: QuerySet[Image], device_type: DeviceType | None) -> QuerySet[Image]:
    """Adds ``device_type_num`` (live device types bound) and ``is_bind`` (to ``device_type``)."""
    queryset = queryset.select_related("os").annotate(
        device_type_num=Count(
            "device_type_links",
            filter=Q(device_type_links__device_type__delete_marker=0),
            distinct=True,
        )
    )
    if device_type is None:
        return queryset.annotate(is_bind=Value(False))
    bound = DeviceTypeImage.objects.filter(image=OuterRef("pk"), device_type=device_type)
    return queryset.annotate(is_bind=Exists(bound))


def _filtered(queryset: QuerySet[Image], filters: dict) -> QuerySet[Image]:
    for field, lookup in EXACT_FILTERS.items():
        if filters.get(field):
            queryset = queryset.filter(**{lookup: filters[field]})
    if filters.get("imageName"):
        queryset = queryset.filter(image_name__icontains=filters["imageName"])
    if filters.get("imageIds"):
        queryset = queryset.filter(image_id__in=split_ids(filters["imageIds"]))
    return queryset


def image_list(*, filters: dict, device_type: DeviceType | None = None) -> QuerySet[Image]:
    """describeImages: every image; ``is_bind`` says whether ``device_type`` has it."""
    return _annotated(_filtered(Image.objects.all(), filters), device_type)


def device_type_image_list(*, filters: dict, device_type: DeviceType | None) -> QuerySet[Image]:
    """describeDeviceTypeImages: the images bound to ``device_type`` (to any live one if None)."""
    bound = DeviceTypeImage.objects.filter(image=OuterRef("pk"), device_type__delete_marker=0)
    if device_type is not None:
        bound = bound.filter(device_type=device_type)
    queryset = _filtered(Image.objects.filter(Exists(bound)), filters)
    return _annotated(queryset, device_type)


def image_get(*, image_id: str) -> Image:
    found = _annotated(Image.objects.filter(image_id=image_id), None).first()
    if found is None:
        raise BmpError(IMAGE_NOT_FOUND, image_id=image_id)
    return found


def image_partitions(*, device_type: DeviceType, image: Image) -> dict[str, list[dict]]:
    """The default partitions of instances of ``device_type`` installed with ``image``."""
    result = {"systemPartition": [], "dataPartition": []}
    rows = DeviceTypeImagePartition.objects.filter(device_type=device_type, image=image)
    for row in rows:
        key = "dataPartition" if row.partition_type == "data" else "systemPartition"
        result[key].append(
            {
                "format": row.partition_fs_type,
                "point": row.partition_mount_point,
                "size": row.partition_size,
            }
        )
    return result
