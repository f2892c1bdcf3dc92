"""The data downloads at /data/: the store as JSONL, CSV and SQLite, with a SHA256SUMS manifest.

A journalist should not have to scrape the site: the whole record is offered in the forms tools
read, and the manifest lets anyone check that a copy is the one published.

Made from the store a piece at a time, a piece being one account's year: a scheduled build adds
a few posts to one year, and reading 100,000 posts again for that takes seconds. A piece whose
inputs are unchanged is not read again: its JSONL is the file the last build wrote, its CSV rows
are sliced from the posts.csv it wrote, and its rows stay in the database kept in the cache,
which is updated in place and copied out.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from communique.files import digest, write_atomic
from communique.records import is_public
from communique.site.model import Archive
from communique.store import Store, dumps

CSV_FIELDS = [
    "id", "account", "created_at", "text", "reply_to_id", "reply_to_user", "quote_of_id",
    "retweet_of_user", "conversation_id", "hashtags", "media_count", "place", "lang", "source",
    "likes", "retweets", "edited", "deleted_at", "deleted_how", "source_file", "retrieved_at",
    "sha256", "url",
]  # fmt: skip

SHOWN_FIELDS = ("text", "entities", "reply_to", "quote_of", "retweet_of", "conversation_id",
                "edit_ids")  # fmt: skip
REDACTION_FIELDS = ["id", "account", "posted_at", "withheld_on", "reason", "url"]

SCHEMA = """
CREATE TABLE posts (
    id TEXT PRIMARY KEY, account TEXT NOT NULL, created_at TEXT NOT NULL, text TEXT NOT NULL,
    reply_to_id TEXT, reply_to_user TEXT, quote_of_id TEXT, retweet_of_user TEXT,
    conversation_id TEXT, hashtags TEXT, place TEXT, lang TEXT, source TEXT, likes INTEGER,
    retweets INTEGER, edit_ids TEXT, deleted_at TEXT, deleted_how TEXT, provenance_source TEXT,
    retrieved_at TEXT, sha256 TEXT
);
CREATE TABLE media (
    post_id TEXT NOT NULL REFERENCES posts(id), media_id TEXT, type TEXT, alt TEXT,
    file TEXT, url TEXT
);
CREATE TABLE trips (slug TEXT PRIMARY KEY, title TEXT, start TEXT, "end" TEXT, summary TEXT);
CREATE TABLE trip_posts (
    trip TEXT NOT NULL REFERENCES trips(slug), post_id TEXT NOT NULL REFERENCES posts(id)
);
"""
# No waiting for the disk: after a crash there is no bookkeeping, and all is made afresh.
NO_SYNC = "PRAGMA synchronous = OFF"
# Made after the rows are in: as compact as VACUUM would leave them, in a tenth of the time.
INDEXES = """
CREATE INDEX posts_account_created ON posts(account, created_at);
CREATE INDEX posts_conversation ON posts(conversation_id);
CREATE INDEX media_post ON media(post_id);
CREATE INDEX trip_posts_post ON trip_posts(post_id);
"""


@dataclass
class Download:
    name: str
    size: int
    sha256: str


HEADER = (",".join(CSV_FIELDS) + "\r\n").encode()  # as csv.writer writes it
# The shape of the files: a cache made by code that wrote another shape is not used.
FORMAT = digest(CSV_FIELDS, SHOWN_FIELDS, SCHEMA, INDEXES)


def csv_row(post: dict, siteurl: str) -> list:
    reply, quote, retweet = (
        post.get("reply_to") or {},
        post.get("quote_of") or {},
        post.get("retweet_of") or {},
    )
    prov = post["provenance"]
    return [
        post["id"], post["account"], post["created_at"], post["text"], reply.get("id"),
        reply.get("user"), quote.get("id"), retweet.get("user"), post.get("conversation_id"),
        " ".join(e["tag"] for e in post["entities"]["hashtags"]), len(post.get("media") or []),
        (post.get("place") or {}).get("name"), post.get("lang"), post.get("source"),
        post.get("metrics", {}).get("likes"), post.get("metrics", {}).get("retweets"),
        len(post.get("edit_ids") or []) > 1, post.get("deleted_at"), post.get("deleted_how"),
        prov["source"], prov["retrieved_at"], prov["sha256"],
        f"{siteurl}/{post['account']}/status/{post['id']}/",
    ]  # fmt: skip


def published_lines(
    store: Store, paths: list[Path], shown: Archive
) -> Iterator[tuple[bytes, dict]]:
    """Each line of these month files that the site may publish, as (line, record).

    Never-public and withheld posts are left out. A post the site shows otherwise than stored
    (other people's handles hidden, a reference to a never-public post cut) is published as
    the site shows it, without its raw payload, which holds what was taken out.
    """
    withheld = {p["id"] for p in shown.withheld}
    for path in paths:
        for line, record in store.read_lines(path):
            if not is_public(record) or record["id"] in withheld:
                continue
            if record["id"] in shown.altered:
                view = shown.by_id[record["id"]]
                record = {k: v for k, v in record.items() if k != "raw"}
                record.update({k: view[k] for k in SHOWN_FIELDS})
                line = (dumps(record) + "\n").encode()
            yield line if line.endswith(b"\n") else line + b"\n", record


def pieces(store: Store) -> dict[str, list[Path]]:
    """Each account's month files by year, named as the year's JSONL file, in store order.

    A file per account and year: each stays well under GitHub's 100 MB.
    """
    found: dict[str, list[Path]] = defaultdict(list)
    for account in store.accounts():
        for path in store.month_files(account):
            found[f"{account}-{path.parent.name}.jsonl"].append(path)
    return found


def piece_of(post: dict) -> str:
    return f"{post['account']}-{post['created_at'][:4]}.jsonl"


def piece_keys(files: dict[str, list[Path]], shown: Archive, siteurl: str) -> dict[str, str]:
    """A key per piece that changes whenever the piece's rows would: its month files, the
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
        stats = [(str(p), st.st_size, st.st_mtime_ns) for p in paths for st in [p.stat()]]
        keys[name] = digest(siteurl, stats, withheld[name], altered[name])
    return keys


def file_stat(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


@dataclass
class Made:
    """What the last build made, as its bookkeeping in the cache says."""

    shared: str  # the key of what the pieces share: the trips and the redaction log
    keys: dict[str, str]  # a piece (its JSONL file's name) -> its key, in store order
    rows: dict[str, int]  # a piece -> the length of its rows in posts.csv
    files: dict[str, list]  # a published file's name -> [size, mtime_ns, sha256]

    def csv_rows(self, folder: Path) -> dict[str, bytes]:
        """Each piece's CSV rows, sliced from the posts.csv it wrote."""
        data, start, rows = (folder / "posts.csv").read_bytes(), len(HEADER), {}
        for name, length in self.rows.items():
            rows[name], start = data[start : start + length], start + length
        return rows


def previous(stamp: Path, folder: Path, db_path: Path) -> Made | None:
    """The last build's bookkeeping, if every file it speaks of is as that build left it.

    Anything else (no bookkeeping, a file changed or gone, another format) gives None, and
    the downloads are made afresh.
    """
    try:
        state = json.loads(stamp.read_bytes())
        made = Made(state["shared"], state["keys"], state["rows"], state["files"])
        intact = (
            state["format"] == FORMAT
            and state["db"] == file_stat(db_path)
            and made.keys.keys() == made.rows.keys()
            and all(file_stat(folder / name) == entry[:2] for name, entry in made.files.items())
            and made.files["posts.csv"][0] == len(HEADER) + sum(made.rows.values())
        )
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        return None
    return made if intact else None


def open_db(path: Path) -> sqlite3.Connection | None:
    """The database the last build left in the cache, or None if it will not open."""
    db = sqlite3.connect(path)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        db.execute(NO_SYNC)
    except sqlite3.DatabaseError:
        db.close()
        return None
    return db


def new_db(path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute(NO_SYNC)
    db.executescript(SCHEMA)
    return db


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
                post.get("deleted_how"), prov["source"], prov["retrieved_at"], prov["sha256"],
            )  # fmt: skip
            media.extend(
                (post["id"], m.get("id"), m.get("type"), m.get("alt"), m.get("file"), m.get("url"))
                for m in post.get("media") or []
            )

    db.executemany("INSERT INTO posts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows())
    db.executemany("INSERT INTO media VALUES (?,?,?,?,?,?)", media)


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
    its CSV rows."""
    lines = []
    text = io.StringIO(newline="")
    writer = csv.writer(text)

    def records() -> Iterator[dict]:
        for line, record in published_lines(store, paths, shown):
            lines.append(line)
            writer.writerow(csv_row(record, siteurl))
            yield record

    insert_posts(db, records())
    return b"".join(lines), text.getvalue().encode()


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
) -> list[Download]:
    """Write every download into ``folder`` and its SHA256SUMS, remaking only changed pieces.

    ``shown`` is the archive as the site shows it: what it withholds, the downloads withhold.
    ``stamp`` is the bookkeeping file in the cache; the database is kept beside it.
    """
    db_path = stamp.with_suffix(".db")
    files = pieces(store)
    keys = piece_keys(files, shown, siteurl)
    redactions = redactions_csv(shown, siteurl)
    shared = digest(trips, redactions.decode())
    made = previous(stamp, folder, db_path)
    if made and made.keys == keys and made.shared == shared:
        return listed(made.files)
    stamp.unlink(missing_ok=True)  # until all is written again, the cache vouches for nothing
    db = open_db(db_path) if made else None
    if db is None:
        made, db = None, new_db(db_path)
    rows = made.csv_rows(folder) if made else {}  # each piece's CSV rows, the changed read anew
    for name in made.keys.keys() - keys.keys() if made else ():  # a year no longer stored
        delete_posts(db, name)
    for name in keys:
        if made and made.keys.get(name) == keys[name]:
            continue
        if made:
            delete_posts(db, name)
        jsonl, rows[name] = read_piece(db, store, files[name], shown, siteurl)
        if jsonl:
            write_atomic(folder / name, jsonl, sync=False)  # made again from the store if lost
        else:
            (folder / name).unlink(missing_ok=True)
    insert_trips(db, trips)
    db.commit()
    if made is None:  # a new database: its indexes once its rows are in
        db.executescript(INDEXES)
    db.close()
    write_atomic(folder / "archive.db", db_path.read_bytes(), sync=False)
    write_atomic(folder / "posts.csv", HEADER + b"".join(rows[name] for name in keys), sync=False)
    write_atomic(folder / "redactions.csv", redactions, sync=False)
    names = {"archive.db", "posts.csv", "redactions.csv"}
    names |= {name for name in keys if (folder / name).exists()}
    sums = write_sums(folder, names, made.files if made else {})
    state = {"format": FORMAT, "shared": shared, "keys": keys, "db": file_stat(db_path),
             "rows": {name: len(rows[name]) for name in keys}, "files": sums}  # fmt: skip
    write_atomic(stamp, json.dumps(state, indent=1).encode(), sync=False)  # last: all is there
    return listed(sums)


def write_sums(folder: Path, names: set[str], known: dict[str, list]) -> dict[str, list]:
    """Remove what an earlier build offered and this one does not, write SHA256SUMS, and
    return each file's [size, mtime_ns, sha256]."""
    for old in folder.glob("*"):
        if old.suffix in (".jsonl", ".csv", ".db") and old.name not in names:
            old.unlink()
    sums = summed(folder, names, known)
    manifest = "".join(f"{sha}  {name}\n" for name, (_, _, sha) in sorted(sums.items()))
    write_atomic(folder / "SHA256SUMS", manifest.encode(), sync=False)
    return sums | summed(folder, {"SHA256SUMS"}, {})


def summed(folder: Path, names: Iterable[str], known: dict[str, list]) -> dict[str, list]:
    """[size, mtime_ns, sha256] of each file: hashed again only if it changed since ``known``."""
    sums = {}
    for name in sorted(names):
        stat = file_stat(folder / name)
        old = known.get(name)
        if old and old[:2] == stat:
            sums[name] = old
        else:
            with (folder / name).open("rb") as f:
                sums[name] = [*stat, hashlib.file_digest(f, "sha256").hexdigest()]
    return sums


def listed(sums: dict[str, list]) -> list[Download]:
    return [Download(name, size, sha) for name, (size, _, sha) in sorted(sums.items())
            if name != "SHA256SUMS"]  # fmt: skip
