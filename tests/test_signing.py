"""Signatures that OpenSSH's own ssh-keygen checks, and timestamps from a stand-in authority."""

import base64
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique import signing
from communique.errors import CommuniqueError
from tsa import Authority

SUMS = b"0" * 64 + b"  archive.db\n" + b"1" * 64 + b"  envoy-2020.jsonl\n"


def keygen(*args: str, data: bytes | None = None, cwd: Path | None = None):
    return subprocess.run(["ssh-keygen", *args], input=data, capture_output=True, cwd=cwd)


def make_key(folder: Path, *options: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "key"
    keygen("-q", "-t", "ed25519", "-N", "", "-C", "alice@press-office-laptop", *options,
           "-f", str(path))  # fmt: skip
    return path


def verify(folder: Path, public: str, data: bytes, signature: bytes) -> int:
    """What the provenance page tells a reader to run: ssh-keygen -Y verify."""
    (folder / "allowed_signers").write_text(f'archive namespaces="communique" {public}\n')
    (folder / "check.sig").write_bytes(signature)
    return keygen("-Y", "verify", "-f", "allowed_signers", "-I", "archive", "-n", "communique",
                  "-s", "check.sig", data=data, cwd=folder).returncode  # fmt: skip


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> Path:
    return make_key(tmp_path_factory.mktemp("key"))


@pytest.fixture(scope="module")
def signer(key) -> signing.Signer:
    return signing.private_key(key.read_text(), "COMMUNIQUE_SIGNING_KEY")


@pytest.mark.parametrize("data", [SUMS, b"", b"12 7d2c4e\n"])
def test_a_signature_is_what_ssh_keygen_makes_and_ssh_keygen_accepts_it(
    key, signer, tmp_path, data
):
    (tmp_path / "SHA256SUMS").write_bytes(data)
    made = keygen("-Y", "sign", "-f", str(key), "-n", "communique", str(tmp_path / "SHA256SUMS"))
    assert made.returncode == 0
    signature = signer.sign(data)
    assert signature == (tmp_path / "SHA256SUMS.sig").read_bytes()  # Ed25519: deterministic
    assert verify(tmp_path, signer.public_line, data, signature) == 0
    signing.check(data, signature, signer.public_line)


def test_the_public_key_is_openssh_s_without_the_key_s_comment(key, signer):
    kind, blob, comment = (key.parent / "key.pub").read_text().split()
    assert signer.public_line == f"{kind} {blob}"
    listed = keygen("-l", "-f", str(key.parent / "key.pub")).stdout.decode().split()
    assert signer.fingerprint == listed[1]
    assert comment not in repr(signer) + signer.public_line


@pytest.mark.parametrize("change", [b"2", b"0" * 64 + b"  archive.db\n", SUMS + b"\n"])
def test_a_changed_file_fails_ssh_keygen_and_check(signer, tmp_path, change):
    signature = signer.sign(SUMS)
    assert verify(tmp_path, signer.public_line, change, signature) != 0
    with pytest.raises(CommuniqueError, match="SHA256SUMS.sig: does not match"):
        signing.check(change, signature, signer.public_line, name="SHA256SUMS.sig")


def test_check_refuses_another_key_and_another_namespace(key, signer, tmp_path):
    other = signing.private_key(make_key(tmp_path / "other").read_text(), "key")
    with pytest.raises(CommuniqueError, match="made with another key"):
        signing.check(SUMS, other.sign(SUMS), signer.public_line)
    (tmp_path / "SUMS").write_bytes(SUMS)
    keygen("-Y", "sign", "-f", str(key), "-n", "git", str(tmp_path / "SUMS"))
    with pytest.raises(CommuniqueError, match="made for b'git'"):
        signing.check(SUMS, (tmp_path / "SUMS.sig").read_bytes(), signer.public_line)


@given(st.binary(max_size=300))
def test_any_bytes_as_a_signature_are_refused_with_one_error(signer, blob):
    armored = signing.ARMOR[0] + "\n" + base64.b64encode(blob).decode() + "\n" + signing.ARMOR[1]
    for signature in (blob, armored.encode()):
        with pytest.raises(CommuniqueError):
            signing.check(SUMS, signature, signer.public_line)


@given(st.integers(min_value=0), st.integers(min_value=1, max_value=255))
def test_a_signature_changed_anywhere_is_refused(signer, where, flip):
    blob = bytearray(base64.b64decode("".join(signer.sign(SUMS).decode().splitlines()[1:-1])))
    blob[where % len(blob)] ^= flip
    armored = "\n".join([signing.ARMOR[0], base64.b64encode(blob).decode(), signing.ARMOR[1]])
    with pytest.raises(CommuniqueError):
        signing.check(SUMS, armored.encode(), signer.public_line)


def damaged(text: str) -> str:
    lines = text.splitlines()
    body = bytearray(base64.b64decode("".join(lines[1:-1])))
    body[-40] ^= 1  # in the private half
    return "\n".join([lines[0], base64.b64encode(body).decode(), lines[-1]])


BAD_KEYS = {
    "a passphrase": (lambda folder: make_key(folder, "-N", "secret passphrase").read_text(),
                     "protected by a passphrase"),
    "an RSA key": (lambda folder: make_rsa(folder).read_text(), "a ssh-rsa key"),
    "a public key": (lambda folder: make_key(folder).with_suffix(".pub").read_text(),
                     "not an OpenSSH private key"),
    "damaged": (lambda folder: damaged(make_key(folder).read_text()), "damaged"),
    "text": (lambda folder: "hunter2-not-a-key", "not an OpenSSH private key"),
}  # fmt: skip


def make_rsa(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    keygen("-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", str(folder / "key"))
    return folder / "key"


@pytest.mark.parametrize("kind", BAD_KEYS)
def test_a_bad_key_is_one_line_naming_the_setting_and_never_the_key(tmp_path, kind):
    make, why = BAD_KEYS[kind]
    text = make(tmp_path / "k")
    with pytest.raises(CommuniqueError) as error:
        signing.signer_from({"COMMUNIQUE_SIGNING_KEY": text}, [])
    message = str(error.value)
    assert message.startswith("COMMUNIQUE_SIGNING_KEY: ") and why in message
    assert "\n" not in message
    assert not any(len(line) > 8 and line in message for line in text.splitlines())


@given(st.text(max_size=200))
def test_any_text_as_a_key_is_refused_with_one_error(text):
    armored = "\n".join([*signing.PRIVATE_ARMOR[:1], text, signing.PRIVATE_ARMOR[1]])
    for given_text in (text, armored):
        try:
            signing.private_key(given_text, "KEY")
        except CommuniqueError as e:
            assert str(e).startswith("KEY")


def test_a_key_file_inside_the_project_or_the_output_is_refused(key, tmp_path):
    project, output = tmp_path / "project", tmp_path / "site"
    for folder in (project, output):
        inside = folder / "keys" / "signing"
        inside.parent.mkdir(parents=True)
        inside.write_text(key.read_text())
        (tmp_path / f"link-{folder.name}").symlink_to(inside)  # found by where it leads
        for path in (inside, tmp_path / f"link-{folder.name}"):
            with pytest.raises(CommuniqueError, match="COMMUNIQUE_SIGNING_KEY_FILE: .* inside"):
                signing.signer_from({"COMMUNIQUE_SIGNING_KEY_FILE": str(path)}, [project, output])
    found = signing.signer_from({"COMMUNIQUE_SIGNING_KEY_FILE": str(key)}, [project, output])
    assert found.public_line == signing.private_key(key.read_text(), "key").public_line


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"COMMUNIQUE_SIGNING_KEY_FILE": "/nonexistent/key"}, "/nonexistent/key: No such file"),
        ({"COMMUNIQUE_SIGNING_KEY": "x", "COMMUNIQUE_SIGNING_KEY_FILE": "/k"}, "both set"),
    ],
)
def test_a_key_that_cannot_be_had_is_one_line(environ, message):
    with pytest.raises(CommuniqueError, match=message):
        signing.signer_from(environ, [])


def test_no_key_set_is_no_signer():
    assert signing.signer_from({"COMMUNIQUE_SIGNING_KEY": "  "}, []) is None
    assert signing.signer_from({}, []) is None


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    with Authority(tmp_path_factory.mktemp("tsa")) as server:
        yield server


def test_a_timestamp_is_a_token_openssl_verifies_against_the_authority(authority, tmp_path):
    token = signing.timestamp(authority.url, SUMS, "SHA256SUMS")
    (tmp_path / "SHA256SUMS").write_bytes(SUMS)
    (tmp_path / "SHA256SUMS.tsr").write_bytes(token)
    checked = authority.verify(tmp_path / "SHA256SUMS", tmp_path / "SHA256SUMS.tsr")
    assert checked.stdout == "Verification: OK\n"
    (tmp_path / "SHA256SUMS").write_bytes(SUMS + b"\n")
    assert authority.verify(tmp_path / "SHA256SUMS", tmp_path / "SHA256SUMS.tsr").returncode != 0
    signing.check_timestamp(token, SUMS, "SHA256SUMS.tsr")
    with pytest.raises(CommuniqueError, match="SHA256SUMS.tsr: the timestamp is of other data"):
        signing.check_timestamp(token, SUMS + b"\n", "SHA256SUMS.tsr")


@pytest.mark.parametrize(
    "fault, message",
    [
        ("500", "answered 500 for SHA256SUMS"),
        ("garbage", "not an RFC 3161 timestamp response"),
        ("other", "the timestamp is of other data"),
        ("hang", "no answer in 0.2 s for SHA256SUMS"),
    ],
)
def test_an_authority_that_fails_is_one_line(authority, fault, message):
    authority.faults = [fault]
    with pytest.raises(CommuniqueError, match=f"^TIMESTAMP_URL: {authority.url}: .*{message}"):
        signing.timestamp(authority.url, SUMS, "SHA256SUMS", timeout=0.2)


def test_an_authority_not_there_is_one_line():
    with pytest.raises(CommuniqueError, match="TIMESTAMP_URL: http://127.0.0.1:9/: cannot be"):
        signing.timestamp("http://127.0.0.1:9/", SUMS, "SHA256SUMS")
