"""Serializers of the accounts API (users, roles, API keys): input fields each matching what the
contract says of it, and the answers with upstream's field names.

Patterns are checked on the value as sent, as a JSON Schema (ECMA-262) validator checks them:
no trimming, so nothing the contract forbids is accepted after a silent fix, and ``$`` is the
end of the text (Python's ``$`` would also allow one trailing newline; none of these patterns
allows a newline anywhere).
"""

from __future__ import annotations

import re

from rest_framework import serializers

from bmp_common.api.fields import LocalTimeField, row_id_field
from bmp_common.api.serializers import (
    MASK,
    AnswerSerializer,
    StrictCharField,
    StrictSerializer,
    name_field,
    text_field,
)
from bmp_common.i18n import LANGUAGE_NAMES, LANGUAGES, ZH_CN, display_name, request_language
from bmp_openapi.accounts.selectors import timezone_names

# Keep in step with shared/bmp_common/contract/parts/user.yaml and apiKey.yaml.
USER_NAME_PATTERN = r"^[0-9A-Za-z_-]+$"
# At least 3 of the 4 kinds among printable ASCII = made of no 2 kinds alone. Negative
# lookaheads only: generators (schemathesis) then draw valid passwords without filtering.
_KINDS = ("A-Z", "a-z", "0-9", r"!-/:-@\[-`{-~")  # upper, lower, digits, punctuation
PASSWORD_PATTERN = (
    "^"
    + "".join(f"(?![{_KINDS[i]}{_KINDS[j]}]*$)" for i in range(4) for j in range(i + 1, 4))
    + "[!-~]{8,30}$"
)
EMAIL_PATTERN = r"^([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?$"
PHONE_PREFIX_PATTERN = r"^(\+?[0-9]+)?$"
PHONE_NUMBER_PATTERN = r"^[0-9]*$"
APIKEY_NAME_PATTERN = r"^[\u4e00-\u9fa5A-Za-z0-9_-]+$"


class PatternField(StrictCharField):
    """A string matching ``pattern``, taken as sent."""

    default_error_messages = {"pattern": "has an invalid format"}

    def __init__(self, pattern: str, **kwargs):
        kwargs["trim_whitespace"] = False
        super().__init__(**kwargs)
        self.regex = re.compile(pattern)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        if value.endswith("\n") or not self.regex.search(value):
            self.fail("pattern")
        return value


def password_field(**kwargs) -> PatternField:
    """A new password: 8 to 30 printable ASCII characters, at least 3 of upper, lower, digit and
    punctuation. Taken exactly as typed."""
    return PatternField(PASSWORD_PATTERN, min_length=8, max_length=30, **kwargs)


def pattern_field(pattern: str, max_length: int, **kwargs) -> PatternField:
    """Optional text of a fixed format; empty when the pattern allows it."""
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    return PatternField(pattern, max_length=max_length, **kwargs)


class StrictChoiceField(serializers.ChoiceField):
    """One of ``choices``, as a string: DRF would also take 1 for "1"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


def language_field(**kwargs) -> StrictChoiceField:
    kwargs.setdefault("required", False)
    return StrictChoiceField(choices=list(LANGUAGES), **kwargs)


class TimezoneField(StrictCharField):
    """An IANA zone of the contract's ``Timezone`` list, exactly as written there."""

    default_error_messages = {"zone": "is not a known IANA time zone"}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs["trim_whitespace"] = False
        super().__init__(max_length=64, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in timezone_names():
            self.fail("zone")
        return value


class JsonIntegerField(serializers.IntegerField):
    """A JSON integer: not "1", not 1.0, not true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def body_of(request):
    """The JSON body of a write; a request without one is refused (400), even when every
    field is optional: the contract requires a body (``{}`` changes nothing)."""
    if request.stream is None:
        raise serializers.ValidationError({"body": ["a JSON body is required"]})
    return request.data


class UserOutputSerializer(AnswerSerializer):
    id = row_id_field()
    userId = serializers.CharField(source="user_id")
    userName = serializers.CharField(source="user_name")
    roleId = serializers.CharField(source="role.role_id")
    roleName = serializers.SerializerMethodField()
    email = serializers.CharField()
    phonePrefix = serializers.CharField(source="phone_prefix")
    phoneNumber = serializers.CharField(source="phone_number")
    defaultProjectId = serializers.CharField(source="default_project_id")
    defaultProjectName = serializers.CharField(source="default_project_name")
    instanceCount = serializers.IntegerField(source="instance_count")
    projectCount = serializers.IntegerField(source="project_count")
    language = serializers.CharField()
    languageName = serializers.SerializerMethodField()
    timezone = serializers.CharField()
    description = serializers.CharField()
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = LocalTimeField(source="updated_at")

    def _language(self):
        return request_language(self.context["request"])

    def get_roleName(self, user):
        role = user.role
        return role.role_name_cn if self._language() == ZH_CN else role.role_name_en

    def get_languageName(self, user):
        return display_name(LANGUAGE_NAMES, user.language, self._language())


class ProfileSerializer(StrictSerializer):
    """What a user may change of their own profile (modifyLocalUser); all optional."""

    email = pattern_field(EMAIL_PATTERN, 255)
    phonePrefix = pattern_field(PHONE_PREFIX_PATTERN, 8)
    phoneNumber = pattern_field(PHONE_NUMBER_PATTERN, 32)
    language = language_field()
    timezone = TimezoneField()
    description = text_field(255)


class CreateUserSerializer(ProfileSerializer):
    userName = PatternField(USER_NAME_PATTERN, min_length=1, max_length=64)
    password = password_field()
    roleId = name_field(64)


class ModifyUserSerializer(StrictSerializer):
    """What the admin may change of a user (modifyUser), as upstream; all optional."""

    email = pattern_field(EMAIL_PATTERN, 255)
    phonePrefix = pattern_field(PHONE_PREFIX_PATTERN, 8)
    phoneNumber = pattern_field(PHONE_NUMBER_PATTERN, 32)
    description = text_field(255)


class RoleOutputSerializer(serializers.Serializer):
    roleId = serializers.CharField(source="role_id")
    roleNameEn = serializers.CharField(source="role_name_en")
    roleNameCn = serializers.CharField(source="role_name_cn")
    descriptionEn = serializers.CharField(source="description_en")
    descriptionCn = serializers.CharField(source="description_cn")
    roleName = serializers.SerializerMethodField()
    permission = serializers.SerializerMethodField()
    userCount = serializers.IntegerField(source="user_count")
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = LocalTimeField(source="updated_at")

    def _chinese(self) -> bool:
        return request_language(self.context["request"]) == ZH_CN

    def get_roleName(self, role):
        return role.role_name_cn if self._chinese() else role.role_name_en

    def get_permission(self, role):
        # Upstream's permission: the role's description in the request language.
        return role.description_cn if self._chinese() else role.description_en


class RoleInputSerializer(StrictSerializer):
    roleNameEn = name_field(64)
    roleNameCn = name_field(64)
    descriptionEn = text_field(255)
    descriptionCn = text_field(255)


class ApiKeyOutputSerializer(serializers.Serializer):
    """Never the token nor its digest: upstream's clients require a token field, so it is
    present, always the mask (the token is shown once, by createUserApikey)."""

    id = row_id_field()
    apiKeyId = serializers.CharField(source="apikey_id")
    name = serializers.CharField()
    token = serializers.SerializerMethodField()
    readOnly = serializers.SerializerMethodField()
    type = serializers.CharField()
    source = serializers.CharField()
    userId = serializers.CharField(source="user.user_id")
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = LocalTimeField(source="updated_at")

    def get_readOnly(self, api_key) -> int:
        return int(api_key.read_only)

    def get_token(self, api_key) -> str:
        return MASK


def apikey_name_field(**kwargs) -> PatternField:
    return PatternField(APIKEY_NAME_PATTERN, min_length=1, max_length=64, **kwargs)
