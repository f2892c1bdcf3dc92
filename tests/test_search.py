"""The search index is split in shards so that no Pagefind process holds a huge archive."""

import pytest

from communique.site.search import SHARD_PAGES, bundle, index_site, shards
from conftest import build_project, make_project


@pytest.mark.parametrize(
    "pages, count",
    [(0, 1), (SHARD_PAGES, 1), (SHARD_PAGES + 1, 10), (10 * SHARD_PAGES, 10),
     (10 * SHARD_PAGES + 1, 100)],
)  # fmt: skip
def test_each_shard_holds_at_most_shard_pages_of_evenly_spread_ids(pages, count):
    endings = shards(pages)
    assert len(endings) == count and len(set(endings)) == count
    assert pages / count <= SHARD_PAGES
    assert len({len(e) for e in endings}) == 1  # every id ends in exactly one of them


def test_one_index_keeps_pagefinds_own_folder_under_the_sites_own():
    assert [bundle(e) for e in shards(10)] == ["-/pagefind"]
    assert bundle("7") == "-/pagefind-7"


def test_a_site_with_no_posts_yet_is_indexed_as_empty_and_loses_its_old_index(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>")
    (tmp_path / "-" / "pagefind").mkdir(parents=True)
    (tmp_path / "-" / "pagefind" / "pagefind.js").write_text("old")
    assert index_site(tmp_path) == "no posts to index"
    assert not (tmp_path / "-" / "pagefind").exists()


def test_a_site_with_no_posts_yet_has_a_search_page_saying_so_and_no_index_to_load(tmp_path):
    site = build_project(make_project(tmp_path))
    assert index_site(site) == "no posts to index"
    page = (site / "-" / "search" / "index.html").read_text()
    assert "Nothing to search yet: no posts are imported." in page
    assert "search.js" not in page and "pagefind" not in page
    assert not (site / "-" / "pagefind").exists()
