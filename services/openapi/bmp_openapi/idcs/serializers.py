"""Serializers of the IDC endpoints: what they accept and how they render an IDC."""

from __future__ import annotations

from django.core.validators import RegexValidator
from rest_framework import serializers

from bmp_common.api.fields import LocalTimeField, row_id_field
from bmp_common.api.serializers import (
    MaskedSecretField,
    StrictSerializer,
    name_field,
    secret_field,
    text_field,
)
from bmp_openapi.core.scoping import FleetFieldsMixin

BMC_CA_BUNDLE_MAX = 65536
# Empty (no bundle), or PEM certificates and what may sit between them (comments, blanks).
PEM_BUNDLE = (
    r"^(\s*|[^\x00]*-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----[^\x00]*)$"
)


class IdcOutputSerializer(FleetFieldsMixin, serializers.Serializer):
    # Every credential, masked or not (a user name is half of one), and the operators' names.
    fleet_only_fields = (
        "iloUser",
        "iloPassword",
        "switchUser1",
        "switchPassword1",
        "switchUser2",
        "switchPassword2",
        "bmcCaBundle",
        "createdBy",
        "updatedBy",
    )

    id = row_id_field()
    idcId = serializers.CharField(source="idc_id")
    name = serializers.CharField()
    nameEn = serializers.CharField(source="name_en")
    shortname = serializers.CharField()
    level = serializers.CharField()
    address = serializers.CharField()
    iloUser = serializers.CharField(source="ilo_user")
    iloPassword = MaskedSecretField(source="ilo_password_encrypted")
    switchUser1 = serializers.CharField(source="switch_user1")
    switchPassword1 = MaskedSecretField(source="switch_password1_encrypted")
    switchUser2 = serializers.CharField(source="switch_user2")
    switchPassword2 = MaskedSecretField(source="switch_password2_encrypted")
    bmcCaBundle = serializers.CharField(source="bmc_ca_bundle")
    createdBy = serializers.CharField(source="created_by")
    createdTime = LocalTimeField(source="created_at")
    updatedBy = serializers.CharField(source="updated_by")
    updatedTime = LocalTimeField(source="updated_at")
    # Upstream's Idc names its times both ways.
    createTime = LocalTimeField(source="created_at")
    updateTime = LocalTimeField(source="updated_at")


class IdcInputSerializer(StrictSerializer):
    name = name_field(64)
    nameEn = name_field(64)
    shortname = serializers.RegexField(
        r"^[0-9A-Za-z_-]*$", max_length=32, required=False, allow_blank=True
    )
    level = name_field(32)
    address = text_field(255)
    iloUser = text_field(64)
    iloPassword = secret_field()
    switchUser1 = text_field(64)
    switchPassword1 = secret_field()
    switchUser2 = text_field(64)
    switchPassword2 = secret_field()
    bmcCaBundle = text_field(
        BMC_CA_BUNDLE_MAX,
        trim_whitespace=False,
        validators=[RegexValidator(PEM_BUNDLE, "PEM certificates (-----BEGIN CERTIFICATE-----)")],
    )
