"""Signatures anyone can check with OpenSSH, and trusted timestamps from an RFC 3161 authority.

The published sums are signed as ``ssh-keygen -Y sign -n communique`` signs them (the SSHSIG
format, OpenSSH's PROTOCOL.sshsig), so a reader checks them with ``ssh-keygen -Y verify`` and
no tool of ours. Ed25519 signatures are deterministic: the same sums and key give the same
bytes, and a clean build signs as an incremental one. Timestamps are the other way round: a
token is new each time it is asked for, so each is asked for once and kept beside the store.

Imports only the errors of the package: ``invoke verify`` checks signatures without the site.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

from communique.errors import CommuniqueError

# requests, asn1crypto and nacl are imported where they are used: most builds sign nothing and
# ask for no timestamp, and importing them was a fifth of a second of every build.

KEY_VARIABLE = "COMMUNIQUE_SIGNING_KEY"  # the private key's text, as `ssh-keygen` writes it
KEY_FILE_VARIABLE = "COMMUNIQUE_SIGNING_KEY_FILE"  # or the file that holds it
NAMESPACE = "communique"  # what the signatures are for: ssh-keygen -Y verify -n communique
KEY_TYPE = b"ssh-ed25519"
MAGIC = b"SSHSIG"
VERSION = 1
ARMOR = ("-----BEGIN SSH SIGNATURE-----", "-----END SSH SIGNATURE-----")
PRIVATE_ARMOR = ("-----BEGIN OPENSSH PRIVATE KEY-----", "-----END OPENSSH PRIVATE KEY-----")
PRIVATE_MAGIC = b"openssh-key-v1\0"
HASHES = {"sha512": hashlib.sha512, "sha256": hashlib.sha256}  # what ssh-keygen may use
# At /-/data/: each of SIGNED is signed (.sig) and dated (.tsr) when the build makes it, and the
# key that checks the signatures is published. None can be listed in the sums they vouch for.
SIGNED = ("SHA256SUMS", "ledger-head.txt")
PUBLIC_KEY = "signing-key.pub"
BESIDE = frozenset({PUBLIC_KEY, *(f"{name}{end}" for name in SIGNED for end in (".sig", ".tsr"))})
MAKE_ONE = "make one with `ssh-keygen -t ed25519 -N '' -C '' -f FILE`"


def string(data: bytes) -> bytes:
    """SSH's wire string (RFC 4251): its length, then its bytes."""
    return len(data).to_bytes(4, "big") + data


class Reader:
    """SSH wire data read a field at a time; a short or overlong one is ``CommuniqueError``."""

    def __init__(self, data: bytes, what: str):
        self.data, self.at, self.what = data, 0, what

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise CommuniqueError(f"{self.what}: cut short")
        part = self.data[self.at : self.at + n]
        self.at += n
        return part

    def uint32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def string(self) -> bytes:
        return self.take(self.uint32())

    def end(self) -> None:
        if self.at != len(self.data):
            raise CommuniqueError(f"{self.what}: unexpected bytes at its end")


def public_blob(public: bytes) -> bytes:
    return string(KEY_TYPE) + string(public)


class Signer:
    """An Ed25519 key that signs as ``ssh-keygen -Y sign`` does. Holds the key and nothing
    that shows it: its repr names only the public key's fingerprint."""

    def __init__(self, seed: bytes):
        from nacl.signing import SigningKey

        self.key = SigningKey(seed)
        self.blob = public_blob(bytes(self.key.verify_key))

    def __repr__(self) -> str:
        return f"Signer({self.fingerprint})"

    @property
    def public_line(self) -> str:
        """The public key as an OpenSSH ``.pub`` line, without the key's comment, which may
        name the machine or person that made it."""
        return f"{KEY_TYPE.decode()} {base64.b64encode(self.blob).decode()}"

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.blob)

    def sign(self, data: bytes) -> bytes:
        """The armored SSHSIG signature of ``data``, byte for byte what ssh-keygen writes."""
        signature = self.key.sign(signed_data(NAMESPACE, "sha512", data)).signature
        blob = (
            MAGIC
            + VERSION.to_bytes(4, "big")
            + string(self.blob)
            + string(NAMESPACE.encode())
            + string(b"")
            + string(b"sha512")
            + string(string(KEY_TYPE) + string(signature))
        )
        text = base64.b64encode(blob).decode()
        lines = [text[i : i + 70] for i in range(0, len(text), 70)]  # ssh-keygen's width
        return "\n".join([ARMOR[0], *lines, ARMOR[1]]).encode() + b"\n"


def fingerprint(blob: bytes) -> str:
    """The key's fingerprint as ``ssh-keygen -l`` prints it."""
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


def signed_data(namespace: str, hash_name: str, data: bytes) -> bytes:
    """What an SSHSIG signature signs: the hash of the message, in its namespace."""
    return (
        MAGIC
        + string(namespace.encode())
        + string(b"")
        + string(hash_name.encode())
        + string(HASHES[hash_name](data).digest())
    )


def check(data: bytes, signature: bytes, public_key: str, *, name: str = "signature") -> None:
    """Raise ``CommuniqueError`` (naming ``name``) unless ``signature`` is the SSHSIG
    signature of ``data`` by ``public_key`` (an ``ssh-ed25519 AAAA...`` line) in the
    communique namespace: what ``ssh-keygen -Y verify -n communique`` accepts."""
    expected = public_key_blob(public_key)
    text = signature.decode("ascii", "replace").strip().splitlines()
    if len(text) < 3 or (text[0], text[-1]) != ARMOR:
        raise CommuniqueError(f"{name}: not an SSH signature ({ARMOR[0]})")
    try:
        blob = base64.b64decode("".join(text[1:-1]), validate=True)
    except ValueError:  # binascii.Error, or a character that is not ASCII
        raise CommuniqueError(f"{name}: not an SSH signature (bad base64)") from None
    wire = Reader(blob, name)
    if wire.take(6) != MAGIC or wire.uint32() != VERSION:
        raise CommuniqueError(f"{name}: not an SSH signature of version {VERSION}")
    key, namespace, _, hash_name, sig = (wire.string() for _ in range(5))
    wire.end()
    if key != expected:
        raise CommuniqueError(f"{name}: made with another key ({fingerprint(key)})")
    if namespace != NAMESPACE.encode():
        raise CommuniqueError(f"{name}: made for {namespace!r}, not {NAMESPACE!r}")
    if hash_name.decode("ascii", "replace") not in HASHES:
        raise CommuniqueError(f"{name}: hash {hash_name!r} is not sha256 or sha512")
    inner = Reader(sig, name)
    kind, raw = inner.string(), inner.string()
    inner.end()
    if kind != KEY_TYPE:
        raise CommuniqueError(f"{name}: a {kind!r} signature, not an Ed25519 one")
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    try:
        VerifyKey(expected[-32:]).verify(signed_data(NAMESPACE, hash_name.decode(), data), raw)
    except (BadSignatureError, ValueError):
        raise CommuniqueError(f"{name}: does not match the file it signs") from None


def public_key_blob(line: str) -> bytes:
    """The key of an ``ssh-ed25519 AAAA... [comment]`` line, as SSH's wire blob."""
    fields = line.split()
    try:
        blob = base64.b64decode(fields[1], validate=True)
        wire = Reader(blob, "public key")
        kind, public = wire.string(), wire.string()
        wire.end()
    except (IndexError, ValueError, CommuniqueError):
        kind, public = b"", b""
    if fields[:1] != [KEY_TYPE.decode()] or kind != KEY_TYPE or len(public) != 32:
        raise CommuniqueError(f"{line[:40]!r}: not an ssh-ed25519 public key")
    return blob


def private_key(text: str, where: str) -> Signer:
    """The Ed25519 key of an unencrypted OpenSSH private key file's text. ``where`` names
    the setting in errors, which never show the key."""
    lines = text.strip().splitlines()
    if len(lines) < 3 or (lines[0].strip(), lines[-1].strip()) != PRIVATE_ARMOR:
        raise CommuniqueError(f"{where}: not an OpenSSH private key; {MAKE_ONE}")
    try:
        data = base64.b64decode("".join(s.strip() for s in lines[1:-1]), validate=True)
    except ValueError:  # binascii.Error, or a character that is not ASCII
        raise CommuniqueError(f"{where}: not an OpenSSH private key (bad base64)") from None
    wire = Reader(data, where)
    if wire.take(len(PRIVATE_MAGIC)) != PRIVATE_MAGIC:
        raise CommuniqueError(f"{where}: not an OpenSSH private key; {MAKE_ONE}")
    cipher, _kdf, _options = wire.string(), wire.string(), wire.string()
    if cipher != b"none":
        raise CommuniqueError(
            f"{where}: the key is protected by a passphrase, which a build cannot type;"
            " use a key without one (`ssh-keygen -p -N '' -f FILE`), kept outside the project"
        )
    if wire.uint32() != 1:
        raise CommuniqueError(f"{where}: holds more than one key; give it one Ed25519 key")
    public = wire.string()
    secret = Reader(wire.string(), where)
    if secret.uint32() != secret.uint32():
        raise CommuniqueError(f"{where}: the key is damaged (its check numbers differ)")
    kind = secret.string()
    if kind != KEY_TYPE:
        raise CommuniqueError(
            f"{where}: a {kind.decode('ascii', 'replace')} key; signatures need an Ed25519"
            f" key ({MAKE_ONE})"
        )
    pub, both = secret.string(), secret.string()
    if len(pub) != 32 or len(both) != 64 or both[32:] != pub or public != public_blob(pub):
        raise CommuniqueError(f"{where}: the key is damaged")
    signer = Signer(both[:32])
    if signer.blob != public:
        raise CommuniqueError(f"{where}: the key is damaged (its halves do not match)")
    return signer


def signer_from(environ: Mapping[str, str], refused: Iterable[Path]) -> Signer | None:
    """The signing key the environment gives, or None when it gives none.

    A key file inside one of the ``refused`` folders (the project, the output) is refused: one
    ``git add .`` or one publish would make the key public.
    """
    text, path = environ.get(KEY_VARIABLE, "").strip(), environ.get(KEY_FILE_VARIABLE, "")
    if text and path:
        raise CommuniqueError(f"{KEY_VARIABLE} and {KEY_FILE_VARIABLE} are both set; set one")
    if text:
        return private_key(text, KEY_VARIABLE)
    if not path:
        return None
    where = Path(path).expanduser().resolve()
    for folder in refused:
        if where.is_relative_to(Path(folder).resolve()):
            raise CommuniqueError(
                f"{KEY_FILE_VARIABLE}: {path} is inside {folder}, where it could be committed or"
                " published; keep the key outside the project"
            )
    try:
        text = where.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        why = e.strerror if isinstance(e, OSError) else "not a text file"
        raise CommuniqueError(f"{KEY_FILE_VARIABLE}: {path}: {why}") from None
    return private_key(text, f"{KEY_FILE_VARIABLE} ({path})")


def key_lines(environ: Mapping[str, str]) -> list[bytes]:
    """The lines of the private key that the environment gives, armor aside, to look for in
    what is published (``invoke check``): any one of them is a piece of the key."""
    text = environ.get(KEY_VARIABLE, "")
    if not text.strip() and environ.get(KEY_FILE_VARIABLE):
        try:
            text = Path(environ[KEY_FILE_VARIABLE]).expanduser().read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            text = ""  # the build says why it cannot read it
    lines = [line.strip() for line in text.splitlines()]
    return [line.encode() for line in lines if len(line) >= 8 and not line.startswith("-----")]


SHA256 = "2.16.840.1.101.3.4.2.1"
GRANTED = {"granted", "granted_with_mods"}
TIMEOUT = 30  # seconds: an authority answers in well under one


def timestamp_request(digest: bytes, nonce: int) -> bytes:
    """An RFC 3161 TimeStampReq of a SHA-256 ``digest``, asking for the authority's
    certificate in the token, so that ``openssl ts -verify`` needs only its CA's."""
    from asn1crypto import tsp

    return tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    ).dump()


def timestamp(url: str, data: bytes, name: str, timeout: float = TIMEOUT) -> bytes:
    """The authority's TimeStampResp for ``data`` (a file called ``name``), checked to be a
    granted token of its SHA-256 that answers this very request."""
    import requests

    digest, nonce = hashlib.sha256(data).digest(), secrets.randbits(63)
    where = f"TIMESTAMP_URL: {url}"
    try:
        answer = requests.post(
            url,
            data=timestamp_request(digest, nonce),
            headers={"Content-Type": "application/timestamp-query"},
            timeout=timeout,
        )
    except requests.Timeout:
        raise CommuniqueError(f"{where}: no answer in {timeout:g} s for {name}") from None
    except requests.RequestException as e:
        raise CommuniqueError(f"{where}: cannot be reached ({type(e).__name__})") from None
    if answer.status_code != 200:
        raise CommuniqueError(f"{where}: answered {answer.status_code} for {name}")
    check_timestamp(answer.content, data, f"{where}: its answer for {name}", nonce)
    return answer.content


def check_timestamp(response: bytes, data: bytes, name: str, nonce: int | None = None) -> None:
    """Raise ``CommuniqueError`` unless ``response`` is a TimeStampResp granting a token of
    ``data``'s SHA-256 (with ``nonce``, when given). The authority's signature is for the
    reader to check against the authority's certificate (``openssl ts -verify``)."""
    from asn1crypto import tsp

    try:
        parsed = tsp.TimeStampResp.load(response, strict=True)
        status = parsed["status"]["status"].native
        if status not in GRANTED:
            raise CommuniqueError(f"{name}: the timestamp was refused ({status})")
        info = parsed["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
        imprint = info["message_imprint"]
        found = (
            imprint["hash_algorithm"]["algorithm"].dotted,
            imprint["hashed_message"].native,
            info["nonce"].native,
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        raise CommuniqueError(f"{name}: not an RFC 3161 timestamp response") from None
    if found[:2] != (SHA256, hashlib.sha256(data).digest()):
        raise CommuniqueError(f"{name}: the timestamp is of other data")
    if nonce is not None and found[2] != nonce:
        raise CommuniqueError(f"{name}: the timestamp answers another request")
