"""The ledger: ``content/ledger.jsonl``, an append-only, hash-chained record of every change to
the published set of records, so that a later copy of the archive can be shown to extend an
earlier one, and a post that left it without a word can be named.

It lives beside the store and is committed with it: the history survives rebuilds and clean
builds, which see the same ledger and append nothing when the published set is unchanged. Each
build copies it to ``/-/data/ledger.jsonl``, with ``/-/data/ledger-head.txt`` ("<seq> <hash>")
for those who keep or sign a head, both listed in SHA256SUMS.

One entry a line, canonical JSON (sorted keys, no spaces, UTF-8):

- ``seq``: 1, 2, 3...; ``at``: the UTC time of the build that added it;
- ``added``, ``changed``: ids newly published, and published ids whose record changed;
- ``deleted``: ids whose published record newly carries ``deleted_at``;
- ``withheld``: ``{"id", "reason"}`` of posts newly withheld (ids and reasons only);
- ``removed``: ids that left the published set neither withheld nor found never public, an
  unexplained removal (a deletion mark is no reason to leave it: a deleted post stays published);
- ``count`` and ``root``: how many records are published, and their Merkle root;
- ``prev``: the ``hash`` of the entry before (null for the first), and ``hash``: the SHA-256
  (hex) of the entry's canonical JSON without its ``hash`` key.

The root, as anyone recomputes it from the downloads: each line of the gzipped
``<account>-<year>.jsonl.gz`` files, unpacked, is a published record; its digest is the SHA-256
of the line's bytes without the newline; the digests in id order (ids as integers) are the
entries of RFC 6962's Merkle Tree Hash (2.1):
a leaf is SHA-256(0x00 || digest), a node SHA-256(0x01 || left || right), split at the largest
power of two below the count; no record at all gives SHA-256 of nothing.

The digests of the last entry's records are kept beside the ledger, in
``content/ledger-leaves/<root>.txt`` ("<id> <digest>" a line): they tell the next build which
records changed. Named by its root, the file of the last entry is known whatever a killed write
left, and is checked against that root before it is believed.

A post found never public after it was published is named nowhere: the entries that named it
are written again without it, and the chain after them with them (a copy that kept an older head
sees the ledger rewritten, which it was). The store names no such post in its committed files
either.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from communique.errors import CommuniqueError
from communique.files import TEMP, Staged, digest, write_atomic
from communique.store import Store, dumps

LEDGER = "ledger.jsonl"
HEAD = "ledger-head.txt"
LEAVES = "ledger-leaves"
# A download of records: "<account>-<year>.jsonl.gz" (the ledger itself is not one).
PIECE = re.compile(r"[a-z0-9_]{1,15}-[0-9]{4}\.jsonl\.gz")
ID_LISTS = ("added", "changed", "deleted", "removed")


@dataclass(frozen=True)
class Published:
    digest: str  # SHA-256 hex of the record's line
    deleted: bool  # whether it carries deleted_at


def record_digest(line: bytes) -> str:
    return hashlib.sha256(line.removesuffix(b"\n")).hexdigest()


def merkle_root(digests: Sequence[str]) -> str:
    """RFC 6962's Merkle Tree Hash over the records' digests (hex), as the module says."""
    leaves = [bytes.fromhex(d) for d in digests]

    def tree(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return hashlib.sha256(b"\x00" + leaves[lo]).digest()
        k = 1 << ((hi - lo - 1).bit_length() - 1)  # the largest power of two below hi - lo
        return hashlib.sha256(b"\x01" + tree(lo, lo + k) + tree(lo + k, hi)).digest()

    return (tree(0, len(leaves)) if leaves else hashlib.sha256(b"").digest()).hex()


def entry_hash(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(dumps(body).encode()).hexdigest()


def published(folder: Path, names: Iterable[str], cache: Path) -> dict[str, Published]:
    """Every record of the downloads ``names`` in ``folder``, by id, in id order.

    A download is read again only when its size or mtime changed since ``cache`` was written
    (the downloads' own bookkeeping trusts them alike): at 100,000 posts, reading every line
    takes seconds, and a scheduled build changes one year's file.
    """
    try:
        known = orjson.loads(cache.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        known = {}
    pieces, found = {}, {}
    for name in sorted(n for n in names if PIECE.fullmatch(n)):
        path = folder / name
        st = path.stat()
        kept = known.get(name) if isinstance(known, dict) else None
        if isinstance(kept, list) and len(kept) == 3 and kept[:2] == [st.st_size, st.st_mtime_ns]:
            rows = kept[2]
        else:
            rows = [(*record_of(line, f"{path}:{n}"), record_digest(line))
                    for n, line in enumerate(unpacked(path).splitlines(), 1)]  # fmt: skip
        pieces[name] = [st.st_size, st.st_mtime_ns, rows]
        found.update((post_id, Published(sha, deleted)) for post_id, deleted, sha in rows)
    write_atomic(cache, orjson.dumps(pieces), sync=False)
    return {i: found[i] for i in sorted(found, key=int)}


def unpacked(path: Path) -> bytes:
    try:
        return gzip.decompress(path.read_bytes())
    except (gzip.BadGzipFile, EOFError, zlib.error):
        raise CommuniqueError(f"{path}: not a gzip file") from None


def record_of(line: bytes, where: str) -> tuple[str, bool]:
    """A published record's id, and whether it is marked deleted."""
    try:
        record = orjson.loads(line)
        return record["id"], bool(record.get("deleted_at"))
    except (orjson.JSONDecodeError, TypeError, KeyError):
        raise CommuniqueError(f"{where}: not a published record") from None


# An entry's fields and what each holds: whatever a copy holds, only these are read.
FIELDS = {"seq": int, "at": str, "added": list, "changed": list, "deleted": list,
          "withheld": list, "removed": list, "count": int, "root": str, "prev": (str, type(None)),
          "hash": str}  # fmt: skip


def parse(data: bytes, where: str) -> list[dict]:
    """The entries of a ledger's bytes; a line that is not an entry is named."""
    entries = []
    for n, line in enumerate(data.splitlines(), 1):
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            entry = None
        if not (isinstance(entry, dict) and entry.keys() == FIELDS.keys()
                and all(isinstance(entry[k], kind) for k, kind in FIELDS.items())
                and all(isinstance(i, str) for k in ID_LISTS for i in entry[k])
                and all(isinstance(w, dict) and isinstance(w.get("id"), str)
                        for w in entry["withheld"])):  # fmt: skip
            raise CommuniqueError(
                f"{where}:{n}: not a ledger entry (a JSON object of {', '.join(FIELDS)})"
            )
        entries.append(entry)
    return entries


def chain_faults(entries: list[dict], where: str) -> list[str]:
    """Each way the chain is broken, one line each, naming the entry's line."""
    faults, prev = [], None
    for n, entry in enumerate(entries, 1):
        if entry.get("seq") != n:
            faults.append(f"{where}:{n}: seq {entry.get('seq')!r} where {n} belongs")
        if entry.get("prev") != prev:
            faults.append(f"{where}:{n}: prev is not the hash of the entry before")
        if entry.get("hash") != entry_hash(entry):
            faults.append(f"{where}:{n}: hash does not match the entry")
        prev = entry.get("hash")
    return faults


def head(entries: list[dict]) -> str:
    """What ``ledger-head.txt`` holds: the last entry's seq and hash."""
    return f"{entries[-1]['seq']} {entries[-1]['hash']}\n" if entries else ""


def history(entries: list[dict]) -> tuple[set[str], set[str]]:
    """The ids the ledger has entered as deleted, and those it holds withheld now (a post
    published again after it was withheld is added again)."""
    deleted: set[str] = set()
    withheld: set[str] = set()
    for entry in entries:
        deleted |= set(entry["deleted"])
        withheld -= set(entry["added"])
        withheld |= {w["id"] for w in entry["withheld"]}
    return deleted, withheld


def next_entry(
    entries: list[dict],
    before: dict[str, str],
    now: dict[str, Published],
    withheld: dict[str, str],
    never_public: set[str],
    at: str,
) -> dict | None:
    """The entry that records going from ``before`` (id -> digest, of the last entry) to
    ``now``, or None when nothing published changed. ``withheld``: id -> reason, of the posts
    withheld now; ``never_public``: ids that must be named nowhere."""
    was_deleted, was_withheld = history(entries)
    root = merkle_root([r.digest for r in now.values()])
    new_withheld = [{"id": i, "reason": withheld[i]}
                    for i in sorted(withheld.keys() - was_withheld, key=int)]  # fmt: skip
    if entries and root == entries[-1]["root"] and not new_withheld:
        return None
    deleted = [i for i, r in now.items() if r.deleted and i not in was_deleted]
    gone = sorted(before.keys() - now.keys() - withheld.keys() - never_public, key=int)
    entry = {
        "seq": len(entries) + 1,
        "at": at,
        "added": [i for i in now if i not in before],
        "changed": [
            i for i, r in now.items() if i in before and before[i] != r.digest and i not in deleted
        ],  # fmt: skip
        "deleted": deleted,
        "withheld": new_withheld,
        "removed": gone,
        "count": len(now),
        "root": root,
        "prev": entries[-1]["hash"] if entries else None,
    }
    entry["hash"] = entry_hash(entry)
    return entry


def forget(entries: list[dict], never_public: set[str]) -> list[dict]:
    """The entries without any id of ``never_public``, the chain made again from the first
    entry that named one; the same list when none does."""
    out, prev, changed = [], None, False
    for entry in entries:
        named = {*(i for k in ID_LISTS for i in entry[k]), *(w["id"] for w in entry["withheld"])}
        if named & never_public:
            entry = {**entry, **{k: [i for i in entry[k] if i not in never_public]
                                 for k in ID_LISTS}}  # fmt: skip
            entry["withheld"] = [w for w in entry["withheld"] if w["id"] not in never_public]
            changed = True
        if changed:
            entry = {**entry, "prev": prev}
            entry["hash"] = entry_hash(entry)
        out.append(entry)
        prev = entry["hash"]
    return out


@dataclass(frozen=True)
class Ledger:
    """Where the ledger is kept, and what of this build it records."""

    path: Path  # content/ledger.jsonl
    at: str  # the build's time, UTC ISO 8601
    never_public: frozenset[str] = frozenset()

    @property
    def leaves_folder(self) -> Path:
        return self.path.with_name(LEAVES)

    def leaves_path(self, root: str) -> Path:
        return self.leaves_folder / f"{root}.txt"

    def read(self) -> list[dict]:
        """The ledger's entries, refused in one line when its chain is broken: an entry added
        to an edited ledger would vouch for the edit."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        entries = parse(data, str(self.path))
        faults = chain_faults(entries, str(self.path))
        if faults:
            raise CommuniqueError(f"{faults[0]}; the ledger was edited: restore it from git")
        return entries

    def leaves(self, entries: list[dict]) -> dict[str, str]:
        """The digests of the last entry's records, checked against its root and count."""
        if not entries:
            return {}
        last = entries[-1]
        path = self.leaves_path(last["root"])
        try:
            lines = path.read_text(encoding="ascii").splitlines()
            found = dict(line.split(" ") for line in lines)
        except (OSError, ValueError) as e:
            raise CommuniqueError(
                f"{path}: cannot be read ({getattr(e, 'strerror', None) or e}); it holds the"
                f" records' digests of {self.path}'s last entry: restore it from git"
            ) from None
        if len(found) != last["count"] or merkle_root(list(found.values())) != last["root"]:
            raise CommuniqueError(
                f"{path}: does not match the root of {self.path}'s last entry: restore it from git"
            )
        return found

    def stamp(self) -> str:
        """A key of the ledger and its leaves as they are: a build whose downloads are as
        the last one made them, with a ledger as it left it, has nothing to append."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            data = None
        # The leaves by their bytes, not their times: a fresh checkout (each scheduled run's)
        # changes those, and would have the downloads made again for nothing.
        files = sorted(self.leaves_folder.glob("*.txt"))
        leaves = [(p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]
        return digest(data and hashlib.sha256(data).hexdigest(), leaves, sorted(self.never_public))

    def remove_temps(self) -> None:
        """What a build killed while writing the ledger left (the store's lock is held)."""
        for left in [*self.path.parent.glob(f".{self.path.name}.*{TEMP}"),
                     *self.leaves_folder.glob(f".*{TEMP}")]:  # fmt: skip
            left.unlink(missing_ok=True)

    def update(self, store: Store, now: dict[str, Published], withheld: dict[str, str]) -> bytes:
        """Append the entry of ``now`` if the published set changed (and forget what is
        never public), under the store's lock, all files at once; returns the ledger's bytes."""
        with store.writing():
            self.remove_temps()
            old = self.read()
            before = self.leaves(old)
            entries = forget(old, set(self.never_public))
            entry = next_entry(entries, before, now, withheld, set(self.never_public), self.at)
            if entry is not None:
                entries.append(entry)
            data = b"".join(dumps(e).encode() + b"\n" for e in entries)
            if entries == old:
                return data
            keep = self.leaves_path(entries[-1]["root"])
            with Staged() as staged:
                # The leaves first, the ledger last: until the ledger names their root, they
                # are a file no entry points to.
                staged.write(keep, "".join(f"{i} {r.digest}\n" for i, r in now.items()).encode())
                staged.write(self.path, data)
                for other in self.leaves_folder.glob("*.txt"):
                    if other != keep:
                        staged.remove(other)
            return data


def publish(folder: Path, data: bytes) -> list[str]:
    """The ledger and its head in ``folder`` (``/-/data/``): the files' names."""
    write_atomic(folder / LEDGER, data, sync=False)
    write_atomic(folder / HEAD, head(parse(data, LEDGER)).encode(), sync=False)
    return [LEDGER, HEAD]
