"""The build invariant, tested as a state machine through the command line only.

After any ``invoke build`` (or ``invoke build --no-search``) that exits 0, ``output/`` holds
exactly the files, byte for byte, that a build of the same inputs from an empty ``output/`` and
``cache/`` makes, and no empty folder (a folder the build no longer makes goes with its files).
Search files (``-/pagefind*/``) may differ only in Pagefind's content-hashed file
names, and index exactly the post pages that carry text (a withheld post keeps a placeholder page
at its address that is not indexed). No withheld or never-public post's text or media file name,
and no never-public post's id, appears in any output file (Pagefind's gzip files unpacked).

Between builds the machine imports exports (older and newer, with Circle posts and protected
periods), withholds posts and publishes them again, edits trips and settings, damages the cache
and the output, and kills builds midway; every build signs its sums with a key from the
environment. Everything goes through ``invoke`` in a subprocess, so the test does not depend
on the package's internal modules.

CI runs the derandomized "deterministic" profile with a small budget (see BUDGET below);
``HYPOTHESIS_PROFILE=explore`` explores longer, with that profile's own ``max_examples``.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule
from PIL import Image

from conftest import ROOT, js, make_project, tweet, write_export

HANDLE = "envoy"
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "deterministic")
BUILD_TIMEOUT = 300

# ---------------------------------------------------------------------------------------------
# The fixture: posts over two months, each with a token of its own in its text.


def token(n: int) -> str:
    return f"tok{n:03d}q"  # no token is a prefix of another


def post_id(n: int) -> str:
    return str(1712000000000000000 + n * 1013)


def when(created: datetime) -> str:
    return created.strftime("%a %b %d %H:%M:%S +0000 %Y")


def entities(text: str, urls: list[dict] = (), media: list[dict] = ()) -> dict:
    found = {
        "hashtags": [
            {"text": m[1], "indices": [str(m.start()), str(m.end())]}
            for m in re.finditer(r"#(\w+)", text)
        ],
        "user_mentions": [
            {
                "screen_name": m[1],
                "name": m[1].title(),
                "id_str": str(700 + len(m[1])),
                "indices": [str(m.start()), str(m.end())],
            }
            for m in re.finditer(r"@(\w+)", text)
        ],
        "urls": [],
    }
    for url in urls:
        start = text.index(url["url"])
        found["urls"].append({**url, "indices": [str(start), str(start + len(url["url"]))]})
    if media:
        found["media"] = list(media)
    return found


def jpeg(colour: str, comment: bytes) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), colour).save(out, "JPEG", comment=comment)
    return out.getvalue()


def media_name(n: int) -> str:
    return f"med{n:03d}x"  # the photo's file name stem in the export (without its id)


class Post:
    """One post of the fixture: its number, id, token and the export dict."""

    def __init__(self, n: int, month: int, day: int, words: str, **kind):
        self.n, self.id, self.token = n, post_id(n), token(n)
        self.month, self.day = month, day
        self.created = datetime(2023, month, day, 8 + n % 12, 15, tzinfo=UTC)
        text = f"{words} {self.token}"
        extra: dict = {}
        urls: list[dict] = []
        media: list[dict] = []
        self.media_file: str | None = None
        if "reply_to" in kind:
            other, screen_name = kind["reply_to"]
            if screen_name != HANDLE:
                text = f"@{screen_name} {text}"
            extra["in_reply_to_status_id_str"] = other
            extra["in_reply_to_screen_name"] = screen_name
            extra["in_reply_to_user_id_str"] = "42" if screen_name == HANDLE else "777"
        if "quote" in kind:
            quoted = kind["quote"]
            short = f"https://t.co/q{n}"
            text = f"{text} {short}"
            urls.append(
                {
                    "url": short,
                    "expanded_url": f"https://twitter.com/{HANDLE}/status/{quoted}",
                    "display_url": f"twitter.com/{HANDLE}/status/{quoted[:6]}…",
                }
            )
            extra["quoted_status_id_str"] = quoted
        if kind.get("photo"):
            short = f"https://t.co/m{n}"
            text = f"{text} {short}"
            name = media_name(n)
            self.media_file = f"{self.id}-{name}.jpg"
            start = text.index(short)
            media.append(
                {
                    "id_str": str(9000 + n),
                    "type": "photo",
                    "url": short,
                    "indices": [str(start), str(start + len(short))],
                    "media_url_https": f"https://pbs.twimg.com/media/{name}.jpg",
                    "expanded_url": f"https://twitter.com/{HANDLE}/status/{self.id}/photo/1",
                    "display_url": "pic.twitter.com/x",
                    "ext_alt_text": f"alt {self.token}",
                }
            )
            extra["extended_entities"] = {"media": list(media)}
        self.text = text
        self.tweet = tweet(
            self.id,
            text,
            created_at=when(self.created),
            entities=entities(text, urls, media),
            **extra,
        )


def fixture_posts() -> tuple[list[Post], list[Post]]:
    """The older export's posts, and the ones only the newer export adds."""
    p = {}

    def add(n, *args, **kind):
        p[n] = Post(n, *args, **kind)
        return p[n]

    add(1, 10, 2, "Arrived in Reykjavik #Iceland", photo=True)
    add(2, 10, 3, "Thanks for asking, the office is open", reply_to=("1700000000000000777", "ana"))
    add(3, 10, 5, "Thread on the Arctic talks, 1/3 #Arctic")
    add(4, 10, 5, "2/3 the fisheries chapter", reply_to=(p[3].id, HANDLE))
    add(5, 10, 5, "3/3 and what comes next", reply_to=(p[4].id, HANDLE))
    add(6, 10, 11, "A month ago today", quote=p[1].id)
    add(7, 10, 20, "Zagreb at dawn #Croatia", photo=True)
    add(
        8,
        11,
        2,
        "Yes, visas are handled by the consulate #AskTheEnvoy",
        reply_to=("1700000000000001777", "ben"),
    )
    add(9, 11, 10, "Back in #Iceland for the council")
    add(10, 11, 20, "Closing remarks published on the site")
    older = list(p.values())
    add(11, 11, 25, "Follow-up on the Arctic thread", reply_to=(p[3].id, HANDLE))
    add(12, 11, 26, "Press briefing #Croatia", photo=True)
    add(13, 11, 28, "We will look into it #AskTheEnvoy", reply_to=("1700000000000002777", "cy"))
    newer = [p[n] for n in (11, 12, 13)]
    return older, newer


OLDER, NEWER = fixture_posts()
POSTS = {p.id: p for p in OLDER + NEWER}
ALL_IDS = list(POSTS)

# Two disjoint periods in which the account was protected: (protect, unprotect).
PROTECTED = [
    ("2023-10-04T00:00:00Z", "2023-10-06T00:00:00Z"),  # the thread
    ("2023-11-24T00:00:00Z", "2023-11-27T00:00:00Z"),  # two of the newer posts
]


def protected_in(periods: set[int]) -> set[str]:
    bounds = [
        tuple(datetime.fromisoformat(b.replace("Z", "+00:00")) for b in PROTECTED[i])
        for i in periods
    ]
    return {p.id for p in POSTS.values() if any(a <= p.created < b for a, b in bounds)}


def write_fixture_export(
    folder: Path, posts: list[Post], circle: set[str], protected: set[int]
) -> Path:
    """The export as Twitter writes it: tweets.js, the photos, and the files that say which
    posts were never public (Circle posts also appear in tweets.js, like any other)."""
    shutil.rmtree(folder, ignore_errors=True)
    files: dict[str, bytes | str] = {}
    for p in posts:
        if p.media_file:
            files[f"data/tweets_media/{p.media_file}"] = jpeg("teal", p.token.encode())
    if circle:
        entries = [{"tweet": POSTS[i].tweet} for i in sorted(circle)]
        files["data/twitter-circle-tweet.js"] = js("YTD.twitter_circle_tweet.part0", entries)
    if protected:
        events = []
        for i in sorted(protected):
            start, end = PROTECTED[i]
            events.append({"protectedHistory": {"protectedAt": start, "action": "Protect"}})
            events.append({"protectedHistory": {"protectedAt": end, "action": "Unprotect"}})
        files["data/protected-history.js"] = js("YTD.protected_history.part0", events)
    return write_export(folder, [p.tweet for p in posts], username=HANDLE, **files)


# ---------------------------------------------------------------------------------------------
# The command line, and what a build leaves in output/.


def invoke_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "invoke", "-r", str(ROOT), *args]


@functools.cache
def signing_key() -> str:
    """An Ed25519 key, made once: every build signs its sums, and must sign as a clean one."""
    with tempfile.TemporaryDirectory() as folder:
        key = Path(folder, "key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        return key.read_text()


def environment() -> dict[str, str]:
    return {**os.environ, "COMMUNIQUE_SIGNING_KEY": signing_key()}


def run(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        invoke_command(*args, "--config", str(project / "pelican.conf.py")),
        cwd=project,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )


def build_args(search: bool) -> list[str]:
    return ["build"] if search else ["build", "--no-search"]


def shown(done: subprocess.CompletedProcess) -> str:
    tail = lambda s: "\n".join((s or "").strip().splitlines()[-25:])  # noqa: E731
    return (
        f"exit {done.returncode}\n--- stdout\n{tail(done.stdout)}\n--- stderr\n{tail(done.stderr)}"
    )


def is_search(rel: str) -> bool:
    return rel.startswith("-/pagefind")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its POSIX path relative to it."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


def empty_folders(folder: Path) -> list[str]:
    """The folders under ``folder`` (not itself) that hold nothing."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_dir() and not p.is_symlink() and not any(p.iterdir())
    )


def unpacked(rel: str, data: bytes) -> bytes:
    """A file's bytes, Pagefind's gzip files unpacked (``pagefind_dcd`` and JSON or CBOR)."""
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError):
            return data
    return data


def fragments(files: dict[str, bytes]) -> dict[str, dict]:
    """The indexed pages, by URL: each ``.pf_fragment`` unpacked and read as JSON."""
    found: dict[str, dict] = {}
    for rel, data in files.items():
        if is_search(rel) and rel.endswith(".pf_fragment"):
            raw = gzip.decompress(data)
            assert raw.startswith(b"pagefind_dcd"), f"{rel}: not a Pagefind fragment"
            fragment = json.loads(raw[len(b"pagefind_dcd") :])
            found[fragment["url"]] = fragment
    return found


HASHED = re.compile(r"(?<=[._-])[0-9a-f]{7,}(?=\.)")


def search_shape(files: dict[str, bytes]) -> list[str]:
    """The search files' names with Pagefind's content hashes taken out, sorted."""
    return sorted(HASHED.sub("#", rel) for rel in files if is_search(rel))


def post_page_urls(files: dict[str, bytes]) -> set[str]:
    """The URLs of the post pages that carry text to index (not a withheld placeholder)."""
    return {
        "/" + rel[: -len("index.html")]
        for rel, data in files.items()
        if re.fullmatch(r"[^/]+/status/[^/]+/index\.html", rel) and b"data-pagefind-body" in data
    }


def inputs_digest(project: Path, search: bool) -> str:
    """A hash of what a build reads: the settings, content/ (the store too) and the flags."""
    h = hashlib.sha256()
    h.update(b"search" if search else b"no-search")
    h.update((project / "pelican.conf.py").read_bytes())
    for rel, data in tree(project / "content").items():
        h.update(f"\0{rel}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def leaks(files: dict[str, bytes], words: dict[str, str]) -> list[str]:
    """Where any of ``words`` (word -> what it is) appears: in a file's path or its bytes."""
    found = []
    needles = {w.encode(): why for w, why in words.items()}
    for rel, data in files.items():
        text = unpacked(rel, data)
        for needle, why in needles.items():
            if needle in rel.encode() or needle in text:
                found.append(f"{why} in {rel}")
    return found


def first_difference(rel: str, mine: bytes, clean: bytes) -> str:
    """Where two versions of a file part, shown around the first differing byte."""
    at = next((i for i, (a, b) in enumerate(zip(mine, clean, strict=False)) if a != b), None)
    if at is None:
        at = min(len(mine), len(clean))
    start = max(0, at - 120)
    return (
        f"{rel}: {len(mine)} bytes here, {len(clean)} in the clean build; first difference at"
        f" byte {at}:\n  here:  {mine[start : at + 120]!r}\n  clean: {clean[start : at + 120]!r}"
    )


class Broken(AssertionError):
    """The invariant does not hold; each subclass is one way it can fail."""


class Disagrees(Broken):
    """The build's exit status is not a clean build's."""


class ExtraFiles(Broken):
    """output/ holds files a clean build does not make."""


class MissingFiles(Broken):
    """output/ lacks files a clean build makes."""


class EmptyFolders(Broken):
    """output/ holds folders with nothing in them, which a clean build never leaves."""


class DifferentBytes(Broken):
    """A file's bytes are not a clean build's."""


class SearchUnlikePages(Broken):
    """The search index does not index exactly the post pages in output/."""


class SearchUnlikeClean(Broken):
    """The search files are not a clean build's (Pagefind's content hashes aside)."""


class SearchLeftOver(Broken):
    """A build without search left search files behind."""


class CleanLeak(Broken):
    """Even a clean build publishes a withheld or never-public post's text, id or media."""


class Leak(Broken):
    """The build publishes a withheld or never-public post's text, id or media."""


class Reference:
    """Clean builds (empty output/ and cache/) of a project's inputs, kept by their hash."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.made: dict[str, tuple[subprocess.CompletedProcess, dict[str, bytes]]] = {}

    def of(self, project: Path, search: bool) -> tuple[subprocess.CompletedProcess, dict]:
        key = inputs_digest(project, search)
        if key not in self.made:
            site = self.folder / "site"
            shutil.rmtree(self.folder, ignore_errors=True)
            site.mkdir(parents=True)
            shutil.copy2(project / "pelican.conf.py", site / "pelican.conf.py")
            shutil.copytree(project / "content", site / "content", symlinks=True)
            done = run(site, *build_args(search))
            self.made[key] = (done, tree(site / "output") if done.returncode == 0 else {})
            shutil.rmtree(self.folder, ignore_errors=True)
        return self.made[key]


# ---------------------------------------------------------------------------------------------
# The machine.

SETTINGS = [
    "POSTS_PER_PAGE = 1",
    "POSTS_PER_PAGE = 3",
    "POSTS_PER_PAGE = 50",
    'SITENAME = "The renamed record"',
    'SITEURL = "https://mirror.example.net"',
    'HIDE_OTHER_HANDLES = "all"',
    'HIDE_OTHER_HANDLES = "replies"',
    'HIDE_OTHER_HANDLES = ""',
    'OTHER_HANDLE_LABEL = "someone"',
    'HIDE_OTHER_HANDLES = "bogus"',  # invalid: the build must stop (and so no check)
    'SUPPORT_HASHTAGS = ["AskTheEnvoy", "Croatia"]',
]

TRIPS = {
    "arctic": [
        ("Arctic talks", "2023-10-01", "2023-10-06", "Iceland, Arctic", "Talks in Reykjavik."),
        ("Arctic talks", "2023-10-02", "2023-11-30", "Iceland, Arctic", "Talks, and a return."),
        ("The Arctic council", "2023-10-01", "2023-10-06", "Arctic", "Renamed, one hashtag."),
    ],
    "balkans": [
        ("Balkans", "2023-10-15", "2023-11-30", "Croatia", "Zagreb, twice."),
        ("Balkans", "2023-10-20", "2023-10-20", "", "One day, every post of it."),
    ],
}

REASONS = ["personal-data, 2024-01-02", "security, 2024-02-03"]

CACHE_DAMAGE = ["delete all", "delete one", "empty one", "truncate one", "junk one"]
OUTPUT_DAMAGE = ["delete", "overwrite", "truncate", "add beside", "add in new folder"]


class BuildMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="communique-invariant-"))
        self.project = self.tmp / "project"
        make_project(self.project, POSTS_PER_PAGE=2)
        self.reference = Reference(self.tmp / "clean")
        self.level = 0  # 0: nothing imported; 1: the older export; 2: the newer one
        self.imported: set[str] = set()
        self.circle: set[str] = set()
        self.protected: set[int] = set()
        self.redacted: dict[str, str] = {}
        self.trips: dict[str, int] = {}
        self.junk = 0
        self.manifests: list[bytes] = []  # cache/manifest.json as each build left it
        self.steps: list[str] = []  # what was done, for the messages

    def did(self, step: str) -> None:
        self.steps.append(step)
        note(step)

    def teardown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- inputs ---------------------------------------------------------------------------

    def do_import(self, level: int, circle: set[str] = frozenset(), period: int | None = None):
        """Import the export of ``level``, with ``circle`` and ``period`` marked too. With a
        setting that is not valid in the settings file, every task refuses it in one line and
        the store is left as it was."""
        posts = OLDER if level == 1 else OLDER + NEWER
        circle, protected = self.circle | circle, self.protected | {period} - {None}
        export = write_fixture_export(self.tmp / "export", posts, circle, protected)
        done = run(self.project, "import-archive", str(export))
        if self.invalid_setting():
            assert done.returncode != 0 and "error: HIDE_OTHER_HANDLES" in done.stderr, shown(done)
            return
        assert done.returncode == 0, f"import failed:\n{shown(done)}"
        self.circle, self.protected = circle, protected
        self.imported |= {p.id for p in posts} | self.circle
        self.level = max(self.level, level)

    def invalid_setting(self) -> bool:
        """Whether the last HIDE_OTHER_HANDLES line of the settings file is one of ours that no
        build accepts (the file is Python: the last assignment wins)."""
        lines = (self.project / "pelican.conf.py").read_text().splitlines()
        last = [line for line in lines if line.startswith("HIDE_OTHER_HANDLES =")][-1:]
        return last == ['HIDE_OTHER_HANDLES = "bogus"']

    @rule(newer=st.booleans())
    def import_export(self, newer):
        self.did(f"import the {'newer' if newer else 'older'} export")
        self.do_import(2 if newer else 1)

    @rule(post=st.sampled_from(ALL_IDS))
    def mark_circle(self, post):
        """The post turns out to be a Circle post: the export says so, and is imported again."""
        self.did(f"mark post {POSTS[post].n} Circle, import again")
        self.do_import(max(self.level, 1), circle={post})

    @rule(period=st.sampled_from(range(len(PROTECTED))))
    def mark_protected(self, period):
        """The export's protected-history.js gains a period; the export is imported again."""
        self.did(f"mark protected {PROTECTED[period]}, import again")
        self.do_import(max(self.level, 1), period=period)

    def write_redactions(self) -> None:
        lines = [f"- {i}: {why}" for i, why in sorted(self.redacted.items())]
        text = "# Redactions\n\nPosts withheld from publication.\n\n" + "\n".join(lines) + "\n"
        (self.project / "content" / "redactions.md").write_text(text)

    @precondition(lambda self: self.imported)
    @rule(data=st.data(), reason=st.sampled_from(REASONS))
    def redact(self, data, reason):
        post = data.draw(st.sampled_from(sorted(self.imported)), label="post")
        self.did(f"redact post {POSTS[post].n} ({reason})")
        self.redacted[post] = reason
        self.write_redactions()

    @precondition(lambda self: self.redacted)
    @rule(data=st.data())
    def unredact(self, data):
        post = data.draw(st.sampled_from(sorted(self.redacted)), label="post")
        self.did(f"unredact post {POSTS[post].n}")
        del self.redacted[post]
        self.write_redactions()

    @rule(slug=st.sampled_from(sorted(TRIPS)), variant=st.integers(0, 2))
    def write_trip(self, slug, variant):
        title, start, end, tags, story = TRIPS[slug][variant % len(TRIPS[slug])]
        self.did(f"write trip {slug} ({title}, {start} to {end}, {tags or 'no hashtags'})")
        lines = [f"Title: {title}", f"Start: {start}", f"End: {end}"]
        if tags:
            lines.append(f"Hashtags: {tags}")
        path = self.project / "content" / "trips" / f"{slug}.md"
        path.write_text("\n".join(lines) + f"\n\n{story}\n")
        self.trips[slug] = variant

    @precondition(lambda self: self.trips)
    @rule(data=st.data())
    def delete_trip(self, data):
        slug = data.draw(st.sampled_from(sorted(self.trips)), label="slug")
        self.did(f"delete trip {slug}")
        (self.project / "content" / "trips" / f"{slug}.md").unlink()
        del self.trips[slug]

    @rule(line=st.sampled_from(SETTINGS))
    def change_setting(self, line):
        self.did(f"setting {line}")
        with (self.project / "pelican.conf.py").open("a") as f:
            f.write(line + "\n")

    # -- damage ---------------------------------------------------------------------------

    @rule(how=st.sampled_from(CACHE_DAMAGE), pick=st.integers(0, 255))
    def damage_cache(self, how, pick):
        """``pick`` chooses among the sorted files (drawn whatever is there: what a killed
        build leaves varies from run to run, and what is drawn must not)."""
        cache = self.project / "cache"
        if how == "delete all":
            self.did("delete cache/")
            shutil.rmtree(cache, ignore_errors=True)
            return
        files = sorted(tree(cache))
        if not files:
            self.did(f"damage cache: {how}: no file")
            return
        rel = files[pick % len(files)]
        self.did(f"damage cache: {how}: {rel}")
        path = cache / rel
        if how == "delete one":
            path.unlink()
        elif how == "empty one":
            path.write_bytes(b"")
        elif how == "truncate one":
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        else:
            path.write_bytes(b"\x00junk\xff{[not what was kept")

    @precondition(lambda self: self.manifests)
    @rule(pick=st.integers(0, 255))
    def put_back_manifest(self, pick):
        """cache/manifest.json put back as an earlier build left it (from a backup, or a CI
        cache restored over a newer one), the rest of cache/ and output/ as they are."""
        n = pick % len(self.manifests)
        self.did(f"put back the manifest of build {n + 1} of {len(self.manifests)}")
        cache = self.project / "cache"
        cache.mkdir(exist_ok=True)  # cache/ may have been deleted since: the backup comes back
        (cache / "manifest.json").write_bytes(self.manifests[n])

    def keep_manifest(self) -> None:
        path = self.project / "cache" / "manifest.json"
        if path.exists():
            self.manifests.append(path.read_bytes())

    @rule(how=st.sampled_from(OUTPUT_DAMAGE), pick=st.integers(0, 255))
    def damage_output(self, how, pick):
        output = self.project / "output"
        files = sorted(tree(output))
        if not files:
            self.did(f"damage output: {how}: no file")
            return
        rel = files[pick % len(files)]
        self.did(f"damage output: {how}: {rel}")
        path = output / rel
        self.junk += 1
        if how == "delete":
            path.unlink()
        elif how == "overwrite":
            path.write_bytes(b"<p>junk written over the page</p>\n")
        elif how == "truncate":
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        elif how == "add beside":
            path.with_name(f"junk-{self.junk}.html").write_text("<p>junk</p>\n")
        else:
            folder = path.parent / f"junk-folder-{self.junk}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "index.html").write_text("<p>junk</p>\n")

    # -- builds ---------------------------------------------------------------------------

    @rule(search=st.booleans())
    def build(self, search):
        self.did("build" if search else "build --no-search")
        done = run(self.project, *build_args(search))
        self.keep_manifest()
        self.check(done, search)

    @rule(search=st.booleans(), delay=st.floats(0.0, 2.5))
    def killed_build(self, search, delay):
        """A build killed (SIGKILL, every process of it) after ``delay`` seconds. Not checked
        even when it ends first: whether it does varies from run to run; the next build is."""
        command = invoke_command(
            *build_args(search), "--config", str(self.project / "pelican.conf.py")
        )
        process = subprocess.Popen(
            command,
            cwd=self.project,
            env=environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + delay
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=BUILD_TIMEOUT)
        self.keep_manifest()
        self.did(
            f"{' '.join(build_args(search))} killed after {delay:.2f} s ({process.returncode})"
        )

    # -- the invariant --------------------------------------------------------------------

    def secrets(self) -> dict[str, str]:
        """What must appear nowhere in output/: withheld and never-public posts' text tokens
        and media names, and never-public posts' ids (a withheld post keeps its id, openly)."""
        never = self.imported & (self.circle | protected_in(self.protected))
        words = {}
        for i in sorted(never | set(self.redacted)):
            post = POSTS[i]
            kind = "never-public" if i in never else "withheld"
            words[post.token] = f"{kind} post {post.n}'s text ({post.token})"
            if post.media_file:
                words[media_name(post.n)] = f"{kind} post {post.n}'s media ({post.media_file})"
            if i in never:
                words[post.id] = f"never-public post {post.n}'s id ({post.id})"
        return words

    def check(self, done: subprocess.CompletedProcess, search: bool) -> None:
        """Compare with a clean build of the same inputs, then look for leaks. Each kind of
        failure is its own exception class, so Hypothesis tells them apart and shrinks each."""
        found = self.findings(done, search)
        if found:
            others = "".join(f"\nalso: {type(e).__name__}: {str(e)[:300]}" for e in found[1:])
            first = found[0]
            log = shown(done) + "\n--- steps\n" + "\n".join(self.steps)
            raise type(first)(f"{first}{others}\n{log}")

    def findings(self, done: subprocess.CompletedProcess, search: bool) -> list[Broken]:
        clean, expected = self.reference.of(self.project, search)
        if done.returncode != 0:
            if clean.returncode == 0:
                return [Disagrees("the build failed where a clean build of the same inputs works")]
            return []
        if clean.returncode != 0:
            return [Disagrees(f"the build worked where a clean build fails:\n{shown(clean)}")]
        found: list[Broken] = []
        files = tree(self.project / "output")
        mine = {rel for rel in files if not is_search(rel)}
        theirs = {rel for rel in expected if not is_search(rel)}
        extra, missing = sorted(mine - theirs), sorted(theirs - mine)
        if extra:
            found.append(ExtraFiles(f"{len(extra)} files a clean build does not make: {extra}"))
        if missing:
            found.append(MissingFiles(f"{len(missing)} files of a clean build missing: {missing}"))
        empty = empty_folders(self.project / "output")
        if empty:
            found.append(EmptyFolders(f"{len(empty)} empty folders: {empty[:20]}"))
        differ = sorted(rel for rel in mine & theirs if files[rel] != expected[rel])
        if differ:
            found.append(
                DifferentBytes(
                    f"{len(differ)} files differ from a clean build: {differ}\n"
                    + first_difference(differ[0], files[differ[0]], expected[differ[0]])
                )
            )
        if search:
            indexed, clean_index = fragments(files), fragments(expected)
            pages = post_page_urls(files)
            unpaged, unindexed = sorted(set(indexed) - pages), sorted(pages - set(indexed))
            if unpaged or unindexed:
                found.append(
                    SearchUnlikePages(
                        f"the search index does not index exactly the post pages: indexed, no"
                        f" page: {unpaged}; pages not indexed: {unindexed}"
                    )
                )
            stale = sorted(
                u
                for u in indexed.keys() | clean_index.keys()
                if indexed.get(u) != clean_index.get(u)
            )
            shape, clean_shape = search_shape(files), search_shape(expected)
            if stale or shape != clean_shape:
                found.append(
                    SearchUnlikeClean(
                        f"search entries unlike a clean build's: {stale}; files (hashes aside)"
                        f" here and not there: {sorted(set(shape) - set(clean_shape))}, there"
                        f" and not here: {sorted(set(clean_shape) - set(shape))}"
                    )
                )
        else:
            left = sorted(rel for rel in files if is_search(rel))
            if left:
                found.append(SearchLeftOver(f"--no-search left {len(left)} search files: {left}"))
        words = self.secrets()
        clean_leaks = leaks(expected, words)
        if clean_leaks:
            found.append(CleanLeak(f"a clean build publishes what it must not: {clean_leaks}"))
        here = sorted(set(leaks(files, words)) - set(clean_leaks))
        if here:
            found.append(Leak(f"the build publishes what it must not: {here}"))
        return found


# CI (the "deterministic" profile): 8 derandomized runs of up to 15 steps, about two and a half
# minutes while the invariant holds (a failure adds up to five minutes of shrinking).
# HYPOTHESIS_PROFILE=explore keeps that profile's max_examples; only the runs are longer.
if PROFILE == "explore":
    BUDGET = settings(stateful_step_count=30, suppress_health_check=list(HealthCheck))
else:
    BUDGET = settings(
        max_examples=8, stateful_step_count=15, suppress_health_check=list(HealthCheck)
    )

BuildMachine.TestCase.settings = BUDGET
test_build_invariant = BuildMachine.TestCase


@settings(max_examples=1, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.none())  # the machine's steps note what they do, which only a test run can
def test_a_manifest_put_back_from_an_earlier_build_is_not_trusted_for_what_it_never_knew(_):
    """Pages a later build made (one post a page) and the restored manifest never listed,
    in folders whose times have not changed since: the next build, two posts a page again,
    must still find them and remove them."""
    machine = BuildMachine()
    try:
        machine.import_export(newer=False)
        machine.build(search=False)
        machine.change_setting("POSTS_PER_PAGE = 1")
        machine.build(search=False)
        machine.put_back_manifest(0)
        machine.change_setting("POSTS_PER_PAGE = 3")
        machine.build(search=False)
    finally:
        machine.teardown()
