"""The data downloads: made again a year at a time, and always what a fresh build makes."""

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from communique.ingest.normalize import from_v11
from communique.site.downloads import write_downloads
from communique.site.model import load
from communique.site.withheld import make_redaction
from communique.store import Store
from conftest import tweet

TRIPS = [
    ({"slug": "oslo", "title": "Oslo", "start": "2020-03-01", "end": "2020-03-04",
      "summary": None}, ["2002"]),
]  # fmt: skip
PHOTO = {"id": "90", "type": "photo", "url": "https://t.co/p", "alt": "A fjord", "file": None}


def post(id: str, when: str, text: str = "", **extra) -> dict:
    record = from_v11(
        tweet(id, text or f"Post {id}", when, **extra),
        account="envoy",
        source="test",
        retrieved_at="2024-01-01T00:00:00Z",
    )
    return record | {"media": [PHOTO]} if "photo" in text else record


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(tmp_path / "archive")
    store.merge(
        [
            post("1001", "Mon Mar 04 09:15:00 +0000 2019"),
            post("1002", "Tue Mar 05 09:15:00 +0000 2019", "A photo of the fjord"),
            post("2001", "Sun Mar 01 09:15:00 +0000 2020"),
            post("2002", "Mon Mar 02 09:15:00 +0000 2020", "@bob we are on it",
                 in_reply_to_status_id_str="1999", in_reply_to_screen_name="bob",
                 entities={"user_mentions": [{"screen_name": "bob", "indices": ["0", "4"]}]}),
            post("3001", "Fri Jan 01 09:15:00 +0000 2021"),
        ]
    )  # fmt: skip
    return store


def build(store: Store, site: Path, redactions: dict | None = None, hide: str = "") -> list:
    """The downloads into ``site``/data, with the cache in ``site``/cache, as the site does."""
    return write_downloads(
        store,
        site / "data",
        siteurl="https://archive.example.org",
        trips=TRIPS,
        stamp=site / "cache" / "communique-downloads.json",
        shown=load(store, redactions=redactions, hide_handles=hide),
    )


def written(site: Path) -> dict[str, tuple[int, int]]:
    """Each download's inode and mtime: both change when a file is written again."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (site / "data").iterdir()}


def tables(path: Path) -> dict[str, list]:
    """The schema and every table's rows, in an order that does not depend on the file."""
    db = sqlite3.connect(path)
    schema = list(db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name"))
    content = {"schema": schema}
    for kind, name, _ in schema:
        if kind == "table":
            content[name] = sorted(db.execute(f'SELECT * FROM "{name}"'), key=repr)
    db.close()
    return content


def assert_as_made_afresh(store: Store, site: Path, tmp_path: Path, **options) -> None:
    """Every download equals a fresh build's: JSONL and CSV byte for byte, the database row
    for row (its bytes may differ), and SHA256SUMS verifies."""
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    build(store, fresh, **options)
    data, fresh_data = site / "data", fresh / "data"
    names = sorted(p.name for p in data.iterdir())
    assert names == sorted(p.name for p in fresh_data.iterdir())
    for name in names:
        if name not in ("archive.db", "SHA256SUMS"):
            assert (data / name).read_bytes() == (fresh_data / name).read_bytes(), name
    assert tables(data / "archive.db") == tables(fresh_data / "archive.db")
    sums = [line.split("  ") for line in (data / "SHA256SUMS").read_text().splitlines()]
    assert sorted(name for _, name in sums) == [n for n in names if n != "SHA256SUMS"]
    for digest, name in sums:
        assert hashlib.sha256((data / name).read_bytes()).hexdigest() == digest, name


def test_a_new_post_writes_again_only_its_years_file_and_what_holds_every_year(store, tmp_path):
    site = tmp_path / "site"
    first = build(store, site)
    before = written(site)
    assert build(store, site) == first and written(site) == before  # nothing changed
    store.merge([post("2003", "Tue Mar 03 09:15:00 +0000 2020")])
    build(store, site)
    after = written(site)
    changed = sorted(name for name in before if after[name] != before[name])
    assert changed == ["SHA256SUMS", "archive.db", "envoy-2020.jsonl", "posts.csv"]
    assert '"id":"2003"' in (site / "data" / "envoy-2020.jsonl").read_text()
    assert_as_made_afresh(store, site, tmp_path)


def test_a_post_withheld_later_leaves_its_years_files_and_the_database(store, tmp_path):
    site = tmp_path / "site"
    build(store, site)
    redactions = {"1002": make_redaction("1002", "security", "2024-05-01", "redactions.md:3")}
    build(store, site, redactions=redactions)
    data = site / "data"
    assert '"id":"1002"' not in (data / "envoy-2019.jsonl").read_text()
    assert "fjord" not in (data / "posts.csv").read_text()
    assert (data / "redactions.csv").read_text().splitlines()[1].startswith("1002,envoy,")
    db = sqlite3.connect(data / "archive.db")
    assert db.execute("SELECT id FROM posts ORDER BY id").fetchall() == [
        ("1001",), ("2001",), ("2002",), ("3001",)
    ]  # fmt: skip
    assert db.execute("SELECT count(*) FROM media").fetchone() == (0,)
    assert_as_made_afresh(store, site, tmp_path, redactions=redactions)


def test_a_post_shown_otherwise_is_published_so_in_its_year(store, tmp_path):
    site = tmp_path / "site"
    build(store, site)
    before = written(site)
    build(store, site, hide="replies")  # other people's handles hidden from now on
    assert "bob" not in (site / "data" / "envoy-2020.jsonl").read_text()
    assert before["envoy-2019.jsonl"] == written(site)["envoy-2019.jsonl"]
    assert_as_made_afresh(store, site, tmp_path, hide="replies")


def test_a_year_gone_from_the_store_is_gone_from_the_downloads(store, tmp_path):
    site = tmp_path / "site"
    build(store, site)
    shutil.rmtree(store.root / "envoy" / "2019")
    downloads = build(store, site)
    assert "envoy-2019.jsonl" not in [d.name for d in downloads]
    assert not (site / "data" / "envoy-2019.jsonl").exists()
    db = sqlite3.connect(site / "data" / "archive.db")
    assert db.execute("SELECT count(*) FROM posts WHERE created_at < '2020'").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM media").fetchone() == (0,)
    assert_as_made_afresh(store, site, tmp_path)


def garble(path: Path) -> None:
    """Garbage of the same size and mtime, so only opening the file can tell."""
    stat = path.stat()
    path.write_bytes(b"\x00garbage" * (stat.st_size // 8) + b"!" * (stat.st_size % 8))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.mark.parametrize(
    "damage",
    [
        lambda cache, data: (cache / "communique-downloads.json").write_text("{not json"),
        lambda cache, data: (cache / "communique-downloads.json").write_text('{"keys": []}'),
        lambda cache, data: (cache / "communique-downloads.db").write_bytes(b"garbage"),
        lambda cache, data: garble(cache / "communique-downloads.db"),
        lambda cache, data: (cache / "communique-downloads.db").unlink(),
        lambda cache, data: (data / "posts.csv").write_text("id\n"),
        lambda cache, data: (data / "envoy-2021.jsonl").unlink(),
    ],
    ids=["bookkeeping", "bookkeeping-shape", "db", "db-same-stat", "db-gone", "csv", "jsonl"],
)
def test_a_damaged_cache_or_download_is_made_again_whole(store, tmp_path, damage):
    site = tmp_path / "site"
    build(store, site)
    damage(site / "cache", site / "data")
    store.merge([post("2003", "Tue Mar 03 09:15:00 +0000 2020")])
    build(store, site)
    assert_as_made_afresh(store, site, tmp_path)
