"""The search index: Pagefind reads the built pages and writes a static index beside them.

Only post pages carry ``data-pagefind-body``, so lists and indexes do not crowd the results;
the filters (account, year, trip, hashtag) come from attributes the post template writes.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from communique.errors import CommuniqueError
from communique.site.layout import SEARCH_INDEX

SHARD_PAGES = 20_000  # pages one Pagefind process indexes at most: its memory grows with them


def shards(pages: int) -> list[str]:
    """The id endings that split ``pages`` post pages into indexes of at most SHARD_PAGES.

    One index ("") for most archives; past that, one per last digit of the post id, then per
    last two digits... Ids end in digits evenly, so the shards come out the same size.
    """
    digits = 0
    while pages > SHARD_PAGES * 10**digits:
        digits += 1
    return ["".join(p) for p in itertools.product("0123456789", repeat=digits)]


def bundle(ending: str) -> str:
    """The folder of one shard's index in the site: ``-/pagefind`` when there is only one."""
    return f"{SEARCH_INDEX}-{ending}" if ending else SEARCH_INDEX


def index_site(output: Path) -> str:
    """Index ``output``'s post pages in place, in shards; returns Pagefind's summary lines.

    Only post pages are indexed: reading the lists too (a tenth of the pages, most of the
    bytes) cost a quarter of the time and memory for nothing. The search page merges the
    shards (``site.search_page`` asks ``shards`` for the same list).
    """
    if not (output / "index.html").exists():
        raise CommuniqueError(f"{output}: no built site to index; run `invoke build` first")
    posts = sum(1 for _ in output.glob("*/status/*/index.html"))
    endings = shards(posts)
    # A fresh index each time: fragments of a page since withheld must not linger.
    for old in output.glob(f"{SEARCH_INDEX}*"):
        shutil.rmtree(old, ignore_errors=True)
    if not posts:  # a site not yet imported into: Pagefind refuses a site with no pages
        return "no posts to index"
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        done = list(pool.map(lambda ending: run_pagefind(output, ending), endings))
    if len(done) == 1:
        return "; ".join(done[0]) or "indexed"
    counts = (re.match(r"Indexed (\d+) pages?$", line) for lines in done for line in lines)
    pages = sum(int(m[1]) for m in counts if m)
    return f"Indexed {pages:,} pages in {len(done)} indexes ({bundle(endings[0])} …)"


def run_pagefind(output: Path, ending: str) -> list[str]:
    pages = f"*/status/*{ending}/index.html"
    # "=": the folder's name starts with a hyphen, which would read as an option of its own.
    # The card's line of account and date stays out of the text: a result shows both apart, and
    # an excerpt that opened with them told the reader nothing.
    command = [sys.executable, "-m", "pagefind", "--site", str(output), "--force-language", "en",
               "--glob", pages, "--exclude-selectors=.post .meta",
               f"--output-subdir={bundle(ending)}"]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as e:
        raise CommuniqueError(
            f"pagefind could not start ({e}); is pagefind[bin] installed?"
        ) from None
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise CommuniqueError(f"pagefind failed: {last[0]}")
    return [line.strip() for line in done.stdout.splitlines() if "Indexed" in line]
