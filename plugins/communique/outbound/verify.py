"""``invoke verify``: a published copy of the archive checked as anyone who holds one would
check it, from what it publishes alone (never the store): a folder, or a site at an http(s)
address.

What it checks, each failure one line naming the file or the post:

- every file SHA256SUMS lists is there with its SHA-256, and no other file is in ``/-/data/``;
  so is every post page that ``pages.sha256`` (one of them) lists, and (in a folder) no other;
- every record of the downloads carries the SHA-256 of its raw payload (canonical JSON) that its
  provenance states (a record shown otherwise than posted is published without its payload);
- every record has its post page, and (in a folder, which can be listed) every post page its
  record, or a line in the redaction log;
- the ledger's chain is whole, its last entry's count and Merkle root are those of the published
  records, ``ledger-head.txt`` names that entry, and no entry records an unexplained removal;
- with ``since`` (an earlier head, "<seq> <hash>" or "<hash>"), that the ledger holds that entry
  as it was: a copy that rewrote its history does not.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import urllib.error
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import orjson

from communique.errors import CommuniqueError
from communique.records import handle, is_post_id
from communique.signing import BESIDE, check, public_key_blob
from communique.site.downloads import PAGES, POST_PAGE, SUMS
from communique.site.ledger import HEAD, LEDGER, PIECE, chain_faults, head, merkle_root, parse
from communique.store import sha256_of

DATA = "-/data"
# The data page, a page of the site, and the signatures, timestamps and key that vouch for the
# sums: none is a download the sums list.
NOT_DATA = {"index.html", *BESIDE}
PAGE_LINE = re.compile(rf"(?P<sha>[0-9a-f]{{64}})  (?P<rel>{POST_PAGE.pattern})")
SUM_LINE = re.compile(r"(?P<sha>[0-9a-f]{64})  (?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)")
DATA_LINK = re.compile(r'href="[^"]*/-/data/([^"/?#]+)"')
HEAD_ARG = re.compile(r"(?:(?P<seq>[0-9]+) )?(?P<hash>[0-9a-f]{64})")
TIMEOUT = 30  # seconds a site may take to answer one request


@dataclass(frozen=True)
class Record:
    account: str
    digest: str  # SHA-256 of its line
    where: str  # the file and line


@dataclass
class Folder:
    """A copy on disk: its files by their path under the site's root, and listed."""

    root: Path

    def get(self, rel: str) -> bytes | None:
        try:
            return (self.root / rel).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    def data_names(self) -> set[str]:
        folder = self.root / DATA
        return {p.name for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()

    def post_pages(self) -> set[str]:
        """Every post page the folder holds, by its path."""
        return {rel for p in self.root.glob("*/status/*/index.html")
                if POST_PAGE.fullmatch(rel := p.relative_to(self.root).as_posix())}  # fmt: skip


@dataclass
class Site:
    """A copy served over http(s): each file asked for by its address; nothing can be listed
    but what the data page links."""

    url: str  # the site's root: http(s)://host[/path]

    def get(self, rel: str) -> bytes | None:
        address = f"{self.url.rstrip('/')}/{quote(rel.removesuffix('index.html'))}"
        try:
            with urllib.request.urlopen(address, timeout=TIMEOUT) as answer:
                return answer.read()
        except urllib.error.HTTPError as e:
            if e.code in (404, 410):
                return None
            raise CommuniqueError(f"{address}: HTTP {e.code} {e.reason}") from None
        except (urllib.error.URLError, OSError) as e:
            why = getattr(e, "reason", None) or e
            raise CommuniqueError(f"{address}: cannot be read ({why})") from None

    def data_names(self) -> set[str]:
        page = self.get(f"{DATA}/index.html") or b""
        return set(DATA_LINK.findall(page.decode("utf-8", "replace")))

    def post_pages(self) -> set[str]:
        """A site cannot be listed: its post pages are those pages.sha256 lists."""
        return set()


Copy = Folder | Site


def copy_at(where: str) -> Copy:
    """The copy at a folder or an http(s) address."""
    if urlsplit(where).scheme in ("http", "https"):
        return Site(where)
    if "://" in where:
        raise CommuniqueError(f"{where}: give a folder or an http(s) address")
    root = Path(where)
    if not (root / DATA).is_dir():
        raise CommuniqueError(f"{where}: no {DATA}/ folder: not a built copy of the archive")
    return Folder(root)


@dataclass
class Verdict:
    failures: list[str] = field(default_factory=list)
    files: int = 0
    records: int = 0
    pages: int = 0
    entries: int = 0
    head: str = ""

    @property
    def ok(self) -> bool:
        return not self.failures

    def line(self) -> str:
        return (
            f"verified: {self.files:,} files in {SUMS}, {self.records:,} records, {self.pages:,}"
            f" post pages, a ledger of {self.entries:,} entr{'y' if self.entries == 1 else 'ies'}"
            f" (head {self.head.strip()})"
        )


def verify(where: str, since: str | None = None, key: str | None = None) -> Verdict:
    """Check the copy at ``where``; ``since``: an earlier head it must extend; ``key``: the
    public key (an ``ssh-ed25519 AAAA...`` line, or a file that holds one) that must have
    signed its sums and its ledger head. The key the copy publishes is never the one checked
    against: a copy rewritten by someone else would publish theirs."""
    if since is not None and not HEAD_ARG.fullmatch(since.strip()):
        raise CommuniqueError(f"--since: {since!r}: give a ledger head, '<seq> <hash>' or '<hash>'")
    public = public_key(key) if key is not None else None
    copy = copy_at(where)
    verdict = Verdict()
    if public is not None:
        check_signatures(copy, public, verdict)
    files = check_sums(copy, verdict)
    records = check_records(files, verdict)
    check_pages(copy, records, files, verdict)
    check_ledger(files, records, verdict, since)
    return verdict


def public_key(key: str) -> str:
    """The ``ssh-ed25519`` line of ``--key``: given as it is, or the file holding it."""
    line = key.strip()
    if not line.startswith("ssh-ed25519 "):
        try:
            line = Path(key).read_text(encoding="utf-8").strip().splitlines()[0]
        except (OSError, UnicodeDecodeError, IndexError):
            raise CommuniqueError(
                f"--key: {key[:60]!r} is neither an ssh-ed25519 public key nor a file of one"
            ) from None
    public_key_blob(line)  # refused in one line unless it is one
    return line


def check_signatures(copy: Copy, public: str, verdict: Verdict) -> None:
    """SHA256SUMS and the ledger head, each signed by ``public``: the sums vouch for every
    other file, so these two signatures vouch for the whole copy."""
    for name in (SUMS, HEAD):
        data, signature = copy.get(f"{DATA}/{name}"), copy.get(f"{DATA}/{name}.sig")
        if data is None:
            continue  # named missing by the checks of the sums and of the ledger
        if signature is None:
            verdict.failures.append(f"{DATA}/{name}.sig: missing (the copy is not signed)")
            continue
        try:
            check(data, signature, public, name=f"{DATA}/{name}.sig")
        except CommuniqueError as e:
            verdict.failures.append(str(e))


def check_sums(copy: Copy, verdict: Verdict) -> dict[str, bytes]:
    """The files SHA256SUMS lists, by name, as the copy has them: the other checks read them
    as they are, changed or not, and say what a change broke."""
    fail = verdict.failures.append
    sums = copy.get(f"{DATA}/{SUMS}")
    if sums is None:
        fail(f"{DATA}/{SUMS}: missing")
        return {}
    listed: dict[str, str] = {}
    for n, line in enumerate(sums.decode("utf-8", "replace").splitlines(), 1):
        found = SUM_LINE.fullmatch(line)
        if found is None or found["name"] == SUMS:
            fail(f"{DATA}/{SUMS}:{n}: not a line of '<sha256>  <file name>'")
            continue
        listed[found["name"]] = found["sha"]
    files = {}
    for name, sha in sorted(listed.items()):
        data = copy.get(f"{DATA}/{name}")
        if data is None:
            fail(f"{DATA}/{name}: missing (listed in {SUMS})")
            continue
        if hashlib.sha256(data).hexdigest() != sha:
            fail(f"{DATA}/{name}: changed (its SHA-256 is not the one {SUMS} lists)")
        files[name] = data
    for name in sorted(copy.data_names() - listed.keys() - NOT_DATA - {SUMS}):
        fail(f"{DATA}/{name}: not listed in {SUMS}")
    verdict.files = len(listed)
    return files


def check_records(files: dict[str, bytes], verdict: Verdict) -> dict[str, Record]:
    """Every record of the downloads, by id, its raw payload checked against its provenance."""
    fail = verdict.failures.append
    records = {}
    for name in sorted(n for n in files if PIECE.fullmatch(n)):
        try:
            lines = gzip.decompress(files[name]).splitlines()
        except (gzip.BadGzipFile, EOFError, zlib.error):
            fail(f"{DATA}/{name}: not a gzip file")
            continue
        for n, line in enumerate(lines, 1):
            where = f"{DATA}/{name}:{n}"
            try:
                record = orjson.loads(line)
                post_id, account = record["id"], record["account"]
                stated = record["provenance"]["sha256"]
            except (orjson.JSONDecodeError, TypeError, KeyError):
                post_id = account = None
            if not (is_post_id(post_id) and handle(account) == account):
                fail(f"{where}: not a record")
                continue
            if "raw" in record and sha256_of(record["raw"]) != stated:
                fail(f"{where}: post {post_id}: its raw payload's SHA-256 is not its provenance's")
            records[post_id] = Record(account, hashlib.sha256(line).hexdigest(), where)
    verdict.records = len(records)
    return {i: records[i] for i in sorted(records, key=int)}


def withheld_ids(files: dict[str, bytes]) -> set[str]:
    """The posts the redaction log says are withheld: their pages are placeholders."""
    data = files.get("redactions.csv", b"").decode("utf-8", "replace")
    return {row["id"] for row in csv.DictReader(io.StringIO(data, newline="")) if "id" in row}


def check_pages(
    copy: Copy, records: dict[str, Record], files: dict[str, bytes], verdict: Verdict
) -> None:
    """The post pages pages.sha256 lists, each as it says (asked for a few at a time), and
    each record's page, and each page's record or line in the redaction log."""
    fail = verdict.failures.append
    listed: dict[str, str] = {}
    for n, line in enumerate(files.get(PAGES, b"").decode("utf-8", "replace").splitlines(), 1):
        found = PAGE_LINE.fullmatch(line)
        if found is None:
            fail(f"{DATA}/{PAGES}:{n}: not a line of '<sha256>  <post page>'")
            continue
        listed[found["rel"]] = found["sha"]
    with ThreadPoolExecutor(8) as pool:
        pages = dict(zip(listed, pool.map(copy.get, listed), strict=True))
    for rel, data in sorted(pages.items()):
        if data is None:
            fail(f"{rel}: missing (listed in {DATA}/{PAGES})")
        elif hashlib.sha256(data).hexdigest() != listed[rel]:
            fail(f"{rel}: changed (its SHA-256 is not the one {DATA}/{PAGES} lists)")
    for rel in sorted(copy.post_pages() - listed.keys()):
        fail(f"{rel}: a post page not listed in {DATA}/{PAGES}")
    there = {rel for rel, data in pages.items() if data is not None} | copy.post_pages()
    for post_id, record in records.items():
        if f"{record.account}/status/{post_id}/index.html" not in there:
            fail(f"post {post_id}: no page at /{record.account}/status/{post_id}/ ({record.where})")
    placeholders = withheld_ids(files)
    for rel in sorted(there):
        if rel.split("/")[2] not in records and rel.split("/")[2] not in placeholders:
            fail(f"{rel}: a post page with no record in the downloads and none in redactions.csv")
    verdict.pages = len(there)


def check_ledger(
    files: dict[str, bytes], records: dict[str, Record], verdict: Verdict, since: str | None
) -> None:
    fail = verdict.failures.append
    where = f"{DATA}/{LEDGER}"
    if LEDGER not in files:
        if not any(f.startswith(f"{where}:") for f in verdict.failures):  # said already
            fail(f"{where}: missing (not listed in {SUMS})")
        return
    try:
        entries = parse(files[LEDGER], where)
    except CommuniqueError as e:
        fail(str(e))
        return
    verdict.failures += chain_faults(entries, where)
    verdict.entries, verdict.head = len(entries), head(entries)
    if not entries:
        fail(f"{where}: no entry")
        return
    last = entries[-1]
    root = merkle_root([r.digest for r in records.values()])
    if last.get("count") != len(records) or last.get("root") != root:
        fail(f"{where}:{len(entries)}: its count and root are not those of the published records")
    if HEAD in files and files[HEAD].decode("utf-8", "replace") != head(entries):
        fail(f"{DATA}/{HEAD}: does not name the ledger's last entry")
    for n, entry in enumerate(entries, 1):
        for post_id in entry.get("removed") or ():
            fail(f"post {post_id}: an unexplained removal: it left the published set with no"
                 f" deletion mark and no redaction ({where}:{n})")  # fmt: skip
    if since is not None:
        wanted = HEAD_ARG.fullmatch(since.strip())
        seq = int(wanted["seq"]) if wanted["seq"] else None
        held = [e for e in entries if e.get("hash") == wanted["hash"]]
        if not held or (seq is not None and held[0].get("seq") != seq):
            fail(f"{where}: does not hold the entry {since.strip()} it held before: the ledger"
                 " was rewritten")  # fmt: skip
