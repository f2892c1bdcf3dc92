"""The data downloads at /-/data/: the store as JSONL, CSV and SQLite, with a SHA256SUMS manifest.

A journalist should not have to scrape the site: the whole record is offered in the forms tools
read, and the manifest lets anyone check that a copy is the one published. The JSONL and
posts.csv are gzipped (a tenth and a sixth of their size: a third of the site's bytes were
these files, and GitHub Pages holds 1 GB), each as ``gzipped`` makes it, the same bytes on every
build; so is the SQLite database (a fifth of its size: unpacked, it was the site's biggest file
after the post pages, 650 bytes a post), which a reader unpacks once to open it.

Made from the store a piece at a time, a piece being one account's year: a scheduled build adds
a few posts to one year, and reading 100,000 posts again for that takes seconds. A piece whose
inputs are unchanged is not read again: its JSONL is the file the last build wrote, its CSV rows
are sliced from the posts.csv.gz it wrote (a gzip member a piece: members one after another are
one gzip stream, which gunzip, zcat and Python's gzip read whole), and its rows stay in the
database kept in the cache, which is updated in place.

Whatever happened before (a build killed, a cache file lost or damaged, a download edited),
the downloads are byte for byte what a build from an empty output and cache makes. So the
published database is never the working one: ``VACUUM INTO`` writes it afresh from the rows
alone, which a fresh and an updated database hold alike (every table is keyed, WITHOUT ROWID,
so no row keeps a trace of when it came in). And the bookkeeping trusts nothing it has not
checked: its own body and the kept database by their checksums, the downloads by their size
and mtime, and posts.csv.gz, whose rows it carries on, by its SHA-256 as well.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tempfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from communique.files import UMASK, digest, naming, write_atomic
from communique.records import is_public
from communique.site.freshness import DIGEST, Digests, code_stamp
from communique.site.ledger import Ledger, publish
from communique.site.ledger import published as published_records
from communique.site.model import Archive
from communique.store import Store, dumps

CSV_FIELDS = [
    "id", "account", "created_at", "text", "reply_to_id", "reply_to_user", "quote_of_id",
    "retweet_of_user", "conversation_id", "hashtags", "media_count", "place", "lang", "source",
    "likes", "retweets", "edited", "deleted_at", "deleted_how", "source_file", "retrieved_at",
    "sha256", "url", "captured_at", "imported_at", "captured_by", "tool",
]  # fmt: skip
# source_file and retrieved_at are what the columns captured_by and imported_at were called
# before capture times were kept: kept for those who read them, and never a local file name.

SHOWN_FIELDS = ("text", "entities", "reply_to", "quote_of", "retweet_of", "conversation_id",
                "edit_ids")  # fmt: skip
RECEIVED = ("raw", "note")  # a record's payloads as received, kept as they came
REDACTION_FIELDS = ["id", "account", "posted_at", "withheld_on", "reason", "url"]

# Every table keyed and WITHOUT ROWID: a row's place in the file follows from its key alone, so
# a database updated in place holds its rows as one made afresh does, and VACUUM INTO makes
# the same bytes of both. (A rowid would tell the order rows came in: a post inserted again
# at the end of the table, not among its year's.) Pages of 64 KiB, as rows of a few hundred
# bytes, whole in the key's tree, fit best: VACUUM INTO takes half the time of 4 KiB pages.
SCHEMA = """
PRAGMA page_size = 65536;
CREATE TABLE posts (
    id TEXT PRIMARY KEY, account TEXT NOT NULL, created_at TEXT NOT NULL, text TEXT NOT NULL,
    reply_to_id TEXT, reply_to_user TEXT, quote_of_id TEXT, retweet_of_user TEXT,
    conversation_id TEXT, hashtags TEXT, place TEXT, lang TEXT, source TEXT, likes INTEGER,
    retweets INTEGER, edit_ids TEXT, deleted_at TEXT, deleted_how TEXT, provenance_source TEXT,
    retrieved_at TEXT, sha256 TEXT, captured_at TEXT, imported_at TEXT, captured_by TEXT,
    tool TEXT
) WITHOUT ROWID;
CREATE TABLE media (
    post_id TEXT NOT NULL REFERENCES posts(id), position INTEGER NOT NULL, media_id TEXT,
    type TEXT, alt TEXT, file TEXT, url TEXT, PRIMARY KEY (post_id, position)
) WITHOUT ROWID;
CREATE TABLE trips (
    slug TEXT PRIMARY KEY, title TEXT, start TEXT, "end" TEXT, summary TEXT
) WITHOUT ROWID;
CREATE TABLE trip_posts (
    trip TEXT NOT NULL REFERENCES trips(slug), post_id TEXT NOT NULL REFERENCES posts(id),
    PRIMARY KEY (trip, post_id)
) WITHOUT ROWID;
"""
# No waiting for the disk, and no rollback journal: after a crash there is no bookkeeping, and
# all is made afresh.
NO_SYNC = "PRAGMA synchronous = OFF"
NO_JOURNAL = "PRAGMA journal_mode = OFF"
# Made after the rows are in, which is quicker than keeping them up as rows come. (A medium is
# found by its post through the media table's key.)
INDEXES = """
CREATE INDEX posts_account_created ON posts(account, created_at);
CREATE INDEX posts_conversation ON posts(conversation_id);
CREATE INDEX trip_posts_post ON trip_posts(post_id);
"""


@dataclass
class Download:
    name: str
    size: int
    sha256: str


# zlib's own default, and gzip(1)'s: level 9 makes the files 2% smaller in 1.7 times as long.
LEVEL = 6


def gzipped(data: bytes) -> bytes:
    """``data`` as one gzip member, the same bytes on every build: no time and no file name in
    its header (``mtime=0``: gzip then leaves zlib to write it). Nothing is no member at all."""
    return gzip.compress(data, compresslevel=LEVEL, mtime=0) if data else b""


HEADER = gzipped((",".join(CSV_FIELDS) + "\r\n").encode())  # as csv.writer writes it
CSV, REDACTIONS, DATABASE = "posts.csv.gz", "redactions.csv", "archive.db.gz"


# What a spreadsheet reads as the start of a formula in a cell (OWASP, "CSV Injection"), and
# the cells that hold text from outside (the others are numbers, dates, hashes and our URLs).
FORMULA_STARTS = frozenset("=+-@\t\r")
TEXT_CELLS = [CSV_FIELDS.index(name) for name in (
    "text", "reply_to_id", "reply_to_user", "quote_of_id", "retweet_of_user", "conversation_id",
    "hashtags", "place", "lang", "source", "deleted_how", "source_file",
)]  # fmt: skip


def csv_row(post: dict, siteurl: str) -> list:
    """A post's row in posts.csv, each text cell that a spreadsheet would run as a formula
    ("=HYPERLINK(", "@SUM(") begun with a single quote, as OWASP advises: the file is opened
    by people, in a spreadsheet, by a double-click. The JSONL and the database, read by
    programs, keep the text as posted."""
    reply, quote, retweet = (
        post.get("reply_to") or {},
        post.get("quote_of") or {},
        post.get("retweet_of") or {},
    )
    prov = post["provenance"]
    row = [
        post["id"], post["account"], post["created_at"], post["text"], reply.get("id"),
        reply.get("user"), quote.get("id"), retweet.get("user"), post.get("conversation_id"),
        " ".join(e["tag"] for e in post["entities"]["hashtags"]), len(post.get("media") or []),
        (post.get("place") or {}).get("name"), post.get("lang"), post.get("source"),
        post.get("metrics", {}).get("likes"), post.get("metrics", {}).get("retweets"),
        len(post.get("edit_ids") or []) > 1, post.get("deleted_at"), post.get("deleted_how"),
        prov["captured_by"], prov["imported_at"], prov["sha256"],
        f"{siteurl}/{post['account']}/status/{post['id']}/",
        prov["captured_at"], prov["imported_at"], prov["captured_by"], prov["tool"],
    ]  # fmt: skip
    for i in TEXT_CELLS:
        value = row[i]
        if value and value[0] in FORMULA_STARTS:
            row[i] = "'" + value
    return row


def published_lines(
    store: Store, paths: list[Path], shown: Archive
) -> Iterator[tuple[bytes, dict]]:
    """Each line of these month files that the site may publish, as (line, record).

    Never-public and withheld posts are left out. A post the site shows otherwise than stored
    (other people's handles hidden, a reference to a never-public post cut) is published as
    the site shows it, without the payloads as received, which hold what was taken out: its
    raw post, and a long post's note.
    """
    withheld = {p["id"] for p in shown.withheld}
    for path in paths:
        for line, record in store.read_lines(path):
            if not is_public(record) or record["id"] in withheld:
                continue
            if record["id"] in shown.altered:
                view = shown.by_id[record["id"]]
                record = {k: v for k, v in record.items() if k not in RECEIVED}
                record.update({k: view[k] for k in SHOWN_FIELDS})
                line = (dumps(record) + "\n").encode()
            yield line if line.endswith(b"\n") else line + b"\n", record


def pieces(store: Store, accounts: Iterable[str]) -> dict[str, list[Path]]:
    """Each published account's month files by year, named as the year's JSONL (published
    gzipped, as ``published_name``), in store order.

    A file per account and year: each stays well under GitHub's 100 MB.
    """
    found: dict[str, list[Path]] = defaultdict(list)
    for account in sorted(accounts):
        for path in store.month_files(account):
            found[f"{account}-{path.parent.name}.jsonl"].append(path)
    return found


def piece_of(post: dict) -> str:
    return f"{post['account']}-{post['created_at'][:4]}.jsonl"


def published_name(piece: str) -> str:
    return f"{piece}.gz"


def piece_keys(
    files: dict[str, list[Path]], shown: Archive, siteurl: str, digests: Digests
) -> dict[str, str]:
    """A key per piece that changes whenever the piece's rows would: its month files' bytes
    (by ``digests``: a fresh checkout of the store changes their times, not the pieces), the
    site's address, and how the site shows its posts (withheld, or altered as it shows them).
    """
    withheld: dict[str, list] = defaultdict(list)
    for post in shown.withheld:
        withheld[piece_of(post)].append((post["id"], post["withheld"]))
    altered: dict[str, list] = defaultdict(list)
    for post_id in sorted(shown.altered):
        view = shown.by_id[post_id]
        altered[piece_of(view)].append((post_id, {k: view[k] for k in SHOWN_FIELDS}))
    keys = {}
    for name, paths in files.items():
        held = [(p.name, digests.of(p)) for p in paths]  # the piece names the account, year
        keys[name] = digest(siteurl, held, withheld[name], altered[name])
    return keys


@dataclass
class Published:
    """A download as the build that wrote it left it: taken to be unchanged while its size and
    mtime are (an edit, a copy over it or a file written again changes its mtime)."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass
class Kept:
    """The database in the cache as the last build left it, read whole again before it is
    updated (50 MB for 100,000 posts, in a few hundredths of a second): a database damaged in
    the middle of a table opens, and its damage would be published."""

    size: int
    mtime_ns: int
    crc32: int

    @classmethod
    def of(cls, path: Path) -> Kept:
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, crc32_of(path))

    def holds(self, path: Path) -> bool:
        st = path.stat()
        return (st.st_size, st.st_mtime_ns) == (self.size, self.mtime_ns) and (
            crc32_of(path) == self.crc32
        )


def crc32_of(path: Path) -> int:
    crc = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


@dataclass
class Made:
    """What the last build made, as its bookkeeping in the cache says."""

    format: str  # FORMAT of the code that made it
    shared: str  # the key of what the pieces share: the trips and the redaction log
    keys: dict[str, str]  # a piece (its JSONL file's name) -> its key, in store order
    rows: dict[str, int]  # a piece -> the length of its gzip member in posts.csv.gz
    db: Kept  # the database in the cache
    files: dict[str, Published]  # a published file's name -> what was published

    def dump(self) -> bytes:
        """The bookkeeping as written: the SHA-256 of its body, then the body, in JSON."""
        body = json.dumps(asdict(self), indent=1).encode()
        return hashlib.sha256(body).hexdigest().encode() + b"\n" + body

    @classmethod
    def load(cls, data: bytes) -> Made | None:
        """The bookkeeping written as ``data``, if it is whole and as it was written."""
        check, _, body = data.partition(b"\n")
        if hashlib.sha256(body).hexdigest().encode() != check:
            return None
        state = json.loads(body)
        db = Kept(**state.pop("db"))
        files = {name: Published(**entry) for name, entry in state.pop("files").items()}
        return cls(**state, db=db, files=files)

    def csv_rows(self, folder: Path) -> dict[str, bytes] | None:
        """Each piece's CSV rows, gzipped, sliced from the posts.csv.gz it wrote, or None if
        that file is not the one it published (carried on, a damaged row would be published
        again, under a new checksum)."""
        try:
            data = (folder / CSV).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != self.files[CSV].sha256:
            return None
        start, rows = len(HEADER), {}
        for name, length in self.rows.items():
            rows[name], start = data[start : start + length], start + length
        return rows


# The code that made the files and the bookkeeping (its shapes among it), and the SQLite and the
# zlib that write the database and the gzip members: a cache made by other code is not used.
FORMAT = digest(code_stamp(), sqlite3.sqlite_version, zlib.ZLIB_RUNTIME_VERSION)


def previous(stamp: Path, folder: Path) -> Made | None:
    """The last build's bookkeeping, if it is whole and every download it speaks of is as
    that build left it. (The database in the cache is checked when it is to be used.)

    Anything else (no bookkeeping, or damaged, a file changed or gone, another format) gives
    None, and the downloads are made afresh.
    """
    try:
        made = Made.load(stamp.read_bytes())
        intact = (
            made is not None
            and made.format == FORMAT
            and made.keys.keys() == made.rows.keys()
            and all(published(folder / name, entry) for name, entry in made.files.items())
            and made.files[CSV].size == len(HEADER) + sum(made.rows.values())
        )
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        return None
    return made if intact else None


def published(path: Path, entry: Published) -> bool:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns) == (entry.size, entry.mtime_ns)


def open_db(path: Path, kept: Kept) -> sqlite3.Connection | None:
    """The database the last build left in the cache, or None if it is not that one."""
    try:
        if not kept.holds(path):
            return None
    except OSError:
        return None
    db = sqlite3.connect(path)
    db.execute(NO_SYNC)
    db.execute(NO_JOURNAL)
    return db


def new_db(path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    with writing(db, path):
        db.execute(NO_SYNC)
        db.execute(NO_JOURNAL)
        db.executescript(SCHEMA)
    return db


@contextlib.contextmanager
def writing(db: sqlite3.Connection, path: Path) -> Iterator[None]:
    """Writes by SQLite into ``path``: a full disk is its "database or disk is full", which is
    no OSError and names no file, so it is made the OSError that names ``path`` (one line must
    say which file could not be written); and a failure closes ``db``, which would otherwise
    keep its file open (and the disk busy) after the build has stopped."""
    try:
        yield
    except BaseException as e:
        db.close()
        if isinstance(e, sqlite3.OperationalError) and e.sqlite_errorcode == sqlite3.SQLITE_FULL:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from None
        raise


def publish_db(db: sqlite3.Connection, path: Path) -> None:
    """The database, as ``VACUUM INTO`` writes it, gzipped at ``path``: its rows copied table
    by table in key order, no free pages, so the bytes follow from the rows and the schema
    alone; the gzip header has no time and no name, as in ``gzipped``."""
    names = []
    for _ in range(2):  # the database, then it gzipped
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)  # VACUUM INTO writes into a file that is new or empty
        names.append(name)
    tmp, packed = names
    try:
        os.chmod(packed, 0o666 & ~UMASK)  # mkstemp makes 0600: a web server could not read it
        with writing(db, path):
            db.execute("VACUUM INTO ?", (tmp,))
        with (
            naming(path),
            open(tmp, "rb") as raw,
            open(packed, "wb") as out,
            gzip.GzipFile("", "wb", LEVEL, out, mtime=0) as z,
        ):
            shutil.copyfileobj(raw, z, 1 << 20)
        os.replace(packed, path)
    finally:
        for left in (tmp, f"{tmp}-journal", packed):
            Path(left).unlink(missing_ok=True)


def insert_posts(db: sqlite3.Connection, posts: Iterable[dict]) -> None:
    """Rows of the normalized view; the raw payloads are in the JSONL files only, which keeps
    the database small enough to publish (GitHub refuses files over 100 MB)."""
    media: list[tuple] = []  # one post in twenty has any

    def rows() -> Iterator[tuple]:  # streamed: one statement for all, not one a post
        for post in posts:
            reply, quote = post.get("reply_to") or {}, post.get("quote_of") or {}
            prov = post["provenance"]
            yield (
                post["id"], post["account"], post["created_at"], post["text"],
                reply.get("id"), reply.get("user"), quote.get("id"),
                (post.get("retweet_of") or {}).get("user"), post.get("conversation_id"),
                " ".join(e["tag"] for e in post["entities"]["hashtags"]),
                (post.get("place") or {}).get("name"), post.get("lang"), post.get("source"),
                post.get("metrics", {}).get("likes"), post.get("metrics", {}).get("retweets"),
                json.dumps(post.get("edit_ids") or []), post.get("deleted_at"),
                post.get("deleted_how"), prov["captured_by"], prov["imported_at"], prov["sha256"],
                prov["captured_at"], prov["imported_at"], prov["captured_by"], prov["tool"],
            )  # fmt: skip
            media.extend(
                (post["id"], n, m.get("id"), m.get("type"), m.get("alt"), m.get("file"),
                 m.get("url"))
                for n, m in enumerate(post.get("media") or [])
            )  # fmt: skip

    db.executemany(f"INSERT INTO posts VALUES ({','.join('?' * 25)})", rows())
    db.executemany("INSERT INTO media VALUES (?,?,?,?,?,?,?)", media)


def delete_posts(db: sqlite3.Connection, name: str) -> None:
    """Remove the rows of the piece whose JSONL file is ``name``."""
    account, year = name.removesuffix(".jsonl").rsplit("-", 1)
    span = (account, year, f"{int(year) + 1:04d}")  # created_at sorts as the time it is
    where = "account = ? AND created_at >= ? AND created_at < ?"
    db.execute(f"DELETE FROM media WHERE post_id IN (SELECT id FROM posts WHERE {where})", span)
    db.execute(f"DELETE FROM posts WHERE {where}", span)


def insert_trips(db: sqlite3.Connection, trips: list[tuple[dict, list[str]]]) -> None:
    """The trips tables, made again whole: a dozen trips, not worth tracking piece by piece."""
    db.execute("DELETE FROM trip_posts")
    db.execute("DELETE FROM trips")
    for trip, ids in trips:
        db.execute(
            "INSERT INTO trips VALUES (?,?,?,?,?)",
            (trip["slug"], trip["title"], trip["start"], trip["end"], trip.get("summary")),
        )
        db.executemany("INSERT INTO trip_posts VALUES (?,?)", [(trip["slug"], i) for i in ids])


def read_piece(
    db: sqlite3.Connection, store: Store, paths: list[Path], shown: Archive, siteurl: str
) -> tuple[bytes, bytes]:
    """One piece read from the store: its rows go into ``db`` as they are read (a year of
    records held at once would cost their memory, and time to free it); returns its JSONL and
    its CSV rows, gzipped."""
    lines = []
    text = io.StringIO(newline="")
    writer = csv.writer(text)

    def records() -> Iterator[dict]:
        for line, record in published_lines(store, paths, shown):
            lines.append(line)
            writer.writerow(csv_row(record, siteurl))
            yield record

    insert_posts(db, records())
    return gzipped(b"".join(lines)), gzipped(text.getvalue().encode())


def redactions_csv(shown: Archive, siteurl: str) -> bytes:
    """The redaction log as data: what is missing from the other files, and why."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(REDACTION_FIELDS)
    for post in sorted(shown.withheld, key=lambda p: int(p["id"])):
        why = post["withheld"]
        writer.writerow(
            [post["id"], post["account"], post["created_at"], why["date"], why["reason"],
             f"{siteurl}/{post['account']}/status/{post['id']}/"]
        )  # fmt: skip
    return text.getvalue().encode()


def write_downloads(
    store: Store,
    folder: Path,
    *,
    siteurl: str,
    trips: list[tuple[dict, list[str]]],
    stamp: Path,
    shown: Archive,
    ledger: Ledger | None = None,
) -> list[Download]:
    """Write every download into ``folder``, remaking only changed pieces; returns them.

    ``shown`` is the archive as the site shows it: what it withholds, the downloads withhold.
    ``stamp`` is the bookkeeping file in the cache; the database is kept beside it.
    ``ledger``: where the ledger is kept, brought up to date with the JSONL files once they are
    written, and published beside them (None: the downloads alone).
    """
    db_path = stamp.with_suffix(".db")
    files = pieces(store, shown.accounts)
    digests = Digests(stamp.with_name(f"{stamp.stem}-digests.json"))
    keys = piece_keys(files, shown, siteurl, digests)
    digests.save()
    redactions = redactions_csv(shown, siteurl)
    shared = digest(trips, redactions.decode(), ledger and ledger.stamp())
    made = previous(stamp, folder)
    if made and made.keys == keys and made.shared == shared:
        clear(folder, made.files.keys())
        return listed(made.files)
    stamp.unlink(missing_ok=True)  # until all is written again, the cache vouches for nothing
    for name in (stamp.name, digests.path.name):  # a build killed writing them
        for left in stamp.parent.glob(f".{name}.*.tmp"):
            left.unlink()
    rows = made.csv_rows(folder) if made else None  # each piece's, the changed read anew
    db = open_db(db_path, made.db) if made and rows is not None else None
    if db is None:
        made, rows, db = None, {}, new_db(db_path)
    with writing(db, db_path):
        for name in made.keys.keys() - keys.keys() if made else ():  # a year no longer stored
            delete_posts(db, name)
        for name in keys:
            if made and made.keys.get(name) == keys[name]:
                continue
            if made:
                delete_posts(db, name)
            jsonl, rows[name] = read_piece(db, store, files[name], shown, siteurl)
            if jsonl:  # made again from the store if lost
                write_atomic(folder / published_name(name), jsonl, sync=False)
            else:
                (folder / published_name(name)).unlink(missing_ok=True)
        insert_trips(db, trips)
        db.commit()
        if made is None:  # a new database: its indexes once its rows are in
            db.executescript(INDEXES)
        folder.mkdir(parents=True, exist_ok=True)
        publish_db(db, folder / DATABASE)
    db.close()
    write_atomic(folder / CSV, HEADER + b"".join(rows[name] for name in keys), sync=False)
    write_atomic(folder / REDACTIONS, redactions, sync=False)  # a few lines, read in a browser
    names = {DATABASE, CSV, REDACTIONS}
    names |= {published_name(n) for n in keys if (folder / published_name(n)).exists()}
    if ledger is not None:
        withheld = {post["id"]: post["withheld"]["reason"] for post in shown.withheld}
        now = published_records(folder, names, stamp.with_name("ledger.json"))
        data = ledger.update(store, now, withheld)
        names |= set(publish(folder, data))
        shared = digest(trips, redactions.decode(), ledger.stamp())  # as this build leaves it
    sums = offered(folder, names, made.files if made else {})
    state = Made(FORMAT, shared, keys, {name: len(rows[name]) for name in keys},
                 Kept.of(db_path), sums)  # fmt: skip
    write_atomic(stamp, state.dump(), sync=False)  # last: all is there
    return listed(sums)


# What a build killed while writing leaves: write_atomic's and publish_db's temporary files,
# .{name}.{random}.tmp, and the journal SQLite keeps beside the one VACUUM INTO writes.
LEFT = re.compile(r"\.(.+)\.\w+\.tmp(-journal)?")
# What these downloads are named: files of other kinds in the folder are others' to keep.
OFFERED = (".jsonl.gz", ".csv.gz", REDACTIONS, DATABASE)


def clear(folder: Path, names: Iterable[str]) -> None:
    """Remove the downloads an earlier build offered and this one does not (``names``), and
    what a build killed while writing them left."""
    keep = set(names)
    for old in folder.glob("*"):
        left = LEFT.fullmatch(old.name)
        if left:
            if left[1] == SUMS or left[1].endswith(OFFERED):
                old.unlink()
        elif old.name.endswith(OFFERED) and old.name not in keep:
            old.unlink()


def offered(folder: Path, names: set[str], known: dict[str, Published]) -> dict[str, Published]:
    """Remove what an earlier build offered and this one does not, and return what each file
    is as published. (SHA256SUMS is written once the pages are: ``write_manifest``.)"""
    clear(folder, names)
    return summed(folder, names, known)


SUMS = "SHA256SUMS"
PAGES = "pages.sha256"
POST_PAGE = re.compile(r"[a-z0-9_]{1,15}/status/[0-9]+/index\.html")


def page_sums(rows: dict[str, list]) -> dict[str, str]:
    """The SHA-256 of every post page the build made (``rows``: ``Output.rows``), as the
    writer hashed it (``Output.write``): at 100,000 posts the pages are 300 MB, none read
    again."""
    return {rel: row[DIGEST] for rel, row in rows.items()
            if "/status/" in rel and POST_PAGE.fullmatch(rel)}  # fmt: skip


def write_manifest(folder: Path, downloads: list[Download], pages: dict[str, str]) -> list[str]:
    """``pages.sha256``, the post pages' sums by their path from the site's root, and
    SHA256SUMS, every download's and that file's: one manifest for every file a copy must
    keep as published, so that one signature of it vouches for all. Returns their names."""
    # The paths sorted, each sum looked up: quicker than sorting (path, sum) tuples.
    listing = "".join([f"{pages[rel]}  {rel}\n" for rel in sorted(pages)]).encode()
    write_atomic(folder / PAGES, listing, sync=False)
    sums = {d.name: d.sha256 for d in downloads} | {PAGES: hashlib.sha256(listing).hexdigest()}
    manifest = "".join(f"{sha}  {name}\n" for name, sha in sorted(sums.items()))
    write_atomic(folder / SUMS, manifest.encode(), sync=False)
    return [PAGES, SUMS]


def summed(folder: Path, names: Iterable[str], known: dict[str, Published]) -> dict[str, Published]:
    """Each file as published: hashed again only if it changed since ``known``."""
    sums = {}
    for name in sorted(names):
        path = folder / name
        old = known.get(name)
        if old and published(path, old):
            sums[name] = old
        else:
            st = path.stat()
            with path.open("rb") as f:
                sha = hashlib.file_digest(f, "sha256").hexdigest()
            sums[name] = Published(st.st_size, st.st_mtime_ns, sha)
    return sums


def listed(sums: dict[str, Published]) -> list[Download]:
    return [Download(name, entry.size, entry.sha256) for name, entry in sorted(sums.items())]
