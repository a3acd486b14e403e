"""Input fields of the accounts API, each matching what the contract says of it.

Patterns are checked on the value as sent, as a JSON Schema (ECMA-262) validator checks them:
no trimming, so nothing the contract forbids is accepted after a silent fix, and ``$`` is the
end of the text (Python's ``$`` would also allow one trailing newline; none of these patterns
allows a newline anywhere).
"""

from __future__ import annotations

import re

from rest_framework import serializers

from bmp_common.api.serializers import StrictCharField
from bmp_common.i18n import LANGUAGES
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
