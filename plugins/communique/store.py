"""The store: JSON Lines per account per month, the only thing importers and the site share.

Layout: ``<root>/<account>/<YYYY>/<YYYY-MM>.jsonl``, one post a line, sorted by id as an integer.
Files are written whole through a temporary file and ``os.replace`` so a crash leaves the old
file or the new one, and serialisation is canonical so re-importing the same data changes no byte.
Only JSON that the reader (orjson) reads back as written goes in, and one writer at a time: the
lock file beside the store (``content/.archive.lock``) says which process holds it.

A post record is a ``communique.records.Record``.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import json
import os
import re
import reprlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from communique.errors import StoreError
from communique.files import Staged, remove_temps
from communique.records import handle

# Fields that a later copy of the same post must not take away: what we learned about a post
# (its deletion, that it was never public, that the feed bridge made it) outlives the payload
# that came with it.
STICKY = ("deleted_at", "deleted_how", "visibility", "syndicated_from")
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


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
    return json.dumps(
        record, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )


def encode(value: dict, path: Path, what: str = "") -> bytes:
    """A record's line in ``path`` (or ``what`` else it is, as ``account.json``): refused,
    naming the file, the post and the field, when the reader would not read it back as
    written."""
    try:
        return line_of(value)
    except (ValueError, TypeError, RecursionError):
        if not what:
            source = (value.get("provenance") or {}).get("source")
            what = f"post {value.get('id')}" + (f" (from {source})" if source else "")
        raise StoreError(f"{path}: {what}: {fault(value)}; refused, nothing written") from None


def line_of(value: object) -> bytes:
    """json writes the canonical bytes; orjson, the reader, must be able to write the value
    too, as it refuses what it would not read back the same (a lone surrogate, an int past 64
    bits, a key that is not a string, deep nesting). json refuses NaN and Infinity."""
    data = dumps(value).encode()
    orjson.dumps(value)
    return data + b"\n"


def refusal(value: object) -> str | None:
    """Why ``value`` cannot be stored, or None when it can."""
    try:
        line_of(value)
    except (ValueError, TypeError, RecursionError) as e:
        return str(e) or type(e).__name__
    return None


def fault(value: object) -> str:
    """The innermost field of a refused value that is refused on its own, and why: the way to
    the bad byte in an export (worked out only once a value is refused)."""
    where: list[str] = []
    while len(where) < 10:  # deeper is no field to look for: nesting is what is refused
        if isinstance(value, dict):
            children = value.items()
        else:
            children = enumerate(value) if isinstance(value, list | tuple) else ()
        inner = next(((key, child) for key, child in children if refusal(child)), None)
        if inner is None:
            break
        where.append(str(inner[0]))
        value = inner[1]
    return f"{'.'.join(where) or 'the record'} = {reprlib.repr(value)}: {refusal(value)}"


def sha256_of(raw: object) -> str:
    """SHA-256 of the raw payload in canonical JSON, so a reader can verify it from the store."""
    return hashlib.sha256(dumps(raw).encode()).hexdigest()


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
        self._lock: int | None = None  # the lock file, open while this store is writing

    @property
    def lock_path(self) -> Path:
        """Beside the store, not in it: the store holds what was posted and nothing else."""
        root = self.root.resolve()
        return root.with_name(f".{root.name}.lock")

    def folder(self, account: str) -> Path:
        """An account's folder, named by its handle in lower case: no other name is taken, so
        none reaches outside the store and no account has two folders."""
        name = handle(account)
        if name != account:
            spelled = f"; spell it {name!r}" if name else ""
            raise StoreError(
                f"{self.root}: {account!r} is not an account name (a handle in lower case:"
                f" 1 to 15 of a-z, 0-9 and _){spelled}"
            )
        return self.root / account

    def accounts(self) -> list[str]:
        if not self.root.is_dir():
            return []
        names = sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and any(p.glob("*/*.jsonl"))
        )
        for name in names:
            self.folder(name)  # an older version's mixed-case folder, made beside its twin
        return names

    def month_path(self, account: str, month: str) -> Path:
        return self.folder(account) / month[:4] / f"{month}.jsonl"

    def media_dir(self, account: str) -> Path:
        return self.folder(account) / "media"

    def month_files(self, account: str) -> list[Path]:
        return sorted(self.folder(account).glob("[0-9][0-9][0-9][0-9]/*.jsonl"))

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

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store's lock, for a whole run or one write: two runs writing at once would
        each count the same posts as new, and each write a month from what it read before the
        other wrote. A second writer is refused at once, naming the process that holds the
        lock, rather than made to wait behind a run that may wait out rate limits for long.
        Taking the lock removes the temporary files of a writer that was killed."""
        if self._lock is not None:  # this store holds it already
            yield
            return
        path = self.lock_path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = os.pread(fd, 20, 0).decode(errors="replace").strip() or "unknown"
                raise StoreError(
                    f"{path}: another run (pid {pid}) is writing the store; run again when it"
                    " has finished"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            remove_temps(self.root)
            self._lock = fd
            yield
        finally:
            self._lock = None
            os.close(fd)  # and with it the lock

    def merge(
        self, records: Iterable[dict], accounts: Mapping[str, dict] | None = None
    ) -> MergeResult:
        """Add or update posts, and write the ``account.json`` of ``accounts``; nothing is
        ever removed. Each touched month is rewritten once, all of them or none."""
        with self.changes(records, accounts) as result:
            pass
        return result

    @contextlib.contextmanager
    def changes(
        self, records: Iterable[dict], accounts: Mapping[str, dict] | None = None
    ) -> Iterator[MergeResult]:
        """``merge`` with a pause before the writing: every file is made and checked, then the
        body runs, and the files replace the old ones only if it ends without error. So a
        refused post or account leaves the store as it was, and an import copies its media
        in the pause: a file without its post is harmless, a post pointing at no file is not."""
        by_month: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for record in records:
            by_month[record["account"], month_of(record)].append(record)
        result = MergeResult()
        with self.writing(), Staged() as staged:
            for (account, month), incoming in sorted(by_month.items()):
                if not MONTH.fullmatch(month):
                    post = incoming[0]
                    raise StoreError(
                        f"{self.folder(account)}: post {post['id']}: created_at"
                        f" {post['created_at']!r} is not a UTC ISO 8601 time"
                    )
                path = self.month_path(account, month)
                data, counts = self._merged(path, incoming)
                result += counts
                staged.write(path, data)
            for account, info in (accounts or {}).items():
                path = self.folder(account) / "account.json"
                staged.write(path, encode(info, path, "the account"))
            yield result
        result.files_written = staged.written

    def _merged(self, path: Path, incoming: list[dict]) -> tuple[bytes, MergeResult]:
        """The month file ``path`` with ``incoming`` merged in, and what changed."""
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
        return b"".join(encode(existing[k], path) for k in sorted(existing, key=int)), result

    def mark_deleted(self, account: str, deletions: dict[str, tuple[str, str]]) -> int:
        """Mark posts deleted: ``{id: (deleted_at, how)}``. Returns how many were newly marked."""
        marked = 0
        with self.writing(), Staged() as staged:
            for path in self.month_files(account):
                records = self.read_file(path)
                changed = False
                for r in records:
                    if r["id"] in deletions and not r.get("deleted_at"):
                        r["deleted_at"], r["deleted_how"] = deletions[r["id"]]
                        changed = True
                        marked += 1
                if changed:
                    staged.write(path, b"".join(encode(r, path) for r in records))
        return marked

    def read_account(self, account: str) -> dict:
        path = self.folder(account) / "account.json"
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
        return bool(self.merge([], {account: info}).files_written)
