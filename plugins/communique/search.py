"""The search index: Pagefind reads the built pages and writes a static index beside them.

Only post pages carry ``data-pagefind-body``, so lists and indexes do not crowd the results;
the filters (account, year, trip, hashtag) come from attributes the post template writes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from communique.errors import CommuniqueError

POST_PAGES = "*/status/*/index.html"


def index_site(output: Path) -> str:
    """Index ``output`` in place (into ``output/pagefind/``); returns Pagefind's summary line."""
    if not (output / "index.html").exists():
        raise CommuniqueError(f"{output}: no built site to index; run `invoke build` first")
    # A fresh index each time: fragments of a page since withheld must not linger.
    shutil.rmtree(output / "pagefind", ignore_errors=True)
    # Only post pages are indexed: reading the lists too (a tenth of the pages, most of the
    # bytes) cost a quarter of the time and memory for nothing.
    command = [sys.executable, "-m", "pagefind", "--site", str(output), "--force-language", "en",
               "--glob", POST_PAGES]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as e:
        raise CommuniqueError(
            f"pagefind could not start ({e}); is pagefind[bin] installed?"
        ) from None
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise CommuniqueError(f"pagefind failed: {last[0]}")
    lines = [line.strip() for line in done.stdout.splitlines() if "Indexed" in line]
    return "; ".join(lines) or "indexed"
