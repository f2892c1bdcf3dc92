import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image

from communique.ingest.api import from_v2, index
from communique.ingest.export import import_archive
from communique.records import provenance
from communique.site.freshness import FeedTitles
from communique.store import Store
from conftest import (
    ROOT,
    VIDEO,
    build_project,
    database,
    full,
    js,
    make_project,
    make_video,
    snapshot,
    tweet,
    write_export,
    zip_of,
)


def unpacked(path: Path) -> bytes:
    """A file's bytes, gunzipped if it is stored gzipped (the downloads, the index)."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def photo_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "teal")
    exif = Image.Exif()
    exif[0x010E] = "secret description"
    exif[0x8825] = {1: "N", 2: (64.0, 8.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"a comment")
    return out.getvalue()


V2_POST = {"id": "2", "text": "two", "created_at": "2009-01-01T00:00:00.000Z", "lang": "en"}
HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)> javascript:alert(1)'


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site")
    conf = make_project(folder, POSTS_PER_PAGE=3)
    media = [
        {
            "id_str": "90",
            "type": "photo",
            "url": "https://t.co/p",
            "indices": ["6", "20"],
            "media_url_https": "https://pbs.twimg.com/media/Pic.jpg",
            "ext_alt_text": "A glacier",
        }
    ]
    tweets = [
        tweet(
            str(i),
            f"Post number {i} #Iceland",
            created_at=f"Mon Nov 0{i % 9 + 1} 09:15:00 +0000 2008",
            entities={
                "hashtags": [
                    {
                        "text": "Iceland",
                        "indices": [
                            str(len(f"Post number {i} ")),
                            str(len(f"Post number {i} #Iceland")),
                        ],
                    }
                ],
                "user_mentions": [],
                "urls": [],
            },
        )
        for i in range(1, 8)
    ]
    tweets += [
        tweet(
            "20",
            "Photo https://t.co/p",
            entities={"hashtags": [], "user_mentions": [], "urls": [], "media": media},
            extended_entities={"media": media},
        ),
        tweet("21", HOSTILE.replace("<", "&lt;").replace(">", "&gt;")),
        tweet("22", "first version", edit_info={"initial": {"editTweetIds": ["22", "23"]}}),
        tweet(
            "23",
            "second version",
            edit_info={
                "edit": {
                    "initialTweetId": "22",
                    "editControlInitial": {"editTweetIds": ["22", "23"]},
                }
            },
        ),
        tweet("24", "Thread one"),
        tweet("25", "Thread two", in_reply_to_status_id_str="24", in_reply_to_screen_name="envoy"),
    ]
    export = write_export(
        folder / "export",
        tweets,
        **{
            "data/tweets_media/20-Pic.jpg": photo_with_gps(),
            "data/deleted-tweets.js": "window.YTD.deleted_tweets.part0 = "
            + __import__("json").dumps(
                [{"tweet": tweet("26", "gone", deleted_at="Tue Nov 04 10:00:00 +0000 2008")}]
            ),
        },
    )
    import_archive(export, Store(folder / "content" / "archive"))
    return build_project(conf)


def page(site, path):
    return (site / path / "index.html").read_text()


def test_staff_pages_show_the_archive_header_and_footer(site):
    home, about = page(site, ""), page(site, "-/about")
    for part in (r'<a class="skip".*?</header>', r'<footer class="site">.*?</footer>'):
        shared = re.search(part, home, re.S)[0]  # rendered once a build, for every page
        assert 'href="/-/provenance/"' in shared and shared in about


def test_every_post_has_its_page_at_a_twitter_shaped_url(site):
    ids = {p.parent.name for p in site.glob("envoy/status/*/index.html")}
    assert ids == {str(i) for i in range(1, 8)} | {str(i) for i in range(20, 27)}


def test_timeline_is_paginated_newest_first(site):
    first = page(site, "envoy")
    # 13 posts shown (an edit shows once), 3 a page: the newest page is the fifth
    assert "Page 5, the newest" in first and 'rel="next" href="/envoy/page/4/"' in first
    ids = re.findall(r'<li><a href="/envoy/status/(\d+)/"><time', first)
    assert ids and ids == sorted(ids, key=int, reverse=True)
    assert "<article" not in first  # a line a post: the months show the cards
    oldest = page(site, "envoy/page/1")
    assert 'rel="prev" href="/envoy/page/2/"' in oldest
    assert '<li><a href="/envoy/status/1/"><time' in oldest


def test_month_pages_and_tag_pages(site):
    month = "".join(p.read_text() for p in site.glob("envoy/2008/11/**/index.html"))
    assert all(f"Post number {i} " in month for i in range(1, 8))
    # A card's first line: the account and the post's time, each a link, and no more markup.
    assert '<p class="meta"><a href="/envoy/">@envoy</a>\n<a href="/envoy/status/1/"><time' in month
    assert "#Iceland" in page(site, "-/tags/iceland")
    assert 'href="/-/tags/iceland/"' in page(site, "-/tags")


def test_hostile_text_is_text(site):
    html = page(site, "envoy/status/21")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_published_photo_has_no_metadata_and_keeps_its_alt_text(site):
    html = page(site, "envoy/status/20")
    assert 'alt="A glacier"' in html
    (published,) = site.glob("envoy/media/20-Pic.*")
    with Image.open(published) as image:
        assert not image.getexif() and "comment" not in image.info and "exif" not in image.info


def test_deleted_and_edited_posts_are_marked(site):
    assert "Deleted 2008-11-04" in page(site, "envoy/status/26")
    old = page(site, "envoy/status/22")
    assert "earlier version" in old and 'href="/envoy/status/23/"' in old
    timeline = "".join(
        p.read_text() for p in site.glob("envoy/**/index.html") if "status" not in str(p)
    )
    assert 'id="p23"' in timeline and 'id="p22"' not in timeline


def test_threads_link_from_posts(site):
    assert 'href="/-/threads/24/"' in page(site, "envoy/status/25")
    thread = page(site, "-/threads/24")
    assert thread.index("Thread one") < thread.index("Thread two")


def test_every_page_has_a_content_security_policy(site):
    for path in site.rglob("*.html"):
        assert 'http-equiv="Content-Security-Policy"' in path.read_text(), path


# The fetch directives that fall back to default-src when a policy does not name them (CSP 3).
FALLS_BACK = {"script-src", "style-src", "img-src", "connect-src", "font-src", "media-src",
              "frame-src", "worker-src", "manifest-src"}  # fmt: skip


def test_a_policy_names_no_directive_that_only_repeats_default_src(site):
    """Bytes no browser needs, on every page: a directive left out is default-src's."""
    for path in site.rglob("*.html"):
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"',
                           path.read_text())[1]  # fmt: skip
        directives = {n: v for n, *v in (d.split() for d in policy.split(";") if d.strip())}
        assert directives["default-src"] == ["'self'"]
        repeats = {n for n, v in directives.items() if n in FALLS_BACK and v == ["'self'"]}
        assert not repeats, (path, repeats)
    search = page(site, "-/search")
    assert "script-src 'self' 'wasm-unsafe-eval'" in search


def test_a_post_text_says_its_language_only_where_the_page_does_not(site, tmp_path):
    """The page is in English (``<html lang="en">``): a post in English inherits it."""
    assert '<html lang="en">' in page(site, "envoy/status/1")
    assert '<div class="text">Post number 1' in page(site, "envoy/status/1")
    conf = make_project(tmp_path / "ja")
    posts = [tweet("1", "こんにちは", lang="ja"), tweet("2", "hello", lang="und")]
    import_archive(write_export(tmp_path / "ja" / "export", posts),
                   Store(tmp_path / "ja" / "content" / "archive"))  # fmt: skip
    output = build_project(conf)
    assert '<div class="text" lang="ja">こんにちは</div>' in page(output, "envoy/status/1")
    assert '<div class="text">hello</div>' in page(output, "envoy/status/2")


def test_provenance_on_post_pages_and_the_provenance_page(site):
    html = page(site, "envoy/status/1")
    assert re.search(r'<code class="hash">[0-9a-f]{64}</code>', html)
    assert "export:data/tweets.js" in html
    assert "<td>14</td>" in page(site, "-/provenance")


def test_a_post_says_when_it_was_captured_and_no_page_names_the_zip(tmp_path):
    conf = make_project(tmp_path / "p", TIMEZONE="Asia/Tokyo")
    made = js("__THAR_CONFIG", {"archiveInfo": {"generationDate": "2022-05-06T17:27:17.889Z"}})
    export = write_export(tmp_path / "x", [tweet("1", "one")], **{"data/manifest.js": made})
    store = Store(tmp_path / "p" / "content" / "archive")
    import_archive(zip_of(export, tmp_path / "jane-doe-private-backup.zip"), store)
    answered = provenance("api:GET /2/users/:id/tweets", "2024-01-02T03:04:05Z", "t")
    store.merge([from_v2(V2_POST, index({}), account="envoy", provenance=answered)])
    site = build_project(conf)
    captured = '<time datetime="2022-05-06T17:27:17Z">2022-05-07 02:27 JST</time>'
    record = page(site, "envoy/status/1")  # where, how and when it came, in one entry
    assert (
        f"Captured from Twitter's export of {captured}, by <code>export:data/tweets.js</code>;"
        " imported <time datetime="
        in record
        and "<dt>Captured by</dt>" not in record
    )
    fetched = '<time datetime="2024-01-02T03:04:05Z">2024-01-02 12:04 JST</time>'
    assert f"Fetched from the API on {fetched}" in page(site, "envoy/status/2")
    assert f"<td>{captured}</td>" not in page(site, "-/provenance")  # the later, the API's
    assert f"<td>{fetched}</td>" in page(site, "-/provenance")
    published = [p for p in site.rglob("*") if p.is_file()]
    assert any(p.name == "archive.db.gz" for p in published)  # the downloads are looked in too
    assert not [p for p in published if b"jane-doe" in unpacked(p)]


def test_a_rebuild_rewrites_nothing_unchanged(site, tmp_path):
    conf = site.parent / "pelican.conf.py"
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*.html")}
    build_project(conf)
    after = {p: p.stat().st_mtime_ns for p in site.rglob("*.html")}
    changed = [p for p in before if before[p] != after.get(p)]
    # Pelican rewrites its own pages (about); the archive's pages are untouched.
    assert [p.relative_to(site).as_posix() for p in changed] in ([], ["-/about/index.html"])


def test_a_published_photo_is_kept_until_its_original_changes(site):
    conf = site.parent / "pelican.conf.py"
    (published,) = site.glob("envoy/media/20-Pic.*")
    img = re.compile(r'<img src="/envoy/media/20-Pic\.jpg"[^>]* width="\d+" height="\d+"')
    made = published.stat().st_mtime_ns
    build_project(conf)  # kept, with the size noted when it was made
    assert published.stat().st_mtime_ns == made and img.search(page(site, "envoy/status/20"))

    (original,) = (site.parent / "content" / "archive" / "envoy" / "media").glob("20-*")
    Image.new("RGB", (60, 20), "white").save(original, "JPEG")  # another size: every page says
    later = made + 10**9  # replaced after the photo was published
    os.utime(original, ns=(later, later))
    build_project(conf)
    assert 'width="60" height="20"' in page(site, "envoy/status/20")
    months = [p.read_text() for p in site.glob("envoy/2*/*/**/index.html")]
    assert any('width="60" height="20"' in month for month in months)  # and its card in lists


def test_new_posts_make_the_same_site_as_a_build_from_scratch(tmp_path):
    def post(i: int, **extra) -> dict:
        text = f"Day {i} in Reykjavik #Iceland"
        tag = {"text": "Iceland", "indices": [str(len(text) - 8), str(len(text))]}
        entities = {"hashtags": [tag], "user_mentions": [], "urls": []}
        when = f"Mon Nov {i:02} 09:15:00 +0000 2008"
        return tweet(str(i), text, created_at=when, entities=entities, **extra)

    first = [post(i) for i in range(1, 12)]
    later = [post(20), post(21, in_reply_to_status_id_str="3", in_reply_to_screen_name="envoy")]
    folder = tmp_path / "site"
    conf = make_project(folder, POSTS_PER_PAGE=3)
    import_archive(write_export(tmp_path / "first", first), Store(folder / "content" / "archive"))
    build_project(conf)
    import_archive(write_export(tmp_path / "later", later), Store(folder / "content" / "archive"))
    output = build_project(conf)
    assert '"/envoy/status/21/"' in page(output, "envoy") and '"/envoy/status/21/"' in page(
        output, "-/tags/iceland"
    )

    scratch = tmp_path / "scratch"
    shutil.copytree(folder / "content", scratch / "content")
    fresh = build_project(make_project(scratch, POSTS_PER_PAGE=3))
    files = {p.relative_to(output) for p in output.rglob("*") if p.is_file()}
    assert files == {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    differ = {f for f in files if (output / f).read_bytes() != (fresh / f).read_bytes()}
    assert differ == set()  # the database too: updated in place, published as made afresh


def test_a_changed_template_is_compiled_again_and_its_pages_made_again(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    folder = tmp_path / "site"
    conf = make_project(folder, THEME=str(theme))
    import_archive(write_export(tmp_path / "export", [tweet("1", "Hello")]),
                   Store(folder / "content" / "archive"))  # fmt: skip
    output = build_project(conf)
    assert any((folder / "cache" / "templates").rglob("*.cache"))  # kept compiled
    card = theme / "templates" / "_card.html"
    card.write_text(card.read_text().replace('class="meta"', 'class="meta changed"'))
    build_project(conf)
    assert 'class="meta changed"' in page(output, "envoy/status/1")


# In a fresh interpreter, so that the build is what first imports twitter-text.
FREED = """
import gc, sys, weakref
from pelican import Pelican
from pelican.settings import read_settings
from communique.site import model

loaded = []
load = model.load
model.load = lambda *args, **kwargs: loaded.append(weakref.ref(a := load(*args, **kwargs))) or a
gc.disable()  # as the plugin runs: whatever a cycle holds stays held
Pelican(read_settings(sys.argv[1])).run()
print("twitter_text" in sys.modules, loaded[0]() is None)
"""


def test_a_build_leaves_its_archive_to_be_freed_at_once(tmp_path):
    """Nothing may hold the archive after a build: left to the cycle collector, a hundred
    thousand posts take it most of a second to walk (as a page context's closures, or the
    frames a traceback keeps, once did)."""
    long = "A long post that the feed title has to count. " * 6  # over the bound: counted
    folder = tmp_path / "site"
    conf = make_project(folder)
    tweets = [tweet("1", long), tweet("2", "Reply", in_reply_to_status_id_str="1")]
    import_archive(write_export(tmp_path / "export", tweets), Store(folder / "content" / "archive"))
    done = subprocess.run(
        [sys.executable, "-c", FREED, str(conf)],
        cwd=folder, env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.split()[-2:] == ["True", "True"]


def test_feed_titles_are_kept_for_the_next_build(tmp_path):
    kept = tmp_path / "titles.json"
    first = FeedTitles(kept)
    assert first.get("key-1", lambda: "A post #Iceland") == "A post #Iceland"
    first.get("key-2", lambda: "Another")
    first.save(live={"key-1", "key-2"})

    later = FeedTitles(kept)  # key-2's post changed since: its title goes when feeds are made
    assert later.get("key-1", lambda: "made") == "A post #Iceland"
    assert later.get("key-3", lambda: "made") == "made"
    later.save(live={"key-1", "key-3"})
    assert FeedTitles(kept).before == {"key-1": "A post #Iceland", "key-3": "made"}


def test_data_downloads_verify_against_their_manifest(site):
    import hashlib

    data = site / "-" / "data"
    sums = dict(line.split("  ")[::-1] for line in (data / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {"envoy-2008.jsonl.gz", "posts.csv.gz", "archive.db.gz", "redactions.csv",
                         "ledger.jsonl", "ledger-head.txt", "pages.sha256"}  # fmt: skip
    for name, digest in sums.items():
        assert hashlib.sha256((data / name).read_bytes()).hexdigest() == digest
    db = database(data / "archive.db.gz")
    assert db.execute("SELECT count(*) FROM posts").fetchone() == (14,)
    assert db.execute("SELECT count(*) FROM media").fetchone() == (1,)
    listing = page(site, "-/data")
    assert "archive.db.gz" in listing and "zcat envoy-2008.jsonl.gz | jq" in listing
    assert "gunzip archive.db.gz" in listing


def test_a_decade_export_builds_a_page_for_every_post_and_counts_match(tmp_path):
    from tools.synth import write_export as synthetic_export

    conf = make_project(tmp_path / "site")
    export = synthetic_export(tmp_path / "export.zip", posts=3000, seed=7, as_zip=True)
    summary = import_archive(tmp_path / "export.zip", Store(tmp_path / "site/content/archive"))
    assert summary.posts == export.posts + export.deleted
    assert (summary.notes, summary.media_missing) == (export.notes, 0)
    output = build_project(conf)
    pages = {p.parent.name for p in output.glob("envoy/status/*/index.html")}
    assert pages == {p["id"] for p in Store(tmp_path / "site/content/archive").posts()}
    shown = [p.name for p in output.glob("envoy/media/*")]
    assert len(shown) == len([f for f in export.files if "media/" in f]) >= export.photos
    deleted = sum("mark-deleted" in p.read_text() for p in output.glob("envoy/status/*/index.html"))
    assert deleted == export.deleted
    records = f"{summary.posts:,}"  # thousands separated, on every page that counts
    assert f"<td>{records}</td>" in page(output, "-/provenance")
    (posts,) = re.findall(r"<p>(3,\d{3}) posts; the last on", page(output, "envoy"))
    assert f"{posts} posts, the last on" in page(output, "")
    assert f"<td>{posts}</td>" in page(output, "-/provenance")


def test_a_disk_full_in_the_middle_of_a_build_is_one_line_naming_the_file(tmp_path, small_disk):
    posts = [tweet(str(n), f"post {n} " + "words " * 200) for n in range(1, 61)]
    store = Store(tmp_path / "content" / "archive")
    import_archive(write_export(tmp_path / "export", posts), store)
    make_project(tmp_path)
    pelican = [sys.executable, "-m", "pelican", "-s", "pelican.conf.py", "--fatal", "errors"]
    full = subprocess.run([*pelican, "-o", str(small_disk / "output")], cwd=tmp_path,
                          capture_output=True, text=True)  # fmt: skip
    lines = (full.stdout + full.stderr).strip().splitlines()
    assert full.returncode == 1
    assert len(lines) == 1 and lines[0].startswith(f"error: {small_disk}/output/"), lines
    assert lines[0].endswith(": No space left on device")
    subprocess.run(["umount", str(small_disk)], check=True)  # room again: the next build is whole
    small_disk.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(small_disk)], check=True)
    again = subprocess.run([*pelican, "-o", str(small_disk / "output")], cwd=tmp_path,
                           capture_output=True, text=True)  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert (small_disk / "output" / "envoy" / "status" / "5" / "index.html").exists()


@pytest.mark.parametrize("stage", ["start", "finish"])
def test_a_journal_that_cannot_be_written_is_one_line_and_the_next_build_is_a_clean_one(
    tmp_path, small_disk, stage
):
    subprocess.run(["mount", "-o", "remount,size=2m", str(small_disk)], check=True)
    cache = small_disk / "cache"
    conf = make_project(tmp_path, CACHE_PATH=str(cache))
    import_archive(write_export(tmp_path / "export", [tweet("1", "one"), tweet("2", "two")]),
                   Store(tmp_path / "content" / "archive"))  # fmt: skip
    pelican = [sys.executable, "-m", "pelican", "-s", str(conf), "--fatal", "errors"]
    if stage == "finish":  # the build started and wrote its caches: only the last write fails
        subprocess.run(pelican, cwd=tmp_path, capture_output=True, check=True)
        (cache / "journal.json").unlink()
        (tmp_path / "content" / "archive" / "envoy" / "2008" / "2008-11.jsonl").touch()
    with full(small_disk):
        failed = subprocess.run(pelican, cwd=tmp_path, capture_output=True, text=True)
    lines = (failed.stdout + failed.stderr).strip().splitlines()
    assert failed.returncode == 1
    assert lines == [f"error: {cache}/journal.json: No space left on device"], lines
    subprocess.run(pelican, cwd=tmp_path, capture_output=True, check=True)
    built = snapshot(tmp_path / "output")
    shutil.rmtree(tmp_path / "output")
    shutil.rmtree(cache)
    subprocess.run(pelican, cwd=tmp_path, capture_output=True, check=True)
    assert snapshot(tmp_path / "output") == built


# -- times as the account lives them -------------------------------------------------------

EVENING = """Title: Tokyo, 1 March
Start: 2010-03-01
End: 2010-03-01

One day, as the embassy lived it.
"""
ZONED = [  # id, as the export writes it, and as each zone shows it
    ("1", "Sun Feb 28 20:00:00 +0000 2010",
     {"UTC": "2010-02-28 20:00 UTC", "Asia/Tokyo": "2010-03-01 05:00 JST",
      "Europe/Zagreb": "2010-02-28 21:00 CET"}),
    ("2", "Sun Feb 28 23:30:00 +0000 2010",
     {"UTC": "2010-02-28 23:30 UTC", "Asia/Tokyo": "2010-03-01 08:30 JST",
      "Europe/Zagreb": "2010-03-01 00:30 CET"}),
    ("3", "Mon Mar 01 14:30:00 +0000 2010",
     {"UTC": "2010-03-01 14:30 UTC", "Asia/Tokyo": "2010-03-01 23:30 JST",
      "Europe/Zagreb": "2010-03-01 15:30 CET"}),
    ("4", "Mon Mar 01 16:00:00 +0000 2010",
     {"UTC": "2010-03-01 16:00 UTC", "Asia/Tokyo": "2010-03-02 01:00 JST",
      "Europe/Zagreb": "2010-03-01 17:00 CET"}),
    ("5", "Thu Jul 01 22:30:00 +0000 2010",
     {"UTC": "2010-07-01 22:30 UTC", "Asia/Tokyo": "2010-07-02 07:30 JST",
      "Europe/Zagreb": "2010-07-02 00:30 CEST"}),
]  # fmt: skip


def zoned_project(folder, zone: str):
    conf = make_project(folder, TIMEZONE=zone)
    (folder / "content" / "trips" / "evening.md").write_text(EVENING)
    posts = [tweet(i, f"Post {i}", created_at=at) for i, at, _ in ZONED]
    import_archive(write_export(folder / "export", posts), Store(folder / "content" / "archive"))
    return conf


@pytest.fixture(scope="module", params=["UTC", "Asia/Tokyo", "Europe/Zagreb"])
def zoned(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("zoned")
    return request.param, build_project(zoned_project(folder, request.param))


def stored(at: str) -> str:
    return datetime.strptime(at, "%a %b %d %H:%M:%S %z %Y").strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_post_shows_its_time_in_the_zone_and_keeps_utc_for_machines(zoned):
    zone, site = zoned
    for i, at, shown in ZONED:
        time = f'<time datetime="{stored(at)}">{shown[zone]}</time>'
        assert time in page(site, f"envoy/status/{i}")
        assert f"Post by @envoy on {shown[zone][:10]}" in page(site, f"envoy/status/{i}")
    assert "<published>2010-03-01T14:30:00Z</published>" in (site / "atom.xml").read_text()
    last = ZONED[-1][2][zone][:10]  # BUILD_DATE 2012-01-01 is that day in each of these zones
    quiet = (date(2012, 1, 1) - date.fromisoformat(last)).days
    assert f"the last on {last}, <strong>{quiet} days ago" in page(site, "envoy")


def test_a_trip_s_date_is_the_day_where_the_account_lives(zoned):
    zone, site = zoned
    trip = page(site, "-/trips/evening")
    on_the_day = [i for i, _, shown in ZONED if shown[zone][:10] == "2010-03-01"]
    assert re.findall(r'<article[^>]* id="p(\d+)"', trip) == on_the_day
    assert re.findall(r'<h2 id="day-([0-9-]+)">', trip) == ["2010-03-01"]


def test_month_pages_are_utc_months_and_say_so(zoned):
    zone, site = zoned
    february = page(site, "envoy/2010/02")
    assert re.findall(r'id="p(\d+)"', february) == ["2", "1"]  # a UTC month, newest first
    note = "February 2010 in UTC: posts made from 2010-02-01 00:00 UTC to before 2010-03-01"
    assert (note in february) is (zone != "UTC")  # in UTC, every time shown says so itself
    assert f"Times are shown in {zone}." in february or zone == "UTC"


def test_changing_timezone_makes_the_site_a_fresh_build_in_that_zone_makes(tmp_path):
    conf = zoned_project(tmp_path / "site", "UTC")
    output = build_project(conf)
    conf.write_text(conf.read_text() + "TIMEZONE = 'Asia/Tokyo'\n")
    build_project(conf)
    shutil.copytree(tmp_path / "site" / "content", tmp_path / "fresh" / "content")
    fresh = build_project(make_project(tmp_path / "fresh", TIMEZONE="Asia/Tokyo"))
    files = {p.relative_to(output) for p in output.rglob("*") if p.is_file()}
    assert files == {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    assert {f for f in files if (output / f).read_bytes() != (fresh / f).read_bytes()} == set()
    assert "2010-03-01 23:30 JST" in page(output, "envoy/status/3")


def test_a_stored_account_not_in_accounts_is_reported_and_left_out_of_the_site(tmp_path):
    store = Store(tmp_path / "content" / "archive")
    import_archive(write_export(tmp_path / "mine", [tweet("1", "mine")]), store)
    import_archive(write_export(tmp_path / "demo", [tweet("2", "demo")], username="demo"), store)
    make_project(tmp_path, ACCOUNTS=["envoy"])
    pelican = [sys.executable, "-m", "pelican", "-s", "pelican.conf.py", "--fatal", "errors"]
    wide = {**os.environ, "COLUMNS": "1000"}  # the console's lines unwrapped
    done = subprocess.run(pelican, cwd=tmp_path, capture_output=True, text=True, env=wide)
    assert done.returncode == 0, done.stdout + done.stderr
    said = f"communique: {tmp_path}/content/archive/demo: @demo is not in ACCOUNTS; left out"
    assert said in done.stdout + done.stderr
    output = tmp_path / "output"
    assert (output / "envoy" / "status" / "1" / "index.html").exists()
    assert not (output / "demo").exists()
    published = b"".join(p.read_bytes() for p in output.rglob("*") if p.is_file())
    assert b"envoy" in published and b"demo" not in published.replace(b"demo.", b"")


@pytest.mark.parametrize(
    ("retweeted", "link"),
    [
        ({"id_str": "7", "user": {"screen_name": "andean_news"}}, "andean_news/status/7"),
        (None, "andean_news"),  # the export's: only the account is known
    ],
)
def test_a_retweet_twitter_cut_short_says_so_and_links_to_the_original(tmp_path, retweeted, link):
    text = (
        "RT @andean_news: The ministers signed a joint declaration on trade, climate and the fre…"
    )
    extra = {"retweeted_status": retweeted} if retweeted else {}
    export = write_export(tmp_path / "export", [tweet("30", text, **extra), tweet("31", "whole")])
    import_archive(export, Store(tmp_path / "content" / "archive"))
    output = build_project(make_project(tmp_path))
    cut, whole = (page(output, f"envoy/status/{i}") for i in ("30", "31"))
    assert "Shortened by Twitter" in cut and "the rest is not in the archive" in cut
    assert f'href="https://twitter.com/{link}" rel="nofollow">' in cut
    assert "Shortened by Twitter" not in whole


def test_every_count_on_the_site_counts_each_post_once_as_its_timeline_lists_it(tmp_path, capsys):
    """An edited post is two records and one post; a withheld post keeps its place: the home
    page, the timeline, the provenance, the hashtags, a trip and the build's summary count
    alike."""
    conf = make_project(tmp_path, POSTS_PER_PAGE=50)
    tag = {"hashtags": [{"text": "Iceland", "indices": ["0", "8"]}], "user_mentions": [],
           "urls": []}  # fmt: skip
    tweets = [
        tweet("1", "#Iceland at last", entities=tag),
        tweet("2", "Two"),
        tweet("3", "Withheld"),
        tweet("4", "@other yes", in_reply_to_status_id_str="9", in_reply_to_screen_name="other"),
        tweet("22", "#Iceland first", entities=tag,
              edit_info={"initial": {"editTweetIds": ["22", "23"]}}),
        tweet("23", "#Iceland second", entities=tag,
              edit_info={"edit": {"initialTweetId": "22",
                                  "editControlInitial": {"editTweetIds": ["22", "23"]}}}),
    ]  # fmt: skip
    import_archive(write_export(tmp_path / "export", tweets), Store(tmp_path / "content/archive"))
    (tmp_path / "content" / "redactions.md").write_text("- 3: personal-data, 2012-01-01\n")
    (tmp_path / "content" / "trips" / "iceland.md").write_text(
        "Title: Iceland\nStart: 2008-11-01\nEnd: 2008-11-30\n\nThe visit.\n"
    )
    site = build_project(conf)
    timeline = page(site, "envoy")
    listed = timeline.count('<li><a href="/envoy/status/')
    assert listed == 5  # 1 to 4 (3 by its placeholder) and 23, the edited post's latest version
    assert f"communique: {listed} posts:" in capsys.readouterr().err
    home = page(site, "")
    assert re.search(r"@envoy</span></a>: (\d+) posts", home)[1] == str(listed)
    threads = site / "-" / "threads"  # a reply alone, to a post not archived, has no page
    assert re.search(r"(\d+) conversations", home)[1] == "0" and not threads.exists()
    assert re.search(r"<p>(\d+) posts; the last", timeline)[1] == str(listed)
    counts = re.search(r"@envoy</a></th><td>(\d+)</td><td>(\d+)</td>", page(site, "-/provenance"))
    assert counts.groups() == (str(listed), "6")  # and its records: each version one
    assert re.search(r"#Iceland</a> <span class=\"n\">(\d+)<", page(site, "-/tags"))[1] == str(
        page(site, "-/tags/iceland").count('<li><a href="/envoy/status/')
    )
    trip = page(site, "-/trips/iceland")
    on_trip = trip.count('<article class="post')
    assert on_trip == 4  # every post but the withheld one, the edited one once
    assert re.search(r"<dt>Posts</dt><dd>(\d+)</dd>", trip)[1] == str(on_trip)
    for shown in (page(site, ""), timeline, page(site, "-/provenance")):
        assert "an edited post by its latest version" in shown


def test_a_thread_indents_a_reply_to_another_account_and_not_one_to_oneself(tmp_path):
    store = Store(tmp_path / "content" / "archive")
    said = [("1", "envoy", None), ("2", "vale", "1"), ("3", "vale", "2"), ("4", "vale", "3"),
            ("5", "envoy", "4"), ("6", "envoy", "5"), ("7", "vale", "6")]  # fmt: skip
    for i, account, parent in said:
        to = {"in_reply_to_status_id_str": parent} if parent else {}
        post = tweet(i, f"Part {i}", conversation_id_str="1", **to)
        export = write_export(tmp_path / i, [post], username=account)
        import_archive(export, store)
    output = build_project(make_project(tmp_path, ACCOUNTS=["envoy", "vale"]))
    thread = page(output, "-/threads/1")
    shown = re.findall(r'<li class="depth-(\d)"><article[^>]* id="p(\d+)"', thread)
    assert shown == [("0", "1"), ("1", "2"), ("1", "3"), ("1", "4"), ("2", "5"), ("2", "6"),
                     ("3", "7")]  # fmt: skip


@pytest.mark.parametrize("template", sorted(p.name for p in (ROOT / "theme/templates").iterdir()))
def test_the_theme_assumes_no_institution_behind_the_archive(template):
    """A person's own archive is kept by that person: the pages say what is done, not who by."""
    text = (ROOT / "theme" / "templates" / template).read_text().casefold()
    assert not [word for word in ("staff", "institution", "independent") if word in text]


def test_a_post_page_links_to_the_posts_before_and_after_it_and_to_its_month(site):
    timeline = [page(site, "envoy")] + [page(site, f"envoy/page/{n}") for n in range(4, 0, -1)]
    shown = re.findall(r'<li><a href="/envoy/status/(\d+)/">', "".join(timeline))[
        ::-1
    ]  # oldest first
    links = {}
    for post in site.glob("envoy/status/*/index.html"):
        nav = re.search(r'<nav class="around".*?</nav>', post.read_text(), re.S)[0]
        step = dict(re.findall(r'rel="(prev|next)" href="/envoy/status/(\d+)/"', nav))
        assert "<time" not in nav  # the neighbours' times in words: their pages give them whole
        (month,) = re.findall(r'<a href="(/envoy/2008/11/[^"]*)">This post in November 2008', nav)
        links[post.parent.name] = step.get("prev"), step.get("next"), month
    assert [links[i][1] for i in shown] == shown[1:] + [None]  # through the timeline and back
    assert [links[i][0] for i in shown] == [None] + shown[:-1]
    for i in shown:  # each in its place on its month's page
        where, _, anchor = links[i][2].partition("#")
        assert anchor == f"p{i}" and f'id="p{i}"' in page(site, where.strip("/"))
    # An earlier version, on no list: where it stood, just before the version that replaced it.
    assert links["22"][2].endswith("/") and links["22"][:2] == (links["23"][0], "23")


@pytest.mark.parametrize(
    ("accounts", "withheld", "edits"),
    [
        ({"envoy": "12345"}, "15", ()),  # the timeline starts and ends with withheld posts
        ({"envoy": "12345"}, "", ("12", "345")),  # and with earlier versions of edited posts
        ({"envoy": "12345"}, "5", ("45",)),  # an earlier version, then its withheld edit
        ({"envoy": "123"}, "123", ()),  # every post withheld
        ({"envoy": "1"}, "", ()),
        ({"envoy": "1357", "vale": "2468"}, "37", ("46",)),  # two accounts, interleaved
    ],
)
def test_a_post_pages_neighbours_are_the_nearest_posts_of_its_account_its_timeline_shows(
    tmp_path, accounts, withheld, edits
):
    """Every post page, withheld or an earlier version too, links to the posts just before
    and after it that the account's timeline lists: by time, of its own account."""
    when = {i: f"Mon Nov 03 09:{int(i):02d}:00 +0000 2008" for i in "".join(accounts.values())}
    edited = {i: list(chain) for chain in edits for i in chain}
    for account, ids in accounts.items():
        posts = [tweet(i, f"Post {i}", when[i], **({"edit_info": {"initial": {
                 "editTweetIds": edited[i]}}} if i in edited else {})) for i in ids]  # fmt: skip
        import_archive(write_export(tmp_path / account, posts, username=account),
                       Store(tmp_path / "content" / "archive"))  # fmt: skip
    redactions = {i: ("error", "2009-01-02") for i in withheld}
    site = build_project(make_project(tmp_path, ACCOUNTS=sorted(accounts), REDACTIONS=redactions))
    for account, ids in accounts.items():
        listed = [i for i in ids if i not in withheld and not any(
                  i in chain[:-1] for chain in edits)]  # fmt: skip
        for i in ids:
            nav = re.search(r'<nav class="around".*?</nav>', page(site, f"{account}/status/{i}"),
                            re.S)  # fmt: skip
            links = re.findall(r'rel="(prev|next)" href="/(\w+)/status/(\d+)/"', nav[0] if nav
                               else "")  # fmt: skip
            before = [j for j in listed if when[j] < when[i]][-1:]
            after = [j for j in listed if when[j] > when[i]][:1]
            assert links == [("prev", account, j) for j in before] + [
                ("next", account, j) for j in after
            ], f"post {i}"


def test_a_month_page_heads_each_day_and_its_calendar_links_each_day_to_its_heading(site):
    month = sorted(site.glob("envoy/2008/11/**/index.html"), key=lambda p: -len(p.parts))
    newest_first = [month[-1]] + sorted(month[:-1], key=lambda p: -int(p.parent.name))
    top, posted = {}, {}  # each day, the page where its newest posts are, and how many it has
    for path in newest_first:
        url = f"/{path.parent.relative_to(site)}/"
        for day, body in re.findall(
            r'<h2 id="day-([0-9-]+)">(.*?)</section>', path.read_text(), re.S
        ):
            top.setdefault(day, url)
            posted[day] = posted.get(day, 0) + body.count("<article")
    calendar = re.search(r'<nav class="days".*?</nav>', newest_first[-1].read_text(), re.S)[0]
    links = re.findall(
        r'<a href="([^"#]+)#day-([0-9-]+)"><title>[0-9-]+: (\d+) posts?</title><rect[^>]*/>'
        r"<text[^>]*>(\d+)</text></a>",
        calendar,
    )
    assert [(url, day, int(n)) for url, day, n, _ in links] == [
        (top[d], d, posted[d]) for d in sorted(top)
    ]
    assert [int(shown) for *_, shown in links] == [int(d[-2:]) for d in sorted(top)]
    assert "Posts a day:" in calendar
    assert all(calendar in path.read_text() for path in month)  # on every page of the month


def test_a_hashtag_an_edit_took_out_lists_the_version_that_has_it(tmp_path):
    """ "#Icleand" edited to "#Iceland": the earlier version's page links #Icleand, whose page
    lists that version, once; not "0 posts" on a page the hashtag index counts."""
    conf = make_project(tmp_path)
    chain = {"initial": {"editTweetIds": ["22", "23"]}}
    tweets = [
        tweet(ident, f"#{tag} at last", edit_info=chain,
              entities={"hashtags": [{"text": tag, "indices": ["0", "8"]}],
                        "user_mentions": [], "urls": []})
        for ident, tag in (("22", "Icleand"), ("23", "Iceland"))
    ]  # fmt: skip
    import_archive(write_export(tmp_path / "export", tweets), Store(tmp_path / "content/archive"))
    site = build_project(conf)
    assert 'href="/-/tags/icleand/"' in page(site, "envoy/status/22")
    typo = page(site, "-/tags/icleand")
    assert re.findall(r'<li><a href="/envoy/status/(\d+)/"', typo) == ["22"]
    index = page(site, "-/tags")
    assert re.findall(r'<a href="/-/tags/(\w+)/">#\w+</a> <span class="n">(\d+)<', index) == [
        ("iceland", "1"),
        ("icleand", "1"),
    ]
    assert re.findall(r'<li><a href="/envoy/status/(\d+)/"', page(site, "-/tags/iceland")) == ["23"]


def linked(text: str, short: str, expanded: str) -> dict:
    start = text.index(short)
    url = {"url": short, "expanded_url": expanded, "display_url": expanded[8:30],
           "indices": [str(start), str(start + len(short))]}  # fmt: skip
    return {"hashtags": [], "user_mentions": [], "urls": [url]}


@pytest.mark.parametrize(
    ("short", "shown"),
    [
        (
            "https://t.co/abc",
            '<a href="https://t.co/abc" rel="nofollow noopener">https://t.co/abc</a>',
        ),
        ('javascript:alert(1)//"><b>', "<code>javascript:alert(1)//&#34;&gt;&lt;b&gt;</code>"),
    ],
)
def test_about_this_record_shows_each_t_co_link_beside_where_it_leads(tmp_path, short, shown):
    text = f"Read {short} today"
    expanded = "https://example.org/report?a=1&b=2"
    posted = tweet("40", text, entities=linked(text, short, expanded))
    answered = provenance("api:GET /2/users/:id/tweets", "2024-01-02T03:04:05Z", "t")
    v2 = {**V2_POST, "id": "41", "text": text, "entities": {"urls": [{"start": 5,
          "end": 5 + len(short), "url": short, "expanded_url": expanded}]}}  # fmt: skip
    store = Store(tmp_path / "content" / "archive")
    import_archive(write_export(tmp_path / "export", [posted, tweet("42", "plain")]), store)
    store.merge([from_v2(v2, index({}), account="envoy", provenance=answered)])
    output = build_project(make_project(tmp_path))
    target = '<a href="https://example.org/report?a=1&amp;b=2" rel="nofollow noopener">'
    for post_id in ("40", "41"):
        about = page(output, f"envoy/status/{post_id}").partition('id="record"')[2]
        assert f"<li>{shown} leads to {target}" in about
    assert "Links as posted" not in page(output, "envoy/status/42")


def test_a_link_a_page_cuts_takes_its_t_co_link_with_it(tmp_path):
    text = "As https://t.co/who said"
    posted = tweet(
        "40", text, entities=linked(text, "https://t.co/who", "https://x.com/jo/status/5")
    )
    import_archive(
        write_export(tmp_path / "export", [posted]), Store(tmp_path / "content" / "archive")
    )
    output = build_project(make_project(tmp_path, HIDE_OTHER_HANDLES="all"))
    assert "t.co/who" not in page(output, "envoy/status/40")


def test_a_post_page_opens_saying_it_is_an_archived_copy_and_captured_when_and_how(tmp_path):
    """The day in TIMEZONE, the moment in UTC; a tweets.js alone does not say when it was
    made, so the page says when it was imported instead."""
    conf = make_project(tmp_path / "p", TIMEZONE="Asia/Tokyo")
    store = Store(tmp_path / "p" / "content" / "archive")
    made = js("__THAR_CONFIG", {"archiveInfo": {"generationDate": "2022-05-06T17:27:17.889Z"}})
    import_archive(write_export(tmp_path / "x", [tweet("1", "one")], **{"data/manifest.js": made}),
                   store)  # fmt: skip
    bare = write_export(tmp_path / "y", [tweet("3", "three")])
    import_archive(bare, store, now=datetime(2023, 3, 4, 22, 0, tzinfo=UTC))
    answered = provenance("api:GET /2/users/:id/tweets", "2024-01-02T20:04:05Z", "t")
    store.merge([from_v2(V2_POST, index({}), account="envoy", provenance=answered)])
    site = build_project(conf)
    opening = '<section class="archived" aria-label="Archived copy">\n<p>Archived copy of a post'
    live = "; the live post may have changed or gone.</p>"
    for post_id, at, day, source in [
        ("1", "captured", '2022-05-06T17:27:17Z">2022-05-07', "Twitter's export"),
        ("2", "captured", '2024-01-02T20:04:05Z">2024-01-03', "the API"),
        ("3", "imported", '2023-03-04T22:00:00Z">2023-03-05', "an archive export"),
    ]:
        said = f' on X by @envoy, {at} <time datetime="{day}</time> from {source}'
        html = page(site, f"envoy/status/{post_id}")
        assert f"{opening}{said}{live}" in html
        assert html.index(opening) < html.index("<h1")  # the first thing the page says


SCHEMA = "https://schema.org/"
HOSTILE_SCRIPT = "</script><script>alert(1)</script> <!-- <script> & \u202e"


def schema_org(url: str, options: dict) -> dict:
    """The one remote document the JSON-LD names, served from here: no test reaches out."""
    assert url.rstrip("/") == SCHEMA.rstrip("/"), url
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": {"@context": {"@vocab": SCHEMA}}}  # fmt: skip


def linked_data(output, path: str) -> dict:
    """The page's one JSON-LD block, expanded by pyld: every term and type a schema.org IRI."""
    from pyld import jsonld

    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page(output, path))
    assert len(blocks) == 1
    assert not set("<>&") & set(blocks[0])  # nothing a hostile text could end the block with
    expanded = jsonld.expand(json.loads(blocks[0]), {"documentLoader": schema_org})
    assert len(expanded) == 1

    def terms(node):
        if isinstance(node, list):
            for item in node:
                yield from terms(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                yield key
                if key == "@type":
                    yield from value
                elif key != "@value":
                    yield from terms(value)

    assert [t for t in terms(expanded) if not t.startswith(("@", SCHEMA))] == []
    return expanded[0]


def value(node: dict, term: str) -> list:
    return [v.get("@value", v) for v in node.get(SCHEMA + term, [])]


@pytest.fixture(scope="module")
def described(tmp_path_factory):
    folder = tmp_path_factory.mktemp("described")
    conf = make_project(folder, SITEURL="https://archive.example.org/mission",
                        REDACTIONS={"5": ("error", "2009-01-02")})  # fmt: skip
    photo = {"id_str": "90", "type": "photo", "url": "https://t.co/p", "indices": ["6", "20"],
             "media_url_https": "https://pbs.twimg.com/media/Pic.jpg"}  # fmt: skip
    quoted = "https://twitter.com/jo/status/9"
    edits = {"editTweetIds": ["6", "7"]}
    tweets = [
        tweet("1", "Photo https://t.co/p", extended_entities={"media": [photo]}),
        tweet("2", "Reply to self", in_reply_to_status_id_str="1", in_reply_to_screen_name="envoy"),
        tweet("3", "Worth a read https://t.co/q", quoted_status_id_str="9",
              entities=linked("Worth a read https://t.co/q", "https://t.co/q", quoted)),
        tweet("4", "Reply to a withheld one", in_reply_to_status_id_str="5",
              in_reply_to_screen_name="envoy"),
        tweet("5", "withheld"),
        tweet("6", "first version", edit_info={"initial": edits}),
        tweet("7", "second version", edit_info={"edit": {"initialTweetId": "6",
                                                         "editControlInitial": edits}}),
        tweet("8", escaped(HOSTILE_SCRIPT)),
    ]  # fmt: skip
    files = {"data/tweets_media/1-Pic.jpg": photo_with_gps()}
    import_archive(write_export(folder / "export", tweets, **files),
                   Store(folder / "content" / "archive"))  # fmt: skip
    return build_project(conf)


def escaped(text: str) -> str:
    """Text as Twitter stores it in ``full_text``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize(
    ("post_id", "based_on"),
    [
        ("1", []),
        ("2", [("https://x.com/envoy/status/1", "envoy/status/1/")]),  # the post it answers
        ("3", [("https://x.com/jo/status/9", None)]),  # the quoted post, not in the archive
        ("4", []),  # the post it answers is withheld
        ("6", []),
        ("7", [("https://x.com/envoy/status/6", "envoy/status/6/")]),  # its earlier version
    ],
)
def test_a_post_page_says_what_it_is_in_schema_org_json_ld(described, post_id, based_on):
    here = "https://archive.example.org/mission/"
    node = linked_data(described, f"envoy/status/{post_id}")
    assert node["@type"] == [SCHEMA + "SocialMediaPosting"]
    assert value(node, "url") == [f"https://x.com/envoy/status/{post_id}"]
    assert value(node, "archivedAt") == [f"{here}envoy/status/{post_id}/"]
    assert value(node, "datePublished") == ["2008-11-03T09:15:00Z"]
    [author] = value(node, "author")
    assert value(author, "name") == ["E"] and value(author, "url") == ["https://x.com/envoy"]
    assert [
        (value(b, "url")[0], (value(b, "archivedAt") or [None])[0])
        for b in value(node, "isBasedOn")
    ] == [  # fmt: skip
        (url, f"{here}{path}" if path else None) for url, path in based_on
    ]
    images = value(node, "image")
    assert images == ([f"{here}envoy/media/1-Pic.jpg"] if post_id == "1" else [])
    for url in images:
        assert (described / url.removeprefix(here)).is_file()


def test_json_ld_cannot_be_ended_by_the_text_it_carries(described):
    node = linked_data(described, "envoy/status/8")
    assert value(node, "text") == [HOSTILE_SCRIPT]
    html = page(described, "envoy/status/8")
    assert html.count("<script") == 1 and html.count("</script>") == 1
    assert "<!--" not in html


def test_withholding_a_post_takes_it_out_of_the_json_ld_of_a_reply_to_it(tmp_path):
    """The reply's page shows the same, but its JSON-LD no longer names the post."""
    tweets = [tweet("1", "first"), tweet("3", "between"), tweet("4", "Reply", created_at=(
        "Tue Nov 04 09:15:00 +0000 2008"), in_reply_to_status_id_str="1",
        in_reply_to_screen_name="envoy")]  # fmt: skip
    import_archive(
        write_export(tmp_path / "export", tweets), Store(tmp_path / "content" / "archive")
    )
    conf = make_project(tmp_path)
    based_on = [value(b, "url") for b in value(linked_data(build_project(conf), "envoy/status/4"),
                                                "isBasedOn")]  # fmt: skip
    assert based_on == [["https://x.com/envoy/status/1"]]
    (tmp_path / "content" / "redactions.md").write_text("- 1: error, 2009-01-02\n")
    node = linked_data(build_project(conf), "envoy/status/4")
    assert value(node, "isBasedOn") == []


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed (.ci/run does)")
def test_a_video_s_json_ld_names_its_published_copy_and_poster(tmp_path):
    video = VIDEO
    files = {"data/tweets_media/41-clip.mp4": make_video(tmp_path / "clip.mp4")}
    export = write_export(tmp_path / "export", [tweet("41", "https://t.co/v",
                          extended_entities={"media": [video]})], **files)  # fmt: skip
    import_archive(export, Store(tmp_path / "content" / "archive"))
    output = build_project(make_project(tmp_path))
    [clip] = value(linked_data(output, "envoy/status/41"), "video")
    assert clip["@type"] == [SCHEMA + "VideoObject"]
    for term in ("contentUrl", "thumbnailUrl"):
        [url] = value(clip, term)
        assert (output / url.removeprefix("https://archive.example.org/")).is_file(), url


def test_a_fresh_checkout_with_the_folders_kept_makes_nothing_again(tmp_path, monkeypatch):
    """A scheduled run: the store checked out afresh (every file with a new time and inode),
    ``cache/`` and ``output/`` restored as the Actions cache keeps them, times and all."""
    from communique.site import downloads, media
    from conftest import snapshot

    folder = tmp_path / "site"
    conf = make_project(folder)
    photo = {"id_str": "90", "type": "photo", "url": "https://t.co/p", "indices": ["6", "20"],
             "media_url_https": "https://pbs.twimg.com/media/Pic.jpg"}  # fmt: skip
    posts = [tweet("1", "Hello"), tweet("20", "Photo https://t.co/p",
                                        extended_entities={"media": [photo]})]  # fmt: skip
    files = {"data/tweets_media/20-Pic.jpg": photo_with_gps()}
    export = write_export(tmp_path / "export", posts, **files)
    import_archive(export, Store(folder / "content" / "archive"))
    output = build_project(conf)
    before = snapshot(output)
    run = tmp_path / "run"
    shutil.copytree(folder / "content", run / "content")  # a checkout: new times, new inodes
    for kept in ("cache", "output"):
        shutil.copytree(folder / kept, run / kept, copy_function=shutil.copy2, symlinks=True)
    shutil.copy2(conf, run / "pelican.conf.py")

    def again(*args, **kwargs):
        raise AssertionError("made again")

    monkeypatch.setattr(media, "publish_media", again)
    monkeypatch.setattr(downloads, "read_piece", again)  # the download process is forked
    monkeypatch.setattr(Store, "read_file", again)  # the months, as the cache keeps them
    assert snapshot(build_project(run / "pelican.conf.py")) == before


def test_a_lists_lazy_value_is_keyed_by_what_it_is_made_from():
    """Keyed by nothing, a value drawn only for pages made again would never make them again."""
    from communique.site.lists import keyed
    from communique.site.pages import Lazy

    assert keyed("calendar", Lazy(lambda: "svg", ("2008-11-04",))) == ("2008-11-04",)
    with pytest.raises(ValueError, match="calendar: a list's lazy value needs the key"):
        keyed("calendar", Lazy(lambda: "svg"))
