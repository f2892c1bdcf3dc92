"""The search index: one Pagefind bundle a shard of posts, each made again only when its
pages changed.

A shard is an account's year (``-/pagefind/<account>-<year>/``), and its newest month
(``<account>-<year>-<month>``), where new posts land: a redaction or an edit touches one year,
a scheduled run's new posts one month, so a build re-indexes those shards and keeps the rest.
The search page merges the shards (``theme/static/js/search.js``).

Pagefind is fed records, not pages: each post page's title, date, filters and text are read
off the page here and sent to Pagefind's service (``pagefind --service``), which spares it
parsing every page (a third of the time) and indexes exactly what the pages say. Only post
pages carry ``data-pagefind-body``: lists and indexes do not crowd the results.
"""

from __future__ import annotations

import base64
import html
import importlib.metadata
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import orjson

from communique.errors import CommuniqueError
from communique.files import digest, naming
from communique.site.freshness import DIGEST, read_json, read_manifest, write_json
from communique.site.layout import SEARCH_INDEX
from communique.site.parallel import slices

POST_PAGE = re.compile(r"([^/]+)/status/[^/]+/index\.html")
# What search.js loads of a bundle; Pagefind's own UIs, its worker (search.js runs without it)
# and the WebAssembly of the languages not forced are half a megabyte a shard, unused.
KEPT = re.compile(r"pagefind\.js|pagefind-entry\.json|pagefind\..*\.pf_meta|wasm\.en\.pagefind")


def shards(posts: list[tuple[str, str]]) -> list[str]:
    """The shard of each post, given as its account and date: the account's newest month, where
    new posts land, is a shard of its own, every other month is in its year's. So a build after
    a few new posts re-indexes a month's posts, not a year's, and the search page loads one
    shard more than the account has years. The first post of a month folds the month before
    into its year's shard, once a month. Asked by the indexer of every page it reads (the
    search page asks ``shard_names`` for the bundles it loads)."""
    newest = newest_months((account, created_at[:7]) for account, created_at in posts)
    return [shard(account, created_at[:7], newest) for account, created_at in posts]


def shard_names(months: Iterable[tuple[str, str]]) -> set[str]:
    """The shards of the posts of these months (account, "YYYY-MM"), as ``shards`` names
    them: the search page asks it of an archive's thousand months, not its 100,000 posts."""
    months = list(months)
    newest = newest_months(months)
    return {shard(account, month, newest) for account, month in months}


def newest_months(months: Iterable[tuple[str, str]]) -> dict[str, str]:
    newest: dict[str, str] = {}
    for account, month in months:
        if month > newest.get(account, ""):
            newest[account] = month
    return newest


def shard(account: str, month: str, newest: dict[str, str]) -> str:
    return f"{account}-{month if month == newest[account] else month[:4]}"


def bundle(name: str) -> str:
    """The folder of one shard's index in the site."""
    return f"{SEARCH_INDEX}/{name}"


@dataclass
class Record:
    """What Pagefind indexes of one post page."""

    url: str
    content: str
    meta: dict[str, str]
    filters: dict[str, list[str]]

    def request(self, index: int) -> dict:
        return {"type": "AddRecord", "index_id": index, "url": self.url, "content": self.content,
                "language": "en", "meta": self.meta, "filters": self.filters,
                "sort": {"date": self.meta["date"]}}  # fmt: skip


CARD = re.compile(r'<article class="post[^"]*" id="p[^"]*">')
BLOCK = re.compile(r"</?(?:p|div|figure|figcaption|br|li|ol|ul|blockquote|h\d)\b[^>]*>")
TAG = re.compile(r"<[^>]*>")
HASHTAG = re.compile(r'class="hashtag(?: unlinked)?">([^<]*)</')
LINKED = re.compile(r">([^<]*)</a>")


def record(rel: str, page: str) -> Record | None:
    """A post page's record, or None for a page with nothing to index (a withheld post's).

    The page is the post template's (``post.html``), read as a reader sees it: its title
    without the site's name, the card's time, hashtags and text (without its line of account
    and date, which a result shows apart: an excerpt that opened with them told the reader
    nothing), and its trips; the account is the page's folder. No bytes on a page serve the
    indexer alone. Cut out with ``str.find`` where it can be, and spaces folded by
    ``str.split`` (the same whitespace as ``\\s``): the regular expressions that scanned the
    whole card took twice the time.
    """
    start = page.find("<div data-pagefind-body>")
    if start < 0:
        return None
    opened = page.find('<article class="post', start)
    end = page.find("</article>", opened)  # the rest of the body: links to other posts
    card = CARD.match(page, opened) if 0 <= opened < end else None
    title = between(page, "<title>", "</title>")
    site = between(page, '<p class="site-name">', "</p>")
    date = between(page[opened:end], '<time datetime="', '"') if card else None  # the card's
    if card is None or title is None or date is None:
        raise CommuniqueError(f"{rel}: a post page without the post template's search fields")
    title, name = html.unescape(title), html.unescape(TAG.sub("", site or ""))
    if site is not None and title.endswith(f" · {name}"):  # a name "" has its " · " too
        title = title[: -len(f" · {name}")]
    account = rel.partition("/")[0]
    filters = {"account": [account], "year": [date[:4]]}
    trips = between(page, "<dt>Trips</dt><dd>", "</dd>", end)
    if trips:
        filters["trip"] = [html.unescape(t) for t in LINKED.findall(trips)]
    if tags := [html.unescape(t)[1:] for t in HASHTAG.findall(page, card.end(), end)]:
        filters["hashtag"] = tags  # as the post wrote them, without their "#"
    text = page[card.end() : end]
    line = text.find('<p class="meta">')  # account and date: shown apart
    if line >= 0 and (close := text.find("</p>", line)) >= 0:
        text = f"{text[:line]} {text[close + len('</p>') :]}"
    content = " ".join(html.unescape(TAG.sub("", BLOCK.sub(" ", text))).split())
    meta = {"title": title, "date": date, "account": account}
    return Record("/" + rel[: -len("index.html")], content, meta, filters)


def between(page: str, opening: str, closing: str, start: int = 0) -> str | None:
    """What ``page`` holds between the first ``opening`` from ``start`` and the ``closing``
    after it, or None."""
    at = page.find(opening, start)
    if at < 0:
        return None
    at += len(opening)
    end = page.find(closing, at)
    return page[at:end] if end >= 0 else None


ENGINE = digest(importlib.metadata.version("pagefind"), Path(__file__).read_bytes())


def index_site(output: Path, cache: Path) -> str:
    """Bring ``output``'s search index up to date with its post pages; returns a summary line.

    Each post page's digest (in the build's manifest), shard and record are kept in
    ``cache/search.json``, with every file of each shard as written. A page whose digest
    changed is read again; its shard is made again when its record changed (not when only
    its links to the posts around it did), came or went, or when a file of its bundle is not
    as written. A shard no page is in any more goes. So the index is what a clean build makes,
    Pagefind's hashed names aside, and a withheld post's text leaves its shard.
    """
    if not (output / "index.html").exists():
        raise CommuniqueError(f"{output}: no built site to index; run `invoke build` first")
    state = read_json(cache / "search.json")
    if not isinstance(state, dict) or state.get("engine") != ENGINE:
        state = {"pages": {}, "shards": {}}
    known: dict[str, list[str]] = state["pages"]  # page -> [digest, date, record's, shard]
    pages = {rel: row[DIGEST] for rel, row in read_manifest(cache / "manifest.json").items()
             if POST_PAGE.fullmatch(rel)}  # fmt: skip
    now = {rel: known[rel][:3] for rel, made in pages.items()
           if rel in known and known[rel][0] == made}  # fmt: skip
    changed = [rel for rel in pages if rel not in now]  # read again: every page, the first time
    records: dict[str, Record] = {}
    for rel, found in zip(changed, read_records(output, changed), strict=True):
        date = found.meta["date"] if found else ""
        now[rel] = [pages[rel], date, digest(found and found.request(0))]
        if found:
            records[rel] = found
    dated = [rel for rel, row in now.items() if row[1]]
    where = dict(zip(dated, shards([(rel.partition("/")[0], now[rel][1]) for rel in dated]),
                     strict=True))  # fmt: skip
    for rel, row in now.items():
        row.append(where.get(rel, ""))
    dirty: set[str] = set()  # the shards of every page whose record or shard changed, came or went
    for rel in known.keys() | now.keys():
        rows = [row for row in (known.get(rel), now.get(rel)) if row is not None]
        if len(rows) == 1 or rows[0][1:] != rows[1][1:]:
            dirty |= {row[3] for row in rows}
    wanted = set(where.values())
    root = output / SEARCH_INDEX
    dirty = {name for name in wanted if name in dirty or files_of(root / name)
             != [tuple(f) for f in state["shards"].get(name, ())]}  # fmt: skip
    for old in output.glob(f"{SEARCH_INDEX}-*"):  # the bundles of the layout before shards
        shutil.rmtree(old, ignore_errors=True)
    if not wanted:  # a site not yet imported into: Pagefind refuses an index with no pages
        shutil.rmtree(root, ignore_errors=True)
        write_json(cache / "search.json", {"engine": ENGINE, "pages": {}, "shards": {}})
        return "no posts to index"
    root.mkdir(parents=True, exist_ok=True)
    for item in root.iterdir():  # the shards of pages gone
        if item.name not in wanted:
            remove(item)
    members: dict[str, list[str]] = {name: [] for name in dirty}
    for rel, at in where.items():
        if at in members:
            members[at].append(rel)

    def make(name: str) -> list[tuple[str, int, int]]:
        shard_records = [records.get(rel) or record(rel, read_page(output, rel))
                         for rel in sorted(members[name])]  # fmt: skip
        return write_bundle(shard_records, root, name)

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        made = dict(zip(sorted(dirty), pool.map(make, sorted(dirty)), strict=True))
    kept = {name: state["shards"][name] for name in wanted - dirty} | made
    write_json(cache / "search.json", {"engine": ENGINE, "pages": now, "shards": kept})
    indexed = sum(len(rels) for rels in members.values())
    return (f"Indexed {indexed:,} pages in {len(dirty)} of {len(wanted)} shards"
            f" ({len(wanted) - len(dirty)} unchanged)")  # fmt: skip


def read_records(output: Path, rels: list[str]) -> list[Record | None]:
    """The records of these post pages, read on every core: a full index reads every page
    before Pagefind is given any."""

    def read(start: int, stop: int) -> list[Record | None]:
        return [record(rel, read_page(output, rel)) for rel in rels[start:stop]]

    with slices(read, len(rels)) as parts:
        pass
    return [found for part in parts for found in part]


def read_page(output: Path, rel: str) -> str:
    """A page's text, read as bytes and decoded: ``Path.read_text``'s text wrapper, made for
    every page of a full index, took twice the time."""
    try:
        with open(f"{output}/{rel}", "rb") as f:
            return f.read().decode()
    except (OSError, UnicodeDecodeError) as e:
        raise CommuniqueError(f"{output / rel}: cannot be read to index it ({e})") from None


def files_of(folder: Path, prefix: str = "") -> list[tuple[str, int, int]]:
    """Every file of a bundle as it is on disk: its path in it, size and time, sorted."""
    found = []
    try:
        items = list(os.scandir(folder))
    except OSError:
        return []
    for item in items:
        if item.is_dir(follow_symlinks=False):
            found += files_of(Path(item.path), f"{prefix}{item.name}/")
        else:
            st = item.stat(follow_symlinks=False)
            found.append((prefix + item.name, st.st_size, st.st_mtime_ns))
    return sorted(found)


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def write_bundle(records: list[Record], root: Path, name: str) -> list[tuple[str, int, int]]:
    """Index ``records`` into ``root/name``; returns its files as ``files_of`` sees them.

    Pagefind's files are taken from its service and written here, where they are not already
    there as they are: a fragment's name is its content's hash, so a shard made again after
    one post changed writes that post's fragment, not two thousand (this disk is slow at
    making and removing files). What the shard no longer has is removed. Not written by
    Pagefind (``WriteFiles``), which writes what a full disk refuses as empty files and says
    nothing: an index that finds nothing, after a build that exits 0.
    """
    folder = root / name
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        remove(folder)  # a write through a link could land anywhere
    with Service() as service:
        (made,) = service.ask([{"type": "NewIndex", "config": {"force_language": "en"}}])
        index = made["index_id"]
        service.ask([r.request(index) for r in records])
        (bundled,) = service.ask([{"type": "GetFiles", "index_id": index}])
    wanted = {f["path"]: base64.b64decode(f["content"]) for f in bundled["files"]
              if "/" in f["path"] or KEPT.fullmatch(f["path"])}  # fmt: skip
    there = {rel: size for rel, size, _ in files_of(folder)}
    for rel in there.keys() - wanted.keys():
        (folder / rel).unlink()
    for parent in {(folder / rel).parent for rel in wanted}:  # a few, not one a fragment
        parent.mkdir(parents=True, exist_ok=True)
    for rel, data in wanted.items():
        path = folder / rel
        if there.get(rel) == len(data) and path.read_bytes() == data:
            continue
        with naming(path):
            path.write_bytes(data)
    return files_of(folder)


class Service:
    """Pagefind's indexing service (``pagefind --service``, what the ``pagefind`` package's
    ``PagefindIndex`` drives): each request a base64 JSON message ended by a comma, answered
    in kind. Talked to here directly: the package's client waits a tenth of a second before
    reading each answer, 2,000 s for 20,000 posts."""

    def __init__(self) -> None:
        from pagefind.service import get_executable

        executable = get_executable()
        if executable is None:
            raise CommuniqueError("pagefind is not installed; install pagefind[bin]")
        try:
            self.process = subprocess.Popen(
                [str(executable), "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as e:
            raise CommuniqueError(f"pagefind could not start ({e})") from None
        self.sent = 0

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.stdin.close()
        self.process.wait()
        self.process.stdout.close()

    def ask(self, payloads: list[dict]) -> list[dict]:
        """Send every request, reading the answers meanwhile (a full pipe each way would stop
        both ends); the answers in the requests' order."""
        first = self.sent + 1
        answers: dict[int, dict] = {}
        reader = threading.Thread(target=self.read, args=(answers, len(payloads)))
        reader.start()
        try:
            for payload in payloads:
                self.sent += 1
                message = orjson.dumps({"message_id": self.sent, "payload": payload})
                self.process.stdin.write(base64.b64encode(message) + b",")
            self.process.stdin.flush()
        except OSError:
            pass  # the service is gone: the reader finds out why, or that it said nothing
        finally:
            reader.join()
        ordered = [answers.get(n) for n in range(first, first + len(payloads))]
        for answer in ordered:
            if answer is None or answer.get("type") == "Error":
                why = answer.get("message") if answer else "it stopped without an answer"
                raise CommuniqueError(f"pagefind failed: {why}")
        return ordered

    def read(self, answers: dict[int, dict], count: int) -> None:
        for message in self.messages():
            answers[message.get("message_id") or 0] = message["payload"]
            if len(answers) >= count:
                return

    def messages(self) -> Iterator[dict]:
        parts: list[bytes] = []  # of a message not yet ended: a bundle's files come as one
        while chunk := self.process.stdout.read1(1 << 20):
            *done, rest = chunk.split(b",")
            for n, message in enumerate(done):
                whole = b"".join([*parts, message]) if n == 0 and parts else message
                yield orjson.loads(base64.b64decode(whole))
            parts = [rest] if done else [*parts, rest]
