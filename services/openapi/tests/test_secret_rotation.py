"""Key rotation: after ``bmp_rotate_secrets`` the old key can go and every secret still opens."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from bmp_common.crypto import SecretDecryptionError, decrypt_secret, encrypt_secret
from bmp_openapi.idcs.models import Idc
from bmp_openapi.inbox.models import MailSettings
from bmp_openapi.jobs.models import Job

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def stored_under_old_key(db, settings):
    settings.BMP_ENCRYPTION_KEY = OLD
    idc = Idc.objects.create(
        idc_id="idc-rot",
        name="rot",
        name_en="rot",
        ilo_user="admin",
        ilo_password_encrypted=encrypt_secret("bmc-secret"),
        switch_password1_encrypted="",  # no secret: stays empty
    )
    mail, _ = MailSettings.objects.update_or_create(  # the singleton row a migration made
        id=MailSettings.SINGLETON_ID,
        defaults={"admin_pass_encrypted": encrypt_secret("smtp-secret")},
    )
    job = Job.objects.create(
        job_id="job-rot",
        task="CreateInstance",
        idc_id="idc-rot",
        device_id="d-1",
        sn="SN1",
        submission={"node": {"bmc": {"password_encrypted": encrypt_secret("node-bmc")}}},
    )
    return idc, mail, job


def test_rotation_re_encrypts_columns_and_json_so_the_old_key_can_go(
    stored_under_old_key, settings, capsys
):
    idc, mail, job = stored_under_old_key
    settings.BMP_ENCRYPTION_KEY = f"{NEW},{OLD}"

    call_command("bmp_rotate_secrets")

    assert "3 secret(s) re-encrypted" in capsys.readouterr().out
    settings.BMP_ENCRYPTION_KEY = NEW  # the old key is gone
    idc.refresh_from_db()
    mail.refresh_from_db()
    job.refresh_from_db()
    assert decrypt_secret(idc.ilo_password_encrypted) == "bmc-secret"
    assert idc.switch_password1_encrypted == ""
    assert decrypt_secret(mail.admin_pass_encrypted) == "smtp-secret"
    assert decrypt_secret(job.submission["node"]["bmc"]["password_encrypted"]) == "node-bmc"


def test_a_secret_no_key_opens_is_reported_and_left_alone(stored_under_old_key, settings):
    idc, _, _ = stored_under_old_key
    before = idc.ilo_password_encrypted
    settings.BMP_ENCRYPTION_KEY = NEW  # the old key was dropped too early

    with pytest.raises(CommandError, match="no configured key decrypts"):
        call_command("bmp_rotate_secrets")

    idc.refresh_from_db()
    assert idc.ilo_password_encrypted == before
    settings.BMP_ENCRYPTION_KEY = OLD
    assert decrypt_secret(before) == "bmc-secret"
    settings.BMP_ENCRYPTION_KEY = NEW
    with pytest.raises(SecretDecryptionError):
        decrypt_secret(before)
