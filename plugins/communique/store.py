"""The store: JSON Lines per account per month, the only thing importers and the site share.

Layout: ``<root>/<account>/<YYYY>/<YYYY-MM>.jsonl``, one post a line, sorted by id as an integer.
Files are written whole through a temporary file and ``os.replace`` so a crash leaves the old
file or the new one, and serialisation is canonical so re-importing the same data changes no byte.

A post record (a plain dict, so that JSON in and JSON out are the same thing)::

    id              str, the post id (compare as int)
    account         str, the account's username, lowercase
    created_at      str, UTC ISO 8601 ("2008-11-03T09:15:00Z")
    text            str, plain text: t.co links expanded, media links removed, entities decoded once
    entities        {"hashtags": [{"tag", "start", "end"}],
                     "mentions": [{"username", "start", "end"}],
                     "urls":     [{"url", "display", "start", "end"}]}   code-point offsets in text
    reply_to        {"id", "user", "user_id"} or None
    quote_of        {"id", "user", "url"} or None
    retweet_of      {"id", "user"} or None
    conversation_id str or None
    edit_ids        [str, ...] every version's id, oldest first ([id] when never edited)
    media           [{"id", "type" (photo|video|animated_gif), "url", "alt", "file", "width",
                      "height", "variants"}]  file: path under <account>/media/ or None (missing)
    place           {"name", "country", "lat", "lon"} or None
    lang, source    str or None
    metrics         {"likes": int, "retweets": int, "replies": int, "quotes": int}
    deleted_at      str or None, with deleted_how: how the deletion was learned
    visibility      absent when public; "circle" or "protected" when the account never made
                    it public: kept for the account's records, never published
    raw             the payload exactly as received
    provenance      {"source": archive file or API endpoint, "retrieved_at", "sha256"}
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

# Fields that a later copy of the same post must not take away: what we learned about a post
# (its deletion, that it was never public) outlives the payload that came with it.
STICKY = ("deleted_at", "deleted_how", "visibility")


UMASK = os.umask(0o022)  # read once (setting it is the only way), then put back
os.umask(UMASK)


class StoreError(Exception):
    """A store file cannot be read: named so the user can find it."""


@dataclass
class MergeResult:
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    deleted: int = 0
    files_written: list[Path] = field(default_factory=list)

    def __iadd__(self, other: MergeResult) -> MergeResult:
        self.new += other.new
        self.unchanged += other.unchanged
        self.updated += other.updated
        self.deleted += other.deleted
        self.files_written += other.files_written
        return self


@contextlib.contextmanager
def paused_gc():
    """Posts are plain acyclic dicts, millions of objects at 100,000 posts: the cycle collector
    would walk them all again and again, for nothing, and triple the time taken."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def dumps(record: dict) -> str:
    """Canonical JSON: the same record always gives the same bytes."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(*parts: object) -> str:
    """A key of some inputs, to tell on the next build whether they changed: JSON with sorted
    keys (what is not JSON by its repr), hashed. Made for every post of every build, so
    orjson, which is a few times quicker than the repr."""
    data = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS, default=repr)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def sha256_of(raw: object) -> str:
    """SHA-256 of the raw payload in canonical JSON, so a reader can verify it from the store."""
    return hashlib.sha256(dumps(raw).encode()).hexdigest()


def read_kept(path: Path) -> dict:
    """A JSON object a build kept in its cache, or {} when it is missing or unreadable: a
    cache only saves time, so a lost one means work done again, never a failed build."""
    try:
        kept = orjson.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return kept if isinstance(kept, dict) else {}


def write_atomic(path: Path, data: bytes, sync: bool = True) -> bool:
    """Write ``data`` to ``path`` whole or not at all; return False when the bytes were there.

    ``sync=False`` skips waiting for the disk, for what a build makes again (the site's files).
    """
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~UMASK)  # mkstemp makes 0600: a web server could not read it
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if sync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def fsync(path: Path) -> None:
    """Wait until a file written with ``sync=False`` is on disk: after writing many files,
    most of them are already there, and the disk is waited for once, not once a file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def month_of(record: dict) -> str:
    return record["created_at"][:7]


def merge_record(old: dict, new: dict) -> dict:
    """The record to keep when ``new`` arrives for a post the store already has."""
    kept = dict(old) if old["provenance"]["sha256"] == new["provenance"]["sha256"] else dict(new)
    # A media file downloaded by either copy stays attached to the post.
    files = {
        m["id"]: m["file"] for m in (*new.get("media", []), *old.get("media", [])) if m.get("file")
    }
    kept["media"] = [
        {**m, "file": files[m["id"]]} if not m.get("file") and m["id"] in files else m
        for m in kept.get("media", [])
    ]
    for key in STICKY:
        if not kept.get(key) and old.get(key):
            kept[key] = old[key]
        if new.get(key) and not old.get(key):
            kept[key] = new[key]
    return kept


class Store:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def accounts(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and any(p.glob("*/*.jsonl"))
        )

    def month_path(self, account: str, month: str) -> Path:
        return self.root / account / month[:4] / f"{month}.jsonl"

    def media_dir(self, account: str) -> Path:
        return self.root / account / "media"

    def month_files(self, account: str) -> list[Path]:
        return sorted((self.root / account).glob("[0-9][0-9][0-9][0-9]/*.jsonl"))

    def read_file(self, path: Path) -> list[dict]:
        return [record for _, record in self.read_lines(path)]

    def read_lines(self, path: Path) -> Iterator[tuple[bytes, dict]]:
        """Each record of a month file with its line as stored, for those who publish bytes."""
        with path.open("rb") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    yield line, orjson.loads(line)
                except orjson.JSONDecodeError as e:
                    raise StoreError(f"{path}:{n}: not a JSON record ({e})") from None

    def posts(self, account: str | None = None) -> Iterator[dict]:
        """Every post of one account (or all), oldest first."""
        for name in [account] if account else self.accounts():
            for path in self.month_files(name):
                yield from self.read_file(path)

    def latest_id(self, account: str) -> str | None:
        """The newest stored id of an account: the ``since_id`` of the next fetch."""
        for path in reversed(self.month_files(account)):
            records = self.read_file(path)
            if records:
                return max((r["id"] for r in records), key=int)
        return None

    def merge(self, records: Iterable[dict]) -> MergeResult:
        """Add or update posts; nothing is ever removed. Each touched month is rewritten once."""
        by_month: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for record in records:
            by_month[record["account"], month_of(record)].append(record)
        result = MergeResult()
        for path, incoming in sorted((self.month_path(*k), v) for k, v in by_month.items()):
            result += self._merge_file(path, incoming)
        return result

    def _merge_file(self, path: Path, incoming: list[dict]) -> MergeResult:
        result = MergeResult()
        existing = {r["id"]: r for r in self.read_file(path)} if path.exists() else {}
        for record in incoming:
            old = existing.get(record["id"])
            if old is None:
                existing[record["id"]] = record
                result.new += 1
                result.deleted += bool(record.get("deleted_at"))
                continue
            kept = merge_record(old, record)
            if kept == old:
                result.unchanged += 1
            else:
                result.updated += 1
                result.deleted += bool(kept.get("deleted_at")) and not old.get("deleted_at")
            existing[record["id"]] = kept
        data = "".join(dumps(existing[k]) + "\n" for k in sorted(existing, key=int))
        if write_atomic(path, data.encode()):
            result.files_written.append(path)
        return result

    def mark_deleted(self, account: str, deletions: dict[str, tuple[str, str]]) -> int:
        """Mark posts deleted: ``{id: (deleted_at, how)}``. Returns how many were newly marked."""
        marked = 0
        for path in self.month_files(account):
            records = self.read_file(path)
            changed = False
            for r in records:
                if r["id"] in deletions and not r.get("deleted_at"):
                    r["deleted_at"], r["deleted_how"] = deletions[r["id"]]
                    changed = True
                    marked += 1
            if changed:
                write_atomic(path, "".join(dumps(r) + "\n" for r in records).encode())
        return marked

    def read_account(self, account: str) -> dict:
        path = self.root / account / "account.json"
        if not path.exists():
            return {"username": account}
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise StoreError(f"{path}: not a JSON object ({e})") from None
        if not isinstance(info, dict):
            raise StoreError(f"{path}: not a JSON object")
        return info

    def write_account(self, account: str, info: dict) -> bool:
        return write_atomic(self.root / account / "account.json", (dumps(info) + "\n").encode())
