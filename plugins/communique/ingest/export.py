"""Reading Twitter's "Download your data" export, as a zip or an unpacked folder, into the store.

The zip is read in place, never extracted: a member named ``../x`` or ``/etc/x`` could otherwise
write anywhere, so such a zip is refused outright. Everything is parsed and checked before the
first byte is written, so a bad export leaves the store exactly as it was.
"""

from __future__ import annotations

import contextlib
import html
import json
import lzma
import re
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import urlsplit

import orjson

from communique.console import progress
from communique.errors import CommuniqueError
from communique.files import Staged
from communique.ingest.normalize import (
    apply_note,
    assign_conversations,
    from_v11,
    iso_utc,
    mark_syndicated,
    unstorable,
)
from communique.records import handle, is_post_id, is_public, preview_of, provenance
from communique.store import Store, paused_gc

MAX_MEMBER = 2 * 1024**3  # no real export has a 2 GB data file; a zip bomb might
MAX_MEDIA = 512 * 1024**2
# Memory is bounded by the zip's size. Real exports' data files deflate 7 to 9 times (indented
# JSON), a zip bomb's a thousand: a member stated to inflate more than MAX_RATIO times is refused
# before it is read (those under SMALL inflate as they like), and none is read past its stated
# size, so an import reads at most MAX_RATIO times the zip. Python's zipfile refuses members
# whose data overlap, the way one small stream would be read as many members.
MAX_RATIO = 50
SMALL = 1024**2
CHUNK = 1024**2
UNREADABLE = (
    zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError,
    zlib.error, lzma.LZMAError,
)  # fmt: skip
TWEET_FILES = re.compile(r"^data/(?:tweets?|tweets-part\d+|tweet-part\d+)\.js$")
GRAILBIRD_FILES = re.compile(r"^data/js/tweets/\d{4}_\d{2}\.js$")
CIRCLE_FILES = re.compile(r"^data/twitter-circle-tweet(?:-part\d+)?\.js$")
COMMUNITY_FILES = re.compile(r"^data/community-tweet(?:-part\d+)?\.js$")
MEDIA_FILES = re.compile(
    r"^data/(?:tweets?_media|deleted_tweets_media|twitter_circle_tweet_media"
    r"|community_tweet_media)/"
    r"(?P<id>\d+)-(?P<name>[A-Za-z0-9_.-]+)$"
)


@dataclass
class ImportSummary:
    account: str
    posts: int = 0
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    deleted: int = 0
    notes: int = 0
    private: int = 0
    media_copied: int = 0
    media_missing: int = 0
    files_written: list[Path] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.account}: {self.posts:,} posts ({self.new:,} new, {self.unchanged:,} unchanged,"
            f" {self.updated:,} updated), {self.deleted:,} deletions, {self.notes:,} long posts,"
            f" {self.private:,} never public,"
            f" {self.media_copied:,} media copied, {self.media_missing:,} media missing"
        )


class ExportSource:
    """The members of an export, zipped or not, by their POSIX names ("data/tweets.js")."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.zip: zipfile.ZipFile | None = None
        self.packed: dict[str, int] = {}  # a zip member's compressed size
        if self.path.is_dir():
            self.members = {
                p.relative_to(self.path).as_posix(): p.stat().st_size
                for p in self.path.rglob("*")
                if p.is_file() and not p.is_symlink()
            }
        elif self.path.is_file():
            self.members = self._open_zip()
        else:
            raise CommuniqueError(f"{self.path}: no such file or folder")
        self._strip_root_folder()
        if not any(name.startswith("data/") for name in self.members):
            raise CommuniqueError(f"{self.path}: no data/ folder: not a Twitter archive export")

    def _open_zip(self) -> dict[str, int]:
        try:
            self.zip = zipfile.ZipFile(self.path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise CommuniqueError(f"{self.path}: not a readable zip file ({e})") from None
        members = {}
        seen: set[str] = set()
        twice: set[str] = set()
        for info in infos:
            name = info.filename
            parts = PurePosixPath(name).parts
            if name.startswith(("/", "\\")) or ".." in parts or "\\" in name or ":" in name:
                raise CommuniqueError(f"{self.path}: unsafe member name {name!r}; refusing the zip")
            (twice if name in seen else seen).add(name)
            if not info.is_dir():
                members[name] = info.file_size
                self.packed[name] = info.compress_size
        if twice:  # zipfile reads the last of them, and the others would be passed over unread
            names = ", ".join(repr(name) for name in sorted(twice))
            raise CommuniqueError(f"{self.path}: the zip holds {names} more than once; refusing it")
        return members

    def _strip_root_folder(self) -> None:
        """Some zips hold one top folder ("twitter-2022-05-06-abc/data/..."): look inside it."""
        roots = {name.split("/", 1)[0] for name in self.members}
        if len(roots) == 1 and not any(n.startswith("data/") for n in self.members):
            root = roots.pop() + "/"
            self.prefix = root
            self.members = {n[len(root) :]: s for n, s in self.members.items() if "/" in n}
        else:
            self.prefix = ""

    def copy_all(self, wanted: dict[Path, str]) -> int:
        """Copy media members to their targets, all or none; returns how many were copied.

        Every file is read (and so checked) into a temporary file before any is moved into
        place, so a corrupt member halfway through leaves the media folders as they were.
        """
        with Staged() as staged:
            for target, name in progress(sorted(wanted.items()), "copying media", len(wanted)):
                if not (target.exists() and target.stat().st_size == self.members[name]):
                    staged.write(target, self.read(name, MAX_MEDIA))
        return len(staged.files)

    def read(self, name: str, limit: int | None = None) -> bytearray:
        """A member whole, checked against its stated size before and while it is read."""
        limit = limit or MAX_MEMBER
        size = self.members[name]
        if size > limit:
            raise CommuniqueError(
                f"{self.path}: {name} is {size:,} bytes, over the {limit:,} limit"
            )
        packed = self.packed.get(name, size)
        if size > max(MAX_RATIO * packed, SMALL):
            raise CommuniqueError(
                f"{self.path}: {name} would inflate from {packed:,} to {size:,} bytes, over"
                f" {MAX_RATIO} times: not a Twitter export (a zip bomb?); refusing the zip"
            )
        try:
            if self.zip is None:
                with (self.path / name).open("rb") as f:
                    data = read_whole(f, size)
            else:
                with self.zip.open(self.prefix + name) as f:
                    data = read_whole(f, size)
        except UNREADABLE as e:
            raise CommuniqueError(f"{self.path}: {name} cannot be read ({e})") from None
        if data is None:  # the zip's directory lied, or the file changed since it was listed
            raise CommuniqueError(f"{self.path}: {name} does not hold the {size:,} bytes stated")
        return data

    def read_js(self, name: str) -> object:
        """The JSON value assigned in a ``window.YTD.x.part0 = [...]`` style file.

        Parsed by orjson, the store's own reader, straight from the bytes read: what it takes
        the store can keep, and a data file is never held twice (decoded, then sliced). What it
        refuses is read again by Python's reader, only to name the post at fault.
        """
        data = self.read(name)
        end = len(data)
        while end and data[end - 1] in b" \t\r\n;":
            end -= 1
        body = memoryview(data)[data.find(b"=") + 1 : end]
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as e:
            broken = f"{self.path}: {name} is not valid JSON ({e})"
        problem = at_fault(body)
        raise CommuniqueError(f"{self.path}: {name}: {problem}" if problem else broken)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def read_whole(f: BinaryIO, size: int) -> bytearray | None:
    """``size`` bytes of ``f`` in one buffer made once, or None when it holds more or fewer."""
    data = bytearray(size)
    view = memoryview(data)
    done = 0
    while done < size and (n := f.readinto(view[done : done + CHUNK])):
        done += n
    view.release()
    return data if done == size and not f.read(1) else None


def at_fault(body: memoryview) -> str | None:
    """Which item of a data file orjson refused holds what the store cannot keep, and what."""
    try:
        value = json.loads(str(body, "utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None  # not JSON to Python either: orjson's own words say where it is broken
    if not isinstance(value, list):
        return unstorable(value)
    for n, item in enumerate(value, 1):
        who, obj = named(item, n)
        if problem := unstorable(obj):
            return f"{who}: {problem}"
    return None


WORDS = {"tweet": "post", "noteTweet": "note"}  # the export's names for its items, and ours


def named(item: object, n: int) -> tuple[str, object]:
    """An item of a data file as a message names it ("post '123'", "note '5'", "item 7"), and
    the object it wraps (``{"tweet": {...}}``) or is (older exports)."""
    kind, obj = "tweet", item
    if isinstance(item, dict) and len(item) == 1:
        ((kind, obj),) = item.items()
    ident = None
    if isinstance(obj, dict):
        ident = next(
            (obj[k] for k in ("id_str", "id", "noteTweetId", "accountId") if obj.get(k)), None
        )
    return (f"{WORDS.get(kind, kind)} {ident!r:.40}" if ident else f"item {n}"), obj


def unwrap(items: object, key: str, name: str) -> list[dict]:
    """The objects inside ``[{"tweet": {...}}, ...]`` (newer exports) or ``[{...}]`` (older)."""
    if not isinstance(items, list):
        raise CommuniqueError(f"{name}: expected a list of {key} objects")
    out = []
    for item in items:
        obj = item.get(key, item) if isinstance(item, dict) else None
        if not isinstance(obj, dict):
            raise CommuniqueError(f"{name}: an item is not a {key} object")
        out.append(obj)
    return out


def account_info(source: ExportSource) -> dict:
    """Username, id and display name; never the email or phone the same file holds."""
    if "data/account.js" in source.members:
        name = "data/account.js"
        accounts = unwrap(source.read_js(name), "account", name)
        if accounts:
            a = accounts[0]
            return as_text(
                name,
                username=a.get("username"),
                id=a.get("accountId"),
                display_name=a.get("accountDisplayName"),
            )
    if "data/manifest.js" in source.members:
        name = "data/manifest.js"
        manifest = source.read_js(name)
        user = manifest.get("userInfo") if isinstance(manifest, dict) else None
        user = user if isinstance(user, dict) else {}
        return as_text(
            name,
            username=user.get("userName"),
            id=user.get("accountId"),
            display_name=user.get("displayName"),
        )
    if "data/js/user_details.js" in source.members:
        name = "data/js/user_details.js"
        user = source.read_js(name)
        if isinstance(user, dict):
            return as_text(
                name,
                username=user.get("screen_name"),
                id=user.get("id"),
                display_name=user.get("full_name"),
            )
    return {}


def as_text(name: str, **fields: object) -> dict[str, str | None]:
    """The account's fields as text (an id may come as a number): anything else is refused
    here, not stored in account.json for the site to trip over."""
    out: dict[str, str | None] = {}
    for key, value in fields.items():
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        elif value is not None and not isinstance(value, str):
            raise CommuniqueError(f"{name}: the account's {key} {value!r:.40} is not text")
        out[key] = value or None
    return out


def tweet_files(source: ExportSource) -> list[str]:
    files = sorted(n for n in source.members if TWEET_FILES.match(n))
    if not files:
        files = sorted(n for n in source.members if GRAILBIRD_FILES.match(n))
    if not files:
        raise CommuniqueError(f"{source.path}: no data/tweets.js (or tweet.js, tweets-partN.js)")
    return files


LINKS = re.compile(r"https?://\S+")


def note_key(created_at: str, text: str) -> tuple[str, str]:
    """What a post and its note share: the second it was made and how its text begins.

    Compared on the text as written, links taken out and entities decoded: the post's links
    are t.co links and its text is escaped, the note's may be neither.
    """
    words = " ".join(LINKS.sub(" ", html.unescape(text)).split())
    return created_at, words[:40]


def generation_date(source: ExportSource) -> str | None:
    """When Twitter made the export, which is when its records were captured (the import may
    come years later); None for an export without a manifest (some hold only data/tweets.js),
    which does not say."""
    name = "data/manifest.js"
    if name not in source.members:
        return None
    manifest = source.read_js(name)
    info = manifest.get("archiveInfo") if isinstance(manifest, dict) else None
    value = info.get("generationDate") if isinstance(info, dict) else None
    if value is None:
        return None
    return make_time(str(value), f"{source.path}: {name}: archiveInfo.generationDate")


def read_posts(
    source: ExportSource, account: str, stamps: tuple[str | None, str]
) -> tuple[list[dict], int]:
    """Every post in the export as a record, and how many took their full text from a note.
    ``stamps`` are the records' capture and import times."""
    records: dict[str, dict] = {}
    for name in tweet_files(source):
        tweets = unwrap(source.read_js(name), "tweet", name)
        for tweet in progress(tweets, f"reading {name}", total=len(tweets)):
            record = make_record(tweet, account, name, stamps)
            records[record["id"]] = record
    # Posts made in an X Community, public there: the community file's copy of one is kept,
    # since its payload is the one that says where it was made.
    for name in sorted(n for n in source.members if COMMUNITY_FILES.match(n)):
        for tweet in unwrap(source.read_js(name), "tweet", name):
            record = make_record(tweet, account, name, stamps)
            records[record["id"]] = record
    if "data/deleted-tweets.js" in source.members:
        name = "data/deleted-tweets.js"
        for tweet in unwrap(source.read_js(name), "tweet", name):
            record = make_record(tweet, account, name, stamps)
            records.setdefault(record["id"], record)
    notes = join_notes(source, "data/note-tweet.js", records)
    # A deleted long post's text joins its post of deleted-tweets.js only: it stays deleted, and
    # a note whose post the export does not hold has no id to be stored under.
    deleted = {i: r for i, r in records.items() if r.get("deleted_at")}
    notes += join_notes(source, "data/deleted-note-tweet.js", deleted)
    records.update(deleted)
    mark_private(source, records, account, stamps)
    posts = sorted(records.values(), key=lambda r: int(r["id"]))
    assign_conversations(posts)
    return posts, notes


def join_notes(source: ExportSource, name: str, records: dict[str, dict]) -> int:
    """Give each post of ``records`` that a note of ``name`` belongs to its full long text;
    returns how many did."""
    if name not in source.members:
        return 0
    by_key = {note_key(r["created_at"], raw_text(r)): r for r in records.values()}
    by_second: dict[str, list[dict]] = {}
    for r in records.values():
        by_second.setdefault(r["created_at"], []).append(r)
    joined = 0
    for note in unwrap(source.read_js(name), "noteTweet", name):
        which = f"{name}: note {note.get('noteTweetId')!r:.40}"
        created = make_time(str(note.get("createdAt", "")), which)
        core = note.get("core")
        text = core.get("text") if isinstance(core, dict) else None
        if not isinstance(text, str):
            raise CommuniqueError(f"{which} has no text")
        record = by_key.get(note_key(created, text))
        if record is None and len(by_second.get(created, ())) == 1:
            record = by_second[created][0]  # the only post of that second
        if record is not None:
            with malformed(which):
                records[record["id"]] = apply_note(record, note)
            joined += 1
    return joined


def mark_private(
    source: ExportSource, records: dict[str, dict], account: str, stamps: tuple[str | None, str]
) -> None:
    """Mark the posts the account never made public: Circle posts, and a protected period's.

    Circle posts also appear in tweets.js, looking like any other; only these files tell.
    """
    for name in sorted(n for n in source.members if CIRCLE_FILES.match(n)):
        for tweet in unwrap(source.read_js(name), "tweet", name):
            record = make_record(tweet, account, name, stamps)
            records.setdefault(record["id"], record)["visibility"] = "circle"
    name = "data/protected-history.js"
    if name not in source.members:
        return
    events = []
    for event in unwrap(source.read_js(name), "protectedHistory", name):
        action = str(event.get("action", "")).casefold()
        if action in ("protect", "unprotect"):
            events.append((make_time(str(event.get("protectedAt", "")), name), action))
    periods = protected_periods(events)
    for record in records.values():
        if not record.get("visibility") and in_periods(record["created_at"], periods):
            record["visibility"] = "protected"


def raw_text(record: dict) -> str:
    raw = record.get("raw") or {}
    return raw.get("full_text") or raw.get("text") or record["text"]


def make_time(value: str, where: str) -> str:
    try:
        return iso_utc(value)
    except ValueError as e:
        raise CommuniqueError(f"{where}: {e}") from None


@contextlib.contextmanager
def malformed(which: str) -> Iterator[None]:
    """What a payload of the wrong shape raises, as one line naming the file and the item."""
    try:
        yield
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, RecursionError) as e:
        raise CommuniqueError(f"{which} is malformed ({type(e).__name__}: {e})") from None


def make_record(tweet: dict, account: str, name: str, stamps: tuple[str | None, str]) -> dict:
    """A post of the export's file ``name`` as a record, captured and imported at ``stamps``."""
    ident = tweet.get("id_str") or tweet.get("id") or "?"
    with malformed(f"{name}: post {ident!r:.40}"):
        captured = provenance(f"export:{name}", *stamps)
        record = from_v11(tweet, account=account, provenance=captured)
    if not is_post_id(record["id"]):
        raise CommuniqueError(f"{name}: post id {ident!r} is not a number")
    return record


def attach_media(source: ExportSource, posts: list[dict]) -> dict[str, str]:
    """Map store-relative media paths to export members, and point each record at its file."""
    files: dict[str, list[tuple[str, str]]] = {}
    for name in source.members:
        match = MEDIA_FILES.match(name)
        if match:
            files.setdefault(match["id"], []).append((match["name"], name))
    wanted: dict[str, str] = {}
    for post in posts:
        available = sorted(files.get(post["id"], []))
        for media in post["media"]:
            base = PurePosixPath(urlsplit(media.get("url") or "").path).name
            for filename, member in available:
                if filename == base or (not base and filename):
                    local = f"media/{post['id']}-{filename}"
                    media["file"] = local
                    wanted[local] = member
                    break
            still = PurePosixPath(urlsplit(media.get("preview") or "").path).name
            if media["file"] and still:
                for filename, member in available:
                    if filename == still:  # a video's thumbnail: the site makes it its poster
                        wanted[preview_of(media["file"])] = member
    return wanted


@paused_gc()
def import_archive(
    path: Path | str,
    store: Store,
    *,
    account: str | None = None,
    accounts: Collection[str] | None = None,
    now: datetime | None = None,
    syndicated: Callable[[dict], str | None] | None = None,
) -> ImportSummary:
    """Import an export into the store: new posts added, changed ones updated, none removed.

    ``accounts`` are the site's (ACCOUNTS): an export of another account is refused, as is an
    ``account`` other than the one the export names, since its posts would be published under
    the wrong account's addresses. ``syndicated`` gives the feed item a post was made from when
    the feed bridge made it (``syndicate.Posted``): such a post is marked, as `invoke archive`
    marks it.
    """
    imported_at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    source = ExportSource(Path(path))
    try:
        info = account_info(source)
        given = account or info.get("username")
        name = handle(given)
        if name is None:
            why = f"{given!r} is not a handle" if given else "no account name (no data/account.js)"
            raise CommuniqueError(f"{source.path}: {why}; pass --account")
        check_account(source.path, name, handle(info.get("username")), account, accounts)
        posts, notes = read_posts(source, name, (generation_date(source), imported_at))
        mark_syndicated(posts, syndicated)
        summary = ImportSummary(account=name, posts=len(posts), notes=notes)
        summary.private = sum(1 for p in posts if p.get("visibility"))
        wanted = attach_media(source, posts)
        summary.media_missing = sum(1 for p in posts for m in p["media"] if not m["file"])
        known = {**store.read_account(name), **{k: v for k, v in info.items() if v}}
        # A never-public post's media (as this export or the store knows it) stay out of git.
        hidden = {r["id"] for r in store.never_public(name)}
        private = {f for p in posts if p["id"] in hidden or not is_public(p)
                   for m in p["media"] if m["file"]
                   for f in (m["file"], preview_of(m["file"]))}  # fmt: skip
        # The posts and the account are checked, then the media copied, then the posts written.
        with store.changes(posts, {name: {**known, "username": name}}) as result:
            summary.media_copied = source.copy_all(
                {store.media_path(name, k, public=k not in private): v for k, v in wanted.items()}
            )
    finally:
        source.close()
    summary.new, summary.unchanged, summary.updated = result.new, result.unchanged, result.updated
    summary.deleted = result.deleted
    summary.files_written = result.files_written
    return summary


def check_account(
    path: Path,
    name: str,
    exported: str | None,
    given: str | None,
    accounts: Collection[str] | None,
) -> None:
    """Stop an import that would store posts under an account they are not of, or one the
    site does not publish, saying what to write instead."""
    if given is not None and exported is not None and name != exported:
        raise CommuniqueError(
            f"{path}: the export is @{exported}'s, not @{name}'s; leave out --account"
            f" (or pass --account {exported})"
        )
    if accounts is not None and name not in accounts:
        listed = ", ".join(f'"{a}"' for a in accounts) or "none"
        raise CommuniqueError(
            f'{path}: the export is @{name}\'s, not in ACCOUNTS ({listed}); write "{name}" in'
            f" ACCOUNTS in the settings (in a fresh clone: `invoke init {name}`)"
        )


def protected_periods(events: list[dict]) -> list[tuple[str | None, str | None]]:
    """The spans, as UTC ISO 8601 bounds, in which the account was protected.

    ``protected-history.js`` lists each time the account was protected or unprotected. An
    unprotect with no protect before it means the account was protected from its first post.
    """
    periods: list[tuple[str | None, str | None]] = []
    start: str | None = None
    protected = False
    for when, action in sorted(events):
        if action == "protect" and not protected:
            start, protected = when, True
        elif action == "unprotect" and (protected or not periods):
            periods.append((start if protected else None, when))
            protected = False
    if protected:
        periods.append((start, None))
    return periods


def in_periods(created_at: str, periods: list[tuple[str | None, str | None]]) -> bool:
    return any(
        (start is None or created_at >= start) and (end is None or created_at < end)
        for start, end in periods
    )
