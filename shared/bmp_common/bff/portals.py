"""The two portals: who may log in to each, and the names of what each keeps in the browser and
in Redis (upstream's names, so that both consoles can sit on one host: cookies ignore ports)."""

from __future__ import annotations

from dataclasses import dataclass

# openapi's seeded role ids (bmp_openapi.accounts.choices); an admin passes every portal's check.
ROLE_USER = "role-user-uuid-01"
ROLE_OPERATOR = "role-operator-uuid-01"


@dataclass(frozen=True)
class Portal:
    name: str
    role_id: str  # verifyUser's roleId: who may log in
    openapi_profile: str  # which openapi the BFF calls: console (8802) or operation (8801)
    session_cookie: str
    csrf_cookie: str
    custom_prefix: str  # Redis key of a user's column choices: <prefix><userId>:<pageKey>


CONSOLE = Portal(
    name="console",
    role_id=ROLE_USER,
    openapi_profile="console",
    session_cookie="bmp_console_api",
    csrf_cookie="bmp_console_csrftoken",
    custom_prefix="custom_info_console_",
)
OPERATION = Portal(
    name="operation",
    role_id=ROLE_OPERATOR,
    openapi_profile="operation",
    session_cookie="bmp_ironic_operation",
    csrf_cookie="bmp_operation_csrftoken",
    custom_prefix="custom_info_operation_",
)
