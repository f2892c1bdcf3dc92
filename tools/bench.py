"""`invoke bench`: import, build, search and incremental builds of synthetic archives, measured.

Each phase runs in its own process so its peak memory is its own (``os.wait4`` reports the
child's maximum resident set). The baseline is plain Pelican building the same posts as one
Markdown article each, in the same run, on the same machine.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))  # the package, as each phase's process imports it

from communique.site.layout import OWN, SEARCH_INDEX, own  # noqa: E402


@dataclass
class Phase:
    size: int
    phase: str
    seconds: float
    posts: int
    peak_mb: float
    output_mb: float = 0.0
    files_written: int | None = None

    @property
    def per_second(self) -> float:
        return self.posts / self.seconds if self.seconds else 0.0


def run_phase(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, peak memory in MB, and stdout of one phase run as a child process.

    The disk is flushed first, so that a phase is not timed writing back the files of the
    one before it (a full build leaves hundreds of megabytes for the kernel to write).
    """
    os.sync()
    start = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    out = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"phase {' '.join(command[-3:])} failed:\n{out[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, out


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1024**2


# The kinds of file a site is made of, by where they are in ``output/`` (layout.py): what
# GitHub Pages' 1 GB goes on.
KINDS = ("post pages", "month pages", "account pages", "tag pages", "thread pages",
         "audience pages", "moved pages", "other pages", "feeds", "search index",
         "data downloads", "media", "theme")  # fmt: skip


def kind_of(rel: str, accounts: set[str]) -> str:
    """The kind of the file at ``rel`` in a site whose accounts are ``accounts``."""
    parts = rel.split("/")
    if rel.startswith(f"{SEARCH_INDEX}"):
        return "search index"
    if parts[-1] in ("atom.xml", "rss.xml"):
        return "feeds"
    if rel.startswith(own("data/")) and parts[-1] != "index.html":
        return "data downloads"
    if rel.startswith(own("theme/")):
        return "theme"
    if parts[0] in accounts:
        if parts[1:2] == ["media"]:
            return "media"
        if parts[1:2] == ["status"]:
            return "post pages"
        if len(parts) > 3 and parts[1].isdigit() and parts[2].isdigit():
            return "month pages"
        return "account pages"
    if parts[0] != OWN and len(parts) > 1:  # a site page's old address, before /-/
        return "moved pages"
    kinds = {"tags": "tag pages", "threads": "thread pages", "audiences": "audience pages"}
    return kinds.get(parts[1] if len(parts) > 2 else "", "other pages")


@dataclass
class Kind:
    size: int
    kind: str
    files: int = 0
    bytes: int = 0


def kinds(size: int, output: Path, accounts: set[str]) -> list[Kind]:
    """Files and bytes of each kind of file in ``output``, and their total (``"all"``)."""
    found = {kind: Kind(size, kind) for kind in (*KINDS, "all")}
    for path in output.rglob("*"):
        if path.is_file():
            rel = path.relative_to(output).as_posix()
            for kind in (kind_of(rel, accounts), "all"):
                found[kind].files += 1
                found[kind].bytes += path.stat().st_size
    return list(found.values())


def project(folder: Path) -> Path:
    """A site project using this repository's theme and plugin, with an empty store."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "content" / "pages").mkdir(parents=True)
    (folder / "content" / "trips").mkdir(parents=True)
    conf = (ROOT / "pelican.conf.py").read_text() + (
        f"\nTHEME = {str(ROOT / 'theme')!r}\nPLUGIN_PATHS = {[str(ROOT / 'plugins')]!r}\n"
        "SITEURL = 'https://bench.example.org'\nACCOUNTS = ['bench']\n"
    )
    (folder / "pelican.conf.py").write_text(conf)
    return folder


def baseline_project(folder: Path, store_root: Path, limit: int = 0) -> int:
    """Plain Pelican: the same posts as one Markdown article each, default theme, no plugin.

    ``limit`` caps the posts for a quick run. Uncapped is the fair figure: Pelican slows as the
    site grows (about 950 posts/s at 10,000, 330 at 100,000 on the reference machine).
    """
    from communique.store import Store

    if folder.exists():
        shutil.rmtree(folder)
    articles = folder / "content"
    articles.mkdir(parents=True)
    count = 0
    for post in Store(store_root).posts():
        if limit and count >= limit:
            break
        tags = ", ".join(e["tag"] for e in post["entities"]["hashtags"])
        text = post["text"].replace("\n", "\n\n")
        (articles / f"{post['id']}.md").write_text(
            f"Title: Post {post['id']}\nDate: {post['created_at'][:16].replace('T', ' ')}\n"
            f"Slug: {post['id']}\nTags: {tags}\nCategory: {post['account']}\n\n{text}\n"
        )
        count += 1
    (folder / "pelicanconf.py").write_text(
        "PATH = 'content'\nSITENAME = 'baseline'\nSITEURL = ''\nTIMEZONE = 'UTC'\n"
        "DEFAULT_PAGINATION = 50\nFEED_ALL_ATOM = 'feeds/all.atom.xml'\n"
    )
    return count


def new_posts(store_root: Path, count: int) -> None:
    """Add ``count`` posts newer than any in the store, as a scheduled archive run would."""
    from communique.ingest.normalize import from_v11
    from communique.records import provenance
    from communique.store import Store

    store = Store(store_root)
    (account,) = store.accounts()[:1]
    newest = int(store.latest_id(account))
    records = []
    stamps = provenance("export:data/tweets.js", None, "2026-01-01T00:00:00Z")
    for i in range(1, count + 1):
        tweet = {
            "id_str": str(newest + i * 1000),
            "created_at": "Wed Dec 31 12:00:00 +0000 2025",
            "full_text": f"New post {i} for the incremental build #Bench",
            "entities": {"hashtags": [{"text": "Bench", "indices": [str(36 + len(str(i))),
                                                                    str(42 + len(str(i)))]}]},
        }  # fmt: skip
        records.append(from_v11(tweet, account=account, provenance=stamps))
    store.merge(records)


def written(out: str) -> int | None:
    import re

    match = re.search(r"\(([\d,]+) written", out)
    return int(match[1].replace(",", "")) if match else None


def bench_size(size: int, work: Path, baseline_max: int) -> tuple[list[Phase], list[Kind]]:
    """The phases at ``size`` posts, and what the site is made of once indexed."""
    from tools.synth import write_export

    python = sys.executable
    site = project(work / f"site-{size}")
    export = work / f"export-{size}"
    if export.exists():
        shutil.rmtree(export)
    made = write_export(export, posts=size, seed=size, username="bench")
    for n, trip in enumerate(made.trips):  # a dozen trips, as staff would have written them
        (site / "content" / "trips" / f"trip-{n + 1}.md").write_text(trip.markdown("bench"))
    phases = []
    seconds, peak, _ = run_phase(
        [python, "-c", "import sys; sys.path.insert(0, sys.argv[1]);"
         "from communique.ingest.export import import_archive; from communique.store import Store;"
         "print(import_archive(sys.argv[2], Store(sys.argv[3])).line())",
         str(ROOT / "plugins"), str(export), str(site / "content" / "archive")],
        site,
    )  # fmt: skip
    phases.append(Phase(size, "import", seconds, size, peak))
    pelican = [python, "-m", "pelican", "-s", "pelican.conf.py", "--fatal", "errors"]
    seconds, peak, out = run_phase(pelican, site)
    phases.append(
        Phase(size, "build", seconds, size, peak, folder_mb(site / "output"), written(out))
    )
    index = (f"import pathlib, sys; sys.path.insert(0, {str(ROOT / 'plugins')!r});"
             "from communique.site.search import index_site;"
             "print(index_site(pathlib.Path('output'), pathlib.Path('cache')))")  # fmt: skip
    seconds, peak, _ = run_phase([python, "-c", index], site)  # as `invoke build` does
    phases.append(
        Phase(
            size,
            "search",
            seconds,
            size,
            peak,
            sum(folder_mb(f) for f in (site / "output").glob(f"{SEARCH_INDEX}*")),
        )  # fmt: skip
    )
    seconds, peak, _ = run_phase(  # `invoke package` of the built and indexed site
        [python, "-c", "import sys; sys.path.insert(0, sys.argv[1]);"
         "from communique.outbound.package import package; from communique.settings import load;"
         "from communique.store import Store; s = load('pelican.conf.py');"
         "print(package(s, Store(s.archive_path)).line())", str(ROOT / "plugins")],
        site,
    )  # fmt: skip
    phases.append(Phase(size, "package", seconds, size, peak, folder_mb(site / "package")))
    made_of = kinds(size, site / "output", {"bench"})
    new_posts(site / "content" / "archive", 20)
    seconds, peak, out = run_phase(pelican, site)
    phases.append(Phase(size, "incremental", seconds, 20, peak, files_written=written(out)))
    new_posts(site / "content" / "archive", 20)
    # The same again, then the index brought up to date, as `invoke build` does.
    seconds, peak, out = run_phase(
        [python, "-c", f"import subprocess, sys; subprocess.run(sys.argv[1:], check=True); {index}",
         *pelican],
        site,
    )  # fmt: skip
    phases.append(Phase(size, "incr+search", seconds, 20, peak, files_written=written(out)))
    plain = work / f"baseline-{size}"
    count = baseline_project(plain, site / "content" / "archive", baseline_max)
    seconds, peak, _ = run_phase([python, "-m", "pelican", "-s", "pelicanconf.py"], plain)
    phases.append(Phase(size, "baseline", seconds, count, peak, folder_mb(plain / "output")))
    return phases, made_of


def report(phases: list[Phase]) -> str:
    lines = [
        f"{'size':>7} {'phase':<12} {'seconds':>8} {'posts/s':>9} {'peak MB':>8} "
        f"{'output MB':>9} {'MB/1k':>6} {'written':>8} {'x baseline':>10}"
    ]
    for p in phases:
        base = next((b for b in phases if b.size == p.size and b.phase == "baseline"), None)
        ratio = (
            f"{p.per_second / base.per_second:>9.1f}x"
            if base and p.phase == "build" and base.per_second
            else f"{'':>10}"
        )
        per_k = f"{p.output_mb / p.posts * 1000:>6.1f}" if p.output_mb else f"{'':>6}"
        files = "" if p.files_written is None else p.files_written
        lines.append(
            f"{p.size:>7,} {p.phase:<12} {p.seconds:>8.2f} {p.per_second:>9,.0f} {p.peak_mb:>8.0f} "
            f"{p.output_mb:>9.1f} {per_k} {files:>8} "
            f"{ratio}"
        )
    return "\n".join(lines)


def report_kinds(made_of: list[Kind]) -> str:
    """Files and bytes of each kind, a post: GitHub Pages holds 1 GB."""
    lines = [
        f"{'size':>7} {'kind':<15} {'files':>8} {'MB':>8} {'files/post':>10} {'bytes/post':>10}"
    ]
    for k in made_of:
        lines.append(
            f"{k.size:>7,} {k.kind:<15} {k.files:>8,} {k.bytes / 1024**2:>8.1f} "
            f"{k.files / k.size:>10.2f} {k.bytes / k.size:>10,.0f}"
        )
    return "\n".join(lines)


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def run(
    sizes: list[int], work: Path, baseline_max: int = 0
) -> tuple[list[Phase], list[Kind], Path]:
    """Benchmark every size; write the figures as JSON beside the work folder's results."""
    work.mkdir(parents=True, exist_ok=True)
    phases, made_of = [], []
    for size in sizes:
        measured, found = bench_size(size, work, baseline_max)
        phases += measured
        made_of += found
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = work / f"bench-{stamp}.json"
    result.write_text(
        json.dumps(
            {
                "machine": machine(),
                "when": stamp,
                "phases": [asdict(p) | {"per_second": round(p.per_second, 1)} for p in phases],
                "kinds": [asdict(k) for k in made_of],
            },
            indent=2,
        )  # fmt: skip
    )
    return phases, made_of, result
