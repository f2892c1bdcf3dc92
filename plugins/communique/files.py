"""Writing files whole or not at all, and keys of inputs: what the store and the site share.

Imports nothing of the package, so the store can use it and stay at the bottom of the layers.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import orjson

UMASK = os.umask(0o022)  # read once (setting it is the only way), then put back
os.umask(UMASK)


def digest(*parts: object) -> str:
    """A key of some inputs, to tell on the next build whether they changed: JSON with sorted
    keys (what is not JSON by its repr), hashed. Made for every post of every build, so
    orjson, which is a few times quicker than the repr; SHA-256 cut to 128 bits, which SHA-NI
    makes quicker than BLAKE2b, whose constructor alone costs more than hashing a key."""
    data = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS, default=repr)
    return hashlib.sha256(data).hexdigest()[:32]


TEMP = ".tmp"  # how every temporary file's name ends: .gitignore keeps them out of git


def write_atomic(path: Path, data: bytes, sync: bool = True) -> bool:
    """Write ``data`` to ``path`` whole or not at all; return False when the bytes were there.

    ``sync=False`` skips waiting for the disk, for what a build makes again (the site's files).
    """
    with Staged(sync) as staged:
        return staged.write(path, data)


class Staged:
    """Files that change together or not at all: each is written to a temporary file beside
    it, and only when all are written, and the ``with`` block ends without error, are they
    moved into place. A file that cannot be made (a refused value, a full disk) leaves every
    one as it was; a kill leaves each file old or new, and temporary files that
    ``remove_temps`` clears."""

    def __init__(self, sync: bool = True):
        self.sync = sync
        self.files: list[tuple[Path, Path]] = []  # (temporary file, its target)
        self.removals: list[Path] = []

    def write(self, path: Path, data: bytes) -> bool:
        """Stage ``data`` for ``path``; False when ``path`` holds these bytes already."""
        try:
            if path.read_bytes() == data:
                return False
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            pass
        fd, tmp = temp_beside(path)
        self.files.append((tmp, path))
        with naming(path), os.fdopen(fd, "wb") as f:
            f.write(data)
        return True

    def remove(self, path: Path) -> None:
        """Remove ``path`` once every staged file is in place: what moved into a new file
        leaves the old one only after it is there."""
        self.removals.append(path)

    @property
    def written(self) -> list[Path]:
        return [path for _, path in self.files]

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        moved = 0
        try:
            if kind is None:
                if self.sync:  # every file first: most are on disk by then, one wait for all
                    for tmp, _ in self.files:
                        fsync(tmp)
                for tmp, path in self.files:
                    os.replace(tmp, path)
                    moved += 1
                for path in self.removals:
                    path.unlink(missing_ok=True)
        finally:
            for tmp, _ in self.files[moved:]:  # what an error left unmoved
                tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def naming(path: Path | str) -> Iterator[None]:
    """An error of writing ``path`` names it: a full disk's does not, from ``write`` or
    ``close``, and one line must say which file could not be written."""
    try:
        yield
    except OSError as e:
        if e.filename is None:
            raise OSError(e.errno, e.strerror, str(path)) from None
        raise


def remove_temps(folder: Path) -> None:
    """Remove the temporary files that killed runs left under ``folder``; only for the one
    writer of the folder (the store's lock), as another's files may still be on their way."""
    for path in folder.rglob(f".*{TEMP}"):
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A new empty file beside ``path`` that replaces it when the block ends, and is removed
    when the block fails: whatever writes it (a stream, another program), ``path`` is then
    whole or as it was."""
    fd, tmp = temp_beside(path)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def temp_beside(path: Path) -> tuple[int, Path]:
    """A new temporary file in ``path``'s folder (so a rename replaces ``path`` at once),
    named so that git ignores it and ``remove_temps`` finds it, readable as ``path`` would be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP)
    try:
        os.fchmod(fd, 0o666 & ~UMASK)  # mkstemp makes 0600: a web server could not read it
    except OSError:
        os.close(fd)
        os.unlink(name)
        raise
    return fd, Path(name)


def fsync(path: Path) -> None:
    """Wait until a file written with ``sync=False`` is on disk: after writing many files,
    most of them are already there, and the disk is waited for once, not once a file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
