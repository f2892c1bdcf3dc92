"""Any handle may exist (@data, @search): the site's own pages are where no account's can be."""

import re

import pytest
from invoke import Context

import tasks
from communique.errors import CommuniqueError
from communique.ingest.export import import_archive
from communique.site import model
from communique.site.search import index_site
from communique.store import Store
from conftest import build_project, make_project, tweet, write_export

# Accounts named as the site's own pages were before they moved under /-/; "envoy" takes none.
TAKEN = ["data", "redactions", "search", "tags", "pagefind", "theme", "trips"]
ACCOUNTS = [*TAKEN, "envoy"]
TRIP = "Title: Iceland\nStart: 2008-11-01\nEnd: 2008-11-30\nHashtags: Iceland\n\nReykjavik.\n"
# The site's own pages, by the heading each shows.
OWN = {
    "-/trips": "Trips and events",
    "-/trips/iceland": "Iceland",
    "-/tags": "Hashtags",
    "-/tags/iceland": "#Iceland",
    "-/threads/100": "Conversation: Hello from data #Iceland",
    "-/audiences/friends": "Friends and followers",
    "-/provenance": "Provenance",
    "-/redactions": "Withheld posts",
    "-/data": "Data downloads",
    "-/search": "Search",
    "-/about": "About",
}


def posts(n: int, name: str) -> list[dict]:
    """A post with a hashtag and a reply to it: each account in a trip, a hashtag, a thread."""
    first, text = str(100 + 2 * n), f"Hello from {name} #Iceland"
    tag = {"text": "Iceland", "indices": [str(len(text) - 8), str(len(text))]}
    return [
        tweet(first, text, entities={"hashtags": [tag], "user_mentions": [], "urls": []}),
        tweet(str(101 + 2 * n), f"More from {name}", in_reply_to_status_id_str=first,
              in_reply_to_screen_name=name),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout")
    conf = make_project(folder, ACCOUNTS=ACCOUNTS)
    (folder / "content" / "trips" / "iceland.md").write_text(TRIP)
    store = Store(folder / "content" / "archive")
    for n, name in enumerate(ACCOUNTS):
        import_archive(
            write_export(folder / f"export-{name}", posts(n, name), username=name), store
        )
    output = build_project(conf)
    index_site(output, output.parent / "cache")  # as `invoke build` does
    return conf, output


def heading(output, rel_dir: str) -> str:
    html = (output / rel_dir / "index.html").read_text()
    return re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", html)[1])


@pytest.mark.parametrize("n, name", list(enumerate(ACCOUNTS)))
def test_every_account_has_its_pages_whatever_its_name(site, n, name):
    _, output = site
    assert heading(output, name) == f"E @{name}"  # its timeline, not a site page
    post = (output / name / "status" / str(100 + 2 * n) / "index.html").read_text()
    assert f"Hello from {name}" in post
    assert f"/{name}/status/{100 + 2 * n}/" in (output / name / "atom.xml").read_text()
    assert (output / name / "2008" / "11" / "index.html").is_file()


@pytest.mark.parametrize("rel_dir", OWN)
def test_every_site_page_is_there_under_its_own_folder(site, rel_dir):
    _, output = site
    assert heading(output, rel_dir) == OWN[rel_dir]


def test_the_theme_and_the_search_index_are_the_sites_and_index_every_account(site):
    _, output = site
    assert (output / "-" / "theme" / "css" / "style.css").is_file()
    entries = sorted((output / "-" / "pagefind").glob("*/pagefind-entry.json"))
    # every account's posts are of November 2008: its newest month, a shard of its own
    assert [p.parent.name for p in entries] == sorted(f"{name}-2008-11" for name in ACCOUNTS)
    for entry in entries:  # two posts of each account, that month's
        assert re.search(r'"page_count":\s*2\b', entry.read_text()), entry
    first = 100 + 2 * ACCOUNTS.index("pagefind")
    assert (output / "pagefind" / "status" / str(first) / "index.html").is_file()  # not deleted


@pytest.mark.parametrize("rel_dir", ["threads/100", "audiences/friends", "provenance", "about"])
def test_an_old_address_no_account_took_sends_the_reader_on(site, rel_dir):
    _, output = site
    html = (output / rel_dir / "index.html").read_text()
    target = f"/-/{rel_dir}/"
    assert f'<meta http-equiv="refresh" content="0; url={target}">' in html
    assert f'<link rel="canonical" href="https://archive.example.org{target}">' in html
    assert f'<a href="{target}">' in html
    assert '<nav aria-label="Site">' not in html and "<footer" not in html  # a stop, no more


def test_a_feed_that_moved_is_where_it_was_too_unless_an_account_took_the_name(site):
    _, output = site
    for kind in ("atom.xml", "rss.xml"):
        moved = (output / "-" / "audiences" / "friends" / kind).read_bytes()
        assert (output / "audiences" / "friends" / kind).read_bytes() == moved
    # @tags and @data have their folders: the account wins, no page of the site's is there.
    assert not (output / "tags" / "iceland").exists()
    assert not (output / "data" / "posts.csv.gz").exists()


def test_invoke_check_passes_on_the_site(site, capsys):
    conf, _ = site
    tasks.check(Context(), config=str(conf))  # raises Exit on any problem
    assert "FAIL" not in capsys.readouterr().out


def test_pelican_writing_where_an_account_may_be_stops_the_build(tmp_path):
    conf = make_project(tmp_path, PAGE_SAVE_AS="{slug}/index.html")
    import_archive(
        write_export(tmp_path / "export", posts(0, "envoy")),
        Store(tmp_path / "content" / "archive"),
    )
    with pytest.raises(SystemExit, match=r"about/index.html: Pelican wrote it where an account"):
        build_project(conf)


@pytest.mark.parametrize(
    "damage, message",
    [
        ("folder", r"archive: '-' is not an account name"),  # the store's own refusal
        ("record", r"2008-11.jsonl: post 100 is not @envoy's"),
    ],
)
def test_a_store_whose_pages_could_take_the_sites_own_is_refused(tmp_path, damage, message):
    store = Store(tmp_path / "archive")
    import_archive(write_export(tmp_path / "export", posts(0, "envoy")), store)
    if damage == "folder":  # made by hand: the importers name an account as a handle
        (store.root / "envoy").rename(store.root / "-")
    else:
        (month,) = store.month_files("envoy")
        month.write_text(month.read_text().replace('"account":"envoy"', '"account":"-/trips"', 1))
    with pytest.raises(CommuniqueError, match=message):
        model.load(store)
