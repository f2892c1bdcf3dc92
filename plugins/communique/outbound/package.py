"""`invoke package`: the archive in the forms a records office takes in, in ``package/``.

- ``bag/``, a BagIt bag (RFC 8493, the Library of Congress's ``bagit``): the records, their
  media, the trips, the redaction log and the settings that shape the site, with SHA-256
  manifests of every file;
- ``site.wacz``, the built site as web archives hold one: each file of ``output/`` a WARC
  response record at its public address under SITEURL, and every post page listed.

Both hold the *published* archive, not the store: a package is handed on, to a library or the
Internet Archive, and what it holds is as public as the site. So never-public posts, withheld
posts and what the site hides of other people are in neither, as the downloads leave them out
(``published_lines``), and the media are the copies the site serves, re-encoded without their
metadata: the store's originals may say where a photo was taken.

Written into a temporary folder beside them and moved into place when whole: a package that
fails leaves the last one as it was.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import mimetypes
import os
import re
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import bagit
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from communique.errors import CommuniqueError
from communique.files import TEMP, naming
from communique.records import tool
from communique.settings import Settings
from communique.site.downloads import published_lines, redactions_csv
from communique.site.freshness import Journal
from communique.site.layout import own
from communique.site.media import POSTER
from communique.site.model import Archive, published
from communique.site.trips import load_trips
from communique.store import Store

BAG = "bag"
WACZ = "site.wacz"
# The settings that shape the pages, as the bag keeps them: named one by one, so a setting
# added later (a key, a path on this machine) is not packaged unless it is added here.
SHAPING = ("accounts", "sitename", "siteurl", "timezone", "audiences", "signatures",
           "support_hashtags", "hide_other_handles", "other_handle_label", "home_places",
           "posts_per_page", "feed_max_items")  # fmt: skip
TYPES = {".jsonl": "application/jsonl", ".db": "application/vnd.sqlite3"}
TEXT_TYPES = ("application/javascript", "application/json", "application/xml", "image/svg+xml")
TITLE = re.compile(rb"<title>(.*?)</title>", re.S)


@dataclass
class Packaged:
    bag: Path
    wacz: Path
    posts: int  # records in the bag
    media: int  # media files in the bag
    files: int  # files of the site in the WACZ
    pages: int  # post pages listed in its pages.jsonl

    at: str = ""  # the address the WACZ records the site at

    def line(self) -> str:
        return (
            f"packaged {self.posts:,} posts and {self.media:,} media in {self.bag},"
            f" {self.files:,} files of the site ({self.pages:,} post pages) in {self.wacz},"
            f" at {self.at}"
        )


def package(settings: Settings, store: Store) -> Packaged:
    """Write the bag and the WACZ of the site as ``settings`` publish it into
    ``package/``, from the store and the built ``output/``."""
    output = settings.output_path
    if (
        not (output / "index.html").is_file()
        or not Journal(settings.cache_path / "journal.json").finished()
    ):
        raise CommuniqueError(f"{output}: no finished build there; run `invoke build` first")
    if not set(settings.accounts) & set(store.accounts()):
        whose = ", ".join(f"@{name}" for name in settings.accounts) or "the accounts (ACCOUNTS)"
        raise CommuniqueError(
            f"{store.root}: no posts of {whose} stored; import an export first"
            " (`invoke import-archive PATH`)"
        )
    archive = published(store, settings)
    folder = settings.base / "package"
    folder.mkdir(exist_ok=True)
    for left in folder.glob(f".package.*{TEMP}"):  # what a killed run left
        shutil.rmtree(left)
    with (
        tempfile.TemporaryDirectory(dir=folder, prefix=".package.", suffix=TEMP) as work,
        naming(folder),  # what bagit and warcio cannot write, on a full disk, they do not name
    ):
        work = Path(work)
        posts, media = write_bag(work / BAG, store, archive, settings)
        files, pages = write_wacz(work / WACZ, archive, settings, work)
        if (folder / BAG).exists():  # the old bag goes with the temporary folder
            os.replace(folder / BAG, work / "old")
        os.replace(work / BAG, folder / BAG)
        os.replace(work / WACZ, folder / WACZ)
    return Packaged(folder / BAG, folder / WACZ, posts, media, files, pages, settings.public_url)


# -- the bag ---------------------------------------------------------------------------------


def write_bag(bag: Path, store: Store, archive: Archive, settings: Settings) -> tuple[int, int]:
    """The published records in the store's layout, month by month, each account's
    ``account.json``, the media the site serves of them, the published trips, the redaction
    log, the ledger as the site publishes it, and the settings; then made a bag. Returns the
    count of records and of media."""
    posts, media = 0, 0
    posted: list[str] = []
    captured: list[str] = []
    for account in sorted(archive.accounts):
        folder = store.folder(account)
        target = bag / "archive" / account
        target.mkdir(parents=True)
        if (folder / "account.json").is_file():
            shutil.copyfile(folder / "account.json", target / "account.json")
        served = served_media(settings.output_path / account / "media")
        for path in store.month_files(account):
            lines = []
            for line, record in published_lines(store, [path], archive):
                lines.append(line)
                posted.append(record["created_at"])
                if record["provenance"].get("captured_at"):
                    captured.append(record["provenance"]["captured_at"])
                for item in record.get("media") or ():
                    stem = Path(item.get("file") or "").stem
                    for name in served.get(stem, []) + served.get(stem + POSTER, []):
                        if not (target / "media" / name).exists():
                            (target / "media").mkdir(exist_ok=True)
                            shutil.copyfile(settings.output_path / account / "media" / name,
                                            target / "media" / name)  # fmt: skip
                            media += 1
            if lines:
                month = target / path.relative_to(folder)
                month.parent.mkdir(parents=True, exist_ok=True)
                month.write_bytes(b"".join(lines))
                posts += len(lines)
    for trip in load_trips(settings.trips_path):
        if not trip.draft and trip.source is not None:
            (bag / "trips").mkdir(exist_ok=True)
            shutil.copyfile(trip.source, bag / "trips" / trip.source.name)
    (bag / "redactions.csv").write_bytes(redactions_csv(archive, settings.siteurl.rstrip("/")))
    ledger = settings.output_path / own("data/ledger.jsonl")
    if ledger.is_file():  # what the published set was at each change: a later bag extends it
        shutil.copyfile(ledger, bag / "ledger.jsonl")
    (bag / "settings.json").write_text(settings_snapshot(settings) + "\n", encoding="utf-8")
    with quiet():
        bagit.make_bag(
            str(bag), bag_info(settings, archive, posted, captured), checksums=["sha256"]
        )
    # bagit lists the tag files in the order the disk lists them: sorted, a bag of the same
    # build is the same bytes on any disk (no manifest lists this one, so nothing else changes).
    tags = bag / "tagmanifest-sha256.txt"
    lines = tags.read_bytes().splitlines(keepends=True)  # "<sha256> <path>\n"
    tags.write_bytes(b"".join(sorted(lines, key=lambda line: line.split(b" ", 1)[1])))
    return posts, media


def served_media(folder: Path) -> dict[str, list[str]]:
    """The media files the site serves from an account's folder, by stem (a photo's copy may
    be a PNG, a video has its poster)."""
    found: dict[str, list[str]] = {}
    for name in sorted(os.listdir(folder)) if folder.is_dir() else ():
        found.setdefault(Path(name).stem, []).append(name)
    return found


def settings_snapshot(settings: Settings) -> str:
    values = {name: getattr(settings, name) for name in SHAPING}
    values["timezone"] = settings.timezone.key
    return json.dumps(values, indent=2, sort_keys=True, ensure_ascii=False)


def bag_info(
    settings: Settings, archive: Archive, posted: list[str], captured: list[str]
) -> dict[str, str]:
    """bag-info.txt: who sends it, what it is, the dates it spans, and what made it. A field
    the settings leave empty is left out rather than guessed."""
    accounts = ", ".join(f"@{name}" for name in sorted(archive.accounts))
    info = {
        "Source-Organization": settings.source_organization,
        "Contact-Name": settings.contact_name,
        "Contact-Email": settings.contact_email,
        "External-Description": f"{settings.sitename}: the published archive of {accounts},"
        f" as {settings.public_url} shows it",
        "Internal-Sender-Description": "The records the site publishes (never-public and"
        " withheld posts left out, other people's handles as the site shows them), the media"
        " as the site serves them (re-encoded without metadata), the published trips, the"
        " redaction log and the settings that shape the site.",
        "Communique-Accounts": accounts,
        "Communique-Posted": span(posted),
        "Communique-Captured": span(captured),
        "Bagging-Date": settings.now().date().isoformat(),
        "Bag-Software-Agent": tool(),
    }
    return {label: value for label, value in info.items() if value}


def span(times: list[str]) -> str:
    """An ISO 8601 interval, earliest/latest."""
    return f"{min(times)}/{max(times)}" if times else ""


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """bagit logs each file it hashes at INFO, and an error with its traceback, which still
    reaches us as an exception: said once, in one line."""
    logger = bagit.LOGGER
    level = logger.level
    logger.setLevel("CRITICAL")
    try:
        yield
    finally:
        logger.setLevel(level)


# -- the WACZ --------------------------------------------------------------------------------


def write_wacz(target: Path, archive: Archive, settings: Settings, work: Path) -> tuple[int, int]:
    """Every file of ``output/`` in one WARC, each at its public URL and dated by the time
    the build wrote it, then made a WACZ with the post pages listed; returns the count of
    files and of post pages."""
    from wacz.main import main as wacz  # imported here: it takes seconds (frictionless)

    output = settings.output_path
    base = settings.public_url  # until SITEURL is set, where `invoke serve` shows the site
    # The post pages, and the home page first, where a replay opens.
    wanted = {"index.html", *(f"{p['account']}/status/{p['id']}/index.html" for p in archive.posts)}
    warc = work / "site.warc.gz"
    pages, files, newest = [], 0, 0.0
    with warc.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for rel, path, st in site_files(output):
            url = public_url(base, rel)
            when = warc_date(st.st_mtime)
            with path.open("rb") as body:
                record = writer.create_warc_record(
                    url,
                    "response",
                    payload=body,
                    length=st.st_size,
                    http_headers=StatusAndHeaders(
                        "200 OK",
                        [("Content-Type", content_type(rel)), ("Content-Length", str(st.st_size))],
                        protocol="HTTP/1.1",
                    ),
                    warc_headers_dict={
                        "WARC-Date": when,
                        "WARC-Record-ID": f"<urn:uuid:{same_id(url, when)}>",
                    },
                )
                writer.write_record(record)
            files += 1
            newest = max(newest, st.st_mtime)
            if rel in wanted:
                wanted.discard(rel)
                page = {
                    "id": same_id(url, when).hex,
                    "url": url,
                    "title": title_of(path),
                    "ts": when,
                }
                pages.insert(0, page) if rel == "index.html" else pages.append(page)
    if wanted:
        raise CommuniqueError(
            f"{output / min(wanted)}: not built; run `invoke build` before `invoke package`"
        )
    listing = work / "pages.jsonl"
    header = {"format": "json-pages-1.0", "id": "pages", "title": "Post pages"}
    listing.write_text("".join(json.dumps(p) + "\n" for p in [header, *pages]), encoding="utf-8")
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        done = wacz(["create", "-o", str(target), str(warc), "-p", str(listing),
                     "--url", base + "/", "--title", settings.sitename])  # fmt: skip
    if done != 0 or "Invalid passed page" in said.getvalue():
        last = said.getvalue().strip().splitlines()[-1:] or ["no reason given"]
        raise CommuniqueError(f"{target}: the WACZ could not be made: {last[0]}")
    return files, len(pages) - 1


def site_files(output: Path) -> Iterator[tuple[str, Path, os.stat_result]]:
    """Each file of the built site, by its path in it, in order. A link is refused: the build
    makes none, and one could reach outside ``output/``."""
    for folder, dirs, names in os.walk(output):
        dirs.sort()
        for name in sorted(names + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
            path = Path(folder, name)
            st = path.lstat()
            if not stat.S_ISREG(st.st_mode):
                raise CommuniqueError(
                    f"{path}: not a file the build made; run `invoke build` to remove it"
                )
            yield path.relative_to(output).as_posix(), path, st


def public_url(base: str, rel: str) -> str:
    """Where the site serves ``rel``: a folder's index.html at the folder's address."""
    if rel == "index.html" or rel.endswith("/index.html"):
        rel = rel.removesuffix("index.html")
    return f"{base}/{quote(rel)}"


def content_type(rel: str) -> str:
    """The type the site serves ``rel`` as: a gzipped download (posts.csv.gz) is gzip, as its
    bytes are, not the CSV they unpack to."""
    suffix = Path(rel).suffix
    guessed, encoding = mimetypes.guess_type(rel)
    if encoding == "gzip":
        return "application/gzip"
    kind = TYPES.get(suffix) or guessed or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind in TEXT_TYPES else kind


def warc_date(mtime: float) -> str:
    return datetime.fromtimestamp(int(mtime), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def same_id(url: str, when: str) -> uuid.UUID:
    """The same file of the same build the same id, in the WARC and the page list: a WACZ
    made again of the same build holds the same records and pages."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{when} {url}")


def title_of(path: Path) -> str:
    found = TITLE.search(path.read_bytes())
    return html.unescape(found[1].decode("utf-8", "replace")).strip() if found else ""
