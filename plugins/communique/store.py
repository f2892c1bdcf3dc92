"""The store: JSON Lines per account per month, the only thing importers and the site share.

Layout: ``<root>/<account>/<YYYY>/<YYYY-MM>.jsonl``, one post a line, sorted by id as an integer.
Files are written whole through a temporary file and ``os.replace`` so a crash leaves the old
file or the new one, and serialisation is canonical so re-importing the same data changes no byte.
Only JSON that the reader (orjson) reads back as written goes in, and one writer at a time: the
lock file beside the store (``content/.archive.lock``) says which process holds it.

A post record is a ``communique.records.Record``. Posts the account never made public are not
in the month files, which are committed: ``communique.vault`` keeps them, and the store's
readers put them back in their months.
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
from pathlib import Path, PurePosixPath

import orjson

from communique.errors import StoreError
from communique.files import Staged, naming, remove_temps
from communique.records import handle, is_old_provenance, is_public, upgraded_provenance
from communique.vault import Vault

# Fields that a later copy of the same post must not take away: what we learned about a post
# (its deletion, that it was never public, that the feed bridge made it) outlives the payload
# that came with it.
STICKY = ("deleted_at", "deleted_how", "visibility", "syndicated_from")
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
OLD_SHAPE = b'"retrieved_at":'  # in the line of a record of the old shape, and no other


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
            source = (value.get("provenance") or {}).get("captured_by")
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
    """The record to keep when ``new`` arrives for a post the store already has.

    The same payload again changes nothing, unless it says when it was captured and the
    stored copy does not (an export read before its manifest was, or without one).
    """
    same = old["provenance"]["sha256"] == new["provenance"]["sha256"]
    kept = dict(old) if same else dict(new)
    if same and new["provenance"].get("captured_at") and not old["provenance"].get("captured_at"):
        kept["provenance"] = new["provenance"]
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


def lines_of(path: Path, lines: Iterable[bytes]) -> Iterator[tuple[bytes, dict]]:
    """Each record with its line as stored; a line that is not one is named with its file."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield line, orjson.loads(line)
        except orjson.JSONDecodeError as e:
            raise StoreError(f"{path}:{n}: not a JSON record ({e})") from None


class Store:
    def __init__(self, root: Path | str, key: bytes | None = None):
        """``key`` seals the never-public posts (``communique.vault.key_from``)."""
        self.root = Path(root)
        self.vault = Vault(key)
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
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and (any(p.glob("*/*.jsonl")) or self.vault.months(p))
        )
        for name in names:
            self.folder(name)  # an older version's mixed-case folder, made beside its twin
        return names

    def months(self, account: str) -> list[str]:
        """Every month that holds a post, public or not: "YYYY-MM"."""
        plain = {p.stem for p in self.month_files(account)}
        return sorted(plain | set(self.vault.months(self.folder(account))))

    def month_path(self, account: str, month: str) -> Path:
        return self.folder(account) / month[:4] / f"{month}.jsonl"

    def media_dir(self, account: str) -> Path:
        return self.folder(account) / "media"

    def media_path(self, account: str, name: str, public: bool = True) -> Path:
        """Where a record's media file (``media/<file>``) is kept: a never-public post's out
        of git, key or not (the site never publishes them; the export still has them)."""
        folder = self.folder(account)
        return (folder if public else self.vault.open_folder(folder)) / name

    def month_files(self, account: str) -> list[Path]:
        return sorted(self.folder(account).glob("[0-9][0-9][0-9][0-9]/*.jsonl"))

    def read_file(self, path: Path) -> list[dict]:
        return [record for _, record in self.read_lines(path)]

    def read_lines(self, path: Path) -> Iterator[tuple[bytes, dict]]:
        """Each record of a month file with its line as stored, for those who publish bytes."""
        with path.open("rb") as f:
            yield from lines_of(path, f)

    def read_month(self, account: str, month: str) -> dict[str, dict]:
        """A month's posts, public or not, by id. A post in both places is the vault's: it is
        in the month file too only until that file's next write (a store written before the
        vault, or a run killed between the two files)."""
        path = self.month_path(account, month)
        records = {r["id"]: r for r in self.read_file(path)} if path.exists() else {}
        records.update((r["id"], r) for r in self._kept(account, month))
        return records

    def _kept(self, account: str, month: str) -> list[dict]:
        """A month's posts in the vault."""
        found = self.vault.read(self.folder(account), month)
        if found is None:
            return []
        path, data = found
        return [record for _, record in lines_of(path, data.splitlines(keepends=True))]

    def _stage_month(self, staged: Staged, account: str, month: str, records: dict) -> None:
        """Stage a month: its public posts for the month file, the others for the vault,
        staged first so that a run killed between the two has lost none."""
        ordered = [records[k] for k in sorted(records, key=int)]
        folder = self.folder(account)
        target = self.vault.target(folder, month)
        private = b"".join(encode(r, target) for r in ordered if not is_public(r))
        self.vault.stage(staged, folder, month, private)
        path = self.month_path(account, month)
        public = b"".join(encode(r, path) for r in ordered if is_public(r))
        if public:
            staged.write(path, public)
        elif path.exists():
            staged.remove(path)  # every post it held was never public

    def posts(self, account: str | None = None) -> Iterator[dict]:
        """Every post of one account (or all), public or not, oldest first."""
        for name in [account] if account else self.accounts():
            for month in self.months(name):
                records = self.read_month(name, month)
                yield from (records[k] for k in sorted(records, key=int))

    def never_public(self, account: str) -> Iterator[dict]:
        """The posts the vault keeps: what the site must know exists, to leave it out."""
        for month in self.vault.months(self.folder(account)):
            yield from self._kept(account, month)

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
            with naming(path):  # a full disk: the first write of a fresh clone's lock
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
                records, counts = self._merged(account, month, incoming)
                result += counts
                self._stage_month(staged, account, month, records)
            for account, info in (accounts or {}).items():
                path = self.folder(account) / "account.json"
                staged.write(path, encode(info, path, "the account"))
            yield result
        result.files_written = staged.written

    def _merged(
        self, account: str, month: str, incoming: list[dict]
    ) -> tuple[dict[str, dict], MergeResult]:
        """The month's posts by id with ``incoming`` merged in, and what changed."""
        result = MergeResult()
        existing = self.read_month(account, month)
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
        return existing, result

    def upgrade(self) -> int:
        """Bring the records of an older shape to this one, once: their provenance as it is
        kept now (``records.upgraded_provenance``), which names no local file. No payload and
        no hash changes. Every month holding one is rewritten, all of them or none, and a
        store of this shape already is only looked at: a build checks every time, and takes
        the store's lock only when there is work. Returns how many records changed."""
        months = [(a, m) for a in self.accounts() for m in self.months(a) if self._holds_old(a, m)]
        if not months:
            return 0
        changed = 0
        with self.writing(), Staged() as staged:
            for account, month in months:
                records = self.read_month(account, month)
                old = [r for r in records.values() if is_old_provenance(r["provenance"])]
                for record in old:
                    record["provenance"] = upgraded_provenance(record["provenance"])
                if old:
                    self._stage_month(staged, account, month, records)
                    changed += len(old)
        return changed

    def _holds_old(self, account: str, month: str) -> bool:
        """Whether a month may hold a record of the old shape, from its bytes, unparsed."""
        path = self.month_path(account, month)
        if path.exists() and OLD_SHAPE in path.read_bytes():
            return True
        kept = self.vault.read(self.folder(account), month)
        return kept is not None and OLD_SHAPE in kept[1]

    def mark_deleted(self, account: str, deletions: dict[str, tuple[str, str]]) -> int:
        """Mark posts deleted: ``{id: (deleted_at, how)}``. Returns how many were newly marked."""
        marked = 0
        with self.writing(), Staged() as staged:
            for month in self.months(account):
                records = self.read_month(account, month)
                changed = False
                for r in records.values():
                    if r["id"] in deletions and not r.get("deleted_at"):
                        r["deleted_at"], r["deleted_how"] = deletions[r["id"]]
                        changed = True
                        marked += 1
                if changed:
                    self._stage_month(staged, account, month, records)
        return marked

    def seal(self) -> int:
        """Move the never-public posts still kept where they should not be: in month files (a
        store written before the vault) with their media in ``media/``, or in plain text once
        there is a key. Returns how many posts moved; run before a write task ends."""
        moved = 0
        with self.writing():
            with Staged() as staged:
                for account in self.accounts():
                    moved += self._stage_sealing(staged, account)
            for account in self.accounts():
                self._hide_media(account, list(self.never_public(account)))
        return moved

    def _stage_sealing(self, staged: Staged, account: str) -> int:
        unsealed = self.vault.unsealed(self.folder(account)) if self.vault.box else []
        sealing = {p.stem for p in unsealed}
        plain = {p.stem: p for p in self.month_files(account)}
        moved = 0
        for month in self.months(account):
            hidden = 0
            # A month file is parsed only when a record in it may be marked: most are not.
            if month in plain and b'"visibility":' in plain[month].read_bytes():
                hidden = sum(not is_public(r) for r in self.read_file(plain[month]))
            if hidden or month in sealing:
                records = self.read_month(account, month)
                self._stage_month(staged, account, month, records)
                kept = sum(not is_public(r) for r in records.values())
                moved += kept if month in sealing else hidden
        return moved

    def unsealed(self) -> int:
        """How many never-public posts are kept in plain text, out of git, for want of a key:
        no other clone has them."""
        return sum(
            len(self._kept(account, path.stem))
            for account in self.accounts()
            for path in self.vault.unsealed(self.folder(account))
        )

    def _hide_media(self, account: str, records: list[dict]) -> None:
        """Move never-public posts' media out of ``media/``, which is committed."""
        public = self.folder(account)
        for name in (m["file"] for r in records for m in r.get("media", []) if m.get("file")):
            parts = PurePosixPath(name).parts  # only a file of media/, whatever a record says
            confined = len(parts) == 2 and parts[0] == "media" and parts[1] not in (".", "..")
            if confined and (public / name).is_file():
                target = self.media_path(account, name, public=False)
                target.parent.mkdir(exist_ok=True)
                os.replace(public / name, target)

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
