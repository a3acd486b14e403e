"""Accounts endpoints (tags ``user``, ``role``, ``apiKey``): parse, call one service, render."""

from bmp_openapi.accounts.apis.apikeys import ApiKeyDetailApi, ApiKeyListCreateApi
from bmp_openapi.accounts.apis.roles import CurrentRoleApi, RoleDetailApi, RoleListCreateApi
from bmp_openapi.accounts.apis.users import (
    LocalUserApi,
    LocalUserPasswordApi,
    UserByNameApi,
    UserDetailApi,
    UserListCreateApi,
    UserVerifyApi,
)

__all__ = [
    "ApiKeyDetailApi",
    "ApiKeyListCreateApi",
    "CurrentRoleApi",
    "LocalUserApi",
    "LocalUserPasswordApi",
    "RoleDetailApi",
    "RoleListCreateApi",
    "UserByNameApi",
    "UserDetailApi",
    "UserListCreateApi",
    "UserVerifyApi",
]
