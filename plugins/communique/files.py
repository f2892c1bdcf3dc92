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
    orjson, which is a few times quicker than the repr."""
    data = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS, default=repr)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def write_atomic(path: Path, data: bytes, sync: bool = True) -> bool:
    """Write ``data`` to ``path`` whole or not at all; return False when the bytes were there.

    ``sync=False`` skips waiting for the disk, for what a build makes again (the site's files).
    """
    try:
        if path.read_bytes() == data:
            return False
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        pass
    with replacing(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
        if sync:
            f.flush()
            os.fsync(f.fileno())
    return True


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A new empty file beside ``path`` that replaces it when the block ends, and is removed
    when the block fails: whatever writes it (a stream, another program), ``path`` is then
    whole or as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        try:
            os.fchmod(fd, 0o666 & ~UMASK)  # mkstemp makes 0600: a web server could not read it
        finally:
            os.close(fd)
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def fsync(path: Path) -> None:
    """Wait until a file written with ``sync=False`` is on disk: after writing many files,
    most of them are already there, and the disk is waited for once, not once a file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
