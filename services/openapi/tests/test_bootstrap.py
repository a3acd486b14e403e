"""First start: the admin and its API key are generated, saved 0600, and never stored in clear."""

import stat

import pytest
from django.core.management import call_command

from bmp_openapi.accounts.models import ApiKey, User


@pytest.fixture
def credentials_file(tmp_path, monkeypatch):
    path = tmp_path / "credentials"
    monkeypatch.setenv("BMP_CREDENTIALS_FILE", str(path))
    monkeypatch.setenv("BMP_SYSTEM_API_KEY_FILE", str(tmp_path / "system-api-key"))
    monkeypatch.delenv("BMP_ADMIN_PASSWORD", raising=False)
    return path


def read_credentials(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


@pytest.mark.django_db
def test_first_start_writes_owner_only_credentials_that_work(credentials_file, capsys):
    call_command("bmp_bootstrap", "--print-credentials")

    assert stat.S_IMODE(credentials_file.stat().st_mode) == 0o600
    values = read_credentials(credentials_file)
    assert set(values) == {"BMP_ADMIN_USER", "BMP_ADMIN_PASSWORD", "BMP_ADMIN_API_KEY"}
    assert values["BMP_ADMIN_USER"] == "admin"
    assert len(values["BMP_ADMIN_PASSWORD"]) >= 16
    assert values["BMP_ADMIN_API_KEY"] in capsys.readouterr().out

    admin = User.objects.get(user_name="admin")
    assert admin.check_password(values["BMP_ADMIN_PASSWORD"])
    assert values["BMP_ADMIN_PASSWORD"] not in admin.password
    assert not ApiKey.objects.filter(token_digest=values["BMP_ADMIN_API_KEY"]).exists()

    from bmp_common.testing.contract import ContractClient

    client = ContractClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {values['BMP_ADMIN_API_KEY']}")
    assert client.get("/v1/local/users").json()["result"]["user"]["userName"] == "admin"


@pytest.mark.django_db
def test_second_start_changes_nothing_and_prints_no_secret(credentials_file, capsys):
    call_command("bmp_bootstrap")
    first = credentials_file.read_text()
    capsys.readouterr()

    call_command("bmp_bootstrap", "--print-credentials")

    assert credentials_file.read_text() == first
    assert read_credentials(credentials_file)["BMP_ADMIN_PASSWORD"] not in capsys.readouterr().out
    assert User.objects.filter(user_name="admin").count() == 1


@pytest.mark.django_db
def test_without_print_flag_no_secret_reaches_stdout(credentials_file, capsys):
    call_command("bmp_bootstrap")

    out = capsys.readouterr().out
    values = read_credentials(credentials_file)
    assert values["BMP_ADMIN_PASSWORD"] not in out
    assert values["BMP_ADMIN_API_KEY"] not in out


@pytest.mark.django_db
def test_admin_password_from_env_is_used(credentials_file, monkeypatch):
    monkeypatch.setenv("BMP_ADMIN_PASSWORD", "Chosen-by-operator-1")

    call_command("bmp_bootstrap")

    assert User.objects.get(user_name="admin").check_password("Chosen-by-operator-1")
    assert read_credentials(credentials_file)["BMP_ADMIN_PASSWORD"] == "Chosen-by-operator-1"


@pytest.mark.django_db
def test_the_three_roles_are_seeded_with_upstream_ids():
    from bmp_openapi.accounts.models import Role

    assert set(Role.objects.values_list("role_id", flat=True)) == {
        "role-admin-uuid-01",
        "role-operator-uuid-01",
        "role-user-uuid-01",
    }


@pytest.mark.django_db
def test_the_bffs_system_key_is_generated_and_kept_across_starts(credentials_file, capsys):
    key_file = credentials_file.parent / "system-api-key"
    call_command("bmp_bootstrap")
    token = key_file.read_text().strip()
    call_command("bmp_bootstrap")

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == token
    assert token not in capsys.readouterr().out
    assert ApiKey.objects.filter(type="system").count() == 1

    from bmp_common.testing.contract import ContractClient

    client = ContractClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    admin = User.objects.get(user_name="admin")
    assert client.get("/v1/local/users", HTTP_BMPUSERID=admin.user_id).status_code == 200


@pytest.mark.django_db
def test_a_lost_system_key_file_gets_a_new_key_and_the_old_one_stops(credentials_file):
    key_file = credentials_file.parent / "system-api-key"
    call_command("bmp_bootstrap")
    lost = key_file.read_text().strip()
    key_file.unlink()

    call_command("bmp_bootstrap")

    assert key_file.read_text().strip() != lost
    assert ApiKey.objects.filter(type="system").count() == 1
