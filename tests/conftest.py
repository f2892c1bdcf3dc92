"""Shared fixtures: small archive exports written the way Twitter writes them."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import sqlite3
import struct
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from PIL import Image

# The same examples on every run, so CI is deterministic; HYPOTHESIS_PROFILE=explore searches
# afresh, with more examples, when hunting bugs locally.
# No deadlines: a test does not time anything (a first call may import or compile a pattern).
settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))


def js(global_name: str, value: object) -> str:
    return f"window.{global_name} = {json.dumps(value, indent=2, ensure_ascii=False)}"


def tweet(
    id: str,
    text: str,
    created_at: str = "Mon Nov 03 09:15:00 +0000 2008",
    **extra,
) -> dict:
    """A post as the archive export gives it: numbers as strings, entities with indices."""
    return {
        "id": id,
        "id_str": id,
        "created_at": created_at,
        "full_text": text,
        "entities": extra.pop("entities", {"hashtags": [], "user_mentions": [], "urls": []}),
        "favorite_count": "3",
        "retweet_count": "1",
        "lang": "en",
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        **extra,
    }


def write_export(folder: Path, tweets: list[dict], *, username: str = "envoy", **files) -> Path:
    """An unpacked export: data/account.js, data/tweets.js and any ``files`` (name -> text)."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    account = [{"account": {"username": username, "accountId": "42", "accountDisplayName": "E"}}]
    (data / "account.js").write_text(js("YTD.account.part0", account))
    (data / "tweets.js").write_text(js("YTD.tweets.part0", [{"tweet": t} for t in tweets]))
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


def zip_of(folder: Path, target: Path) -> Path:
    """``folder`` zipped as Twitter zips an export: its files by their paths inside it."""
    with zipfile.ZipFile(target, "w") as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(folder).as_posix())
    return target


def snapshot(root: Path) -> dict[Path, bytes]:
    """Every file under ``root`` and its bytes: to show that a refused change changed none."""
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def database(path: Path) -> sqlite3.Connection:
    """The published database (``archive.db.gz``) unpacked and opened in memory: what a
    reader gets from ``gunzip``, and no file left in the output a test looks at."""
    db = sqlite3.connect(":memory:")
    db.deserialize(gzip.decompress(path.read_bytes()))
    return db


@pytest.fixture
def store(tmp_path):
    from communique.store import Store

    return Store(tmp_path / "archive")


@pytest.fixture
def sample_export(tmp_path) -> Path:
    """The real 2022 export sample: tweet.js (older name) and manifest.js."""
    folder = tmp_path / "export"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "tweet.js").write_bytes((DATA / "archive-2022-tweet.js").read_bytes())
    (folder / "data" / "manifest.js").write_bytes((DATA / "archive-2022-manifest.js").read_bytes())
    return folder


@pytest.fixture
def small_disk(tmp_path):
    """A real file system of 256 KB (tmpfs), for a disk that fills in the middle of a build."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


@contextlib.contextmanager
def full(disk: Path, room: int = 0) -> Iterator[None]:
    """``disk`` (a ``small_disk``) filled but for ``room`` bytes for the block; room again after."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f, contextlib.suppress(OSError):
        while f.write(bytes(4096)):
            pass
    os.truncate(filler, max(filler.stat().st_size - room, 0))
    try:
        yield
    finally:
        filler.unlink()


def make_project(folder: Path, **overrides) -> Path:
    """A site project in ``folder`` using this repository's theme and plugin; returns its conf."""
    (folder / "content" / "pages").mkdir(parents=True, exist_ok=True)
    (folder / "content" / "trips").mkdir(parents=True, exist_ok=True)
    (folder / "content" / "pages" / "about.md").write_text(
        "Title: About\nSlug: about\n\nWho we are.\n"
    )
    conf = (ROOT / "pelican.conf.py").read_text()
    settings = {
        "ACCOUNTS": ["envoy"],  # write_export's account
        "THEME": str(ROOT / "theme"),
        "PLUGIN_PATHS": [str(ROOT / "plugins")],
        "SITEURL": "https://archive.example.org",
        "BUILD_DATE": "2012-01-01",
        **overrides,
    }
    conf += "\n" + "\n".join(f"{k} = {v!r}" for k, v in settings.items()) + "\n"
    (folder / "pelican.conf.py").write_text(conf)
    return folder / "pelican.conf.py"


def ledger_site(folder: Path) -> Path:
    """A project with four posts imported, for the ledger and the copies ``invoke verify``
    checks; returns its conf."""
    from communique.ingest.export import import_archive
    from communique.store import Store

    conf = make_project(folder)
    texts = ["First", "Second", "Third", "Fourth"]
    posts = [tweet(str(n), text, f"Mon Nov 0{n} 09:15:00 +0000 2008") for n, text in
             enumerate(texts, 1)]  # fmt: skip
    import_archive(write_export(folder / "export", posts), Store(folder / "content" / "archive"))
    return conf


def build_project(conf: Path) -> Path:
    """Build with real Pelican, as `invoke build` does; returns the output folder."""
    import os

    from pelican import Pelican
    from pelican.settings import read_settings

    cwd = os.getcwd()
    os.chdir(conf.parent)
    try:
        Pelican(read_settings(str(conf))).run()
    finally:
        os.chdir(cwd)
    return conf.parent / "output"


PLACE = "+35.6586+139.7454/"  # where the phone was, in its ISO 6709 ``©xyz`` atom
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude='
    b'"35,39.5N"/></rdf:RDF></x:xmpmeta>'
)


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


# A video as the export's extended_entities give one: its thumbnail, and one MP4 variant whose
# file the export holds as data/tweets_media/<post id>-clip.mp4.
VIDEO = {
    "id_str": "941", "type": "video", "url": "https://t.co/v", "indices": ["0", "14"],
    "media_url_https": "https://pbs.twimg.com/ext_tw_video_thumb/941/pu/img/clip.jpg",
    "video_info": {"variants": [{"bitrate": "832000", "content_type": "video/mp4",
                   "url": "https://video.twimg.com/ext_tw_video/941/pu/vid/clip.mp4"}]},
}  # fmt: skip


def make_video(path, sound: bool = True) -> bytes:
    """A 1-second video as a phone writes one: GPS, make, model, a date and a title in the
    container, a language and a handler name on the tracks, and an XMP packet after them."""
    sources = ["-f", "lavfi", "-i", "testsrc=duration=1:size=64x48:rate=10"]
    if sound:
        sources += ["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", "-metadata:s:a",
                    "language=jpn"]  # fmt: skip
    ffmpeg(
        *sources, "-c:v", "libx264", "-preset", "ultrafast", "-shortest",
        "-metadata", f"location={PLACE}", "-metadata", "make=Apple",
        "-metadata", "model=iPhone 15", "-metadata", "creation_time=2024-05-01T10:00:00Z",
        "-metadata", "title=Embassy garden", "-metadata:s:v", "handler_name=Core Media Video",
        "-movflags", "+use_metadata_tags", str(path),
    )  # fmt: skip
    uuid = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")  # Adobe's XMP box
    path.write_bytes(path.read_bytes() + struct.pack(">I4s", 24 + len(XMP), b"uuid") + uuid + XMP)
    return path.read_bytes()


def gif(comment: bytes = b"taken at the embassy", after: bytes = b"") -> bytes:
    """An animated GIF of three frames that loops, with a comment, an XMP application block
    and, when asked, bytes after its end."""
    frames = [Image.new("P", (8, 6), i) for i in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=[100, 200, 300],
                   loop=0, comment=comment)  # fmt: skip
    data = out.getvalue()
    header = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    xmp = b"\x21\xff\x0bXMP DataXMP" + b"".join(
        bytes([len(XMP[i : i + 255])]) + XMP[i : i + 255] for i in range(0, len(XMP), 255)
    )
    return data[:header] + xmp + b"\x00" + data[header:] + after
