"""Where the store keeps the posts the account never made public: sealed, or out of git.

The month files are committed, and GitHub Pages on a free plan needs the repository public. So
Circle posts and a protected period's posts, kept for the account's records and never
published, are not written there. With a key in ``COMMUNIQUE_STORE_KEY`` (32 random bytes in
base64; a repository secret for the workflow) each month's are sealed with it in
``<account>/sealed/<YYYY-MM>.jsonl.enc`` (PyNaCl's SecretBox: XSalsa20-Poly1305), so the
repository holds only ciphertext and a run with the key reads them back. Without a key they
are kept as plain JSON Lines in ``<account>/never-public/``, a folder that carries its own
``.gitignore``: out of the repository, and so in no other clone. Their media are kept there
too, key or not: the site never publishes them, and the export they came from still has them.

The vault moves bytes; the store says what they hold.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from communique.errors import CommuniqueError, StoreError
from communique.files import Staged, write_atomic

KEY_VARIABLE = "COMMUNIQUE_STORE_KEY"
SEALED = "sealed"
OPEN = "never-public"
SUFFIX = ".jsonl.enc"
IGNORE_ALL = b"*\n"  # a .gitignore that keeps its folder, itself included, out of git


def key_from(environ: Mapping[str, str] = os.environ) -> bytes | None:
    """The store's key, or None when none is set. A wrong one is refused without showing it."""
    text = environ.get(KEY_VARIABLE, "").strip()
    if not text:
        return None
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error:
        key = b""
    if len(key) != SecretBox.KEY_SIZE:
        raise CommuniqueError(
            f"{KEY_VARIABLE} is not a store key: it must be {SecretBox.KEY_SIZE} random bytes"
            " in base64 (make one with `openssl rand -base64 32`)"
        )
    return key


class Vault:
    """Each method takes the account's folder in the store, as the store has checked it."""

    def __init__(self, key: bytes | None = None):
        self.box = SecretBox(key) if key else None

    def sealed_path(self, folder: Path, month: str) -> Path:
        return folder / SEALED / f"{month}{SUFFIX}"

    def open_path(self, folder: Path, month: str) -> Path:
        return folder / OPEN / f"{month}.jsonl"

    def target(self, folder: Path, month: str) -> Path:
        """Where a month's never-public posts go when it is written."""
        return (self.sealed_path if self.box else self.open_path)(folder, month)

    def months(self, folder: Path) -> list[str]:
        sealed = (folder / SEALED).glob(f"*{SUFFIX}")
        kept = (folder / OPEN).glob("*.jsonl")
        return sorted({p.name.removesuffix(SUFFIX) for p in sealed} | {p.stem for p in kept})

    def read(self, folder: Path, month: str) -> tuple[Path, bytes] | None:
        """A month's never-public lines and the file they are from, or None when it has none.

        A sealed file wins over a plain one: both are there only when a run with the key was
        killed between sealing a month and removing what it sealed.
        """
        sealed = self.sealed_path(folder, month)
        if sealed.exists():
            return sealed, self.unseal(sealed)
        kept = self.open_path(folder, month)
        return (kept, kept.read_bytes()) if kept.exists() else None

    def unseal(self, path: Path) -> bytes:
        if self.box is None:
            raise StoreError(
                f"{path}: never-public posts sealed with {KEY_VARIABLE}, which is not set:"
                " set it (the repository's secret, or .env) to read or write the store"
            )
        try:
            return self.box.decrypt(path.read_bytes())
        except CryptoError:
            raise StoreError(
                f"{path}: cannot be opened with this {KEY_VARIABLE}: sealed with another key,"
                " or damaged"
            ) from None

    def stage(self, staged: Staged, folder: Path, month: str, data: bytes) -> None:
        """Stage a month's never-public lines: sealed when there is a key, and then what was
        kept in plain text removed. A month sealed already with the same lines is left as it
        is: each sealing makes new bytes, and git would see a change on every run."""
        sealed, kept = self.sealed_path(folder, month), self.open_path(folder, month)
        if self.box is not None:
            if data and (not sealed.exists() or self.unseal(sealed) != data):
                staged.write(sealed, self.box.encrypt(data))
            if kept.exists():
                staged.remove(kept)
        elif data:
            staged.write(kept.parent / ".gitignore", IGNORE_ALL)  # first: in place before it
            staged.write(kept, data)

    def open_folder(self, folder: Path) -> Path:
        """The folder for what is kept out of git, made with the ``.gitignore`` that keeps it
        out before anything is written in it, whatever the repository's own ignores say."""
        write_atomic(folder / OPEN / ".gitignore", IGNORE_ALL)
        return folder / OPEN

    def unsealed(self, folder: Path) -> list[Path]:
        """The month files of never-public posts kept in plain text: sealed by the next write
        with a key."""
        return sorted((folder / OPEN).glob("*.jsonl"))
