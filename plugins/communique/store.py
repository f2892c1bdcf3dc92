"""The store: JSON Lines per account per month, the only thing importers and the site share.

Layout: ``<root>/<account>/<YYYY>/<YYYY-MM>.jsonl``, one post a line, sorted by id as an integer.
Files are written whole through a temporary file and ``os.replace`` so a crash leaves the old
file or the new one, and serialisation is canonical so re-importing the same data changes no byte.

A post record is a ``communique.records.Record``.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from communique.errors import StoreError
from communique.files import write_atomic

# Fields that a later copy of the same post must not take away: what we learned about a post
# (its deletion, that it was never public) outlives the payload that came with it.
STICKY = ("deleted_at", "deleted_how", "visibility")


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
