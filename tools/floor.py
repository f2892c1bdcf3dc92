"""The floor under a build: the files a build wrote, of the same sizes, written with no rendering.

No builder can make a site faster than its disk and kernel take to create its folders and files,
so the bench times this beside our build (``python -m tools.floor PLAN DEST``, a process of its
own like every phase). It imports nothing but the standard library, so that the floor is not
timed loading code it does not run.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def listing(folder: Path) -> list[tuple[str, int]]:
    """Every file under ``folder`` with its size, by its path relative to ``folder``, sorted."""
    found = []
    for top, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(top, name)
            rel = os.path.relpath(path, folder).replace(os.sep, "/")
            found.append((rel, os.stat(path).st_size))
    return sorted(found)


def write(files: list[tuple[str, int]], dest: Path) -> int:
    """Write ``files`` into ``dest``, which must not exist yet; returns the bytes written.

    The bytes are slices of one buffer and each folder is made once, so that what is timed is
    the disk and the kernel, not making content. A path that would leave ``dest`` is refused."""
    os.makedirs(dest)
    buffer = memoryview(b"x" * max((size for _, size in files), default=0))
    made = {str(dest)}
    total = 0
    for rel, size in files:
        if rel.startswith("/") or ".." in rel.split("/"):
            raise ValueError(f"{rel}: not a path inside {dest}")
        path = os.path.join(dest, rel)
        parent = os.path.dirname(path)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        with open(path, "wb") as out:
            out.write(buffer[:size])
        total += size
    return total


if __name__ == "__main__":
    plan, dest = sys.argv[1:3]
    print(write(json.loads(Path(plan).read_text()), Path(dest)))
