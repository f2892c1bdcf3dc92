"""The data downloads: made again a year at a time, and always what a fresh build makes."""

import csv
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from communique.files import UMASK
from communique.ingest.normalize import from_v11
from communique.records import provenance
from communique.site import downloads
from communique.site.downloads import write_downloads
from communique.site.model import load
from communique.site.withheld import make_redaction
from communique.store import Store
from conftest import database, full, tweet

TRIPS = [
    ({"slug": "oslo", "title": "Oslo", "start": "2020-03-01", "end": "2020-03-04",
      "summary": None}, ["2002"]),
]  # fmt: skip
PHOTO = {"id": "90", "type": "photo", "url": "https://t.co/p", "alt": "A fjord", "file": None}


def post(id: str, when: str, text: str = "", **extra) -> dict:
    record = from_v11(
        tweet(id, text or f"Post {id}", when, **extra),
        account="envoy",
        provenance=provenance("export:data/tweets.js", None, "2024-01-01T00:00:00Z"),
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


def build(
    store: Store,
    site: Path,
    redactions: dict | None = None,
    hide: str = "",
    trips: list = TRIPS,
) -> list:
    """The downloads into ``site``/data, with the cache in ``site``/cache, as the site does."""
    return write_downloads(
        store,
        site / "data",
        siteurl="https://archive.example.org",
        trips=trips,
        stamp=site / "cache" / "communique-downloads.json",
        shown=load(store, redactions=redactions, hide_handles=hide),
    )


def read(path: Path) -> str:
    """A gzipped download's text."""
    return gzip.decompress(path.read_bytes()).decode()


def written(site: Path) -> dict[str, tuple[int, int]]:
    """Each download's inode and mtime: both change when a file is written again."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (site / "data").iterdir()}


def tables(path: Path) -> dict[str, list]:
    """The schema and every table's rows, in an order that does not depend on the file."""
    db = database(path)
    schema = list(db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name"))
    content = {"schema": schema}
    for kind, name, _ in schema:
        if kind == "table":
            content[name] = sorted(db.execute(f'SELECT * FROM "{name}"'), key=repr)
    db.close()
    return content


HEADER_FIELDS = {24: "file change counter", 28: "pages", 32: "first free page", 36: "free pages",
                 40: "schema cookie", 92: "version-valid-for", 96: "SQLite"}  # fmt: skip


def differences(ours: bytes, fresh: bytes) -> str:
    """Where two databases' bytes part: their header fields, or the first page that differs."""
    fields = [f"{name} {ours[at : at + 4].hex()} != {fresh[at : at + 4].hex()}"
              for at, name in HEADER_FIELDS.items()
              if ours[at : at + 4] != fresh[at : at + 4]]  # fmt: skip
    size = int.from_bytes(fresh[16:18]) if fresh[16:18] != b"\x00\x01" else 65536
    pages = [n for n in range(0, max(len(ours), len(fresh)), size)
             if ours[n : n + size] != fresh[n : n + size]]  # fmt: skip
    return "; ".join(fields + [f"pages differ from {pages[0] // size + 1}" if pages else ""])


def assert_as_made_afresh(
    store: Store, site: Path, tmp_path: Path, listed: list | None = None, **options
) -> None:
    """The downloads are byte for byte a fresh build's, nothing else is beside them, and
    their sums verify; ``listed``, what the build returned, is what a fresh one returns."""
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh_listed = build(store, fresh, **options)
    data, fresh_data = site / "data", fresh / "data"
    names = sorted(p.name for p in data.iterdir())
    assert names == sorted(p.name for p in fresh_data.iterdir())
    assert tables(data / "archive.db.gz") == tables(fresh_data / "archive.db.gz")
    ours, theirs = (gzip.decompress((d / "archive.db.gz").read_bytes()) for d in (data, fresh_data))
    assert ours == theirs, differences(ours, theirs)
    for name in names:
        assert (data / name).read_bytes() == (fresh_data / name).read_bytes(), name
    assert [d.name for d in fresh_listed] == names
    for d in fresh_listed:
        assert hashlib.sha256((data / d.name).read_bytes()).hexdigest() == d.sha256, d.name
    assert listed is None or listed == fresh_listed


def test_a_new_post_writes_again_only_its_years_file_and_what_holds_every_year(store, tmp_path):
    site = tmp_path / "site"
    first = build(store, site)
    before = written(site)
    assert build(store, site) == first and written(site) == before  # nothing changed
    store.merge([post("2003", "Tue Mar 03 09:15:00 +0000 2020")])
    build(store, site)
    after = written(site)
    changed = sorted(name for name in before if after[name] != before[name])
    assert changed == ["archive.db.gz", "envoy-2020.jsonl.gz", "posts.csv.gz"]
    assert '"id":"2003"' in read(site / "data" / "envoy-2020.jsonl.gz")
    assert_as_made_afresh(store, site, tmp_path)


def test_a_post_withheld_later_leaves_its_years_files_and_the_database(store, tmp_path):
    site = tmp_path / "site"
    build(store, site)
    redactions = {"1002": make_redaction("1002", "security", "2024-05-01", "redactions.md:3")}
    build(store, site, redactions=redactions)
    data = site / "data"
    assert '"id":"1002"' not in read(data / "envoy-2019.jsonl.gz")
    assert "fjord" not in read(data / "posts.csv.gz")
    assert (data / "redactions.csv").read_text().splitlines()[1].startswith("1002,envoy,")
    db = database(data / "archive.db.gz")
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
    assert "bob" not in read(site / "data" / "envoy-2020.jsonl.gz")
    assert before["envoy-2019.jsonl.gz"] == written(site)["envoy-2019.jsonl.gz"]
    assert_as_made_afresh(store, site, tmp_path, hide="replies")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised_and_the_rest_faithful(
    store, tmp_path, start
):
    formula = f'{start}HYPERLINK("https://evil.example","click")'
    place = {"full_name": f"{start}cmd|' /C calc'!A0", "country": "Iceland"}
    store.merge([post("2004", "Wed Mar 04 09:15:00 +0000 2020", formula, place=place)])
    site = tmp_path / "site"
    build(store, site)
    data = site / "data"
    with gzip.open(data / "posts.csv.gz", "rt", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["id"] == "2004")
    assert row["text"] == "'" + formula and row["place"] == "'" + place["full_name"]
    assert row["likes"] == "3" and row["url"].startswith("https://")  # the others as they are
    record = next(
        json.loads(line)
        for line in read(data / "envoy-2020.jsonl.gz").splitlines()
        if '"id":"2004"' in line
    )
    db = database(data / "archive.db.gz")
    stored = db.execute("SELECT text, place FROM posts WHERE id = '2004'").fetchone()
    assert (record["text"], record["place"]["name"]) == stored == (formula, place["full_name"])


def test_a_year_gone_from_the_store_is_gone_from_the_downloads(store, tmp_path):
    site = tmp_path / "site"
    build(store, site)
    shutil.rmtree(store.root / "envoy" / "2019")
    downloads = build(store, site)
    assert "envoy-2019.jsonl.gz" not in [d.name for d in downloads]
    assert not (site / "data" / "envoy-2019.jsonl.gz").exists()
    db = database(site / "data" / "archive.db.gz")
    assert db.execute("SELECT count(*) FROM posts WHERE created_at < '2020'").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM media").fetchone() == (0,)
    assert_as_made_afresh(store, site, tmp_path)


# -- an updated database, published as one made afresh -----------------------------------------

WITHHELD = {"1002": make_redaction("1002", "security", "2024-05-01", "redactions.md:3")}
OTHER_TRIPS = [
    ({"slug": "bergen", "title": "Bergen", "start": "2019-03-04", "end": "2019-03-06",
      "summary": "Rain"}, ["1001", "1002"]),
    TRIPS[0],
]  # fmt: skip


def a_new_post(store: Store) -> dict:
    store.merge([post("2003", "Tue Mar 03 09:15:00 +0000 2020", "A photo of the harbour")])
    return {}


def a_new_year(store: Store) -> dict:
    store.merge([post("4001", "Sat Jan 01 09:15:00 +0000 2022")])
    return {}


def a_year_gone(store: Store) -> dict:
    shutil.rmtree(store.root / "envoy" / "2019")
    return {}


def other_trips(store: Store) -> dict:
    return {"trips": OTHER_TRIPS}


def a_post_withheld(store: Store) -> dict:
    return {"redactions": WITHHELD}


def handles_hidden(store: Store) -> dict:
    return {"hide": "replies"}


@pytest.mark.parametrize(
    "change",
    [a_new_post, a_new_year, a_year_gone, other_trips, a_post_withheld, handles_hidden],
    ids=lambda change: change.__name__,
)
def test_a_database_updated_in_place_is_published_as_one_made_afresh(store, tmp_path, change):
    site = tmp_path / "site"
    build(store, site)
    options = change(store)
    listed = build(store, site, **options)
    assert_as_made_afresh(store, site, tmp_path, listed, **options)


def test_a_withheld_post_shown_again_is_published_as_if_never_withheld(store, tmp_path):
    site = tmp_path / "site"
    build(store, site, redactions=WITHHELD)
    listed = build(store, site)
    assert_as_made_afresh(store, site, tmp_path, listed)


def test_a_database_updated_build_after_build_stays_as_made_afresh(store, tmp_path):
    site, options = tmp_path / "site", {}
    build(store, site)
    for change in (a_new_post, a_post_withheld, other_trips, handles_hidden, a_new_year):
        options |= change(store)
        listed = build(store, site, **options)
        assert_as_made_afresh(store, site, tmp_path, listed, **options)


def test_the_database_is_published_readable_by_all_and_its_media_in_order(store, tmp_path):
    site = tmp_path / "site"
    build(store, site)
    a_new_post(store)
    build(store, site)
    data = site / "data"
    assert (data / "archive.db.gz").stat().st_mode & 0o777 == 0o666 & ~UMASK  # not mkstemp's 0600
    db = database(data / "archive.db.gz")
    media = db.execute("SELECT post_id, position, alt FROM media ORDER BY post_id").fetchall()
    assert media == [("1002", 0, "A fjord"), ("2003", 0, "A fjord")]


# -- a damaged cache or download: made again whole ----------------------------------------------

STAMP, DB = "communique-downloads.json", "communique-downloads.db"


def unchanged_stat(damage):
    """``damage`` done to a file, its mtime put back: only its bytes can tell."""

    def damaged(path: Path, *args) -> None:
        stat = path.stat()
        damage(path, *args)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    return damaged


@unchanged_stat
def garble(path: Path) -> None:
    """Garbage of the same size."""
    size = path.stat().st_size
    path.write_bytes(b"\x00garbage" * (size // 8) + b"!" * (size % 8))


@unchanged_stat
def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@unchanged_stat
def flip(path: Path) -> None:
    """Sixteen bits of the middle of the file flipped."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2] = bytes(b ^ 0xFF for b in data[middle : middle + 2])
    path.write_bytes(data)


@unchanged_stat
def reword(path: Path) -> None:
    """A post's text changed in place, the rest of the file as it was."""
    data = path.read_bytes()
    assert data.count(b"Post 1001") == 1
    path.write_bytes(data.replace(b"Post 1001", b"Post 1991"))


def misstate(path: Path, change) -> None:
    """The bookkeeping's body changed but still JSON, its checksum left as it was."""
    check, body = path.read_bytes().split(b"\n", 1)
    state = json.loads(body)
    change(state)
    path.write_bytes(check + b"\n" + json.dumps(state, indent=1).encode())


def wrong_checksum(state: dict) -> None:
    state["files"]["envoy-2019.jsonl.gz"]["sha256"] = "0" * 64


def rows_moved(state: dict) -> None:  # posts.csv's length unchanged
    state["rows"]["envoy-2019.jsonl"] += 1
    state["rows"]["envoy-2021.jsonl"] -= 1


@pytest.mark.parametrize(
    "damage",
    [
        lambda cache, data: (cache / STAMP).write_text("{not json"),
        lambda cache, data: truncate(cache / STAMP),
        lambda cache, data: (cache / STAMP).write_text('{"keys": []}'),
        lambda cache, data: misstate(cache / STAMP, wrong_checksum),
        lambda cache, data: misstate(cache / STAMP, rows_moved),
        lambda cache, data: (cache / STAMP).unlink(),
        lambda cache, data: (cache / DB).write_bytes(b"garbage"),
        lambda cache, data: garble(cache / DB),
        lambda cache, data: truncate(cache / DB),
        lambda cache, data: flip(cache / DB),
        lambda cache, data: reword(cache / DB),
        lambda cache, data: (cache / DB).unlink(),
    ],
    ids=["bookkeeping", "bookkeeping-truncated", "bookkeeping-shape", "bookkeeping-checksum",
         "bookkeeping-rows", "bookkeeping-gone", "db", "db-same-stat", "db-truncated",
         "db-flipped", "db-reworded", "db-gone"],
)  # fmt: skip
def test_a_damaged_cache_is_not_trusted_and_all_is_made_afresh(store, tmp_path, damage):
    site = tmp_path / "site"
    build(store, site)
    damage(site / "cache", site / "data")
    a_new_post(store)
    listed = build(store, site)
    assert_as_made_afresh(store, site, tmp_path, listed)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: (data / "posts.csv.gz").write_bytes(gzip.compress(b"id\n")),
        lambda data: (data / "envoy-2021.jsonl.gz").unlink(),
        lambda data: (data / "envoy-2019.jsonl.gz").open("ab").write(gzip.compress(b"{}\n")),
        lambda data: (data / "archive.db.gz").unlink(),
    ],
    ids=["csv", "jsonl-gone", "jsonl-edited", "db-gone"],
)
def test_a_download_edited_or_deleted_by_hand_is_made_again(store, tmp_path, damage):
    site = tmp_path / "site"
    build(store, site)
    damage(site / "data")
    listed = build(store, site)  # nothing else changed
    assert_as_made_afresh(store, site, tmp_path, listed)


def test_bookkeeping_not_as_written_is_not_trusted_even_when_nothing_changed(store, tmp_path):
    site = tmp_path / "site"
    build(store, site)
    misstate(site / "cache" / STAMP, wrong_checksum)
    listed = build(store, site)  # as the data page lists them
    assert_as_made_afresh(store, site, tmp_path, listed)


def test_the_rows_carried_on_from_posts_csv_are_checked_first(store, tmp_path):
    """The CSV rows of unchanged years are sliced from the published posts.csv.gz: were it
    changed, with its size and mtime kept, its rows would be published again under a new
    checksum. (A download not read again keeps its published checksum, which would tell.)"""
    site = tmp_path / "site"
    build(store, site)
    flip(site / "data" / "posts.csv.gz")  # its size and mtime kept
    a_new_post(store)
    listed = build(store, site)
    assert_as_made_afresh(store, site, tmp_path, listed)


# -- a build killed midway ----------------------------------------------------------------------


class Killed(BaseException):
    """The build stopped where it stood."""


@pytest.mark.parametrize(
    "where, call",
    [("read_piece", 1), ("write_atomic", 1), ("publish_db", 1), ("write_atomic", 2),
     ("write_atomic", 4)],
    ids=["reading", "jsonl", "database", "csv", "bookkeeping"],
)  # fmt: skip
def test_what_a_killed_build_leaves_is_made_again_or_removed(store, tmp_path, monkeypatch, where,
                                                             call):  # fmt: skip
    site = tmp_path / "site"
    build(store, site)
    a_new_post(store)
    calls, real = [], getattr(downloads, where)

    def killed(*args, **kwargs):
        calls.append(1)
        if len(calls) < call:
            return real(*args, **kwargs)
        for left in (
            ".archive.db.gz.k1lled_a.tmp",
            ".archive.db.gz.k1lled_a.tmp-journal",
            ".posts.csv.gz.k1lled_b.tmp",
            ".envoy-2020.jsonl.gz.k1lled_c.tmp",
        ):
            (site / "data" / left).write_bytes(b"SQLite format 3\x00")  # as SIGKILL leaves them
        (site / "cache" / f".{STAMP}.k1lled_d.tmp").write_bytes(b"{")
        raise Killed

    monkeypatch.setattr(downloads, where, killed)
    with pytest.raises(Killed):
        build(store, site)
    monkeypatch.undo()
    listed = build(store, site)
    assert_as_made_afresh(store, site, tmp_path, listed)
    digests = STAMP.replace(".json", "-digests.json")  # the month files' by their bytes
    assert sorted(p.name for p in (site / "cache").iterdir()) == sorted([DB, digests, STAMP])


def pages(size: int) -> int:
    """What a file of ``size`` bytes takes of a tmpfs: whole pages of 4 KB."""
    return -(-size // 4096) * 4096


@pytest.mark.parametrize(
    "where, room",
    [("cache", 0), ("cache", 16384), ("data", 49152), ("data", "the database, not it gzipped")],
)
def test_a_full_disk_under_the_database_names_it_and_the_next_build_is_whole(
    store, tmp_path, small_disk, where, room
):
    """SQLite's "database or disk is full", and a full disk under the gzip of the database,
    name no file: the build says which, leaves nothing open on the disk, and once there is
    room again makes what a fresh build makes."""
    subprocess.run(["mount", "-o", "remount,size=2m", str(small_disk)], check=True)
    for n in range(200):  # a database of more than the room left
        store.merge([post(str(5000 + n), "Mon Mar 04 09:15:00 +0000 2019", "words " * 40)])
    if not isinstance(room, int):  # room for the downloads but the last of the database's gzip
        build(store, tmp_path / "sizes")
        data = tmp_path / "sizes" / "data"
        room = sum(pages(p.stat().st_size) for p in data.glob("*.jsonl.gz")) + pages(
            len(gzip.decompress((data / "archive.db.gz").read_bytes()))
        ) + pages((data / "archive.db.gz").stat().st_size) - 4096  # fmt: skip
    site = tmp_path / "site"
    site.mkdir()
    (site / where).symlink_to(small_disk)
    with full(small_disk, room), pytest.raises(OSError) as failed:
        build(store, site)
    assert failed.value.strerror == "No space left on device"
    assert Path(failed.value.filename).parent == site / where, failed.value
    listed = build(store, site)
    assert_as_made_afresh(store, site, tmp_path, listed)


# -- compressed, the same bytes on every build, and read by the tools people have ---------------


def test_the_jsonl_and_csv_are_gzip_with_no_time_or_name_in_their_header(store, tmp_path):
    site = tmp_path / "site"
    names = [d.name for d in build(store, site)]
    assert names == ["archive.db.gz", "envoy-2019.jsonl.gz", "envoy-2020.jsonl.gz",
                     "envoy-2021.jsonl.gz", "posts.csv.gz", "redactions.csv"]  # fmt: skip
    for name in names:
        if name.endswith(".gz"):
            head = (site / "data" / name).read_bytes()[:10]
            # magic, deflate, no flags (so no file name), mtime 0
            assert head[:8] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00", name
    lines = read(site / "data" / "envoy-2020.jsonl.gz").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["2001", "2002"]


def test_posts_csv_is_one_stream_for_gunzip_though_written_a_year_at_a_time(store, tmp_path):
    site = tmp_path / "site"
    build(store, site)
    store.merge([post("2003", "Tue Mar 03 09:15:00 +0000 2020")])
    build(store, site)  # 2020's member made again, the others carried on
    path = site / "data" / "posts.csv.gz"
    unzipped = subprocess.run(["gzip", "-dc", str(path)], capture_output=True, check=True).stdout
    assert unzipped == gzip.decompress(path.read_bytes())
    rows = list(csv.reader(io.StringIO(unzipped.decode(), newline="")))
    assert rows[0] == downloads.CSV_FIELDS and rows.count(downloads.CSV_FIELDS) == 1
    assert [r[0] for r in rows[1:]] == ["1001", "1002", "2001", "2002", "2003", "3001"]
    assert_as_made_afresh(store, site, tmp_path)


def test_files_others_put_in_the_folder_are_left_alone(store, tmp_path):
    site = tmp_path / "site"
    build(store, site)
    theirs = {"ledger.jsonl": b"{}\n", "SHA256SUMS.sig": b"signature", "notes.csv": b"a\n"}
    for name, data in theirs.items():
        (site / "data" / name).write_bytes(data)
    shutil.rmtree(store.root / "envoy" / "2019")  # a download gone: the folder is cleared
    build(store, site)
    assert {name: (site / "data" / name).read_bytes() for name in theirs} == theirs
    assert not (site / "data" / "envoy-2019.jsonl.gz").exists()
