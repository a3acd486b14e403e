"""The BFF's one exception handler: every failure is the envelope, in the user's language.

openapi's errors are relayed as openapi answered them (code, status symbol, and the message
openapi wrote in the ``bmpLanguage`` the BFF sent); a request the contract refuses before it
is sent is the browser's mistake (400); openapi unreachable is 503, openapi answering outside
its contract 502. oob-alert's the same way (``bmp_common.oob_alert``).
"""

from __future__ import annotations

import logging

from rest_framework.response import Response

from bmp_common import errors
from bmp_common.api.envelope import error_body, error_body_for, request_id_of
from bmp_common.api.exceptions import drf_exception_handler
from bmp_common.bff import errors as bff_errors
from bmp_common.bff.sessions import NotLoggedIn
from bmp_common.contract.client import (
    AnswerOutsideContract,
    KeyFileError,
    OpenapiError,
    OpenapiUnavailable,
    RequestOutsideContract,
)
from bmp_common.errors import BmpError
from bmp_common.oob_alert import (
    OobAlertBadAnswer,
    OobAlertError,
    OobAlertUnavailable,
    UnknownRoute,
)

log = logging.getLogger(__name__)


def bff_exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, OpenapiError | OobAlertError):
        body = error_body(
            request_id_of(request), code=exc.code, message=exc.message, status=exc.status
        )
        return Response(body, status=exc.code)
    error = None
    if isinstance(exc, NotLoggedIn):
        error = BmpError(bff_errors.NOT_LOGIN)
    elif isinstance(exc, RequestOutsideContract):
        error = BmpError(errors.INVALID_ARGUMENT, detail=exc.detail)
    elif isinstance(exc, OpenapiUnavailable | KeyFileError):
        log.error("openapi unavailable: %s", exc)
        error = BmpError(bff_errors.OPENAPI_UNAVAILABLE)
    elif isinstance(exc, AnswerOutsideContract):
        log.error("openapi broke its contract: %s", exc)
        error = BmpError(bff_errors.OPENAPI_BROKE_CONTRACT, request_id=request_id_of(request))
    elif isinstance(exc, OobAlertUnavailable):
        log.error("oob-alert unavailable: %s", exc)
        error = BmpError(bff_errors.OOB_ALERT_UNAVAILABLE)
    elif isinstance(exc, OobAlertBadAnswer | UnknownRoute):
        log.error("oob-alert: %s", exc)
        error = BmpError(bff_errors.OOB_ALERT_BROKE_CONTRACT, request_id=request_id_of(request))
    if error is not None:
        return Response(error_body_for(request, error), status=error.spec.code)
    return drf_exception_handler(exc, context)
