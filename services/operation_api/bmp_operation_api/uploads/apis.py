"""POST /images/upload: an image file, streamed into the image folder, registered in openapi.

Upstream's form (``multipart/form-data``, the file in ``imageFile``) with the image's details as
form fields, in any order around the file: ``imageName``, ``architecture``, ``osType``,
``version``, ``bootMode`` (upstream's names; ``Version`` and ``boot_mode``, openapi's, work
too), and optionally ``description``, ``source``, ``systemPartition`` and ``dataPartition``
(JSON lists, as upstream's console sends them). Upstream stored the file here and registered it
with a second call; this route does both, so that no file is left that no image names.

The answer is upstream's (``format``, ``fileName``, ``url``, ``hash``) plus the new ``imageId``,
the stored ``filename``, ``size``, ``sha256`` and ``md5``. openapi records the SHA-256 (the
agent checks the image it writes against it) and ``url`` ``{host}/<filename>`` (the agent puts
the image server in place of ``{host}``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from django.conf import settings
from django.http import QueryDict
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.datastructures import MultiValueDict
from rest_framework.response import Response

from bmp_common.bff.openapi import openapi
from bmp_common.bff.views import BffApi
from bmp_common.errors import BmpError
from bmp_operation_api.uploads import error_codes
from bmp_operation_api.uploads.storage import (
    ImageUploadHandler,
    UploadRefused,
    final_name,
)

log = logging.getLogger(__name__)

REQUIRED = {
    # openapi's field: the form's names for it (upstream's first)
    "imageName": ("imageName",),
    "architecture": ("architecture",),
    "osType": ("osType",),
    "Version": ("version", "Version"),
    "boot_mode": ("bootMode", "boot_mode"),
}
OPTIONAL = {"description": ("description",), "source": ("source",)}
PARTITIONS = ("systemPartition", "dataPartition")
REFUSALS = {
    "type": error_codes.WRONG_TYPE,
    "too_large": error_codes.TOO_LARGE,
    "interrupted": error_codes.INTERRUPTED,
    "twice": error_codes.TWO_FILES,
}


def _field(fields: QueryDict, names: tuple[str, ...]) -> str:
    return next((fields[name].strip() for name in names if fields.get(name, "").strip()), "")


def _registration(fields: QueryDict) -> dict:
    body = {}
    for name, names in REQUIRED.items():
        value = _field(fields, names)
        if not value:
            raise BmpError(error_codes.MISSING_FIELD, field=names[0])
        body[name] = value
    for name, names in OPTIONAL.items():
        value = _field(fields, names)
        if value:
            body[name] = value
    for name in PARTITIONS:
        raw = fields.get(name, "").strip()
        if raw:
            try:
                body[name] = json.loads(raw)
            except ValueError:
                raise BmpError(error_codes.BAD_FIELD, field=name, detail="not JSON") from None
    # Upstream's console sends the boot modes as a list or "a,b"; openapi takes one string.
    modes = [mode.strip() for mode in body["boot_mode"].strip("[]").replace('"', "").split(",")]
    body["boot_mode"] = ",".join(mode for mode in modes if mode)
    return body


class ImageUploadApi(BffApi):
    body_limit_setting = "BMP_IMAGE_UPLOAD_MAX_BYTES"
    body_limit_slack = 1024 * 1024  # the form's fields and the multipart framing

    def initial(self, request, *args, **kwargs):
        # The CSRF check must take the X-CSRFToken header only: looking for a form field, it
        # would read (and store) the whole upload first, before any check.
        django_request = request._request
        django_request._post, django_request._files = QueryDict(), MultiValueDict()
        super().initial(request, *args, **kwargs)

    def post(self, request):
        django_request = request._request
        content_type = django_request.META.get("CONTENT_TYPE", "")
        length = int(django_request.META.get("CONTENT_LENGTH") or 0)
        if not content_type.startswith("multipart/form-data") or length <= 0:
            raise BmpError(error_codes.NOT_MULTIPART)
        handler = ImageUploadHandler(
            django_request,
            folder=Path(settings.BMP_IMAGE_UPLOAD_DIR),
            max_bytes=settings.BMP_IMAGE_UPLOAD_MAX_BYTES,
        )
        published = None
        registered = False
        try:
            try:
                fields, _files = MultiPartParser(
                    django_request.META, django_request, [handler], "utf-8"
                ).parse()
            except MultiPartParserError as exc:
                log.warning("image upload: %s", exc)
                raise BmpError(error_codes.INTERRUPTED) from None
            if handler.refused is not None:
                raise self.refusal(handler.refused)
            if handler.stored is None:
                raise BmpError(error_codes.NO_FILE)
            stored = handler.stored
            body = _registration(fields)
            name = final_name(stored.file_name)
            body.update(
                format=stored.image_format,
                filename=name,
                url="{host}/" + name,
                hash=stored.sha256,
            )
            # Checked against the contract before the file takes its name.
            openapi().request_for("createImage", body=body)
            published = handler.publish(name)
            image_id = self.openapi("createImage", body=body)["imageId"]
            registered = True
        finally:
            handler.discard()
            if published is not None and not registered:
                published.unlink(missing_ok=True)
        log.info(
            "image %s uploaded: %s, %d bytes, sha256 %s", image_id, name, stored.size, stored.sha256
        )
        return Response(
            {
                "imageId": image_id,
                "format": stored.image_format,
                "fileName": stored.file_name,
                "filename": name,
                "url": body["url"],
                "hash": stored.sha256,
                "sha256": stored.sha256,
                "md5": stored.md5,
                "size": stored.size,
            }
        )

    @staticmethod
    def refusal(refused: UploadRefused) -> BmpError:
        spec = REFUSALS[refused.reason]
        if refused.reason == "type":
            ending = refused.params.get("ending")
            detail = f" ({ending}: not yet an image format of openapi)" if ending else ""
            return BmpError(spec, detail=detail)
        return BmpError(spec, **refused.params)
