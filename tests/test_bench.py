"""The bench's account of what a site is made of: every file of a kind, counted once."""

import pytest

from tools.bench import KINDS, kind_of, kinds


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
