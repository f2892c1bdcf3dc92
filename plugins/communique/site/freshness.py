"""Every cache file of a build, and every decision that something kept is still valid.

The rule this module keeps: after a build that exits 0, ``output/`` is byte for byte what a
build from an empty ``output/`` and ``cache/`` makes. Caches only save time, so each of them is
checked before it is believed, and anything doubtful is made again:

- every cache file carries a checksum of its body (``write_checked``): one deleted, truncated
  or corrupted reads as missing;
- a file in ``output/`` is kept without being made again only when the manifest says it was
  made from the same inputs (its key) *and* it is on disk as it was written (size and time;
  after a build that did not finish, its bytes);
- the journal says when a build started and whether it finished;
- at the end, whatever in ``output/`` the build did not make is removed (``Output.sweep``).

Keys hold the stamp (``stamp``): every setting, the theme, and the code of the package.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import os
import shutil
import sys
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import TypeVar

import orjson
from jinja2 import BytecodeCache, FileSystemBytecodeCache
from jinja2.bccache import Bucket

from communique.errors import CommuniqueError
from communique.files import digest, naming, write_atomic
from communique.site.layout import SEARCH_INDEX

T = TypeVar("T")
FORMAT = 3  # of every cache file: a cache written by code that wrote another shape is not read
HEADER = b"communique-cache"


# -- checked files -------------------------------------------------------------------------


def checked(body: bytes) -> bytes:
    """``body`` with a header that lets ``read_checked`` tell it is whole."""
    return b"%s %d %d %d\n" % (HEADER, FORMAT, len(body), zlib.crc32(body)) + body


def write_checked(path: Path, body: bytes) -> None:
    """Keep ``body`` in ``path``, checked. A cache that cannot be written only costs time:
    the next build makes it again."""
    with contextlib.suppress(OSError):
        write_atomic(path, checked(body), sync=False)


def read_checked(path: Path) -> memoryview | None:
    """The body kept by ``write_checked``, or None when it is missing, torn or altered."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    end = data.find(b"\n")
    try:
        name, version, length, crc = data[:end].split(b" ")
        body = memoryview(data)[end + 1 :]
        if name != HEADER or int(version) != FORMAT or int(length) != len(body):
            return None
        return body if zlib.crc32(body) == int(crc) else None
    except ValueError:
        return None


def read_json(path: Path) -> object:
    """A JSON value kept by ``write_json``, or None."""
    body = read_checked(path)
    if body is None:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def write_json(path: Path, value: object) -> None:
    """Unsorted: a cache is read back, never compared as bytes, and the manifest (a key for
    every file of the site) would be sorted on every build for nothing."""
    write_checked(path, orjson.dumps(value))


# -- what every key holds ------------------------------------------------------------------

LIBRARIES = ("jinja2", "markupsafe", "markdown", "nh3", "pillow", "orjson", "twitter-text-parser")


@functools.cache
def code_stamp() -> str:
    """The package's own code and data, and the libraries that shape its output: a build by
    another version of any of them makes every page again."""
    package = Path(__file__).resolve().parent.parent
    sources = sorted(
        (p.relative_to(package).as_posix(), p.read_bytes())
        for pattern in ("**/*.py", "data/*.json")
        for p in package.glob(pattern)
    )
    versions = []
    for name in LIBRARIES:
        try:
            versions.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            versions.append((name, None))
    return digest(sources, versions, sys.version_info[:2])


def stamp(settings_key: dict, theme: Path) -> str:
    """What every page's key starts from: the settings, every file of the theme, the code."""
    files = sorted(
        (p.relative_to(theme).as_posix(), p.read_bytes()) for p in theme.rglob("*") if p.is_file()
    )
    return digest(settings_key, files, code_stamp())


# -- the journal ---------------------------------------------------------------------------


@dataclass
class Journal:
    """``cache/journal.json``: a build says it started before it writes anything, and that
    it finished once ``output/`` is whole. A build that finds the last one unfinished
    believes no file in ``output/`` by its size and time alone, but reads its bytes."""

    path: Path

    def begin(self) -> bool:
        """Record that a build started; True when the build before it finished (False when
        it did not, or when there is no record of it: ``cache/`` deleted)."""
        finished = self.finished()
        self.record(False)
        return finished

    def finished(self) -> bool:
        """Whether the last build finished, recording nothing."""
        before = read_json(self.path)
        return isinstance(before, dict) and before.get("finished") is True

    def finish(self) -> None:
        self.record(True)

    def record(self, finished: bool) -> None:
        """Unlike a cache, the journal must be written, and on disk before the build goes on:
        a build that cannot say it started does not start."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, checked(orjson.dumps({"finished": finished})), sync=True)


# -- the output folder ---------------------------------------------------------------------


@dataclass(slots=True)
class Entry:
    """What the manifest keeps of a file the build made in ``output/``."""

    # The SHA-256 of the bytes written ("" for a published medium: its key stands for them):
    # what /-/data/pages.sha256 publishes of a post page, so no page is read again for it.
    digest: str
    key: str | None  # of the inputs it was made from (None: made on every build)
    size: int
    mtime_ns: int
    width: int = 0  # of a published image, so it is not opened again to learn them
    height: int = 0

    def row(self) -> list:
        """As the manifest stores it: ``Entry(*row)`` reads it back."""
        return [self.digest, self.key, self.size, self.mtime_ns, self.width, self.height]


DIGEST, KEY, SIZE, MTIME = range(4)  # places in a row, for the scan of every file


@dataclass
class Scan:
    """``output/`` as a build found it, before it wrote anything."""

    stale: set[str]  # files of the manifest not on disk as they were written
    others: list[str]  # every file found that is changed, or not the manifest's
    bare: list[str]  # folders with no file of their own
    links: list[str] = field(default_factory=list)  # symbolic links: a build makes none
    index: list[str] = field(default_factory=list)  # the search index's folders, not walked
    read: int = 0  # files read whole to compare their bytes
    manifest: list[int] | None = None  # which manifest file it was: ``identity``

    def add(self, rel_dir: str, kept: int | list, entries: dict) -> None:
        """What a folder holds besides the manifest's files and its own folders, as listed:
        its time alone when that is nothing, and it holds files."""
        if isinstance(kept, int):
            return
        _, extra, links, index, bare = kept
        prefix = f"{rel_dir}/" if rel_dir else ""
        self.others += [prefix + name for name in extra if prefix + name not in entries]
        self.links += [prefix + name for name in links]
        self.index += index
        if bare and rel_dir:
            self.bare.append(rel_dir)


def file_digest(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def identity(path: Path) -> list[int] | None:
    """Which file ``path`` is: one written again (a new file renamed into place) or put back
    from elsewhere is another. None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def listing(path: str) -> list:
    """A folder's names by kind: [files, folders, links]."""
    kinds: list[list[str]] = [[], [], []]
    with os.scandir(path) as items:
        for item in items:
            kind = 2 if item.is_symlink() else 1 if item.is_dir(follow_symlinks=False) else 0
            kinds[kind].append(item.name)
    return kinds


def scan(
    output: Path,
    manifest: Path,
    by_bytes: bool,
    listings: Path | None = None,
    entries: dict[str, list] | None = None,
) -> Scan:
    """Tell which files of ``manifest`` are not in ``output/`` as written, and what else is
    there. ``entries``: the manifest, read already by a build that forked the scan after it.

    Run in a process of its own while the archive loads (see ``plugin``). Every file of the
    manifest is looked at where it stands: a file edited in place changes its own size or
    time. A folder is listed again only when its time differs from the one ``listings``
    kept, since nothing is added to or taken from a folder without changing its time.
    ``by_bytes``: after a build that did not finish, compare every file by its digest and
    list every folder. The folder times kept hold only with the manifest they were listed
    against: with another (lost, or put back from an earlier build) a file only that one
    knew would go unseen in a folder whose time has not changed since, so every folder is
    listed.
    """
    entries = read_manifest(manifest) if entries is None else entries
    root, lstat = str(output), os.lstat
    found = Scan(set(), [], [], manifest=identity(manifest))
    stale = found.stale
    for rel, row in entries.items():
        try:
            st = lstat(f"{root}/{rel}")
        except OSError:
            stale.add(rel)  # missing: made again
            continue
        if not S_ISREG(st.st_mode):
            stale.add(rel)  # a folder where the file was: its folder's listing finds inside
            continue
        if st.st_size == row[SIZE]:
            if by_bytes and row[DIGEST]:
                found.read += 1
                if file_digest(f"{root}/{rel}") == row[DIGEST]:
                    continue
            elif st.st_mtime_ns == row[MTIME]:
                continue
        stale.add(rel)
        found.others.append(rel)
    listed = folders_of(read_json(listings), found.manifest) if listings and not by_bytes else {}
    known = listed or {}
    seen: dict[str, int | list] = {}
    stack = [] if "" in known else [""]
    for rel_dir, kept in known.items():
        try:
            when = lstat(f"{root}/{rel_dir}" if rel_dir else root).st_mtime_ns
        except OSError:
            continue  # gone: the folder it was in changed, and is listed
        if when == (kept if isinstance(kept, int) else kept[0]):
            if isinstance(kept, list) and kept[1] and not any(kept[2:]):
                # Names it held besides the manifest's that the build has made since (from
                # before the sweep listed what it made again): its time alone from now on.
                prefix = f"{rel_dir}/" if rel_dir else ""
                if all(prefix + name in entries for name in kept[1]):
                    kept = when
            seen[rel_dir] = kept
            found.add(rel_dir, kept, entries)
        else:
            stack.append(rel_dir)
    while stack:  # folders whose time changed, and the folders new in them
        rel_dir = stack.pop()
        path = f"{root}/{rel_dir}" if rel_dir else root
        try:
            st = lstat(path)
            if not S_ISDIR(st.st_mode):
                continue  # a file now: the listing of its folder finds it
            files, folders, links = listing(path)
        except OSError:
            continue
        prefix = f"{rel_dir}/" if rel_dir else ""
        index = [prefix + name for name in folders if (prefix + name).startswith(SEARCH_INDEX)]
        stack += [prefix + name for name in folders
                  if prefix + name not in known and prefix + name not in index]  # fmt: skip
        extra = [name for name in files if prefix + name not in entries]
        when = st.st_mtime_ns
        plain = files and not (extra or links or index)
        seen[rel_dir] = when if plain else [when, extra, links, index, not files]
        found.add(rel_dir, seen[rel_dir], entries)
    if found.links:  # what was reached through a link is not in output/: made again
        under = tuple(f"{link}/" for link in found.links)
        found.stale |= {rel for rel in entries if rel.startswith(under)}
        found.others = [rel for rel in found.others if not rel.startswith(under)]
    if listings and (seen != known or listed is None):  # most builds': as listed before
        write_json(listings, {"manifest": found.manifest, "folders": seen})
    return found


def folders_of(kept: object, manifest: list[int] | None) -> dict | None:
    """The folder times kept in ``listings.json`` (``kept``): {} when there are none, None
    when they were listed against another manifest than this one."""
    if not isinstance(kept, dict):
        return {}
    if kept.get("manifest") != manifest:
        return None
    folders = kept.get("folders")
    return folders if isinstance(folders, dict) else {}


def read_manifest(path: Path) -> dict[str, list]:
    """The manifest's entries as stored, a row each in ``Entry``'s field order."""
    kept = read_json(path)
    return kept if isinstance(kept, dict) else {}


@dataclass
class Slice:
    """What a build (or a worker rendering part of its pages) made: the files it wrote or
    noted, and those it found fresh, which stay as the manifest has them. Fresh files are
    most of every build after the first: their rows are carried over, not made into entries
    and back."""

    entries: dict[str, Entry] = field(default_factory=dict)
    carried: dict[str, list] = field(default_factory=dict)  # their rows, as the manifest has them
    written: int = 0
    unchanged: int = 0


class Output:
    """The one writer of ``output/``: it writes only files whose bytes changed, knows which
    files are still as an earlier build wrote them, and removes what the build did not make.
    """

    def __init__(
        self,
        output: Path,
        manifest: Path,
        found: Scan,
        listings: Path | None = None,
        previous: dict[str, list] | None = None,
    ):
        """``previous``: the manifest ``found`` was scanned against, if read already."""
        self.output = output
        self.root = str(output)
        self.manifest = manifest
        self.listings = listings  # where the scan keeps folder times: brought up to date
        self.previous = read_manifest(manifest) if previous is None else previous
        self.found = found
        self.made = Slice()
        for rel in found.links:  # a write through one could land anywhere: gone first
            os.unlink(f"{self.root}/{rel}")

    def kept(self, rel: str) -> Entry | None:
        """The entry of a file that is on disk as an earlier build wrote it."""
        row = self.previous.get(rel)
        return Entry(*row) if row is not None and rel not in self.found.stale else None

    def fresh(self, rel: str, key: str) -> bool:
        """True (and the file kept) when ``rel`` was made from the same inputs and is intact."""
        row = self.previous.get(rel)  # asked of every page of every build: no Entry for a miss
        if row is None or row[KEY] != key or rel in self.found.stale:
            return False
        self.made.carried[rel] = row
        self.made.unchanged += 1
        return True

    def rows(self) -> dict[str, list]:
        """Every file this build made so far, as the manifest stores it (``Entry.row``).
        Asked twice a build (for the post pages' sums, then for the manifest): the carried
        rows, nearly all of them, are kept with their page's name as it is found fresh, so
        that each time they are copied, not looked up again one by one."""
        rows = self.made.carried.copy()
        rows.update((rel, entry.row()) for rel, entry in self.made.entries.items())
        return rows

    def write(self, rel: str, content: str | bytes, key: str | None = None) -> None:
        data = content.encode() if isinstance(content, str) else content
        confine(rel)
        made = hashlib.sha256(data).hexdigest()
        entry = self.kept(rel)
        if entry is not None and entry.digest == made:
            entry.key = key
            self.made.entries[rel] = entry
            self.made.unchanged += 1
            return
        path = f"{self.root}/{rel}"
        try:
            f = open(path, "wb")  # noqa: SIM115 (a folder is made only when it is missing)
        except OSError:
            try:  # a new page's folder: a first build makes every one
                os.makedirs(os.path.dirname(path), exist_ok=True)
                f = open(path, "wb")  # noqa: SIM115
            except OSError:  # a file where a folder goes, or a folder where the file goes
                clear_way(self.root, rel)
                f = open(path, "wb")  # noqa: SIM115
        with naming(path), f:
            f.write(data)
            f.flush()  # its time is that of the last write: the manifest keeps it
            st = os.fstat(f.fileno())
        self.made.entries[rel] = Entry(made, key, st.st_size, st.st_mtime_ns)
        self.made.written += 1

    def note(self, rel: str, key: str | None, width: int = 0, height: int = 0) -> None:
        """Note a file written by other means (a published medium), as it is now on disk."""
        st = os.stat(f"{self.root}/{rel}")
        self.made.entries[rel] = Entry("", key, st.st_size, st.st_mtime_ns, width, height)

    def keep(self, rel: str, entry: Entry) -> None:
        self.made.entries[rel] = entry

    def take(self) -> Slice:
        made, self.made = self.made, Slice()
        return made

    def apart(self, work: Callable[[], T]) -> tuple[T, Slice]:
        """``work()`` with what it writes kept apart: a worker's part, for the build to
        ``merge`` (in a forked worker, the rest is the parent's, which it has already)."""
        before = self.take()
        try:
            return work(), self.take()
        finally:
            self.merge(before)

    def merge(self, part: Slice) -> None:
        self.made.entries.update(part.entries)
        self.made.carried.update(part.carried)
        self.made.written += part.written
        self.made.unchanged += part.unchanged

    def sweep(self, also: Iterable[str], search: bool) -> int:
        """Remove every file and folder in ``output/`` that this build did not make (nor
        ``also``: what Pelican wrote), then save the manifest. Returns how many files went.

        The search index is left when ``search``: the indexer brings it up to date when the
        build is done (``invoke build``), and removing it here would have it made whole again.
        """
        found = self.found
        changed = {rel.rpartition("/")[0] for rel in found.links}  # unlinked by ``__init__``
        if not search:
            changed |= {rel.rpartition("/")[0] for rel in found.index}
            for name in found.index:
                shutil.rmtree(f"{self.root}/{name}", ignore_errors=True)
        made = self.made
        for rel in set(also) - made.entries.keys() - made.carried.keys():  # Pelican's files
            with contextlib.suppress(FileNotFoundError):
                self.note(rel, None)
        planned = made.entries.keys() | made.carried.keys() | set(also)
        stale, previous = found.stale, self.previous
        there = chain((rel for rel in previous if rel not in stale), found.others)
        gone = [rel for rel in there if rel not in planned]
        for rel in gone:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.root}/{rel}")
        # Folders left empty, deepest first: each one's parent may be empty in turn.
        emptied = set()
        folders = {rel.rpartition("/")[0] for rel in gone} | set(found.bare)
        for rel in sorted(folders - {""}, key=lambda f: f.count("/"), reverse=True):
            while rel:
                try:
                    os.rmdir(f"{self.root}/{rel}")
                except OSError:  # not empty: it holds what the build made
                    break
                emptied.add(rel)
                rel = rel.rpartition("/")[0]
        rows = self.rows()
        write_json(self.manifest, rows)
        if self.listings:
            # Files new or made again, a folder each that the scan may have listed as holding
            # them besides the manifest's (after ``cache/`` was lost, every folder): listed
            # again as it is now, or every later scan would go through its names.
            new = [rel for rel in made.entries if rel not in previous or rel in stale]
            changed |= {rel.rpartition("/")[0] for rel in chain(new, gone)}
            self.relist(changed | {rel.rpartition("/")[0] for rel in emptied}, rows, emptied,
                        search)  # fmt: skip
        return len(gone)

    def relist(
        self, changed: set[str], rows: dict[str, list], emptied: set[str], search: bool
    ) -> None:
        """Keep the new time of each folder this build added to or took from, with what it
        holds now (the manifest's files, its folders, the search index's folders), so the
        next build does not list them again: after a first build, none."""
        manifest = identity(self.manifest)  # written again, or not: kept with its times
        if not changed and manifest == self.found.manifest:
            return
        kept = folders_of(read_json(self.listings), self.found.manifest)
        if kept is None:  # not as the scan left them (it could not write): the next lists all
            return
        holding = {rel.rpartition("/")[0] for rel in rows}
        folders: set[str] = set()
        for rel in changed - emptied:  # and the folders they are in (a new one changes its own)
            while rel not in folders:
                folders.add(rel)
                if not rel:
                    break
                rel = rel.rpartition("/")[0]
        for rel in emptied:
            kept.pop(rel, None)
        index = self.found.index if search else []
        for rel in folders:
            try:
                when = os.lstat(f"{self.root}/{rel}" if rel else self.root).st_mtime_ns
            except OSError:
                kept.pop(rel, None)
                continue
            here = [name for name in index if name.rpartition("/")[0] == rel]
            plain = rel in holding and not here
            kept[rel] = when if plain else [when, [], [], here, rel not in holding]
        write_json(self.listings, {"manifest": manifest, "folders": kept})


def clear_way(root: str, rel: str) -> None:
    """Make room for ``rel``: its folders made, and whatever stands in the way (a file where
    a folder goes, a folder where the file goes: left by hand, or by an older layout) removed.
    """
    parts = rel.split("/")
    for n in range(1, len(parts)):
        folder = os.path.join(root, *parts[:n])
        if os.path.lexists(folder) and not os.path.isdir(folder):
            os.unlink(folder)
    os.makedirs(os.path.join(root, *parts[:-1]), exist_ok=True)
    path = os.path.join(root, *parts)
    if os.path.isdir(path):
        shutil.rmtree(path)


def audit(output: Path, cache: Path) -> list[str]:
    """What makes ``output/`` other than the last build left it: that build not finished,
    or a file changed, missing or added since. [] when it is exactly what the build made."""
    if not Journal(cache / "journal.json").finished():
        return [f"{cache}: no record that the last build finished; build again"]
    manifest = cache / "manifest.json"
    made = read_manifest(manifest)
    found = scan(output, manifest, by_bytes=False, entries=made)
    changed = [rel for rel in found.others if rel in made]
    added = [rel for rel in found.others + found.links if rel not in made]
    problems = [f"{rel}: changed since the build" for rel in changed]
    problems += [f"{rel}: not made by the build" for rel in added]
    missing = found.stale - set(found.others)
    return problems + [f"{rel}: made by the build, now missing" for rel in sorted(missing)]


def confine(rel: str) -> None:
    parts = rel.split("/")
    if rel.startswith("/") or ".." in parts or "" in parts:
        raise CommuniqueError(f"refusing to write outside the output folder: {rel!r}")


# -- the posts cache -----------------------------------------------------------------------


def month_stamp(path: Path) -> list:
    """A month file as it is now, and the code reading it: what its kept records were read
    from and by (another version may keep other fields, such as the links' t.co addresses).
    The digest of its bytes too, so that a month whose time and inode alone changed (a fresh
    checkout of the store, which every scheduled run starts from) is not read again."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino, code_stamp(), file_digest(str(path))]


@dataclass
class MonthCache:
    """The store's month files read without their raw payloads, which the pages never show,
    kept in ``folder`` under each month file's size, time and inode: a build after a
    scheduled archive run reads again only the months that run rewrote. A month whose size
    is the same but whose time or inode is not is hashed, not read: hashing the store is a
    few times quicker than reading it."""

    store_root: Path
    folder: Path
    hashed: dict[tuple, str] = field(default_factory=dict, repr=False)  # by path, size, time

    def path_of(self, month: Path) -> Path:
        return self.folder / month.relative_to(self.store_root).with_suffix(".json")

    def matches(self, month: Path, kept: object) -> bool:
        """Whether ``kept``, the stamp the month's records were kept under, is the month's
        as it is now."""
        st = month.stat()
        now = [st.st_size, st.st_mtime_ns, st.st_ino, code_stamp()]
        if not isinstance(kept, list) or len(kept) != 5 or kept[0] != now[0] or kept[3] != now[3]:
            return False
        if kept[1:3] == now[1:3]:
            return True
        seen = (str(month), *now[:3])
        if seen not in self.hashed:
            self.hashed[seen] = file_digest(str(month))
        return self.hashed[seen] == kept[4]

    def get(self, month: Path) -> list[dict] | None:
        body = read_checked(self.path_of(month))
        if body is None:
            return None
        end = bytes(body[:512]).find(b"\n")  # the stamp's line
        try:
            if not self.matches(month, orjson.loads(body[:end])):
                return None
            return orjson.loads(body[end + 1 :])  # not a copy of 80 MB at 100k
        except (OSError, orjson.JSONDecodeError):
            return None

    def fresh(self, month: Path) -> bool:
        """Cheaply: whether ``get`` would find the month kept (its checksum not yet read)."""
        try:
            with self.path_of(month).open("rb") as f:
                f.readline()
                return self.matches(month, orjson.loads(f.readline()))
        except (OSError, orjson.JSONDecodeError):
            return False

    def put(self, month: Path, records: list[dict], stamp: list) -> None:
        body = orjson.dumps(stamp) + b"\n" + orjson.dumps(records)
        write_checked(self.path_of(month), body)


# -- the store's files, by their bytes ------------------------------------------------------


class Digests:
    """The SHA-256 of files of the store (media, month files), kept by their size, time and
    inode: a key of what a file holds that a fresh checkout of the store does not change. A
    scheduled run starts from one, with every file's time and inode new: hashing them costs a
    fraction of what publishing every medium or remaking every download again would."""

    def __init__(self, path: Path):
        self.path = path
        kept = read_json(path)
        self.kept: dict[str, list] = kept if isinstance(kept, dict) else {}
        self.now: dict[str, list] = {}

    def of(self, path: Path) -> str:
        st = path.stat()
        name = str(path)
        row = self.kept.get(name)
        stat = [st.st_size, st.st_mtime_ns, st.st_ino]
        if not (isinstance(row, list) and len(row) == 4 and row[:3] == stat):
            row = [*stat, file_digest(name)]
        self.now[name] = row
        return row[3]

    def save(self) -> None:
        """Keep the files asked of this time, and only those: a file gone is forgotten."""
        if self.now != self.kept:
            write_json(self.path, self.now)


# -- feed titles ---------------------------------------------------------------------------


class FeedTitles:
    """Feed item titles by post key, kept between builds: a title that does not fit as it is
    is cut by twitter-text's count, whose import alone is a tenth of a second, and a build
    after a few new posts makes its feeds again mostly of posts titled before."""

    def __init__(self, path: Path):
        self.path = path
        kept = read_json(path)
        self.before: dict[str, str] = kept if isinstance(kept, dict) else {}
        self.made: dict[str, str] = {}

    def get(self, key: str, make) -> str:
        if key not in self.made:
            self.made[key] = self.before.get(key) or make()
        return self.made[key]

    def save(self, live: Iterable[str]) -> None:
        """Keep the titles made now and those before of posts whose key is still ``live``
        (unchanged, their feeds were not made again)."""
        if not self.made:
            return  # no feed was made again: what is kept is still right
        live = set(live)  # only now: a build that makes no feed spends nothing on it
        write_json(self.path, {k: t for k, t in self.before.items() if k in live} | self.made)


# -- compiled templates --------------------------------------------------------------------


class CheckedBytecodeCache(FileSystemBytecodeCache):
    """Jinja's compiled templates, each file checked as every cache file is: Jinja itself
    only checks the template's source, not that the compiled code is whole."""

    def load_bytecode(self, bucket: Bucket) -> None:
        body = read_checked(Path(self._get_cache_filename(bucket)))
        if body is not None:
            bucket.bytecode_from_string(bytes(body))

    def dump_bytecode(self, bucket: Bucket) -> None:
        write_checked(Path(self._get_cache_filename(bucket)), bucket.bytecode_to_string())


def template_cache(folder: Path) -> BytecodeCache | None:
    """Compiled templates kept in ``folder``, named for the code that compiles them."""
    import jinja2

    where = folder / digest(code_stamp(), jinja2.__version__)
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError:  # no folder: templates are compiled every build
        return None
    return CheckedBytecodeCache(str(where))
