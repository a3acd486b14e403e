"""POST /devices/upload: a device import file, imported whole or not at all; GET
/devices/template: the file to fill in.

The upload is upstream's form (``multipart/form-data``, the file in ``deviceFile``) with the
IDC to import into (``idcId``) and, optionally, the device type to give every device
(``deviceTypeId``). Upstream only parsed the file here and imported with a second call; this
route checks and imports in one, so that a file is never half imported.

A file with bad rows answers 400 with every problem: the message lists them (the first 20), and
``error.rows`` holds them all as ``{row, column, value, reason}`` (``row``: Excel's row number;
BMC passwords are never echoed).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from bmp_common.api.envelope import error_body_for
from bmp_common.bff.excel import XLSX_TYPE, export_language
from bmp_common.bff.openapi import caller_for, openapi
from bmp_common.bff.views import BffApi
from bmp_common.errors import BmpError
from bmp_operation_api.device_import import error_codes
from bmp_operation_api.device_import.checks import NotATemplate, TooManyRows, read_rows
from bmp_operation_api.device_import.services import RowsRefused, devices_import
from bmp_operation_api.device_import.template import template_xlsx

SHOWN_PROBLEMS = 20
FIELD_LIMIT = 64


class DeviceImportApi(BffApi):
    parser_classes = (MultiPartParser,)
    body_limit_setting = "BMP_DEVICE_IMPORT_MAX_BYTES"

    def post(self, request):
        upload = request.FILES.get("deviceFile")
        idc_id = request.data.get("idcId", "").strip()
        device_type_id = request.data.get("deviceTypeId", "").strip()
        if upload is None:
            raise BmpError(error_codes.NOT_A_TEMPLATE, detail="deviceFile: required")
        if not idc_id or len(idc_id) > FIELD_LIMIT:
            raise BmpError(error_codes.NOT_A_TEMPLATE, detail="idcId: required")
        if len(device_type_id) > FIELD_LIMIT:
            raise BmpError(error_codes.UNKNOWN_DEVICE_TYPE, device_type_id=device_type_id[:64])
        if not upload.name.lower().endswith(".xlsx"):
            raise BmpError(error_codes.NOT_A_TEMPLATE, detail="the file must be an .xlsx")
        limit = settings.BMP_DEVICE_IMPORT_MAX_ROWS
        try:
            rows = read_rows(upload, max_rows=limit)
        except NotATemplate as exc:
            raise BmpError(error_codes.NOT_A_TEMPLATE, detail=str(exc)) from None
        except TooManyRows:
            raise BmpError(error_codes.TOO_MANY_ROWS, limit=limit) from None
        finally:
            upload.close()
        language = export_language(request)
        caller = caller_for(request)

        def call(operation_id: str, **arguments) -> dict:
            return openapi().call(operation_id, caller=caller, **arguments)

        try:
            result = devices_import(
                call=call,
                rows=rows,
                idc_id=idc_id,
                device_type_id=device_type_id,
                language=language,
            )
        except RowsRefused as refused:
            return self.refused(request, refused)
        return Response(
            {
                "success": True,
                "count": len(result.device_ids),
                "deviceIds": result.device_ids,
                "associated": result.associated,
            }
        )

    def refused(self, request, refused: RowsRefused) -> Response:
        problems = refused.problems
        shown = "; ".join(
            f"row {p.row} {p.column}: {p.value + ': ' if p.value else ''}{p.reason}"
            for p in problems[:SHOWN_PROBLEMS]
        )
        if len(problems) > SHOWN_PROBLEMS:
            shown += f"; … (+{len(problems) - SHOWN_PROBLEMS})"
        error = BmpError(
            error_codes.ROWS_REFUSED, count=len({p.row for p in problems}), detail=shown
        )
        body = error_body_for(request, error)
        body["error"]["rows"] = [
            {"row": p.row, "column": p.column, "value": p.value, "reason": p.reason}
            for p in problems
        ]
        return Response(body, status=error.spec.code)


class DeviceTemplateApi(BffApi):
    """GET: upstream's import template, headers in the user's language."""

    def get(self, request):
        language = export_language(request)
        response = HttpResponse(template_xlsx(language), content_type=XLSX_TYPE)
        response["Content-Disposition"] = 'attachment; filename="device_import.xlsx"'
        return response
