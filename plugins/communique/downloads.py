"""The data downloads at /data/: the store as JSONL, CSV and SQLite, with a SHA256SUMS manifest.

A journalist should not have to scrape the site: the whole record is offered in the forms tools
read, and the manifest lets anyone check that a copy is the one published.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from communique.archive import Archive
from communique.store import Store, dumps, write_atomic
from communique.withheld import is_public

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


def published_lines(store: Store, shown: Archive) -> Iterator[tuple[str, bytes, dict]]:
    """Each store line the site may publish, as (account, line, record).

    Never-public and withheld posts are left out. A post the site shows otherwise than stored
    (other people's handles hidden, a reference to a never-public post cut) is published as
    the site shows it, without its raw payload, which holds what was taken out.
    """
    withheld = {p["id"] for p in shown.withheld}
    for account in store.accounts():
        for path in store.month_files(account):
            for line, record in store.read_lines(path):
                if not is_public(record) or record["id"] in withheld:
                    continue
                if record["id"] in shown.altered:
                    view = shown.by_id[record["id"]]
                    record = {k: v for k, v in record.items() if k != "raw"}
                    record.update({k: view[k] for k in SHOWN_FIELDS})
                    line = (dumps(record) + "\n").encode()
                yield account, line if line.endswith(b"\n") else line + b"\n", record


def sqlite_bytes(rows: Iterable[dict], trips: list[tuple[dict, list[str]]]) -> bytes:
    """An SQLite database of the posts, built in a temporary file.

    Its columns are the normalized view; the raw payloads are in the JSONL files only, which
    keeps the database small enough to publish (GitHub refuses files over 100 MB).
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "archive.db"
        db = sqlite3.connect(path)
        db.execute("PRAGMA synchronous = OFF")  # a temporary file: no need to wait for the disk
        db.executescript(SCHEMA)
        for post in rows:
            reply, quote = post.get("reply_to") or {}, post.get("quote_of") or {}
            prov = post["provenance"]
            db.execute(
                "INSERT INTO posts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    post["id"], post["account"], post["created_at"], post["text"],
                    reply.get("id"), reply.get("user"), quote.get("id"),
                    (post.get("retweet_of") or {}).get("user"), post.get("conversation_id"),
                    " ".join(e["tag"] for e in post["entities"]["hashtags"]),
                    (post.get("place") or {}).get("name"), post.get("lang"), post.get("source"),
                    post.get("metrics", {}).get("likes"), post.get("metrics", {}).get("retweets"),
                    json.dumps(post.get("edit_ids") or []), post.get("deleted_at"),
                    post.get("deleted_how"), prov["source"], prov["retrieved_at"], prov["sha256"],
                ),
            )  # fmt: skip
            db.executemany(
                "INSERT INTO media VALUES (?,?,?,?,?,?)",
                [
                    (post["id"], m.get("id"), m.get("type"), m.get("alt"), m.get("file"),
                     m.get("url"))
                    for m in post.get("media") or []
                ],
            )  # fmt: skip
        for trip, ids in trips:
            db.execute(
                "INSERT INTO trips VALUES (?,?,?,?,?)",
                (trip["slug"], trip["title"], trip["start"], trip["end"], trip.get("summary")),
            )
            db.executemany("INSERT INTO trip_posts VALUES (?,?)", [(trip["slug"], i) for i in ids])
        db.commit()
        db.executescript(INDEXES)
        db.close()
        return path.read_bytes()


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


def store_fingerprint(
    store: Store, trips: list[tuple[dict, list[str]]], siteurl: str, shown: Archive
) -> str:
    """Changes whenever a download would: lets an incremental build skip rebuilding them."""
    withheld = sorted((p["id"], p["withheld"]) for p in shown.withheld)
    h = hashlib.sha256(
        json.dumps(
            [trips, siteurl, withheld, sorted(shown.altered)], sort_keys=True, default=str
        ).encode()
    )
    for account in store.accounts():
        for path in store.month_files(account):
            st = path.stat()
            h.update(f"{path}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def write_downloads(
    store: Store,
    folder: Path,
    *,
    siteurl: str,
    trips: list[tuple[dict, list[str]]],
    stamp: Path,
    shown: Archive,
) -> list[Download]:
    """Write every download into ``folder`` and its SHA256SUMS, unless ``stamp`` says unchanged.

    ``shown`` is the archive as the site shows it: what it withholds, the downloads withhold.
    """
    fingerprint = store_fingerprint(store, trips, siteurl, shown)
    if stamp.exists() and stamp.read_text() == fingerprint and (folder / "SHA256SUMS").exists():
        return read_sums(folder)
    # The store as JSONL, a file per account and year: each stays well under GitHub's 100 MB.
    jsonl: dict[str, list[bytes]] = defaultdict(list)
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(CSV_FIELDS)

    def rows() -> Iterator[dict]:
        for account, line, record in published_lines(store, shown):
            jsonl[f"{account}-{record['created_at'][:4]}.jsonl"].append(line)
            writer.writerow(csv_row(record, siteurl))
            yield record

    files = {"archive.db": sqlite_bytes(rows(), trips)}
    files |= {name: b"".join(lines) for name, lines in jsonl.items()}
    files["posts.csv"] = text.getvalue().encode()
    files["redactions.csv"] = redactions_csv(shown, siteurl)
    for old in folder.glob("*"):  # what an earlier build offered and this one does not
        if old.suffix in (".jsonl", ".csv", ".db") and old.name not in files:
            old.unlink()
    downloads = []
    for name, data in sorted(files.items()):
        write_atomic(folder / name, data, sync=False)  # made again from the store if lost
        downloads.append(Download(name, len(data), hashlib.sha256(data).hexdigest()))
    sums = "".join(f"{d.sha256}  {d.name}\n" for d in downloads)
    write_atomic(folder / "SHA256SUMS", sums.encode(), sync=False)
    write_atomic(stamp, fingerprint.encode(), sync=False)
    return downloads


def read_sums(folder: Path) -> list[Download]:
    downloads = []
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        downloads.append(Download(name, (folder / name).stat().st_size, digest))
    return downloads
