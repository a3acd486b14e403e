"""IDCs. The BMC and switch credentials (their user names, and whether a password is set:
openapi never answers a password) are left out of every answer unless the operator typed their
password again a moment ago (``POST /idc/VerifyUser``) and asks for them with ``?show=``."""

from __future__ import annotations

from rest_framework.response import Response

from bmp_common.bff.excel import openapi_rows, wants_export, xlsx_response
from bmp_common.bff.views import BffApi
from bmp_common.errors import BmpError
from bmp_operation_api import exports
from bmp_operation_api.accounts.apis import credentials_open
from bmp_operation_api.error_codes import PASSWORD_RECHECK_NEEDED

CREDENTIALS = (
    "iloUser",
    "iloPassword",
    "switchUser1",
    "switchPassword1",
    "switchUser2",
    "switchPassword2",
)
# Upstream's ?show= names the passwords to show; any value shows them all here (the passwords
# are masked by openapi anyway), none hides them.
SHOW = "show"


def _shown(request) -> bool:
    if not request.query_params.get(SHOW):
        return False
    if not credentials_open(request):
        raise BmpError(PASSWORD_RECHECK_NEEDED)
    return True


def _without_credentials(idc: dict) -> dict:
    return {key: value for key, value in idc.items() if key not in CREDENTIALS}


def _query(request) -> dict:
    return {k: v for k, v in request.query_params.items() if k not in (SHOW, "exportType")}


class IdcsApi(BffApi):
    """GET /idc: the IDCs (``?show=`` with credentials); PUT /idc: a new IDC."""

    def get(self, request):
        if wants_export(request):  # the export's columns hold no credential
            rows = openapi_rows(
                lambda query: self.openapi("describeIdcs", query=query),
                exports.IDCS,
                _query(request),
            )
            return xlsx_response(request, exports.IDCS, rows)
        shown = _shown(request)
        found = self.openapi("describeIdcs", query=_query(request))
        if not shown:
            found = {**found, "idcs": [_without_credentials(idc) for idc in found["idcs"]]}
        return Response(found)

    def put(self, request):
        return Response(self.openapi("createIdc", body=request.data))


class IdcApi(BffApi):
    """GET (``?show=`` with credentials), PUT (modify), DELETE /idc/:id."""

    def get(self, request, idc_id):
        shown = _shown(request)
        found = self.openapi("describeIdc", path={"idc_id": idc_id})
        if not shown:
            found = {**found, "idc": _without_credentials(found["idc"])}
        return Response(found)

    def put(self, request, idc_id):
        return Response(self.openapi("modifyIdc", path={"idc_id": idc_id}, body=request.data))

    def delete(self, request, idc_id):
        return Response(self.openapi("deleteIdc", path={"idc_id": idc_id}))
