"""Serializer bases shared by every API."""

from __future__ import annotations

import copy

from rest_framework import serializers

MASK = "******"


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know: a typo must not be silently ignored."""

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            unknown = sorted(set(self.initial_data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["unknown field"] for name in unknown})
        return super().validate(attrs)


class StrictItemSerializer(serializers.Serializer):
    """A nested object (an item of a list) that refuses fields it does not know: the rule of
    ``StrictSerializer``, which needs ``initial_data`` and so only works at the top level."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["unknown field"] for name in unknown})
        return super().to_internal_value(data)


# Fields that hold fields: their children are bound to them, so a copy needs its own children.
_FIELDS_WITH_CHILDREN = (serializers.BaseSerializer, serializers.ListField, serializers.DictField)


class AnswerSerializer(serializers.Serializer):
    """The base of an answer's serializer (it renders rows; it never validates input).

    DRF builds every serializer's fields by deep-copying the declared ones, which runs each
    field's ``__init__`` again: with 50 to 60 fields, a tenth of a list request's time. Here a
    leaf field is copied shallowly instead, and then bound to this serializer exactly as DRF
    binds its copy (``bind`` sets the name, parent, label and source on the copy). The declared
    field is never bound or rendered, and rendering writes nothing on a field, so no request's
    state is shared; what the copy shares with it is what ``__init__`` set up and nothing
    changes (validators, error messages, choices). A field that holds other fields (a nested
    serializer, a list or dict field) is deep-copied as DRF does."""

    def get_fields(self):
        return {
            name: copy.deepcopy(field)
            if isinstance(field, _FIELDS_WITH_CHILDREN)
            else copy.copy(field)
            for name, field in self._declared_fields.items()
        }


class MaskedSecretField(serializers.Field):
    """Renders a stored (encrypted) secret as a mask: set or not, never its value."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return MASK if value else ""


# Field builders that match what the contract says of a field (patterns in the contract:
# NO_NUL = ^[^\x00]*$ ; NAME = ^[^\x00]*[^\s\x00][^\x00]*$). Keep the two in step: schemathesis
# sends whatever the contract allows and expects it accepted.


# What ECMAScript's \s matches, which the contract's patterns are written in: Python's str.strip()
# would also strip \x1c-\x1f and \x85, and so refuse as blank a value the contract calls valid.
JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"  # noqa: E501


class StrictCharField(serializers.CharField):
    """A string, and only a string: DRF would turn 12 or true into "12" or "True".

    Surrounding whitespace is trimmed (unless ``trim_whitespace=False``) as the contract's
    patterns see whitespace, so that a value the contract accepts is never "blank" here.
    """

    def __init__(self, **kwargs):
        self.trim_contract_whitespace = kwargs.pop("trim_whitespace", True)
        super().__init__(trim_whitespace=False, **kwargs)

    def run_validation(self, data=serializers.empty):
        if self.trim_contract_whitespace and isinstance(data, str):
            data = data.strip(JS_WHITESPACE)
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer, and only an integer: not "12", not 12.0, not true, not an empty value."""

    default_error_messages = {"invalid": "A valid integer is required."}

    def get_value(self, dictionary):
        # DRF reads "?pageNumber=" as "not given"; a present but empty value is a mistake.
        if hasattr(dictionary, "getlist") and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)

    def validate_empty_values(self, data):
        if data == "":
            self.fail("invalid")
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        # A query string carries text ("?pageSize=20"); a JSON body must carry a number.
        from_query = hasattr(getattr(self.parent, "initial_data", None), "getlist")
        if isinstance(data, bool | float) or (isinstance(data, str) and not from_query):
            self.fail("invalid")
        return super().to_internal_value(data)


def name_field(max_length: int, **kwargs) -> serializers.CharField:
    """Required text with at least one visible character (surrounding spaces are trimmed)."""
    return StrictCharField(min_length=1, max_length=max_length, **kwargs)


def text_field(max_length: int, **kwargs) -> serializers.CharField:
    """Optional text, may be empty."""
    kwargs.setdefault("required", False)
    return StrictCharField(max_length=max_length, allow_blank=True, **kwargs)


def secret_field(max_length: int = 128, **kwargs) -> serializers.CharField:
    """A password or key: taken as typed (no trimming), may be empty to clear it."""
    kwargs.setdefault("required", False)
    return StrictCharField(max_length=max_length, allow_blank=True, trim_whitespace=False, **kwargs)


def filter_field(max_length: int) -> serializers.CharField:
    """An exact-match list filter; empty means no filter."""
    return text_field(max_length)
