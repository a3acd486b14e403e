from django.apps import AppConfig


def _idc_has_device_types(idc) -> bool:
    from bmp_openapi.catalog.models import DeviceType

    return DeviceType.objects.filter(idc=idc).exists()


class CatalogConfig(AppConfig):
    name = "bmp_openapi.catalog"
    label = "catalog"
    verbose_name = "Catalog (OSs, images, RAID levels, device types)"

    def ready(self):
        from bmp_openapi.idcs.services import IN_USE_CHECKS

        if not any(check is _idc_has_device_types for _, check in IN_USE_CHECKS):
            IN_USE_CHECKS.append((("device types", "机型"), _idc_has_device_types))
