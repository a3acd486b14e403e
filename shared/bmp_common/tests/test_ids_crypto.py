"""Ids, tokens and passwords are random; secrets at rest decrypt only with our keys."""

import re

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from bmp_common.crypto import SecretDecryptionError, decrypt_secret, encrypt_secret
from bmp_common.ids import new_id, new_password, new_token, token_digest


def test_ids_have_upstream_shape_and_do_not_repeat():
    ids = {new_id("idc") for _ in range(5000)}

    assert len(ids) == 5000
    assert all(re.fullmatch(r"idc-[a-z0-9]{28}", value) for value in ids)


def test_tokens_are_long_and_stored_as_a_digest():
    token = new_token()

    assert len(token) >= 43
    assert token_digest(token) != token
    assert len(token_digest(token)) == 64


def test_generated_passwords_meet_the_policy():
    for _ in range(200):
        password = new_password()
        assert len(password) == 20
        assert re.search(r"[a-z]", password) and re.search(r"[A-Z]", password)
        assert re.search(r"[0-9]", password) and re.search(r"[@%+\-_=]", password)


KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def test_secret_round_trips_and_is_not_stored_in_clear():
    with override_settings(BMP_ENCRYPTION_KEY=KEY_A):
        stored = encrypt_secret("cPs@Cp2019U")

        assert "cPs@Cp2019U" not in stored
        assert decrypt_secret(stored) == "cPs@Cp2019U"


def test_a_rotated_key_still_decrypts_old_secrets():
    with override_settings(BMP_ENCRYPTION_KEY=KEY_A):
        old = encrypt_secret("bmc-pass")
    with override_settings(BMP_ENCRYPTION_KEY=f"{KEY_B},{KEY_A}"):
        assert decrypt_secret(old) == "bmc-pass"


def test_a_foreign_key_cannot_decrypt():
    with override_settings(BMP_ENCRYPTION_KEY=KEY_A):
        stored = encrypt_secret("bmc-pass")
    with override_settings(BMP_ENCRYPTION_KEY=KEY_B), pytest.raises(SecretDecryptionError):
        decrypt_secret(stored)
