"""The search index: a Pagefind bundle for each account's year and for its newest month, made
again only when its pages changed, and exactly what the post pages say."""

import gzip
import re
import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.errors import CommuniqueError
from communique.ingest.export import import_archive
from communique.site.parallel import PARALLEL_MIN
from communique.site.search import (
    bundle,
    index_site,
    read_records,
    record,
    shard_names,
    shards,
)
from communique.store import Store
from conftest import build_project, full, make_project, tweet, write_export

OLD = [
    tweet("100", "Geothermal talks in Reykjavik"),
    tweet("101", "Dinner with the fishing council", "Tue Nov 04 19:00:00 +0000 2008"),
]
NEW = [tweet("200", "Harbour visit in Split #Adriatic", "Mon Mar 02 10:00:00 +0000 2009",
             entities={"hashtags": [{"text": "Adriatic", "indices": ["24", "33"]}],
                       "user_mentions": [], "urls": []})]  # fmt: skip


def load(project, name: str, tweets: list[dict]) -> None:
    """Import ``tweets`` into the project's store, as `invoke import-archive` does."""
    import_archive(write_export(project / name, tweets), Store(project / "content" / "archive"))


def test_a_posts_shard_is_its_accounts_year_or_newest_month_under_the_sites_own_folder():
    posts = [("envoy", "2009-03-02T10:00:00Z"), ("envoy", "2009-01-05T10:00:00Z"),
             ("envoy", "2008-03-30T10:00:00Z"), ("consul", "2008-03-01T10:00:00Z")]  # fmt: skip
    assert shards(posts) == ["envoy-2009-03", "envoy-2009", "envoy-2008", "consul-2008-03"]
    assert bundle("envoy-2009-03") == "-/pagefind/envoy-2009-03"


@given(st.lists(st.tuples(st.sampled_from(["envoy", "consul"]),
                          st.dates().map(lambda d: f"{d.isoformat()}T10:00:00Z"))))  # fmt: skip
def test_the_search_pages_shards_from_months_are_those_of_the_posts(posts):
    assert shard_names((account, when[:7]) for account, when in posts) == set(shards(posts))


@pytest.fixture
def project(tmp_path):
    conf = make_project(tmp_path)
    load(tmp_path, "old", OLD + NEW)
    return conf


def indexed(conf):
    output = build_project(conf)
    return output, index_site(output, conf.parent / "cache")


def texts(folder) -> str:
    """Every fragment of a bundle, unpacked: the text a reader's search can find."""
    fragments = sorted(folder.rglob("*.pf_fragment"))
    return " ".join(gzip.decompress(p.read_bytes()).decode() for p in fragments)


def files(folder) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}  # fmt: skip


def test_each_year_of_an_account_and_its_newest_month_are_bundles_the_search_page_loads(
    project,
):
    output, summary = indexed(project)
    assert summary == "Indexed 3 pages in 2 of 2 shards (0 unchanged)"
    index = output / "-" / "pagefind"
    assert sorted(p.name for p in index.iterdir()) == ["envoy-2008", "envoy-2009-03"]
    page = (output / "-" / "search" / "index.html").read_text()
    assert re.search(r'data-bundles="([^"]*)"', page)[1] == (
        "/-/pagefind/envoy-2008/ /-/pagefind/envoy-2009-03/"
    )
    assert "Geothermal" in texts(index / "envoy-2008") and "Geothermal" not in texts(
        index / "envoy-2009-03"
    )
    # Only what search.js loads: Pagefind's own UIs, its worker, other languages' WebAssembly
    # are half a megabyte a shard for nothing.
    names = {re.sub(r"_[0-9a-f]+\.", ".", p.name) for p in (index / "envoy-2009-03").iterdir()}
    assert names == {"fragment", "filter", "index", "pagefind-entry.json", "pagefind.en.pf_meta",
                     "pagefind.js", "wasm.en.pagefind"}  # fmt: skip


def test_redacting_a_post_reindexes_its_shard_alone_and_its_text_leaves_it(project):
    output, _ = indexed(project)
    index = output / "-" / "pagefind"
    other, mine = files(index / "envoy-2009-03"), files(index / "envoy-2008")
    (project.parent / "content" / "redactions.md").write_text(
        "Title: Withheld posts\n\n- 100: personal-data, 2009-01-15\n"
    )
    output, summary = indexed(project)
    assert summary == "Indexed 1 pages in 1 of 2 shards (1 unchanged)"
    assert "Geothermal" not in texts(index / "envoy-2008")
    assert "fishing council" in texts(index / "envoy-2008")
    assert files(index / "envoy-2009-03") == other  # not written again
    now = files(index / "envoy-2008")
    fragments = [rel for rel in mine if rel.startswith("fragment/")]
    assert len(fragments) == 2 and [now.get(rel) for rel in fragments].count(None) == 1
    assert all(now[rel] == mine[rel] for rel in fragments if rel in now)  # the other's is kept


def test_a_shard_whose_pages_are_gone_goes_and_the_search_page_no_longer_loads_it(project):
    output, _ = indexed(project)
    (project.parent / "content" / "redactions.md").write_text(
        "Title: Withheld posts\n\n- 200: personal-data, 2009-01-15\n"
    )
    output, summary = indexed(project)
    assert summary == "Indexed 2 pages in 1 of 1 shards (0 unchanged)"  # now the newest month
    assert [p.name for p in (output / "-" / "pagefind").iterdir()] == ["envoy-2008-11"]
    assert "envoy-2009-03" not in (output / "-" / "search" / "index.html").read_text()


def test_new_posts_reindex_their_month_only(project, tmp_path):
    load(tmp_path, "jan", [tweet("150", "Talks in Zagreb", "Mon Jan 05 10:00:00 +0000 2009")])
    output, _ = indexed(project)
    index = output / "-" / "pagefind"
    before = {name: files(index / name) for name in ("envoy-2008", "envoy-2009")}
    load(tmp_path, "new", [tweet("201", "Ferry to Hvar", "Fri Mar 06 10:00:00 +0000 2009")])
    output, summary = indexed(project)
    assert summary == "Indexed 2 pages in 1 of 3 shards (2 unchanged)"
    assert "Hvar" in texts(index / "envoy-2009-03") and "Zagreb" not in texts(
        index / "envoy-2009-03"
    )
    assert {name: files(index / name) for name in before} == before


@pytest.mark.parametrize(
    ("when", "newest"),
    [("Thu Apr 02 10:00:00 +0000 2009", "envoy-2009-04"),
     ("Fri Jan 01 10:00:00 +0000 2010", "envoy-2010-01")],
)  # fmt: skip
def test_a_post_of_a_later_month_folds_the_newest_month_into_its_year(
    project, tmp_path, when, newest
):
    load(tmp_path, "jan", [tweet("150", "Talks in Zagreb", "Mon Jan 05 10:00:00 +0000 2009")])
    indexed(project)
    load(tmp_path, "new", [tweet("300", "Back in Reykjavik", when)])
    output, summary = indexed(project)
    assert summary == "Indexed 3 pages in 2 of 3 shards (1 unchanged)"
    index = output / "-" / "pagefind"
    assert sorted(p.name for p in index.iterdir()) == ["envoy-2008", "envoy-2009", newest]
    assert "Zagreb" in texts(index / "envoy-2009") and "Adriatic" in texts(index / "envoy-2009")
    assert "Reykjavik" in texts(index / newest)
    page = (output / "-" / "search" / "index.html").read_text()
    assert re.search(r'data-bundles="([^"]*)"', page)[1].split() == [
        f"/-/pagefind/{name}/" for name in ("envoy-2008", "envoy-2009", newest)
    ]


@pytest.mark.parametrize("damage", ["edit", "delete", "add"])
def test_a_bundle_not_as_written_is_made_again(project, damage):
    output, _ = indexed(project)
    shard_folder = output / "-" / "pagefind" / "envoy-2008"
    fragment = next(shard_folder.glob("fragment/*"))
    clean = texts(shard_folder)
    if damage == "edit":
        fragment.write_bytes(gzip.compress(b'pagefind_dcd{"url": "/stale/"}'))
    elif damage == "delete":
        fragment.unlink()
    else:
        (shard_folder / "fragment" / "en_0000000.pf_fragment").write_bytes(b"left by hand")
    output, summary = indexed(project)
    assert summary == "Indexed 2 pages in 1 of 2 shards (1 unchanged)"
    assert texts(shard_folder) == clean


@pytest.mark.parametrize("shard", ["new", "made again"])
def test_a_full_disk_under_the_index_names_the_file_and_the_next_index_is_a_clean_one(
    tmp_path, small_disk, shard
):
    """Pagefind writes what it cannot as empty files and says nothing: the index is written
    here, so a full disk is one error naming the file, not an index that finds nothing."""
    subprocess.run(["mount", "-o", "remount,size=4m", str(small_disk)], check=True)
    output, cache = small_disk / "output", tmp_path / "cache"
    conf = make_project(tmp_path, OUTPUT_PATH=str(output))
    load(tmp_path, "old", OLD + NEW)
    build_project(conf)
    if shard == "made again":
        index_site(output, cache)
        load(tmp_path, "new", [tweet("201", "Ferry to Hvar", "Fri Mar 06 10:00:00 +0000 2009")])
        build_project(conf)
    with full(small_disk), pytest.raises(OSError) as failed:
        index_site(output, cache)
    assert failed.value.strerror == "No space left on device"
    assert failed.value.filename.startswith(f"{output}/-/pagefind/envoy-20"), failed.value
    index_site(output, cache)
    index = output / "-" / "pagefind"
    made = {p.name: texts(p) for p in index.iterdir()}  # Pagefind's hashed names aside
    assert "Hvar" in made["envoy-2009-03"] or shard == "new"
    shutil.rmtree(index)
    (cache / "search.json").unlink()
    index_site(output, cache)
    assert {p.name: texts(p) for p in index.iterdir()} == made
    assert not [p for p in index.rglob("*") if p.stat().st_size == 0]


@pytest.mark.parametrize("state", ["an older one", "an older one with its shards", "truncated"])
def test_a_search_state_put_back_or_damaged_leaves_an_index_of_exactly_the_pages(
    project, tmp_path, state
):
    output, _ = indexed(project)
    cache, index = project.parent / "cache", output / "-" / "pagefind"
    older = (cache / "search.json").read_bytes()
    shutil.copytree(index, tmp_path / "older", copy_function=shutil.copy2)  # times kept
    (project.parent / "content" / "redactions.md").write_text(
        "Title: Withheld posts\n\n- 100: personal-data, 2009-01-15\n"
    )
    load(tmp_path, "new", [tweet("201", "Ferry to Hvar", "Fri Mar 06 10:00:00 +0000 2009")])
    indexed(project)
    now = (cache / "search.json").read_bytes()
    if state.startswith("an older one"):
        (cache / "search.json").write_bytes(older)
    else:
        (cache / "search.json").write_bytes(now[: len(now) // 2])
    if state.endswith("with its shards"):  # a backup of cache/ and the index put back
        shutil.rmtree(index)
        shutil.copytree(tmp_path / "older", index, copy_function=shutil.copy2)
    build_project(project)
    index_site(output, cache)
    made = {p.name: texts(p) for p in index.iterdir()}
    assert "Geothermal" not in " ".join(made.values()) and "Hvar" in made["envoy-2009-03"]
    shutil.rmtree(index)
    (cache / "search.json").unlink()
    index_site(output, cache)  # a clean index
    assert {p.name: texts(p) for p in index.iterdir()} == made


def test_a_build_without_search_and_then_with_it_indexes_every_shard_again(project):
    output, _ = indexed(project)
    build_project(make_project(project.parent, SEARCH=False))
    assert not (output / "-" / "pagefind").exists()  # --no-search leaves no index behind
    output, summary = indexed(make_project(project.parent))
    assert summary == "Indexed 3 pages in 2 of 2 shards (0 unchanged)"


def test_a_site_with_no_posts_yet_has_a_search_page_saying_so_and_no_index_to_load(tmp_path):
    conf = make_project(tmp_path)
    output = build_project(conf)
    (output / "-" / "pagefind-3").mkdir()  # a bundle of the layout before shards
    assert index_site(output, tmp_path / "cache") == "no posts to index"
    page = (output / "-" / "search" / "index.html").read_text()
    assert "Nothing to search yet: no posts are imported." in page
    assert "search.js" not in page and "pagefind" not in page
    assert not list((output / "-").glob("pagefind*"))


def test_a_post_page_that_is_not_utf8_is_named_and_not_indexed(project):
    output = build_project(project)
    page = output / "envoy" / "status" / "100" / "index.html"
    page.write_bytes(b"<p>\xff\xfe</p>")
    with pytest.raises(CommuniqueError, match=f"{page}: cannot be read to index it"):
        index_site(output, project.parent / "cache")


def test_an_unbuilt_site_is_not_indexed(tmp_path):
    with pytest.raises(CommuniqueError, match="no built site to index"):
        index_site(tmp_path, tmp_path / "cache")


CARD_PAGE = (
    "<title>A post · Envoy</title>"
    '<p class="site-name"><a href="/">Envoy</a></p>'
    '<div data-pagefind-body><article class="post" id="p1"><p class="meta">'
    '<a href="/envoy/status/1/"><time datetime="2009-03-02T10:00:00Z">2 March</time></a></p>'
    '<div class="text">Words</div></article></div>'
    '<nav class="around"><time datetime="2009-03-03T10:00:00Z">later</time></nav>'
)


@pytest.mark.parametrize(
    "missing",
    [
        '<time datetime="2009-03-02T10:00:00Z">',  # the card's time: the one after it is not
        "<title>A post · Envoy</title>",
        '<article class="post" id="p1">',
        "</article>",
    ],
)
def test_a_post_page_without_the_cards_fields_is_named(missing):
    assert record("envoy/status/1/index.html", CARD_PAGE).meta["date"] == "2009-03-02T10:00:00Z"
    page = CARD_PAGE.replace(missing, "")
    with pytest.raises(CommuniqueError, match="^envoy/status/1/index.html: a post page without"):
        record("envoy/status/1/index.html", page)


def test_a_full_index_reads_its_pages_on_every_core_as_it_would_here(tmp_path):
    rels = [f"envoy/status/{n}/index.html" for n in range(PARALLEL_MIN + 10)]
    for n, rel in enumerate(rels):
        (tmp_path / rel).parent.mkdir(parents=True)
        (tmp_path / rel).write_text(CARD_PAGE.replace("Words", f"Words {n}"))
    found = read_records(tmp_path, rels)
    assert [r.content for r in found] == [f"Words {n}" for n in range(len(rels))]
    (tmp_path / rels[-3]).write_bytes(b"\xff not UTF-8")  # in a slice another core reads
    with pytest.raises(CommuniqueError, match=f"{tmp_path / rels[-3]}: cannot be read"):
        read_records(tmp_path, rels)


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60)


@given(words=TEXT, title=TEXT)
def test_a_records_text_and_title_are_the_pages_unescaped(words, title):
    from markupsafe import escape

    page = (
        f"<title>{escape(title)} · Envoy &amp; co</title>"
        '<p class="site-name"><a href="/">Envoy &amp; co</a></p>'
        '<div data-pagefind-body><article class="post" id="p1"><p class="meta"><a>@envoy</a>'
        '<a href="/envoy/status/1/"><time datetime="2009-03-02T10:00:00Z">2 March</time></a></p>'
        f'<div class="text"><p>{escape(words)}</p></div></article></div>'
    )
    found = record("envoy/status/1/index.html", page)
    assert found.url == "/envoy/status/1/"
    assert found.meta == {"title": title, "date": "2009-03-02T10:00:00Z", "account": "envoy"}
    assert found.filters == {"account": ["envoy"], "year": ["2009"]}
    assert found.content == " ".join(words.split())


def test_a_post_pages_record_is_read_from_what_the_page_shows_a_reader(tmp_path):
    """Title, time, hashtags and trips, from the page as it is: no bytes of it are there for
    the indexer alone."""
    conf = make_project(tmp_path, SITENAME="Envoy · Vale")
    (tmp_path / "content" / "trips" / "adriatic.md").write_text(
        "Title: Adriatic & back\nStart: 2009-03-01\nEnd: 2009-03-03\n\nBy the sea.\n"
    )
    text = "Harbour visit in Split #Adriatic"
    tags = {"hashtags": [{"text": "Adriatic", "indices": ["23", "32"]}], "user_mentions": [],
            "urls": []}  # fmt: skip
    load(tmp_path, "old", [tweet("200", text, "Mon Mar 02 10:00:00 +0000 2009", entities=tags)])
    output = build_project(conf)
    page = (output / "envoy" / "status" / "200" / "index.html").read_text()
    assert "data-pagefind-meta" not in page and "data-pagefind-filter" not in page
    found = record("envoy/status/200/index.html", page)
    assert found.meta == {"title": "Harbour visit in Split #Adriatic",
                          "date": "2009-03-02T10:00:00Z", "account": "envoy"}  # fmt: skip
    assert found.filters == {"account": ["envoy"], "year": ["2009"], "trip": ["Adriatic & back"],
                             "hashtag": ["Adriatic"]}  # fmt: skip
    assert found.content == "Harbour visit in Split #Adriatic"


def test_a_sites_empty_name_is_not_left_on_its_post_records_titles(tmp_path):
    """A site named "" still has " · " after each page's title: the record's title stops
    before it, as it does before any other name."""
    conf = make_project(tmp_path, SITENAME="")
    load(tmp_path, "old", NEW)
    output = build_project(conf)
    page = (output / "envoy" / "status" / "200" / "index.html").read_text()
    found = record("envoy/status/200/index.html", page)
    assert found.meta["title"] == "Harbour visit in Split #Adriatic"


def test_a_hashtag_with_no_page_of_its_own_is_still_a_filter_of_its_posts_record(tmp_path):
    """A hashtag whose name cannot be a folder is shown unlinked; the post still wrote it, and
    a search by it finds the post, as it did when the filter came from the post's entities."""
    conf = make_project(tmp_path)
    text = "Harbour visit #a/b and #Adriatic"
    tags = {"hashtags": [{"text": "a/b", "indices": ["14", "18"]},
                         {"text": "Adriatic", "indices": ["23", "32"]}],
            "user_mentions": [], "urls": []}  # fmt: skip
    load(tmp_path, "old", [tweet("200", text, "Mon Mar 02 10:00:00 +0000 2009", entities=tags)])
    output = build_project(conf)
    page = (output / "envoy" / "status" / "200" / "index.html").read_text()
    found = record("envoy/status/200/index.html", page)
    assert found.filters["hashtag"] == ["a/b", "Adriatic"]
    assert found.content == text
