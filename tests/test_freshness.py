"""Every cache file is checked before it is believed: one lost, torn or altered is missing."""

import shutil

import pytest

from communique.site.freshness import (
    Journal,
    MonthCache,
    read_checked,
    read_json,
    write_checked,
    write_json,
)
from communique.store import Store
from conftest import tweet, write_export


def altered(data: bytes) -> list[bytes]:
    """Ways a kept file goes bad: emptied, cut short, one byte changed, a byte added."""
    middle = len(data) // 2
    flipped = data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :]
    return [b"", data[: len(data) - 3], flipped, data + b" ", b"{" + data]


def test_a_manifest_entry_reads_back_from_its_row():
    from communique.site.freshness import Entry

    entry = Entry("digest", "key", 10, 123, width=4, height=3)
    assert Entry(*entry.row()) == entry


def test_a_kept_value_reads_back_as_written(tmp_path):
    write_json(tmp_path / "kept.json", {"a": [1, 2], "b": "é"})
    assert read_json(tmp_path / "kept.json") == {"a": [1, 2], "b": "é"}


@pytest.mark.parametrize("case", range(5))
def test_a_kept_file_altered_in_any_way_reads_as_missing(tmp_path, case):
    path = tmp_path / "kept.bin"
    write_checked(path, b'{"titles": {"key-1": "A post"}}')
    path.write_bytes(altered(path.read_bytes())[case])
    assert read_checked(path) is None
    assert read_json(path) is None


def test_a_missing_file_or_plain_json_reads_as_missing(tmp_path):
    assert read_json(tmp_path / "none.json") is None
    (tmp_path / "plain.json").write_text('{"a": 1}')  # not written by a build
    assert read_json(tmp_path / "plain.json") is None


def test_the_journal_tells_whether_the_last_build_finished(tmp_path):
    journal = Journal(tmp_path / "cache" / "journal.json")
    assert journal.begin() is False  # no record: nothing is known of the last build
    assert journal.begin() is False  # started, never finished (killed, or failed)
    journal.finish()
    assert journal.begin() is True
    journal.path.write_bytes(journal.path.read_bytes()[:-2])
    assert journal.begin() is False


def test_a_month_is_read_again_when_its_kept_records_are_altered(tmp_path):
    export = write_export(tmp_path / "export", [tweet("1", "kept"), tweet("2", "also")])
    from communique.ingest.export import import_archive

    store = Store(tmp_path / "archive")
    import_archive(export, store)
    (month,) = store.month_files("envoy")
    cache = MonthCache(store.root, tmp_path / "cache")
    cache.put(month, [{"id": "1", "text": "kept"}], [0, 0, 0])
    assert cache.get(month) is None  # kept from another version of the month file
    from communique.site.freshness import month_stamp

    records = [{"id": "1", "text": "kept"}]
    cache.put(month, records, month_stamp(month))
    assert cache.fresh(month) and cache.get(month) == records
    kept = cache.path_of(month)
    kept.write_bytes(kept.read_bytes().replace(b"kept", b"evil"))
    assert cache.get(month) is None


def test_the_record_tells_when_output_is_not_what_the_build_made(tmp_path):
    from communique.site.freshness import Output, Scan, audit

    output, cache = tmp_path / "output", tmp_path / "cache"
    journal = Journal(cache / "journal.json")
    journal.begin()
    written = Output(output, cache / "manifest.json", Scan(set(), [], []))
    written.write("a/index.html", "<p>a</p>", key="k")
    written.write("b/index.html", "<p>b</p>", key="k")
    written.sweep(also=(), search=False)
    assert audit(output, cache) == [f"{cache}: no record that the last build finished; build again"]
    journal.finish()
    assert audit(output, cache) == []
    (output / "a" / "index.html").write_text("<p>edited</p>")
    (output / "b" / "index.html").unlink()
    (output / "c.html").write_text("added")
    (output / "-" / "pagefind").mkdir(parents=True)
    (output / "-" / "pagefind" / "x.pf_fragment").write_bytes(b"made by the indexer, after")
    # An account may be named pagefind: its folder is not the search index's.
    (output / "pagefind").mkdir()
    (output / "pagefind" / "x.pf_fragment").write_bytes(b"not the indexer's")
    assert sorted(audit(output, cache)) == [
        "a/index.html: changed since the build",
        "b/index.html: made by the build, now missing",
        "c.html: not made by the build",
        "pagefind/x.pf_fragment: not made by the build",
    ]


def test_a_file_added_to_a_folder_listed_before_is_found(tmp_path):
    from communique.site.freshness import scan

    output, listings = tmp_path / "output", tmp_path / "listings.json"
    (output / "a").mkdir(parents=True)
    (output / "a" / "index.html").write_text("page")
    assert scan(output, tmp_path / "none.json", False, listings).others == ["a/index.html"]
    assert scan(output, tmp_path / "none.json", False, listings).others == ["a/index.html"]
    (output / "a" / "added.html").write_text("by hand")  # the folder's time changes with it
    found = scan(output, tmp_path / "none.json", False, listings)
    assert sorted(found.others) == ["a/added.html", "a/index.html"]


def built(output, cache, files: dict[str, str]):
    """``output/`` as a finished build left it, and the scan a next build starts with."""
    from communique.site.freshness import Output, scan

    listings = cache / "listings.json"
    first = scan(output, cache / "manifest.json", False, listings)
    written = Output(output, cache / "manifest.json", first, listings)
    for rel, text in files.items():
        written.write(rel, text, key="k")
    written.sweep(also=(), search=False)
    return lambda: scan(output, cache / "manifest.json", False, listings)


def test_a_fresh_pages_row_is_carried_over_and_a_written_ones_made_anew(tmp_path):
    from communique.site.freshness import Output, read_manifest

    output, cache = tmp_path / "output", tmp_path / "cache"
    again = built(output, cache, {"a/index.html": "a", "b/index.html": "b"})
    manifest = cache / "manifest.json"
    before = read_manifest(manifest)
    made = Output(output, manifest, again())
    assert made.fresh("a/index.html", "k") and not made.fresh("b/index.html", "k2")
    made.write("b/index.html", "new", key="k2")
    made.sweep(also=(), search=False)
    after = read_manifest(manifest)
    assert after == made.rows() and after.keys() == before.keys()
    assert after["a/index.html"] == before["a/index.html"]  # as the last build wrote it
    assert after["b/index.html"][1] == "k2" and after["b/index.html"][2] == len("new")
    assert Output(output, manifest, again()).fresh("b/index.html", "k2")  # on disk as written


def test_the_rows_asked_again_hold_what_was_carried_and_written_since(tmp_path):
    """A build asks for the rows for the post pages' sums, then writes and keeps more files
    (the data page, the sums themselves) before its manifest is written from them."""
    from communique.site.freshness import Output

    output, cache = tmp_path / "output", tmp_path / "cache"
    again = built(output, cache, {f"{n}/index.html": n for n in "abcd"})
    made = Output(output, cache / "manifest.json", again())
    assert made.fresh("a/index.html", "k")
    made.write("b/index.html", "new", key="k2")
    assert made.rows().keys() == {"a/index.html", "b/index.html"}
    assert made.fresh("c/index.html", "k")
    made.write("e/index.html", "e", key="k")
    assert made.rows().keys() == {"a/index.html", "b/index.html", "c/index.html", "e/index.html"}
    assert made.rows()["c/index.html"] == made.previous["c/index.html"]


@pytest.mark.parametrize("how", ["deleted", "an earlier build's"])
def test_a_file_the_manifest_no_longer_knows_goes_when_the_build_does_not_make_it(tmp_path, how):
    """The folder times kept are those of a listing against the manifest of their day: with
    the manifest lost or put back from an earlier build, a file only the lost one knew is in
    a folder whose time has not changed, and must still be found."""
    output, cache = tmp_path / "output", tmp_path / "cache"
    built(output, cache, {"a/index.html": "a"})
    earlier = (cache / "manifest.json").read_bytes()
    built(output, cache, {"a/index.html": "a", "b/index.html": "b"})
    if how == "deleted":
        (cache / "manifest.json").unlink()
    else:
        (cache / "manifest.json").write_bytes(earlier)
    built(output, cache, {"a/index.html": "a"})
    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("*")) == [
        "a",
        "a/index.html",
    ]


def test_a_folder_listed_before_is_listed_again_only_when_its_time_changed(tmp_path, monkeypatch):
    from communique.site import freshness

    output = tmp_path / "output"
    again = built(output, tmp_path / "cache", {"a/index.html": "a", "b/c/index.html": "c"})
    kept = (tmp_path / "cache" / "listings.json").read_bytes()
    listed = []
    monkeypatch.setattr(freshness, "listing", lambda path: listed.append(path) or [[], [], []])
    assert again().stale == set()
    assert listed == []  # the build kept the time of every folder it made
    assert (tmp_path / "cache" / "listings.json").read_bytes() == kept
    monkeypatch.undo()
    (output / "b" / "stray.html").write_text("by hand")
    (output / "b" / "new").mkdir()
    (output / "b" / "new" / "deeper.html").write_text("by hand")
    found = again()
    assert sorted(found.others) == ["b/new/deeper.html", "b/stray.html"]
    assert sorted(again().others) == ["b/new/deeper.html", "b/stray.html"]  # from the listing


def test_after_the_cache_is_lost_the_folders_are_listed_once_and_then_never(tmp_path, monkeypatch):
    """The first scan finds every file unknown; once the build has made them again, the
    folders' listings hold only their times, and no later scan goes through their names."""
    from communique.site import freshness

    files = {"a/index.html": "a", "b/c/index.html": "c"}
    output, cache = tmp_path / "output", tmp_path / "cache"
    built(output, cache, files)
    shutil.rmtree(cache)
    again = built(output, cache, files)
    kept = freshness.read_json(cache / "listings.json")
    folders = kept["folders"]
    assert [rel for rel, when in folders.items() if isinstance(when, list) and when[1]] == []
    # as an earlier build left them: every folder holding names the manifest now has
    freshness.write_json(cache / "listings.json", {**kept, "folders": {
        rel: [when, ["index.html"], [], [], False] if isinstance(when, int) else when
        for rel, when in folders.items()
    }})  # fmt: skip
    again()
    assert freshness.read_json(cache / "listings.json") == kept  # their times alone again
    listed = []
    monkeypatch.setattr(freshness, "listing", lambda path: listed.append(path) or [[], [], []])
    assert again().others == [] and listed == []


def test_what_is_reached_through_a_link_is_not_taken_for_output(tmp_path):
    output, elsewhere = tmp_path / "output", tmp_path / "elsewhere"
    again = built(output, tmp_path / "cache", {"a/index.html": "a", "b/index.html": "b"})
    again()
    elsewhere.mkdir()
    (output / "b" / "index.html").rename(elsewhere / "index.html")  # same size and time
    (output / "b").rmdir()
    (output / "b").symlink_to(elsewhere)
    found = again()
    assert found.stale == {"b/index.html"} and found.others == [] and found.links == ["b"]


@pytest.mark.parametrize("search", [True, False])
def test_the_search_index_is_the_indexers_to_replace(tmp_path, search):
    from communique.site.freshness import Output

    output, cache = tmp_path / "output", tmp_path / "cache"
    again = built(output, cache, {"index.html": "home"})
    (output / "-" / "pagefind-0").mkdir(parents=True)
    (output / "-" / "pagefind-0" / "x.pf_fragment").write_bytes(b"made by the indexer, after")
    (output / "pagefind").mkdir()  # an account may be named pagefind: not the index
    (output / "pagefind" / "index.html").write_bytes(b"not made by this build")
    found = again()
    assert found.index == ["-/pagefind-0"] and found.others == ["pagefind/index.html"]
    written = Output(output, cache / "manifest.json", found)
    written.write("index.html", "home", key="k")
    written.sweep(also=(), search=search)
    assert (output / "-" / "pagefind-0").exists() == search  # --no-search leaves no index behind
    assert not (output / "pagefind").exists()


def test_a_build_whose_plan_no_longer_makes_a_folder_leaves_it_not_even_empty(tmp_path):
    """As after `invoke init` on a built clone: the demo's hundreds of folders went with it."""
    from communique.site.freshness import Output

    output, cache = tmp_path / "output", tmp_path / "cache"
    demo = {f"envoy/status/{n}/index.html": str(n) for n in range(3)}
    again = built(output, cache, demo | {"envoy/2011/05/page/2/index.html": "p", "-/a.css": ""})
    (output / "-" / "pagefind").mkdir()
    (output / "-" / "pagefind" / "x.pf_fragment").write_bytes(b"made by the indexer, after")
    written = Output(output, cache / "manifest.json", again(), cache / "listings.json")
    written.sweep(also=(), search=True)
    folders = sorted(p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_dir())
    assert folders == ["-", "-/pagefind"]  # the index is not the build's: kept, and its folder
    built(output, cache, {})  # and without search, the index goes too: output/ itself stays
    assert output.is_dir() and not any(output.iterdir())


def test_a_month_kept_by_another_version_of_the_code_is_read_again(tmp_path, monkeypatch):
    """Another version may keep other fields of a record: a page made from them would not be
    what a build from an empty cache makes."""
    from communique.ingest.export import import_archive
    from communique.site import freshness

    store = Store(tmp_path / "archive")
    import_archive(write_export(tmp_path / "export", [tweet("1", "kept")]), store)
    (month,) = store.month_files("envoy")
    cache = MonthCache(store.root, tmp_path / "cache")
    with monkeypatch.context() as patched:
        patched.setattr(freshness, "code_stamp", lambda: "another version")
        cache.put(month, [{"id": "1", "text": "kept"}], freshness.month_stamp(month))
    assert not cache.fresh(month) and cache.get(month) is None
