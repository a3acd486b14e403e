"""SSH keys through the API: real keys, generated here, checked as OpenSSH would."""

import base64
import hashlib
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from bmp_common.testing.requirements import require_tools
from bmp_openapi.accounts.choices import ROLE_USER
from bmp_openapi.audit.models import AuditLog
from bmp_openapi.sshkeys.models import SshKey

from ..projects.helpers import Caller, error, ok


def openssh(private_key) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def ed25519_key() -> str:
    return openssh(ed25519.Ed25519PrivateKey.generate())


def rsa_key(bits=2048) -> str:
    return openssh(rsa.generate_private_key(public_exponent=65537, key_size=bits))


def ecdsa_key(curve) -> str:
    return openssh(ec.generate_private_key(curve))


@pytest.fixture
def olga(make_user):
    return Caller(*make_user("olga"))


@pytest.fixture
def tina(make_user):
    user, token = make_user("tina", role_id=ROLE_USER, source="console")
    return Caller(user, token, console=True)


def create(caller, key, name="laptop"):
    return ok(caller.post("/v1/user/sshkeys", {"name": name, "key": key}))["sshkeyId"]


def test_create_then_describe(olga):
    key = ed25519_key()
    blob = base64.b64decode(key.split()[1])

    sshkey_id = create(olga, f"{key} olga@laptop")
    sshkey = ok(olga.get(f"/v1/user/sshkeys/{sshkey_id}"))["sshkey"]

    assert sshkey_id.startswith("sshkey-") and sshkey["sshkeyId"] == sshkey_id
    assert (sshkey["name"], sshkey["key"], sshkey["keyType"]) == (
        "laptop",
        f"{key} olga@laptop",
        "ssh-ed25519",
    )
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    assert sshkey["fingerPrint"] == f"SHA256:{digest}"
    md5 = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    assert sshkey["fingerPrintMd5"] == ":".join(md5[i : i + 2] for i in range(0, 32, 2))
    assert (sshkey["userId"], sshkey["createdBy"]) == (olga.user.user_id, "olga")


@pytest.mark.parametrize("make_key", [ed25519_key, rsa_key, lambda: ecdsa_key(ec.SECP384R1())])
def test_the_fingerprint_is_what_ssh_keygen_prints(olga, tmp_path, make_key):
    require_tools("ssh-keygen", install="apt-get install openssh-client")
    key = make_key()
    (tmp_path / "key.pub").write_text(key + "\n")

    printed = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(tmp_path / "key.pub")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[1]

    sshkey_id = create(olga, key)
    assert ok(olga.get(f"/v1/user/sshkeys/{sshkey_id}"))["sshkey"]["fingerPrint"] == printed


@pytest.mark.parametrize(
    ("key", "key_type"),
    [
        (lambda: rsa_key(2048), "ssh-rsa"),
        (lambda: rsa_key(4096), "ssh-rsa"),
        (ed25519_key, "ssh-ed25519"),
        (lambda: ecdsa_key(ec.SECP256R1()), "ecdsa-sha2-nistp256"),
        (lambda: ecdsa_key(ec.SECP384R1()), "ecdsa-sha2-nistp384"),
        (lambda: ecdsa_key(ec.SECP521R1()), "ecdsa-sha2-nistp521"),
    ],
)
def test_every_supported_key_type_is_accepted(olga, key, key_type):
    sshkey_id = create(olga, key() + "\n")  # as pasted from a .pub file

    assert ok(olga.get(f"/v1/user/sshkeys/{sshkey_id}"))["sshkey"]["keyType"] == key_type


def swap_type(key: str, key_type: str) -> str:
    return f"{key_type} {key.split()[1]}"


def with_blob(key: str, change) -> str:
    blob = base64.b64decode(key.split()[1])
    return f"{key.split()[0]} {base64.b64encode(change(blob)).decode()}"


def typed_blob(key_type: str) -> str:
    """A key line of ``key_type`` whose blob names the same type (the rest does not matter)."""
    name = key_type.encode()
    blob = len(name).to_bytes(4, "big") + name + bytes(40)
    return f"{key_type} {base64.b64encode(blob).decode()}"


ED25519 = ed25519_key()
P256 = ecdsa_key(ec.SECP256R1())
BAD_KEYS = [
    ("", "Invalid argument: key"),
    ("not a key", "Invalid argument: key: unsupported key type not"),
    (ED25519.split()[1], "Invalid argument: key: not an OpenSSH public key"),
    (
        swap_type(ED25519, "ssh-rsa"),
        "Invalid argument: key: the key data is corrupt or is not a ssh-rsa key",
    ),
    (swap_type(P256, "ecdsa-sha2-nistp384"), "Invalid argument: key: the key data is corrupt"),
    (with_blob(ED25519, lambda b: b + b"extra"), "Invalid argument: key: the key data is corrupt"),
    (with_blob(ED25519, lambda b: b[:-4]), "Invalid argument: key: the key data is corrupt"),
    (ED25519.replace("AAAA", "AA!A", 1), "Invalid argument: key: the key data is corrupt"),
    (f"{ED25519} a\nssh-rsa AAAA b", "Invalid argument: key: not an OpenSSH public key"),
    (typed_blob("ssh-dss"), "Invalid argument: key: unsupported key type ssh-dss"),
    (
        typed_blob("sk-ssh-ed25519@openssh.com"),
        "Invalid argument: key: unsupported key type sk-ssh-ed25519@openssh.com",
    ),
    (rsa_key(1024), "Invalid argument: key: RSA keys need at least 2048 bits, this one has 1024"),
    (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
        "-----END OPENSSH PRIVATE KEY-----",
        "Invalid argument: key",
    ),
    (f"{ED25519} {'x' * 1024}", "Invalid argument: key"),
    (12, "Invalid argument: key"),
]


# Named: the keys are made afresh at each collection, and every test worker must collect the
# same test ids.
BAD_KEY_NAMES = [
    "empty", "not-a-key", "blob-only", "ed25519-as-rsa", "p256-as-p384", "trailing-bytes",
    "truncated", "bad-base64", "two-keys", "dss", "security-key", "rsa-1024", "private-key",
    "long-comment", "not-a-string",
]  # fmt: skip


@pytest.mark.parametrize(("key", "message"), BAD_KEYS, ids=BAD_KEY_NAMES)
def test_what_is_not_an_acceptable_public_key_is_400_and_writes_nothing(olga, key, message):
    answer = olga.post("/v1/user/sshkeys", {"name": "bad", "key": key})

    assert error(answer, 400).startswith(message)
    assert not SshKey.all_objects.exists()


def test_a_bad_key_is_explained_in_chinese(olga):
    answer = olga.post(
        "/v1/user/sshkeys", {"name": "old", "key": rsa_key(1024)}, HTTP_BMPLANGUAGE="zh_CN"
    )

    assert error(answer, 400) == "参数错误：key：RSA 密钥至少需要 2048 位，此密钥只有 1024 位"


def test_a_key_registered_already_is_409_whatever_its_comment(olga, tina):
    key = ed25519_key()
    create(olga, f"{key} home")

    english = error(olga.post("/v1/user/sshkeys", {"name": "work", "key": f"{key} work"}), 409)
    chinese = error(
        olga.post("/v1/user/sshkeys", {"name": "work", "key": key}, HTTP_BMPLANGUAGE="zh_CN"), 409
    )
    create(tina, key)  # another user may register the same key

    assert english == "This public key is already registered as laptop"
    assert chinese == "该公钥已登记为 laptop"
    assert SshKey.objects.filter(user=olga.user).count() == 1


def test_names_are_unique_per_user(olga, tina):
    create(olga, ed25519_key(), "laptop")

    message = error(olga.post("/v1/user/sshkeys", {"name": "laptop", "key": ed25519_key()}), 409)
    create(tina, ed25519_key(), "laptop")

    assert message == "You already have an SSH key named laptop"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": ED25519}, "name"),
        ({"name": "   ", "key": ED25519}, "name"),
        ({"name": "x" * 65, "key": ED25519}, "name"),
        ({"name": "k"}, "key"),
        ({"name": "k", "key": ED25519, "comment": "x"}, "comment"),
    ],
)
def test_bad_input_is_400_naming_the_field(olga, body, field):
    assert error(olga.post("/v1/user/sshkeys", body), 400).startswith(f"Invalid argument: {field}")
    assert not SshKey.objects.exists()


def test_list_shows_the_callers_keys_newest_first_and_pages_and_filters(olga, tina):
    for number in range(22):
        create(olga, ed25519_key(), f"key-{number:02d}")
    create(tina, ed25519_key(), "tinas")

    first = ok(olga.get("/v1/user/sshkeys"))
    second = ok(olga.get("/v1/user/sshkeys?pageNumber=2"))
    everything = ok(olga.get("/v1/user/sshkeys?isAll=1"))
    one = ok(olga.get("/v1/user/sshkeys?name=key-03"))

    assert (first["totalCount"], len(first["sshkeys"]), len(second["sshkeys"])) == (22, 20, 2)
    assert first["sshkeys"][0]["name"] == "key-21"
    assert len(everything["sshkeys"]) == 22
    assert [k["name"] for k in one["sshkeys"]] == ["key-03"]
    assert [k["name"] for k in ok(tina.get("/v1/user/sshkeys"))["sshkeys"]] == ["tinas"]


def test_modify_renames(olga):
    sshkey_id = create(olga, ed25519_key(), "laptop")
    create(olga, ed25519_key(), "desktop")

    taken = olga.put(f"/v1/user/sshkeys/{sshkey_id}", {"name": "desktop"})
    renamed = olga.put(f"/v1/user/sshkeys/{sshkey_id}", {"name": "old laptop"})

    assert error(taken, 409) == "You already have an SSH key named desktop"
    assert ok(renamed) == {"success": True}
    assert ok(olga.get(f"/v1/user/sshkeys/{sshkey_id}"))["sshkey"]["name"] == "old laptop"


def test_delete_hides_the_key_and_frees_its_name_and_key(olga):
    key = ed25519_key()
    sshkey_id = create(olga, key)

    assert ok(olga.delete(f"/v1/user/sshkeys/{sshkey_id}")) == {"success": True}

    assert error(olga.get(f"/v1/user/sshkeys/{sshkey_id}"), 404)
    assert ok(olga.get("/v1/user/sshkeys"))["totalCount"] == 0
    assert SshKey.all_objects.filter(sshkey_id=sshkey_id, deleted_at__isnull=False).exists()
    create(olga, key)


def test_another_users_key_does_not_exist_for_the_caller(olga, tina):
    sshkey_id = create(tina, ed25519_key())

    for answer in (
        olga.get(f"/v1/user/sshkeys/{sshkey_id}"),
        olga.put(f"/v1/user/sshkeys/{sshkey_id}", {"name": "mine"}),
        olga.delete(f"/v1/user/sshkeys/{sshkey_id}"),
        olga.get(f"/v1/user/sshkeys/instances/{sshkey_id}"),
    ):
        assert error(answer, 404) == f"SSH key {sshkey_id} does not exist"
    assert SshKey.objects.get(sshkey_id=sshkey_id).name == "laptop"


def test_an_unknown_key_is_404_in_the_request_language(olga):
    answer = olga.get("/v1/user/sshkeys/sshkey-nope", HTTP_BMPLANGUAGE="zh_CN")

    assert error(answer, 404) == "SSH 密钥 sshkey-nope 不存在"


def test_a_new_key_is_on_no_instance(tina):
    sshkey_id = create(tina, ed25519_key())

    assert ok(tina.get(f"/v1/user/sshkeys/instances/{sshkey_id}")) == {"instanceIds": []}


def test_every_write_is_audited_with_its_result(olga):
    sshkey_id = create(olga, ed25519_key())
    olga.post("/v1/user/sshkeys", {"name": "bad", "key": "ssh-rsa AAAA"})
    olga.put(f"/v1/user/sshkeys/{sshkey_id}", {"name": "work"})
    olga.delete(f"/v1/user/sshkeys/{sshkey_id}")

    entries = list(
        AuditLog.objects.order_by("id").values_list("operation", "resource_id", "result")
    )

    assert entries == [
        ("CreateSshkey", sshkey_id, "success"),
        ("CreateSshkey", "", "fail"),
        ("ModifySshkey", sshkey_id, "success"),
        ("DeleteSshkey", sshkey_id, "success"),
    ]
    assert "key" in AuditLog.objects.get(result="fail").fail_reason
