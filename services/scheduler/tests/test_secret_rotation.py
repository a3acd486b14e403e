"""The scheduler's stored secrets (a job's node facts, a step's params) follow a key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from bmp_common.crypto import decrypt_secret, encrypt_secret
from bmp_scheduler.workflow.models import Job, Step

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.mark.django_db
def test_in_flight_jobs_secrets_open_with_the_new_key_alone(settings):
    settings.BMP_ENCRYPTION_KEY = OLD
    job = Job.objects.create(
        job_id="job-rot",
        task="CreateInstance",
        idc_id="idc-1",
        node={"bmc": {"address": "10.0.0.1", "password_encrypted": encrypt_secret("bmc")}},
        spec={"password_encrypted": encrypt_secret("root")},
    )
    step = Step.objects.create(
        job=job,
        index=0,
        action="SetPassword",
        target="agent",
        timeout_s=60,
        policy="fail",
        params={"username": "root", "password_encrypted": encrypt_secret("root")},
    )

    settings.BMP_ENCRYPTION_KEY = f"{NEW},{OLD}"
    call_command("bmp_rotate_secrets")
    settings.BMP_ENCRYPTION_KEY = NEW

    job.refresh_from_db()
    step.refresh_from_db()
    assert decrypt_secret(job.node["bmc"]["password_encrypted"]) == "bmc"
    assert job.node["bmc"]["address"] == "10.0.0.1"
    assert decrypt_secret(job.spec["password_encrypted"]) == "root"
    assert decrypt_secret(step.params["password_encrypted"]) == "root"
    assert step.params["username"] == "root"
