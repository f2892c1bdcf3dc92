"""Every cache file is checked before it is believed: one lost, torn or altered is missing."""

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
    written.sweep(also=())
    assert audit(output, cache) == [f"{cache}: no record that the last build finished; build again"]
    journal.finish()
    assert audit(output, cache) == []
    (output / "a" / "index.html").write_text("<p>edited</p>")
    (output / "b" / "index.html").unlink()
    (output / "c.html").write_text("added")
    (output / "pagefind").mkdir()
    (output / "pagefind" / "x.pf_fragment").write_bytes(b"made by the indexer, after")
    assert sorted(audit(output, cache)) == [
        "a/index.html: changed since the build",
        "b/index.html: made by the build, now missing",
        "c.html: not made by the build",
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
