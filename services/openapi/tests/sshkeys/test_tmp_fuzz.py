import schemathesis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import strategies as st

exec(open("services/openapi/tests/test_fuzz_contract.py").read().split("@schema.parametrize()")[0])


def _openssh(private_key) -> str:
    public = private_key.public_key()
    return public.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


_FIXED_KEYS = [
    _openssh(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    *(_openssh(ec.generate_private_key(c)) for c in (ec.SECP256R1(), ec.SECP384R1(), ec.SECP521R1())),
]
_keys = st.one_of(
    st.sampled_from(_FIXED_KEYS),
    st.binary(min_size=32, max_size=32).map(
        lambda seed: _openssh(ed25519.Ed25519PrivateKey.from_private_bytes(seed))
    ),
)
_comments = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40)
schemathesis.openapi.format(
    "ssh-public-key", st.tuples(_keys, _comments).map(lambda p: f"{p[0]} {p[1]}".rstrip())
)

exec("@schema.parametrize()" + open("services/openapi/tests/test_fuzz_contract.py").read().split("@schema.parametrize()")[1])
